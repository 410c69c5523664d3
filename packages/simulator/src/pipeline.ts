/**
 * Serves a module's operations straight from its OpenAPI document: nothing the document does not describe is served.
 * Each request is checked against its operation (a malformed one gets the module's own error shape, never a framework
 * 500), meets the fault rules, reaches its handler, and in checking mode its response is validated against the
 * document too.
 *
 * The pipeline works on an `Exchange` (one request, whichever way it came) and answers a plain `SimResponse`. Over
 * HTTP both sides are Node's own objects (`http.ts`); in-process they are a standard `Request` and `Response`, made
 * only there (`fromContext`, `toResponse`). Routing is Hono's trie router on its own, with the paths, parameters and
 * query values Hono's app computed before, so every request lands where it did.
 */
import type { HttpBindings } from "@hono/node-server"
import type { Provider } from "@switchboard/specs"
import type { Context } from "hono"
import { TrieRouter } from "hono/router/trie-router"
import { tryDecodeURIComponent } from "hono/utils/url"
import type { FaultDecision, Faults } from "./faults.ts"
import type { Handler, OperationModule, ProviderModule, SimRequest, SimResponse } from "./module.ts"
import { type CompiledOperation, compileDocument, type Problem } from "./openapi.ts"

/** Node bindings of the in-process app; absent (`Partial`) when it is called without a socket. */
export type Env = { Bindings: Partial<HttpBindings> }

/** One response that did not match the document. */
export interface Violation {
  readonly module: string
  readonly operationId: string
  readonly status: number
  readonly problems: ReadonlyArray<Problem>
}

/** Largest request body accepted; a larger one is refused with a 413 in the module's error shape. */
export const maxBodyBytes = 1024 * 1024

/** Marks a response that stands for a network failure when the simulator is used in-process (no socket). */
export const networkFailureHeader = "x-switchboard-simulated-network-failure"

/** The answer standing for a cut connection: nothing reaches an HTTP client; in-process it becomes a network error. */
export const networkFailure: SimResponse = Object.freeze({
  status: 599,
  headers: Object.freeze({ [networkFailureHeader]: "1" }),
  body: null
})

/** One request as the pipeline sees it: from Node's HTTP server (`http.ts`) or an in-process `Request`. */
export interface Exchange {
  /** The method as received; `HEAD` is routed as `GET`. */
  readonly method: string
  /** The path as Hono's non-strict routing has it: percent-decoded with `decodeURI`, no trailing slash. */
  readonly path: string
  /** The absolute URL, query included, as a standard `Request.url` has it. */
  readonly url: string
  /** Lower-case names; a repeated header joined as a standard `Headers` joins it. */
  readonly headers: Record<string, string>
  /** The body as text, or undefined when it is larger than `limit` bytes. */
  readBody(limit: number): Promise<string | undefined>
  /** Aborted when the client goes away. Made on first read (most requests never need it). */
  readonly signal: AbortSignal
  /** Destroys the client's connection (without a socket: nothing). */
  cut(): void
}

/**
 * Answers one exchange: at once when nothing has to wait (no body to read, no latency fault, a synchronous handler),
 * else a promise. A handler's Error becomes the module's 500; anything else thrown is thrown (or rejected) as is.
 */
export type Dispatch = (exchange: Exchange) => SimResponse | Promise<SimResponse>

export interface MountOptions {
  readonly name: string
  readonly document: Record<string, unknown>
  readonly module: OperationModule | ProviderModule
  /** Fault rules apply to provider modules only. */
  readonly faults?: Faults
  /** Collects response violations when set. */
  readonly violations?: Array<Violation>
}

const honoPath = (path: string) => path.replaceAll(/\{([^}]+)\}/g, ":$1")

/** Static segments before parameters, so `/chat/availability` wins over `/chat/{chatId}`. */
const specificity = (operation: CompiledOperation) => (operation.path.match(/\{/g) ?? []).length

const templateMatcher = (path: string) =>
  new RegExp(`^${path.replaceAll(/[.*+?^$()|[\]\\]/g, "\\$&").replaceAll(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, "[^/]+")}/?$`)

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const parseBody = (raw: string, contentType: string | undefined): { ok: true; value: unknown } | { ok: false } => {
  if (raw.length === 0) return { ok: true, value: undefined }
  if (contentType === "application/json" || contentType?.endsWith("+json")) {
    try {
      return { ok: true, value: JSON.parse(raw) }
    } catch {
      return { ok: false }
    }
  }
  if (contentType === "application/x-www-form-urlencoded") {
    const fields: Record<string, string | Array<string>> = {}
    for (const [key, value] of new URLSearchParams(raw)) {
      const existing = fields[key]
      fields[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
    }
    return { ok: true, value: fields }
  }
  return { ok: true, value: raw }
}

const readResponseBody = (response: SimResponse): { type: string | undefined; value: unknown } => {
  const type = response.headers["content-type"]?.split(";")[0]?.trim()
  const raw = response.body ?? ""
  if (raw.length === 0) return { type, value: undefined }
  if (type === "application/json" || type?.endsWith("+json")) {
    try {
      return { type, value: JSON.parse(raw) }
    } catch {
      return { type, value: raw }
    }
  }
  return { type, value: raw }
}

/** The same response with more headers. */
const withHeaders = (response: SimResponse, headers: Readonly<Record<string, string>>): SimResponse => ({
  ...response,
  headers: { ...response.headers, ...headers }
})

/** Destroys the client's connection without an answer (in-process: the network failure marker). */
const cutConnection = (exchange: Exchange): SimResponse => {
  exchange.cut()
  return networkFailure
}

/**
 * Numbers that coercion turned into Infinity or NaN (`1e999` passes ajv's integer check): refused for every module.
 */
const nonFinite = (request: SimRequest): Array<Problem> => {
  const found: Array<Problem> = []
  const scan = (value: unknown, at: string): void => {
    if (typeof value === "number" && !Number.isFinite(value)) found.push({ at, message: "must be a finite number" })
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) scan(item, `${at}/${index}`)
    }
  }
  for (const [key, value] of Object.entries(request.query)) scan(value, `query/${key}`)
  if (
    request.contentType === "application/x-www-form-urlencoded" &&
    typeof request.body === "object" &&
    request.body !== null
  ) {
    for (const [key, value] of Object.entries(request.body)) scan(value, `body/${key}`)
  }
  return found
}

/** Hono's query decoding: `+` is a space, then percent-decoding where it is valid. */
const decodeQueryPart = (value: string): string =>
  tryDecodeURIComponent(value.includes("+") ? value.replaceAll("+", " ") : value)

/** `ids[]` or `ids[3]`: the bracket suffixes some clients (axios, qs) put on repeated array parameters. */
const bracketed = /\[[0-9]*\]$/

/**
 * The query of `url` as Hono's `c.req.queries()` reads it (the same splitting and decoding, including its choice to
 * decode only when the URL holds a `%` or a `+`), each parameter reduced to its first value, or for an array
 * parameter (`arrayQuery`) to all its values split on commas. An array parameter is also read from repeated
 * `name[]=` or `name[0]=` parameters (providers.md §1.3, "Query-parameter encoding").
 */
const queryOf = (url: string, arrayQuery: ReadonlySet<string>): Record<string, unknown> => {
  const query: Record<string, unknown> = {}
  const hash = url.indexOf("#", 8)
  const href = hash === -1 ? url : url.slice(0, hash)
  let at = href.indexOf("?", 8)
  if (at === -1) return query
  const encoded = href.includes("%") || href.includes("+")
  const seen = new Set<string>()
  while (at !== -1) {
    const next = href.indexOf("&", at + 1)
    let equals = href.indexOf("=", at)
    if (equals > next && next !== -1) equals = -1
    let name = href.slice(at + 1, equals === -1 ? (next === -1 ? undefined : next) : equals)
    if (encoded) name = decodeQueryPart(name)
    at = next
    if (name === "") continue
    if (name.endsWith("]") && !arrayQuery.has(name)) {
      const plain = name.replace(bracketed, "")
      if (arrayQuery.has(plain)) name = plain
    }
    let value = equals === -1 ? "" : href.slice(equals + 1, next === -1 ? undefined : next)
    if (encoded && equals !== -1) value = decodeQueryPart(value)
    if (arrayQuery.has(name)) {
      const values = seen.has(name) ? (query[name] as Array<string>) : []
      if (!seen.has(name)) {
        seen.add(name)
        query[name] = values
      }
      values.push(...value.split(","))
    } else if (!seen.has(name)) {
      seen.add(name)
      query[name] = value
    }
  }
  return query
}

/** One operation of one module, as the router holds it. */
interface Route {
  readonly operation: CompiledOperation
  readonly handler: Handler
  readonly mount: MountOptions
  readonly provider: Provider | undefined
}

/** What the router found: the routes that take the path, first registered first, with their raw path parameters. */
type Matches = ReadonlyArray<readonly [Route, Readonly<Record<string, string>>]>

/**
 * Answers a path under a module's prefix that none of its operations takes (405 naming the allowed methods, or 404);
 * undefined for a path outside the prefix.
 */
type Fallback = (method: string, path: string) => SimResponse | undefined

const fallbackOf = (module: OperationModule, operations: ReadonlyArray<CompiledOperation>): Fallback => {
  const known = operations.map((operation) => ({ operation, matcher: templateMatcher(operation.path) }))
  return (method, fullPath) => {
    if (fullPath !== module.prefix && !fullPath.startsWith(`${module.prefix}/`)) return undefined
    const path = fullPath.slice(module.prefix.length) || "/"
    const allowed = known.filter(({ matcher }) => matcher.test(path)).map(({ operation }) => operation.method)
    return allowed.length > 0
      ? module.error(405, `${method} is not allowed here; use ${allowed.map((m) => m.toUpperCase()).join(", ")}`)
      : module.error(404, `no resource at ${path}`)
  }
}

/** Routing results kept per method and path: a client polls the same few paths over and over. */
const matchCacheSize = 10_000

/**
 * The pipeline over every mounted module. A request goes to the first operation, in mount order and within a module
 * from the most static path to the least, whose method and path template take it. A path no operation takes gets
 * the 404 or 405 of the module whose prefix it is under, else `otherwise(path)`.
 */
export const makeDispatcher = (
  mounts: ReadonlyArray<MountOptions>,
  otherwise: (path: string) => SimResponse
): Dispatch => {
  const router = new TrieRouter<Route>()
  const fallbacks: Array<Fallback> = []
  const aliases = mounts.flatMap(({ module }) => (module.alias === undefined ? [] : [module.alias.bind(module)]))
  /** The path as routed: the module's own spelling of an alias, else as received. */
  const routed = (path: string): string => {
    for (const alias of aliases) {
      const own = alias(path)
      if (own !== undefined) return own
    }
    return path
  }
  for (const mount of mounts) {
    const { module } = mount
    const provider = "provider" in module ? (module as ProviderModule).provider : undefined
    const operations = [...compileDocument(mount.document)].sort((a, b) => specificity(a) - specificity(b))
    for (const operation of operations) {
      const handler = module.handlers[operation.operationId]
      if (handler === undefined) throw new Error(`${mount.name}: no handler for operation ${operation.operationId}`)
      router.add(operation.method.toUpperCase(), `${module.prefix}${honoPath(operation.path)}`, {
        operation,
        handler,
        mount,
        provider
      })
    }
    fallbacks.push(fallbackOf(module, operations))
  }

  const cache = new Map<string, Matches>()
  const match = (method: string, path: string): Matches => {
    const key = `${method} ${path}`
    let found = cache.get(key)
    if (found === undefined) {
      // The trie router's results for a route set without indexed parameters: [route, raw params] pairs.
      found = router.match(method, path)[0] as unknown as Matches
      if (cache.size >= matchCacheSize) cache.clear()
      cache.set(key, found)
    }
    return found
  }

  const notFound = (exchange: Exchange, path: string): SimResponse => {
    for (const fallback of fallbacks) {
      const response = fallback(exchange.method, path)
      if (response !== undefined) return response
    }
    return otherwise(path)
  }

  return (exchange) => {
    const path = aliases.length === 0 ? exchange.path : routed(exchange.path)
    const found = match(exchange.method === "HEAD" ? "GET" : exchange.method, path)[0]
    if (found === undefined) return notFound(exchange, path)
    const [route, raw] = found
    // Decoded as Hono's `c.req.param()` decodes them.
    const params: Record<string, string> = {}
    for (const key of Object.keys(raw)) {
      const value = raw[key]
      if (value !== undefined) params[key] = tryDecodeURIComponent(value)
    }
    const failed = (error: unknown): SimResponse => {
      if (!(error instanceof Error)) throw error
      console.error(`[simulator] ${route.mount.name}: handler failed`, error)
      return route.mount.module.error(500, "the simulator failed while handling this request")
    }
    try {
      const response = handle(exchange, route, params)
      return response instanceof Promise ? response.catch(failed) : response
    } catch (error) {
      return failed(error)
    }
  }
}

/** Responses made by fault injection (see `handle`). */
const injected = new WeakSet<SimResponse>()

const handle = (
  exchange: Exchange,
  route: Route,
  params: Record<string, string>
): SimResponse | Promise<SimResponse> => {
  const response = respond(exchange, route, params)
  if (route.mount.violations === undefined) return response
  return response instanceof Promise ? response.then((done) => check(route, done)) : check(route, response)
}

/** Checks the response against the operation's document (checking mode) and records what does not match. */
const check = (route: Route, response: SimResponse): SimResponse => {
  // Not checked against the spec: injected faults (they imitate the infrastructure in front of a provider, such as a
  // proxy's 502), oversized bodies refused before any operation applies, and cut connections.
  const exempt = response.status === 413 || response === networkFailure || injected.has(response)
  if (!exempt) {
    const body = readResponseBody(response)
    const found = route.operation.validateResponse(response.status, body.type, body.value, response.headers)
    if (found.length > 0) {
      route.mount.violations?.push({
        module: route.mount.name,
        operationId: route.operation.operationId,
        status: response.status,
        problems: found
      })
    }
  }
  return response
}

const respond = (
  exchange: Exchange,
  route: Route,
  params: Record<string, string>
): SimResponse | Promise<SimResponse> => {
  const { operation, mount, provider } = route
  const decision =
    provider === undefined || mount.faults === undefined
      ? undefined
      : mount.faults.decide(provider, operation.operationId)
  if (decision !== undefined && decision.latencyMs > 0) {
    return sleep(decision.latencyMs).then(() => receive(exchange, route, params, decision))
  }
  return receive(exchange, route, params, decision)
}

/** After the latency fault: the connection reset, or the request read (its body too) and answered. */
const receive = (
  exchange: Exchange,
  route: Route,
  params: Record<string, string>,
  decision: FaultDecision | undefined
): SimResponse | Promise<SimResponse> => {
  if (decision?.kind === "reset") return cutConnection(exchange)
  const { method } = exchange
  if (method === "GET" || method === "HEAD") return answer(exchange, route, params, decision, "")
  return exchange.readBody(maxBodyBytes).then((raw) => answer(exchange, route, params, decision, raw))
}

/** The request as its handler sees it; the URL and the abort signal are made when first read (most never are). */
class PipelineRequest implements SimRequest {
  readonly operationId: string
  readonly params: Record<string, string>
  readonly query: Record<string, unknown>
  readonly headers: Record<string, string>
  readonly contentType: string | undefined
  body: unknown
  readonly #exchange: Exchange
  #url: URL | undefined

  constructor(
    exchange: Exchange,
    operationId: string,
    params: Record<string, string>,
    query: Record<string, unknown>,
    contentType: string | undefined,
    body: unknown
  ) {
    this.#exchange = exchange
    this.operationId = operationId
    this.params = params
    this.query = query
    this.headers = exchange.headers
    this.contentType = contentType
    this.body = body
  }

  get url(): URL {
    this.#url ??= new URL(this.#exchange.url)
    return this.#url
  }

  get protocol(): string {
    const { url } = this.#exchange
    return url.slice(0, url.indexOf(":") + 1)
  }

  get signal(): AbortSignal {
    return this.#exchange.signal
  }
}

const answer = (
  exchange: Exchange,
  route: Route,
  params: Record<string, string>,
  decision: FaultDecision | undefined,
  raw: string | undefined
): SimResponse | Promise<SimResponse> => {
  const { operation, handler, mount } = route
  const { module } = mount
  const query = queryOf(exchange.url, operation.arrayQuery)
  const contentType = exchange.headers["content-type"]?.split(";")[0]?.trim().toLowerCase()
  if (raw === undefined) {
    // The rest of the body is never read, so the connection cannot carry another request.
    const response = module.error(413, "the request body is larger than 1 MB")
    return { ...response, headers: { connection: "close", ...response.headers } }
  }
  const parsed = parseBody(raw, contentType)
  if (!parsed.ok) return module.error(400, `the request body is not valid ${contentType}`)

  const request = new PipelineRequest(
    exchange,
    operation.operationId,
    params,
    query,
    parsed.value === undefined ? undefined : contentType,
    parsed.value
  )
  const problems = operation.validateRequest(request)
  const infinite = nonFinite(request)
  if (problems.length > 0 || infinite.length > 0) {
    return module.error(
      400,
      [...problems, ...infinite].map((problem) => `${problem.at}: ${problem.message}`).join("; ")
    )
  }

  if (decision?.kind === "error" && decision.status !== undefined) {
    const status = decision.status
    const custom = "fault" in module && module.fault !== undefined ? module.fault(status, request) : undefined
    if (custom !== undefined) return custom
    const error = module.error(status, `injected fault: ${status}`)
    const response =
      status === 429 || status === 503
        ? withHeaders(error, { "retry-after": String(decision.retryAfterSeconds ?? 1) })
        : error
    injected.add(response)
    return response
  }

  const response = handler(request)
  if (decision?.kind !== "drop") return response
  return response instanceof Promise ? response.then(() => cutConnection(exchange)) : cutConnection(exchange)
}

// ---- in-process: a standard Request in, a standard Response out ----------------------------------------------------

/**
 * The request body as text, or undefined when it is larger than `limit` bytes (checked against Content-Length
 * first, then while streaming, so a huge chunked body is never buffered whole).
 */
const readLimited = async (request: Request, limit: number): Promise<string | undefined> => {
  const declared = Number(request.headers.get("content-length") ?? "0")
  if (declared > limit) return undefined
  if (request.body === null) return ""
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString("utf8")
}

/** A Content-Length that is a plain decimal number. */
const decimal = /^[0-9]+$/

/**
 * The exchange of a request reaching the Hono app (`sim.fetch`, or the app mounted on a server of the embedder's).
 * When node-server serves the app, a body with a Content-Length within the limit is read straight from Node's request
 * (no Web stream: the parser delivers exactly the declared bytes, so the limit holds) and a cut destroys its socket.
 */
export const fromContext = (c: Context<Env>): Exchange => {
  const raw = c.req.raw
  const incoming = c.env?.incoming
  return {
    method: raw.method,
    path: c.req.path,
    url: raw.url,
    headers: c.req.header(),
    readBody: async (limit) => {
      const length = raw.headers.get("content-length") ?? undefined
      if (incoming !== undefined && length !== undefined && decimal.test(length) && Number(length) <= limit) {
        return Buffer.from(await raw.arrayBuffer()).toString("utf8")
      }
      return readLimited(raw, limit)
    },
    get signal() {
      return raw.signal
    },
    cut: () => incoming?.socket.destroy()
  }
}

/** A standard `Response` of the pipeline's answer (in-process only). */
export const toResponse = (response: SimResponse): Response =>
  new Response(response.body, { status: response.status, headers: response.headers })
