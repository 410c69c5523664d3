/**
 * The client factory: openapi-fetch over the generated `paths`, with the API version header and the
 * comma-separated array encoding set once per client.
 */
import createClient, {
  type Client,
  type ClientOptions,
  type HeadersOptions,
  type QuerySerializerOptions
} from "openapi-fetch"
import type { paths } from "./generated/salesforce.ts"

/** The API version the client sends when `apiVersion` is not given (Spring '23; every resource exists in it). */
export const DEFAULT_API_VERSION = 57

const VERSION_HEADER = "X-LIVEAGENT-API-VERSION"
type VersionHeader = typeof VERSION_HEADER

type Simplify<T> = { [K in keyof T]: T[K] }
type RequiredKeys<T> = { [K in keyof T]-?: T extends Record<K, T[K]> ? K : never }[keyof T]

/** A header object without a required API version: the client sends it, a call may still override it. */
type LoosenHeader<H> = Simplify<
  { [K in keyof H as K extends VersionHeader ? never : K]: H[K] } & { [K in keyof H & VersionHeader]?: H[K] }
>

type LoosenParameters<P> = P extends { header: infer H }
  ? RequiredKeys<LoosenHeader<H>> extends never
    ? Simplify<Omit<P, "header"> & { header?: LoosenHeader<H> }>
    : Simplify<Omit<P, "header"> & { header: LoosenHeader<H> }>
  : P

type LoosenOperation<O> = O extends { parameters: infer P }
  ? Simplify<Omit<O, "parameters"> & { parameters: LoosenParameters<P> }>
  : O

/**
 * The generated `paths` with `X-LIVEAGENT-API-VERSION` made optional in every operation, because
 * {@link createSalesforceClient} sends it on every request. Everything else (other headers, query, path, bodies,
 * responses) is exactly the generated type.
 */
export type SalesforcePaths = {
  [Path in keyof paths]: { [Method in keyof paths[Path]]: LoosenOperation<paths[Path][Method]> }
}

/** The openapi-fetch client {@link createSalesforceClient} returns. */
export type SalesforceClient = Client<SalesforcePaths>

/** Options of {@link createSalesforceClient}: every openapi-fetch option, plus the API version. */
export interface SalesforceClientOptions extends ClientOptions {
  /**
   * The org's Chat API endpoint including `/chat/rest`, e.g. `https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest`
   * (a trailing slash is ignored).
   */
  readonly baseUrl: string
  /**
   * Salesforce API version sent as `X-LIVEAGENT-API-VERSION` on every request (default {@link DEFAULT_API_VERSION}).
   * It replaces any header of the same name in `headers`. Use 37 or later for `ReconnectSession`, 47 or later for
   * wait estimates; `ResyncSession` only exists up to 36.
   */
  readonly apiVersion?: number | string
}

/**
 * Arrays in the query (`Availability.ids`, `Settings.buttonIds`) go out as one comma-separated value, the form the
 * spec declares (`style: form, explode: false`). A `querySerializer` option replaces this.
 */
const commaSeparatedArrays: QuerySerializerOptions = { array: { style: "form", explode: false } }

const versionPattern = /^[1-9][0-9]*(\.0)?$/

const headerRecord = (headers: ClientOptions["headers"]): Record<string, unknown> => {
  if (headers === undefined) return {}
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers).entries())
  return { ...headers }
}

/**
 * Creates a typed client for one Live Agent endpoint. It is an openapi-fetch `Client` (results are
 * `{ data, error, response }`, it never throws on HTTP errors) over the spec's paths, with
 * `X-LIVEAGENT-API-VERSION` set on every request. Session headers come from the helpers (`sessionHeaders`,
 * `sequencedHeaders`, …); the client itself holds no session and no state, so one client serves many sessions.
 *
 * Every openapi-fetch option passes straight through: plug a faster transport in with `fetch` and `Request`,
 * a dispatcher with `requestInitExt`. No middleware is installed.
 *
 * Throws a `TypeError` when `apiVersion` is not a positive whole number.
 *
 * @example
 * const client = createSalesforceClient({ baseUrl: "https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest" })
 * const { data } = await client.GET("/System/SessionId", { params: { header: newSessionHeaders() } })
 * const session = SalesforceSession.fromSessionId(data!)
 * await client.POST("/Chasitor/ChatMessage", {
 *   params: { header: sequencedHeaders(session, 2) },
 *   body: { text: "Hello" },
 *   parseAs: "text"
 * })
 */
export const createSalesforceClient = (options: SalesforceClientOptions): SalesforceClient => {
  const { apiVersion = DEFAULT_API_VERSION, headers, querySerializer = commaSeparatedArrays, ...rest } = options
  const version = String(apiVersion)
  if (!versionPattern.test(version)) {
    throw new TypeError(`apiVersion must be a positive whole number such as ${DEFAULT_API_VERSION}, got ${version}`)
  }
  return createClient<SalesforcePaths>({
    ...rest,
    querySerializer,
    // A plain record: openapi-fetch merges it on every request, and a record is cheaper to walk than `Headers`.
    headers: { ...headerRecord(headers), [VERSION_HEADER]: version } as HeadersOptions
  })
}
