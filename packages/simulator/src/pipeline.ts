/**
 * Mounts a module's operations on a Hono app, straight from its OpenAPI document: nothing the document does not
 * describe is served. Each request is checked against its operation (a malformed one gets the module's own error
 * shape, never a framework 500), meets the fault rules, reaches its handler, and in checking mode its response is
 * validated against the document too.
 */
import type { HttpBindings } from "@hono/node-server"
import type { Provider } from "@switchboard/specs"
import { type Context, Hono } from "hono"
import type { Faults } from "./faults.ts"
import type { Handler, OperationModule, ProviderModule, SimRequest } from "./module.ts"
import { type CompiledOperation, compileDocument, type Problem } from "./openapi.ts"

/** Node bindings; absent (`Partial`) when the app is called in-process without a socket. */
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

const readResponseBody = async (response: Response): Promise<{ type: string | undefined; value: unknown }> => {
  const type = response.headers.get("content-type")?.split(";")[0]?.trim()
  const raw = await response.clone().text()
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

/** Destroys the client's connection without an answer (or marks the response, in-process). */
const cutConnection = (c: Context<Env>): Response => {
  c.env?.incoming?.socket.destroy()
  return new Response(null, { status: 599, headers: { [networkFailureHeader]: "1" } })
}

export const mountOperations = (app: Hono<Env>, options: MountOptions): void => {
  const { module } = options
  const provider = "provider" in module ? (module as ProviderModule).provider : undefined
  const operations = [...compileDocument(options.document)].sort((a, b) => specificity(a) - specificity(b))
  const sub = new Hono<Env>({ strict: false })
  for (const operation of operations) {
    const handler = module.handlers[operation.operationId]
    if (handler === undefined) {
      throw new Error(`${options.name}: no handler for operation ${operation.operationId}`)
    }
    sub.on(operation.method.toUpperCase(), honoPath(operation.path), (c) =>
      handle(c, operation, handler, options, provider)
    )
  }

  const known = operations.map((operation) => ({ operation, matcher: templateMatcher(operation.path) }))
  // A catch-all registered last: a sub-app's notFound is not consulted once it is mounted with `route`.
  sub.all("*", (c) => {
    const path = c.req.path.slice(module.prefix.length) || "/"
    const allowed = known.filter(({ matcher }) => matcher.test(path)).map(({ operation }) => operation.method)
    return allowed.length > 0
      ? module.error(405, `${c.req.method} is not allowed here; use ${allowed.map((m) => m.toUpperCase()).join(", ")}`)
      : module.error(404, `no resource at ${path}`)
  })
  sub.onError((error) => {
    console.error(`[simulator] ${options.name}: handler failed`, error)
    return module.error(500, "the simulator failed while handling this request")
  })
  app.route(module.prefix, sub)
}

/**
 * Numbers that coercion turned into Infinity or NaN (`1e999` passes ajv's integer check): refused for every module.
 */
const nonFinite = (request: SimRequest): Array<Problem> => {
  const found: Array<Problem> = []
  const scan = (value: unknown, at: string) => {
    if (typeof value === "number" && !Number.isFinite(value)) found.push({ at, message: "must be a finite number" })
    else if (Array.isArray(value)) value.forEach((item, index) => scan(item, `${at}/${index}`))
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

/** Responses made by fault injection (see `handle`). */
const injected = new WeakSet<Response>()

const handle = async (
  c: Context<Env>,
  operation: CompiledOperation,
  handler: Handler,
  options: MountOptions,
  provider: Provider | undefined
): Promise<Response> => {
  const response = await respond(c, operation, handler, options, provider)
  // Not checked against the spec: injected faults (they imitate the infrastructure in front of a provider, such as a
  // proxy's 502), oversized bodies refused before any operation applies, and cut connections.
  const exempt = response.status === 413 || response.headers.has(networkFailureHeader) || injected.has(response)
  if (options.violations !== undefined && !exempt) {
    const body = await readResponseBody(response)
    const found = operation.validateResponse(response.status, body.type, body.value, response.headers)
    if (found.length > 0) {
      options.violations.push({
        module: options.name,
        operationId: operation.operationId,
        status: response.status,
        problems: found
      })
    }
  }
  return response
}

const respond = async (
  c: Context<Env>,
  operation: CompiledOperation,
  handler: Handler,
  options: MountOptions,
  provider: Provider | undefined
): Promise<Response> => {
  const { module } = options
  const decision =
    provider === undefined || options.faults === undefined
      ? undefined
      : options.faults.decide(provider, operation.operationId)
  if (decision !== undefined && decision.latencyMs > 0) await sleep(decision.latencyMs)
  if (decision?.kind === "reset") return cutConnection(c)

  const query: Record<string, unknown> = {}
  for (const [key, values] of Object.entries(c.req.queries())) {
    query[key] = operation.arrayQuery.has(key) ? values.flatMap((value) => value.split(",")) : values[0]
  }
  const headers = c.req.header()
  const contentType = headers["content-type"]?.split(";")[0]?.trim().toLowerCase()
  const raw = c.req.method === "GET" || c.req.method === "HEAD" ? "" : await readLimited(c.req.raw, maxBodyBytes)
  if (raw === undefined) {
    // The rest of the body is never read, so the connection cannot carry another request.
    const response = module.error(413, "the request body is larger than 1 MB")
    response.headers.set("connection", "close")
    return response
  }
  const parsed = parseBody(raw, contentType)
  if (!parsed.ok) return module.error(400, `the request body is not valid ${contentType}`)

  const request: SimRequest = {
    operationId: operation.operationId,
    url: new URL(c.req.url),
    signal: c.req.raw.signal,
    params: c.req.param() as Record<string, string>,
    query,
    headers,
    contentType: parsed.value === undefined ? undefined : contentType,
    body: parsed.value
  }
  const problems = [...operation.validateRequest(request), ...nonFinite(request)]
  if (problems.length > 0) {
    return module.error(400, problems.map((problem) => `${problem.at}: ${problem.message}`).join("; "))
  }

  if (decision?.kind === "error" && decision.status !== undefined) {
    const status = decision.status
    const custom = "fault" in module && module.fault !== undefined ? module.fault(status, request) : undefined
    if (custom !== undefined) return custom
    const response = module.error(status, `injected fault: ${status}`)
    if (status === 429 || status === 503) response.headers.set("retry-after", String(decision.retryAfterSeconds ?? 1))
    injected.add(response)
    return response
  }

  const response = await handler(request)
  return decision?.kind === "drop" ? cutConnection(c) : response
}
