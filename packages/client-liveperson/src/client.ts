/**
 * The client factory: openapi-fetch plus the few things the spec cannot express (the app key, the fixed `v=1&NC=true`
 * query, `Accept: application/json`).
 */
import createClient, {
  type Client,
  type ClientOptions,
  createQuerySerializer,
  type HeadersOptions
} from "openapi-fetch"
import type { paths } from "./generated/liveperson.ts"

/** Query parameters the factory sends on every request, so call sites never pass them. */
type FixedQuery = "v" | "NC"

type Simplify<T> = { [K in keyof T]: T[K] }

type RequiredKeys<T> = { [K in keyof T]-?: Pick<T, K> extends Required<Pick<T, K>> ? K : never }[keyof T]

/** `query` without `v`/`NC`: optional once nothing required is left, `never` once nothing is left at all. */
type QueryPart<Q> = [keyof Q] extends [never]
  ? { query?: never }
  : [RequiredKeys<Q>] extends [never]
    ? { query?: Simplify<Q> }
    : { query: Simplify<Q> }

type StripFixedQuery<P> = P extends { query?: infer Q }
  ? Simplify<Omit<P, "query"> & QueryPart<Omit<NonNullable<Q>, FixedQuery>>>
  : P

type StripOperation<Op> = Op extends { parameters: infer P; responses: unknown }
  ? Simplify<Omit<Op, "parameters"> & { parameters: StripFixedQuery<P> }>
  : Op

/**
 * The generated `paths`, minus the query parameters the factory always sends (`v`, `NC`), so a call site passes
 * only what varies (`from`, `skill`, ...). Everything else (paths, bodies, headers, responses) is unchanged.
 *
 * @category types
 */
export type LivePersonPaths = {
  [Path in keyof paths]: {
    [Key in keyof paths[Path]]: Key extends "parameters"
      ? StripFixedQuery<paths[Path][Key]>
      : StripOperation<paths[Path][Key]>
  }
}

/**
 * The typed client returned by {@link createLivePersonClient}: a plain openapi-fetch `Client` over
 * {@link LivePersonPaths}. Calls resolve to `{ data, error, response }` and never throw on HTTP errors.
 *
 * @category types
 */
export type LivePersonClient = Client<LivePersonPaths>

/** Where the app key goes: the documented header, or the `appKey` query parameter that production clients use. */
export type AppKeyPlacement = "header" | "query"

/**
 * Options of {@link createLivePersonClient}. Everything openapi-fetch accepts passes straight through (`fetch`,
 * `Request`, `requestInitExt`, `headers`, `querySerializer`, `bodySerializer`, ...).
 *
 * @category types
 */
export interface LivePersonClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /**
   * Origin of the account's conversationVep domain, found with LivePerson's Domain API, for example
   * `https://va-a.convep.liveperson.net`. A path prefix (for a proxy) is allowed; paths start with `/api/account`.
   */
  readonly baseUrl: string
  /** The application key. It is a secret: it is sent on every request and never appears in an error message. */
  readonly appKey: string
  /**
   * `"header"` (default) sends `Authorization: LivePerson appKey=<key>`. `"query"` sends `appKey=<key>` in the
   * query string instead, like production clients do.
   */
  readonly appKeyIn?: AppKeyPlacement
}

/** What every request carries in its query string, before the call's own parameters. */
const fixedQuery = "v=1&NC=true"

const defaultHeaders = (authorization: string | undefined, headers: HeadersOptions | undefined): HeadersOptions => {
  const base: Record<string, string> = { Accept: "application/json" }
  if (authorization !== undefined) base.Authorization = authorization
  if (headers === undefined) return base
  // openapi-fetch understands records (null deletes, arrays append); a Headers object or tuples become one.
  const extra =
    headers instanceof Headers || Array.isArray(headers) ? Object.fromEntries(new Headers(headers)) : headers
  return { ...base, ...extra }
}

/**
 * Creates the typed LivePerson client. The factory adds `v=1&NC=true` to every query string and sets
 * `Accept: application/json`. It also sends the app key, in the `Authorization` header by default or as the
 * `appKey` query parameter. No middleware is involved: a default header and a query serializer do the work, so a
 * request costs what a plain openapi-fetch call costs.
 *
 * Your own `headers` override the defaults. Your `querySerializer` (function or options) serializes the call's
 * parameters, and the fixed query is put in front of its output. A per-call `querySerializer` replaces all of this:
 * do not pass one.
 *
 * @throws TypeError when `appKey` is empty or `appKeyIn` is not `"header"`/`"query"` (the key is not in the message).
 *
 * @example
 * ```ts
 * import { createLivePersonClient, parseChatLocation, putOverride } from "@switchboard/client-liveperson"
 *
 * const baseUrl = "https://va-a.convep.liveperson.net"
 * const lp = createLivePersonClient({ baseUrl, appKey: process.env.LP_APP_KEY! })
 * const started = await lp.POST("/api/account/{accountId}/chat/request", {
 *   params: { path: { accountId: "25025413" } },
 *   body: { request: { skill: "Sales", language: "en-US" } }
 * })
 * const chat = parseChatLocation(started.response, { baseUrl, accountId: "25025413" })
 * if (chat.data) {
 *   const path = { accountId: chat.data.accountId, chatId: chat.data.chatId }
 *   await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
 *     params: { path, header: putOverride },
 *     body: { visitorName: "Natalie" }
 *   })
 * }
 * ```
 *
 * @category constructors
 */
export const createLivePersonClient = (options: LivePersonClientOptions): LivePersonClient => {
  const { appKey, appKeyIn = "header", headers, querySerializer, ...passThrough } = options
  if (typeof appKey !== "string" || appKey.length === 0) {
    throw new TypeError("createLivePersonClient: appKey must be a non-empty string")
  }
  if (appKeyIn !== "header" && appKeyIn !== "query") {
    throw new TypeError('createLivePersonClient: appKeyIn must be "header" or "query"')
  }
  const fixed = appKeyIn === "query" ? `${fixedQuery}&appKey=${encodeURIComponent(appKey)}` : fixedQuery
  const serialize = typeof querySerializer === "function" ? querySerializer : createQuerySerializer(querySerializer)
  return createClient<LivePersonPaths>({
    ...passThrough,
    headers: defaultHeaders(appKeyIn === "header" ? `LivePerson appKey=${appKey}` : undefined, headers),
    querySerializer: (query) => {
      const own = serialize(query)
      const rest = own.startsWith("?") ? own.slice(1) : own
      return rest.length === 0 ? fixed : `${fixed}&${rest}`
    }
  })
}

/**
 * The header every PUT-tunnelled setter requires (`submitOfflineSurvey`, `setVisitorName`, `setVisitorTyping`,
 * `submitExitSurvey`, `requestTranscript`). Pass it as `params.header`.
 *
 * @example
 * ```ts
 * await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", {
 *   params: { path, header: putOverride },
 *   body: { visitorTyping: "typing" }
 * })
 * ```
 *
 * @category constants
 */
export const putOverride = Object.freeze({ "X-HTTP-Method-Override": "PUT" } as const)
