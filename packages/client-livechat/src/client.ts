/**
 * The client factory and the client-side view of the generated `paths`.
 */
import createClient, { type Client, type ClientOptions, mergeHeaders } from "openapi-fetch"
import { FORM_CONTENT_TYPE, formBodySerializer } from "./form.ts"
import type { paths } from "./generated/livechat.ts"

/** The value of the `X-API-Version` header that every LiveChat v2 request carries. */
export const API_VERSION = "2"

/** The production origin of the LiveChat REST API (the spec's only server). */
export const LIVECHAT_BASE_URL = "https://api.livechatinc.com"

type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The spec's required `X-API-Version` header made optional: the factory always sends it. */
type ClientParameters<P> = P extends { header: infer H }
  ? Simplify<Omit<P, "header"> & { header?: Simplify<Omit<H, "X-API-Version"> & { "X-API-Version"?: "2" }> }>
  : P

/**
 * A request body typed as the JSON schema only: callers pass one JS object and the client encodes it as a form or
 * as JSON. (The form schemas also admit digit strings for numbers, which would be wrong in a JSON body.)
 */
type ClientRequestBody<B> = B extends { content: { "application/json": infer J } }
  ? Simplify<Omit<B, "content"> & { content: { "application/json": J } }>
  : B

type ClientOperation<Op> = Op extends { parameters: infer P; responses: infer R }
  ? Op extends { requestBody: infer B }
    ? { parameters: ClientParameters<P>; requestBody: ClientRequestBody<B>; responses: R }
    : { parameters: ClientParameters<P>; requestBody?: never; responses: R }
  : Op

/**
 * The generated {@link paths} as the client sees them: the same paths, methods, parameters and responses, except
 * that `X-API-Version` is optional (the factory sends it) and request bodies take the JSON-typed object whatever
 * the wire encoding.
 */
export type LiveChatPaths = {
  [Path in keyof paths]: {
    [Method in keyof paths[Path]]: Method extends HttpMethod
      ? ClientOperation<paths[Path][Method]>
      : paths[Path][Method]
  }
}

/** The openapi-fetch client returned by {@link createLiveChatClient}. */
export type LiveChatClient = Client<LiveChatPaths, "application/json">

/** How {@link createLiveChatClient} encodes `POST` bodies: a form (the vendor's examples, the default) or JSON. */
export type BodyEncoding = "form" | "json"

/** Options of {@link createLiveChatClient}: openapi-fetch's `ClientOptions`, passed through, plus `bodyEncoding`. */
export interface LiveChatClientOptions extends ClientOptions {
  /** Origin of the API, e.g. {@link LIVECHAT_BASE_URL} or a simulator's `http://127.0.0.1:PORT`. */
  readonly baseUrl: string
  /**
   * `"form"` (default) sends `application/x-www-form-urlencoded` bodies, as the vendor's examples do; `"json"`
   * sends `application/json`. An explicit `bodySerializer` overrides the encoder either way.
   */
  readonly bodyEncoding?: BodyEncoding
}

const formHeaders = Object.freeze({ "X-API-Version": API_VERSION, "Content-Type": FORM_CONTENT_TYPE })
const jsonHeaders = Object.freeze({ "X-API-Version": API_VERSION })

/**
 * Creates a typed client for the LiveChat visitor chat API v2.
 *
 * Every request carries `X-API-Version: 2` (so call sites never pass it). `POST` bodies are form-encoded by default;
 * in that mode the `Content-Type: application/x-www-form-urlencoded` default header is also on the body-less `GET`,
 * where HTTP gives it no meaning. Everything else of openapi-fetch's `ClientOptions` (`fetch`, `Request`,
 * `requestInitExt`, `headers`, `querySerializer`, `bodySerializer`, ...) passes straight through; `headers` are
 * merged over the defaults. No middleware is installed, so a request costs what a plain openapi-fetch call costs.
 *
 * Calls never throw for HTTP errors: they resolve to `{ data }` on 200 and `{ error, response }` otherwise (the
 * parsed `{"error": ...}` / `{"errors": [...]}` body). Only transport failures reject.
 *
 * @example
 * const client = createLiveChatClient({ baseUrl: LIVECHAT_BASE_URL })
 * const visitor = { path: { visitor_id: "5863759023" } }
 * const { data } = await client.POST("/visitors/{visitor_id}/chat/start", {
 *   params: visitor,
 *   body: { licence_id: 123, welcome_message: "Hi" }
 * })
 * if (data && !data.banned) {
 *   const { secured_session_id } = data
 *   const polled = await client.GET("/visitors/{visitor_id}/chat/get_pending_messages", {
 *     params: { ...visitor, query: { licence_id: 123, secured_session_id, last_message_id: 3 } }
 *   })
 *   for (const event of polled.data?.events ?? []) console.log(event.message_id, event.type)
 * }
 */
export const createLiveChatClient = (options: LiveChatClientOptions): LiveChatClient => {
  const { bodyEncoding = "form", headers, ...rest } = options
  const form = bodyEncoding !== "json"
  const defaults = form ? formHeaders : jsonHeaders
  return createClient<LiveChatPaths, "application/json">({
    ...(form && { bodySerializer: formBodySerializer }),
    ...rest,
    headers:
      headers === undefined ? defaults : mergeHeaders(defaults, Array.isArray(headers) ? new Headers(headers) : headers)
  })
}
