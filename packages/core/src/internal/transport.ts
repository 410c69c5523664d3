/**
 * The HTTP transport under openapi-fetch: undici's dispatcher behind a minimal `Request`/`fetch` pair.
 *
 * openapi-fetch keeps the typing, URL building and serialization; it only constructs a `Request`, reads a few of
 * its fields and calls `fetch`. Global fetch clones that into a second undici Request and wraps the answer in a
 * WHATWG Response, which measured 2-3x the CPU of `undici.request` (see PERF-NOTES and `bench/`). The pair below
 * implements exactly what openapi-fetch uses and nothing more, and talks to the dispatcher directly: no stream,
 * async resource or second promise per request (`undici.request` makes all three), headers parsed on first read.
 */
import { Duration, Effect, type Scope } from "effect"
import { Agent, type Dispatcher, errors } from "undici"

/**
 * What the light transport uses of an `AbortSignal`, and its `abort`: one small object per long poll instead of
 * Node's `AbortController` and `AbortSignal` (an event target each, with its listener map), held as long as the poll.
 * Only for requests on this transport: a custom `fetch` needs a real `AbortSignal`.
 */
export class LightAbort {
  aborted = false
  reason: unknown = undefined
  #listener: { handleEvent(): void } | undefined = undefined

  /** Itself, typed as what openapi-fetch's `signal` option takes. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal
  }

  addEventListener(_type: "abort", listener: { handleEvent(): void }): void {
    this.#listener = listener
  }

  removeEventListener(_type: "abort", listener: { handleEvent(): void }): void {
    if (this.#listener === listener) this.#listener = undefined
  }

  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = new DOMException("This operation was aborted", "AbortError")
    const listener = this.#listener
    this.#listener = undefined
    listener?.handleEvent()
  }
}

/** The fields openapi-fetch sets and reads on a request. */
export class LightRequest {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: string | null
  signal: AbortSignal | undefined

  constructor(url: string, init: { method?: string; headers?: Headers; body?: unknown; signal?: AbortSignal | null }) {
    this.url = url
    this.method = init.method ?? "GET"
    this.headers = init.headers ?? new Headers()
    this.body = init.body === undefined || init.body === null ? null : String(init.body)
    this.signal = init.signal ?? undefined
  }
}

/** Whether the raw header name `key` is `name` (given in lower case), ignoring ASCII case, without decoding it. */
const sameName = (key: Buffer | string, name: string): boolean => {
  if (key.length !== name.length) return false
  if (typeof key === "string") return key.toLowerCase() === name
  for (let i = 0; i < name.length; i++) {
    const byte = key[i] as number
    if ((byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte) !== name.charCodeAt(i)) return false
  }
  return true
}

/**
 * Response headers as undici hands them over (name, value, name, value... in bytes). `get` scans them, decoding only
 * the values asked for: openapi-fetch reads one or two headers per response, and parsing them all into a map was a
 * tenth of what each poll allocated (bench/). Values as undici's own parseHeaders gives them: latin1, repeated
 * names joined with ", " in order.
 */
class ResponseHeaders {
  readonly #raw: ReadonlyArray<Buffer | string>

  constructor(raw: ReadonlyArray<Buffer | string>) {
    this.#raw = raw
  }

  get(name: string): string | null {
    const wanted = name.toLowerCase()
    const raw = this.#raw
    let found: string | null = null
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!sameName(raw[i] as Buffer | string, wanted)) continue
      const rawValue = raw[i + 1] as Buffer | string
      const value = typeof rawValue === "string" ? rawValue : rawValue.toString("latin1")
      found = found === null ? value : `${found}, ${value}`
    }
    return found
  }
}

/** The fields openapi-fetch reads on a response; the body is read eagerly so every socket goes back to its pool. */
export class LightResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: { get(name: string): string | null }
  readonly #text: string

  constructor(status: number, headers: ReadonlyArray<Buffer | string>, text: string) {
    this.status = status
    this.ok = status >= 200 && status < 300
    this.#text = text
    this.headers = new ResponseHeaders(headers)
  }

  text(): Promise<string> {
    return Promise.resolve(this.#text)
  }

  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.#text))
  }
}

/** The body as text, like undici's `body.text()`: UTF-8, a leading byte order mark skipped. */
const decode = (chunks: Array<Buffer>, length: number): string => {
  if (chunks.length === 0 || length === 0) return ""
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0
  return buffer.toString("utf8", start)
}

/**
 * One request's dispatch handler (undici's handler interface): collects the answer and settles the promise. An
 * abort signal aborts the request at any stage and rejects with the signal's reason, as `undici.request` does.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #resolve: (response: LightResponse) => void
  readonly #reject: (error: unknown) => void
  readonly #signal: AbortSignal | undefined
  #abort: ((reason?: Error) => void) | undefined
  #reason: Error | undefined // set once the signal aborted
  #status = 0
  #headers: ReadonlyArray<Buffer | string> = []
  #chunks: Array<Buffer> = []
  #length = 0
  #done = false

  constructor(resolve: (response: LightResponse) => void, reject: (error: unknown) => void, signal?: AbortSignal) {
    this.#resolve = resolve
    this.#reject = reject
    this.#signal = signal
    if (signal !== undefined) {
      if (signal.aborted) this.#reason = abortReason(signal)
      else signal.addEventListener("abort", this, { once: true })
    }
  }

  /** The signal's "abort" listener. */
  handleEvent(): void {
    this.#reason = abortReason(this.#signal as AbortSignal)
    this.#abort?.(this.#reason)
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason !== undefined) abort(this.#reason)
    else this.#abort = abort
  }

  onHeaders(statusCode: number, headers: Array<Buffer>): boolean {
    if (statusCode < 200) return true
    this.#status = statusCode
    this.#headers = headers
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk)
    this.#length += chunk.length
    return true
  }

  onComplete(): void {
    if (this.#settle())
      this.#resolve(new LightResponse(this.#status, this.#headers, decode(this.#chunks, this.#length)))
  }

  onError(error: Error): void {
    if (this.#settle()) this.#reject(error)
  }

  #settle(): boolean {
    if (this.#done) return false
    this.#done = true
    this.#signal?.removeEventListener("abort", this)
    return true
  }
}

/** What the request fails with when its signal aborts, as with `undici.request`: the signal's reason. */
const abortReason = (signal: AbortSignal): Error => (signal.reason ?? new errors.RequestAbortedError()) as Error

/**
 * A path and query that `new URL` leaves exactly as they are: URL code points only (no space, `#`, `\`, quotes,
 * brackets...), no `.` segment, plain or percent-encoded, which it would resolve, and no empty query (it drops the
 * `?`).
 */
const plainPath = /^\/[\w\-.~%!$&()*+,;=:@/?]*$/
const dotSegment = /\/(\.|%2e)/i

/**
 * `url` split for the dispatcher, normalized as `new URL` does (as `undici.request` does). A URL on the origin of the
 * previous one whose path and query `new URL` would not change is split as it is: parsing it was a tenth of what a
 * poll allocated (bench/).
 */
export class Targets {
  #origin: string | undefined

  split(url: string): { origin: string; path: string } {
    const origin = this.#origin
    if (origin !== undefined && url.startsWith(origin) && url.charCodeAt(origin.length) === 0x2f) {
      const path = url.slice(origin.length)
      if (plainPath.test(path) && !dotSegment.test(path) && !path.endsWith("?")) return { origin, path }
    }
    const parsed = new URL(url)
    this.#origin = parsed.origin
    return { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname }
  }
}

const headerList = (headers: Headers): Array<string> => {
  const list: Array<string> = []
  headers.forEach((value, key) => {
    list.push(key, value)
  })
  return list
}

/** A `fetch` for openapi-fetch backed by the given undici dispatcher. */
export const lightFetch = (dispatcher: Dispatcher) => {
  const targets = new Targets()
  return (input: LightRequest, ext?: { dispatcher?: Dispatcher }): Promise<LightResponse> =>
    new Promise((resolve, reject) => {
      const { origin, path } = targets.split(input.url)
      ;(ext?.dispatcher ?? dispatcher).dispatch(
        {
          origin,
          path,
          method: input.method as Dispatcher.HttpMethod,
          headers: headerList(input.headers),
          body: input.body
        },
        new Exchange(resolve, reject, input.signal)
      )
    })
}

export interface PoolOptions {
  /** Most sockets to one origin; default 128 (an unbounded pool turns any stall into thousands of connects). */
  readonly connections?: number
  /** Longest wait for response headers, in ms: the per-request timeout. Default 15 s. */
  readonly headersTimeout?: number
}

/** A keep-alive connection pool: request timeouts live here, not in an `Effect.timeout` per request. */
export const makePool = (options: PoolOptions = {}): Agent =>
  new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: 60_000,
    headersTimeout: options.headersTimeout ?? 15_000,
    bodyTimeout: options.headersTimeout ?? 15_000
  })

/**
 * Closes a pool within a bounded time: in-flight requests get `grace` to finish (a provider that stopped answering
 * must not hold up a shutdown), then the remaining sockets are destroyed.
 */
export const closePool = (agent: Agent, grace: Duration.DurationInput = "2 seconds"): Effect.Effect<void> =>
  Effect.promise(() => agent.close()).pipe(
    Effect.timeout(grace),
    Effect.catchAll(() => Effect.promise(() => agent.destroy().catch(() => undefined))),
    Effect.asVoid
  )

/**
 * The pool an adapter uses for its commands, built from its settings and closed (boundedly) with its scope; none
 * when the settings bring their own `fetch`.
 */
export const scopedPool = (settings: {
  readonly fetch?: unknown
  readonly connections?: number
  readonly requestTimeout?: Duration.DurationInput
}): Effect.Effect<Agent | undefined, never, Scope.Scope> =>
  settings.fetch === undefined
    ? Effect.acquireRelease(
        Effect.sync(() =>
          makePool({
            connections: settings.connections ?? 128,
            headersTimeout: Duration.toMillis(settings.requestTimeout ?? "15 seconds")
          })
        ),
        (agent) => closePool(agent)
      )
    : Effect.succeed(undefined)

/** The openapi-fetch options that route a client through `dispatcher`. */
export const transportOptions = (dispatcher: Dispatcher) => ({
  Request: LightRequest as unknown as typeof Request,
  fetch: lightFetch(dispatcher) as unknown as (input: Request) => Promise<Response>
})
