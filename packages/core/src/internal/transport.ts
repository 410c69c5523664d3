/**
 * The HTTP transport under openapi-fetch: undici's dispatcher behind a minimal `Request`/`fetch` pair.
 *
 * openapi-fetch keeps the typing, URL building and serialization; it only constructs a `Request`, reads a few of
 * its fields and calls `fetch`. Global fetch clones that into a second undici Request and wraps the answer in a
 * WHATWG Response, which measured 2-3x the CPU of `undici.request` (see PERF-NOTES and `bench/`). The pair below
 * implements exactly what openapi-fetch uses and nothing more, and talks to the dispatcher directly: no stream,
 * async resource or second promise per request (`undici.request` makes all three), headers parsed on first read.
 *
 * What fetch would do and the pair does too: content encodings are decoded (gzip, deflate, br) and redirects are
 * followed (at most 20). What fetch does not do, on both this transport and a caller's own `fetch` (`guardFetch`):
 * every request has a deadline for the whole exchange (connect, headers and the entire body), and an answer larger
 * than `maxResponseBytes` (as received, and once decoded) is abandoned with its socket. Their failures are
 * `TransportError`s, which `call.ts` turns into a `CallFailure` carrying their code.
 */
import type { Transform } from "node:stream"
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from "node:zlib"
import { Duration, Effect, type Scope } from "effect"
import { Agent, type Dispatcher, errors } from "undici"

/** A request's whole exchange (connect, headers, body, redirects) must end within this; default 15 s. */
export const DEFAULT_DEADLINE_MS = 15_000
/** The largest answer read, as received and once decoded; default 8 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
/** As fetch: the 21st redirect in a row is a failure. */
export const MAX_REDIRECTS = 20

/**
 * The failures this transport adds to the network's own: `DEADLINE` (the request outlived its deadline), and an
 * answer it cannot use: `TOO_LARGE`, `BAD_ENCODING` (a content encoding unknown or corrupt), `REDIRECT_LOOP` (more
 * than 20 redirects), `BAD_REDIRECT` (a Location that is not an http(s) URL) and `NOT_JSON` (a 2xx answer openapi-fetch
 * could not parse).
 */
export type TransportCode = "DEADLINE" | "TOO_LARGE" | "BAD_ENCODING" | "REDIRECT_LOOP" | "BAD_REDIRECT" | "NOT_JSON"

/**
 * What a request fails with for a `TransportCode`. `malformed` (every code but `DEADLINE`) says what was wrong with
 * the answer in a few words, never its body or a URL; `status` is the answer's HTTP status when there was one.
 */
export class TransportError extends Error {
  override readonly name = "TransportError"
  readonly code: TransportCode
  readonly malformed: string | undefined
  readonly status: number | undefined

  constructor(code: TransportCode, malformed: string | undefined, status: number | undefined, message?: string) {
    super(message ?? malformed ?? code)
    this.code = code
    this.malformed = malformed
    this.status = status
  }
}

const deadlinePassed = (deadline: number) =>
  new TransportError(
    "DEADLINE",
    undefined,
    undefined,
    `the request did not complete within its deadline (${deadline} ms)`
  )
const tooLarge = (limit: number, status: number) =>
  new TransportError("TOO_LARGE", `the answer is larger than ${limit} bytes`, status)
const badEncoding = (detail: string, status: number) => new TransportError("BAD_ENCODING", detail, status)
const notJson = (status: number) => new TransportError("NOT_JSON", "the answer is not JSON", status)

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

/** The value of header `name` (lower case) in undici's raw list, as undici's parseHeaders gives it; null if absent. */
const rawHeader = (raw: ReadonlyArray<Buffer | string>, name: string): string | null => {
  let found: string | null = null
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!sameName(raw[i] as Buffer | string, name)) continue
    const rawValue = raw[i + 1] as Buffer | string
    const value = typeof rawValue === "string" ? rawValue : rawValue.toString("latin1")
    found = found === null ? value : `${found}, ${value}`
  }
  return found
}

/**
 * Response headers as undici hands them over (name, value, name, value... in bytes). `get` scans them, decoding only
 * the values asked for: openapi-fetch reads one or two headers per response, and parsing them all into a map was a
 * tenth of what each poll allocated (bench/). Values as undici's own parseHeaders gives them: latin1, repeated
 * names joined with ", " in order.
 *
 * `content-length` is the length of the body as read and decoded, whatever the server said: openapi-fetch decides
 * from it whether to parse a 2xx answer with `json()` (which tells a malformed answer apart, see `LightResponse`) or
 * with its own `JSON.parse` (which does not).
 */
class ResponseHeaders {
  readonly #raw: ReadonlyArray<Buffer | string>
  readonly #length: number

  constructor(raw: ReadonlyArray<Buffer | string>, length: number) {
    this.#raw = raw
    this.#length = length
  }

  get(name: string): string | null {
    const wanted = name.toLowerCase()
    return wanted === "content-length" ? String(this.#length) : rawHeader(this.#raw, wanted)
  }
}

/** A custom fetch's response headers, `content-length` as `ResponseHeaders` gives it. */
class ReadHeaders {
  readonly #headers: Headers
  readonly #length: number

  constructor(headers: Headers, length: number) {
    this.#headers = headers
    this.#length = length
  }

  get(name: string): string | null {
    return name.toLowerCase() === "content-length" ? String(this.#length) : this.#headers.get(name)
  }
}

/**
 * The fields openapi-fetch reads on a response; the body is read whole before it exists, so every socket goes back
 * to its pool. `json()` is what openapi-fetch parses a 2xx answer with: an answer that is not JSON rejects with a
 * `NOT_JSON` `TransportError` carrying the status (an empty body is `undefined`, as openapi-fetch's own parse has it).
 */
export class LightResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: { get(name: string): string | null }
  readonly #text: string

  constructor(status: number, headers: { get(name: string): string | null }, text: string) {
    this.status = status
    this.ok = status >= 200 && status < 300
    this.#text = text
    this.headers = headers
  }

  text(): Promise<string> {
    return Promise.resolve(this.#text)
  }

  json(): Promise<unknown> {
    const text = this.#text
    if (text === "") return Promise.resolve(undefined)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return Promise.reject(notJson(this.status))
    }
    return Promise.resolve(parsed)
  }
}

/** The body as text, like undici's `body.text()`: UTF-8, a leading byte order mark skipped. */
const decode = (chunks: ReadonlyArray<Uint8Array>, length: number): string => {
  if (chunks.length === 0 || length === 0) return ""
  const first = chunks[0] as Uint8Array
  const buffer =
    chunks.length === 1
      ? Buffer.isBuffer(first)
        ? first
        : Buffer.from(first.buffer, first.byteOffset, first.byteLength)
      : Buffer.concat(chunks, length)
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0
  return buffer.toString("utf8", start)
}

/** Where decoded bytes go: the next decoding stage, or the exchange. */
interface Output {
  write(chunk: Buffer): void
  end(): void
  fail(): void
}

type Coding = "gzip" | "deflate" | "br"

/**
 * One content coding undone, streaming, as fetch does it (lenient about a truncated end, like fetch). The zlib
 * stream is made at the first byte: "deflate" is zlib-wrapped or raw depending on it (fetch's test), and an empty
 * body needs none.
 */
class Stage implements Output {
  readonly #coding: Coding
  readonly #out: Output
  #stream: Transform | undefined = undefined

  constructor(coding: Coding, out: Output) {
    this.#coding = coding
    this.#out = out
  }

  write(chunk: Buffer): void {
    if (this.#stream === undefined) this.#stream = this.#open(chunk)
    this.#stream.write(chunk)
  }

  end(): void {
    if (this.#stream === undefined) this.#out.end()
    else this.#stream.end()
  }

  fail(): void {
    this.#out.fail()
  }

  destroy(): void {
    this.#stream?.destroy()
  }

  #open(first: Buffer): Transform {
    const zlib = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH }
    const stream =
      this.#coding === "gzip"
        ? createGunzip(zlib)
        : this.#coding === "br"
          ? createBrotliDecompress({
              flush: constants.BROTLI_OPERATION_FLUSH,
              finishFlush: constants.BROTLI_OPERATION_FLUSH
            })
          : ((first[0] as number) & 0x0f) === 0x08
            ? createInflate(zlib)
            : createInflateRaw(zlib)
    const out = this.#out
    stream.on("data", (chunk: Buffer) => out.write(chunk))
    stream.on("end", () => out.end())
    stream.on("error", () => out.fail())
    return stream
  }
}

/** The codings of a `content-encoding` value, in the order to undo them; a string says which one is unsupported. */
const codingsOf = (value: string): Array<Coding> | string => {
  const codings: Array<Coding> = []
  for (const part of value.split(",")) {
    const coding = part.trim().toLowerCase()
    if (coding === "gzip" || coding === "x-gzip") codings.unshift("gzip")
    else if (coding === "deflate" || coding === "br") codings.unshift(coding)
    else if (coding !== "identity" && coding !== "")
      return /^[\w.-]{1,24}$/.test(coding) ? `the answer is encoded as "${coding}", which is not supported` : ""
  }
  return codings.length > 3 ? "the answer has more than three content encodings" : codings
}

/**
 * A pool's limits, and the requests in flight on it in the order they started (a doubly linked list through the
 * exchanges). All share the deadline, so the list is also in deadline order: one unref'd interval per pool (not a
 * timer per request) fails those at its head whose deadline has passed. Precision: a request fails between its
 * deadline and `sweepEvery` later (deadline / 20, within [10 ms, 1 s]), plus any event-loop lag. The interval
 * stops after two sweeps with nothing in flight and starts again with the next request.
 */
export class Limits {
  readonly deadline: number
  readonly maxResponseBytes: number
  readonly sweepEvery: number
  #head: Exchange | undefined = undefined
  #tail: Exchange | undefined = undefined
  #timer: ReturnType<typeof setInterval> | undefined = undefined
  #idleSweeps = 0

  constructor(deadline: number, maxResponseBytes: number) {
    if (!(deadline > 0)) throw new RangeError("deadline must be a positive number of milliseconds")
    if (!(maxResponseBytes > 0)) throw new RangeError("maxResponseBytes must be a positive number")
    this.deadline = deadline
    this.maxResponseBytes = maxResponseBytes
    this.sweepEvery = Math.min(1_000, Math.max(10, Math.round(deadline / 20)))
  }

  /** Whether the sweeper's interval is running (it stops two sweeps after the last request left). */
  get sweeping(): boolean {
    return this.#timer !== undefined
  }

  add(exchange: Exchange): void {
    exchange.started = performance.now()
    const tail = this.#tail
    if (tail === undefined) this.#head = exchange
    else {
      tail.next = exchange
      exchange.prev = tail
    }
    this.#tail = exchange
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.#sweep, this.sweepEvery)
      this.#timer.unref()
    }
  }

  remove(exchange: Exchange): void {
    if (exchange.started < 0) return
    exchange.started = -1
    const { prev, next } = exchange
    if (prev === undefined) this.#head = next
    else prev.next = next
    if (next === undefined) this.#tail = prev
    else next.prev = prev
    exchange.prev = undefined
    exchange.next = undefined
  }

  readonly #sweep = (): void => {
    const now = performance.now()
    for (let head = this.#head; head !== undefined && now - head.started >= this.deadline; head = this.#head) {
      this.remove(head)
      head.expire(this.deadline)
    }
    if (this.#head !== undefined) this.#idleSweeps = 0
    else if (++this.#idleSweeps >= 2) {
      clearInterval(this.#timer)
      this.#timer = undefined
      this.#idleSweeps = 0
    }
  }
}

/** One hop of a redirected request. */
interface Hop {
  readonly url: string
  readonly method: string
  /** Lower-case names, as `Headers` gives them: name, value, name, value... */
  readonly headers: Array<string>
  readonly body: string | null
}

const EMPTY: ReadonlyArray<Buffer> = []

/** Headers that describe a request body, dropped with it when a redirect turns the request into a GET (fetch). */
const bodyHeader = /^content-(type|length|encoding|language|location)$/

/**
 * Headers that never follow a redirect to another origin. fetch drops `authorization`; undici's own redirect handler
 * also drops `cookie` and `proxy-authorization`. Salesforce's session key and affinity token travel in
 * `X-LIVEAGENT-SESSION-KEY` and `X-LIVEAGENT-AFFINITY`, which fetch would forward: they are dropped too, so a
 * provider (or anything on its path) redirecting elsewhere cannot hand a chat's secret to a third party (the request
 * then fails there as unauthorized, a typed error). The other `X-LIVEAGENT-*` headers (API version, sequence) are
 * no secret and follow. LivePerson's app key is in `authorization`; LiveChat's session id is in the query or body,
 * which the redirecting server chose itself.
 */
const crossOriginSecret = (name: string): boolean =>
  name === "authorization" ||
  name === "proxy-authorization" ||
  name === "cookie" ||
  name === "host" ||
  name === "x-liveagent-session-key" ||
  name === "x-liveagent-affinity"

/**
 * One request's dispatch handler (undici's handler interface), across its redirects: collects the answer, decodes
 * it, and settles the promise. An abort signal aborts the request at any stage and rejects with the signal's reason,
 * as `undici.request` does; so does the pool's deadline, with a `DEADLINE` `TransportError`. A failure while the
 * answer is arriving aborts the request, which destroys its socket: nothing more is read.
 */
class Exchange implements Dispatcher.DispatchHandler {
  // The pool's list of requests in flight (see `Limits`); `started` is -1 once off it.
  prev: Exchange | undefined = undefined
  next: Exchange | undefined = undefined
  started = -1

  readonly #resolve: (response: LightResponse) => void
  readonly #reject: (error: unknown) => void
  readonly #request: LightRequest // held by openapi-fetch as long as the call anyway
  readonly #limits: Limits
  readonly #dispatcher: Dispatcher
  #hop: Hop | undefined = undefined // the current hop, once redirected
  #hops = 0
  #abort: ((reason?: Error) => void) | undefined = undefined
  #reason: Error | undefined = undefined // set once the request failed: the current hop is aborted with it
  #status = 0
  #headers: ReadonlyArray<Buffer | string> = EMPTY
  #chunks: Array<Buffer> = []
  #length = 0 // bytes collected, decoded
  #received = 0 // bytes received on this hop, as sent
  #decoder: Array<Stage> | undefined = undefined // outermost coding first
  #redirect: Hop | undefined = undefined // where to go once this hop's answer is over
  #done = false

  constructor(
    resolve: (response: LightResponse) => void,
    reject: (error: unknown) => void,
    request: LightRequest,
    limits: Limits,
    dispatcher: Dispatcher
  ) {
    this.#resolve = resolve
    this.#reject = reject
    this.#request = request
    this.#limits = limits
    this.#dispatcher = dispatcher
  }

  /** Sends the first hop, unless the signal has aborted already. */
  start(origin: string, path: string): void {
    const request = this.#request
    const signal = request.signal
    if (signal?.aborted) {
      this.#done = true
      this.#reject(abortReason(signal))
      return
    }
    signal?.addEventListener("abort", this, { once: true })
    this.#limits.add(this)
    this.#dispatcher.dispatch(
      {
        origin,
        path,
        method: request.method as Dispatcher.HttpMethod,
        headers: headerList(request.headers),
        body: request.body
      },
      this
    )
  }

  /** The signal's "abort" listener. */
  handleEvent(): void {
    this.#fail(abortReason(this.#request.signal as AbortSignal))
  }

  /** Called by the pool's sweeper once the deadline has passed (the exchange is already off its list). */
  expire(deadline: number): void {
    this.#fail(deadlinePassed(deadline))
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason !== undefined) abort(this.#reason)
    else this.#abort = abort
  }

  onHeaders(statusCode: number, headers: Array<Buffer>): boolean {
    if (statusCode < 200 || this.#done) return true
    this.#status = statusCode
    this.#headers = headers
    if (statusCode === 301 || statusCode === 302 || statusCode === 303 || statusCode === 307 || statusCode === 308) {
      const location = rawHeader(headers, "location")
      if (location !== null) {
        this.#redirectTo(statusCode, location)
        return true
      }
    }
    const encoding = rawHeader(headers, "content-encoding")
    if (encoding !== null) this.#decodeAs(encoding, statusCode)
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.#done) return true
    const received = this.#received + chunk.length
    this.#received = received
    if (received > this.#limits.maxResponseBytes) {
      this.#fail(tooLarge(this.#limits.maxResponseBytes, this.#status))
    } else if (this.#redirect !== undefined) {
      // The body of a redirect is dropped; reading it to its end keeps the socket for the next hop.
    } else if (this.#decoder !== undefined) {
      ;(this.#decoder[0] as Stage).write(chunk)
    } else {
      this.#chunks.push(chunk)
      this.#length += chunk.length
    }
    return true
  }

  onComplete(): void {
    if (this.#done) return
    const next = this.#redirect
    if (next !== undefined) {
      this.#redirect = undefined
      this.#abort = undefined
      this.#received = 0
      this.#hop = next
      const url = new URL(next.url)
      this.#dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: next.method as Dispatcher.HttpMethod,
          headers: next.headers,
          body: next.body
        },
        this
      )
    } else if (this.#decoder !== undefined) {
      ;(this.#decoder[0] as Stage).end() // the last stage's end completes the exchange
    } else {
      this.#complete()
    }
  }

  onError(error: Error): void {
    if (this.#settle()) this.#reject(error)
  }

  #complete(): void {
    if (this.#settle()) {
      const length = this.#length
      const headers = new ResponseHeaders(this.#headers, length)
      this.#resolve(new LightResponse(this.#status, headers, decode(this.#chunks, length)))
    }
  }

  /** Fails the request with `error` and aborts what is in flight (at once, or as soon as it is connected). */
  #fail(error: Error): void {
    if (!this.#settle()) return
    this.#reason = error
    this.#chunks = []
    this.#reject(error)
    this.#abort?.(error)
  }

  #settle(): boolean {
    if (this.#done) return false
    this.#done = true
    this.#request.signal?.removeEventListener("abort", this)
    this.#limits.remove(this)
    const decoder = this.#decoder
    if (decoder !== undefined) for (const stage of decoder) stage.destroy()
    return true
  }

  #decodeAs(encoding: string, status: number): void {
    const codings = codingsOf(encoding)
    if (typeof codings === "string") {
      this.#fail(badEncoding(codings || "the answer has an unsupported content encoding", status))
      return
    }
    if (codings.length === 0) return
    const limit = this.#limits.maxResponseBytes
    const sink: Output = {
      write: (chunk) => {
        if (this.#done) return
        const length = this.#length + chunk.length
        if (length > limit) this.#fail(tooLarge(limit, status))
        else {
          this.#length = length
          this.#chunks.push(chunk)
        }
      },
      end: () => this.#complete(),
      fail: () => this.#fail(badEncoding(`the answer's ${encoding.trim()} encoding is corrupt`, status))
    }
    const stages: Array<Stage> = []
    let out = sink
    for (let i = codings.length - 1; i >= 0; i--) {
      const stage = new Stage(codings[i] as Coding, out)
      stages.unshift(stage)
      out = stage
    }
    this.#decoder = stages
  }

  /** What fetch's "follow" does with a redirect to `location` (resolved against the current URL). */
  #redirectTo(status: number, location: string): void {
    if (this.#hops >= MAX_REDIRECTS) {
      this.#fail(new TransportError("REDIRECT_LOOP", `more than ${MAX_REDIRECTS} redirects in a row`, status))
      return
    }
    const request = this.#request
    const hop: Hop = this.#hop ?? {
      url: request.url,
      method: request.method,
      headers: headerList(request.headers),
      body: request.body
    }
    let url: URL
    try {
      url = new URL(location, hop.url)
    } catch {
      this.#fail(new TransportError("BAD_REDIRECT", "a redirect to something that is not a URL", status))
      return
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      this.#fail(new TransportError("BAD_REDIRECT", "a redirect to a URL that is not http(s)", status))
      return
    }
    this.#hops += 1
    const toGet =
      status === 303 ? hop.method !== "GET" && hop.method !== "HEAD" : status <= 302 && hop.method === "POST"
    const crossOrigin = url.origin !== new URL(hop.url).origin
    let headers = hop.headers
    if (toGet || crossOrigin) {
      headers = []
      for (let i = 0; i + 1 < hop.headers.length; i += 2) {
        const name = hop.headers[i] as string
        if ((toGet && bodyHeader.test(name)) || (crossOrigin && crossOriginSecret(name))) continue
        headers.push(name, hop.headers[i + 1] as string)
      }
    }
    this.#redirect = { url: url.href, method: toGet ? "GET" : hop.method, headers, body: toGet ? null : hop.body }
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

/**
 * The request's headers for the dispatcher. No `accept-encoding` is added (fetch sends `gzip, deflate, br`): the
 * providers' answers are small JSON on keep-alive sockets, where compression saves little and a zlib stream per
 * answer would cost more CPU than the rest of the request; a server that compresses anyway is decoded. A caller
 * who wants compression sets the header.
 */
const headerList = (headers: Headers): Array<string> => {
  const list: Array<string> = []
  headers.forEach((value, key) => {
    list.push(key, value)
  })
  return list
}

export interface PoolOptions {
  /** Most sockets to one origin; default 128 (an unbounded pool turns any stall into thousands of connects). */
  readonly connections?: number | undefined
  /**
   * Longest a request may take, in ms, from the call to the last byte of its answer (connect, headers, the whole
   * body, redirects); default 15 s. A request past it fails with a `DEADLINE` `TransportError`.
   */
  readonly deadline?: number | undefined
  /** @deprecated The name `deadline` had before it covered the whole request; `deadline` wins when both are set. */
  readonly headersTimeout?: number | undefined
  /** Largest answer read, as received and once decoded; default 8 MiB. Past it: a `TOO_LARGE` `TransportError`. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * A keep-alive connection pool that carries its requests' limits: request timeouts live here, not in an
 * `Effect.timeout` per request. Close it with `close`/`destroy` (or `closePool`) as any undici `Agent`.
 */
export class LightPool extends Agent {
  /** @internal */
  readonly limits: Limits

  constructor(options: PoolOptions = {}) {
    const limits = new Limits(
      options.deadline ?? options.headersTimeout ?? DEFAULT_DEADLINE_MS,
      options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
    )
    // undici's own timeouts only back the deadline up: the sweeper fails a request first (a headers timeout, and a
    // body timeout between two chunks, are both within the whole request's deadline).
    const backstop = limits.deadline + 2 * limits.sweepEvery + 1_000
    super({
      connections: options.connections ?? 128,
      keepAliveTimeout: 60_000,
      headersTimeout: backstop,
      bodyTimeout: backstop
    })
    this.limits = limits
  }

  /** The whole-request deadline of this pool's requests, in ms. */
  get deadline(): number {
    return this.limits.deadline
  }

  /** The largest answer this pool's requests read, in bytes. */
  get maxResponseBytes(): number {
    return this.limits.maxResponseBytes
  }
}

/** A keep-alive connection pool with its requests' deadline and size cap (see `PoolOptions`). */
export const makePool = (options: PoolOptions = {}): LightPool => new LightPool(options)

/**
 * A `fetch` for openapi-fetch backed by the given undici dispatcher, with the limits of the pool when it is a
 * `LightPool` (the defaults otherwise).
 */
export const lightFetch = (dispatcher: Dispatcher) => {
  const targets = new Targets()
  const limits =
    dispatcher instanceof LightPool ? dispatcher.limits : new Limits(DEFAULT_DEADLINE_MS, DEFAULT_MAX_RESPONSE_BYTES)
  return (input: LightRequest, ext?: { dispatcher?: Dispatcher }): Promise<LightResponse> =>
    new Promise((resolve, reject) => {
      const { origin, path } = targets.split(input.url)
      new Exchange(resolve, reject, input, limits, ext?.dispatcher ?? dispatcher).start(origin, path)
    })
}

/** A `fetch` as the adapters' settings take it. */
export type Fetch = (request: Request) => Promise<Response>

export interface GuardOptions {
  /** Longest a request may take, in ms, from the call to the last byte of its answer; default 15 s. */
  readonly deadlineMs?: number | undefined
  /** Largest answer read, in bytes (after the fetch's own decoding); default 8 MiB. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * A caller's `fetch` with the light transport's limits: each request gets an `AbortController` (following the
 * request's own signal) that aborts it at the deadline, and its answer is read whole here through a byte counter,
 * aborted past `maxResponseBytes`. A `fetch` that ignores the signal still fails on time: the guard stops waiting
 * and cancels the body. The answer comes back as a `LightResponse`, whose `json()` tells a 2xx that is not JSON
 * apart from a network failure (a `NOT_JSON` `TransportError` with the status).
 */
export const guardFetch = (fetch: Fetch, options: GuardOptions = {}): Fetch => {
  const deadline = options.deadlineMs ?? DEFAULT_DEADLINE_MS
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  if (!(deadline > 0)) throw new RangeError("deadlineMs must be a positive number of milliseconds")
  if (!(limit > 0)) throw new RangeError("maxResponseBytes must be a positive number")
  const guarded = (request: Request): Promise<LightResponse> =>
    new Promise<LightResponse>((resolve, reject) => {
      const outer = request.signal as AbortSignal | null | undefined
      if (outer?.aborted) {
        reject(abortReason(outer))
        return
      }
      const controller = new AbortController()
      let done = false
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
      const settle = (): boolean => {
        if (done) return false
        done = true
        clearTimeout(timer)
        outer?.removeEventListener("abort", onAbort)
        return true
      }
      const fail = (error: unknown): void => {
        if (!settle()) return
        reject(error)
        controller.abort(error)
        reader?.cancel().catch(() => undefined)
      }
      const onAbort = () => fail(abortReason(outer as AbortSignal))
      const timer = setTimeout(() => fail(deadlinePassed(deadline)), deadline)
      timer.unref()
      outer?.addEventListener("abort", onAbort, { once: true })

      const read = (response: Response): void => {
        const { status, body } = response
        if (done) {
          body?.cancel().catch(() => undefined)
          return
        }
        const chunks: Array<Uint8Array> = []
        let length = 0
        const complete = () => {
          if (settle()) {
            resolve(new LightResponse(status, new ReadHeaders(response.headers, length), decode(chunks, length)))
          }
        }
        if (body === null) {
          complete()
          return
        }
        const bodyReader = body.getReader()
        reader = bodyReader
        const next = (result: ReadableStreamReadResult<Uint8Array>): void => {
          if (done) return
          if (result.done) complete()
          else if (length + result.value.byteLength > limit) fail(tooLarge(limit, status))
          else {
            length += result.value.byteLength
            chunks.push(result.value)
            bodyReader.read().then(next, fail)
          }
        }
        bodyReader.read().then(next, fail)
      }

      try {
        fetch(new Request(request, { signal: controller.signal })).then(read, fail)
      } catch (error) {
        fail(error)
      }
    })
  return guarded as unknown as Fetch
}

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

/** What the adapters' settings say about their transport. */
export interface TransportSettings {
  readonly fetch?: unknown
  readonly connections?: number | undefined
  /** The whole-request deadline; default 15 s. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  readonly maxResponseBytes?: number | undefined
}

/**
 * The pool an adapter uses for its commands, built from its settings and closed (boundedly) with its scope; none
 * when the settings bring their own `fetch`.
 */
export const scopedPool = (settings: TransportSettings): Effect.Effect<LightPool | undefined, never, Scope.Scope> =>
  settings.fetch === undefined
    ? Effect.acquireRelease(
        Effect.sync(() =>
          makePool({
            connections: settings.connections ?? 128,
            deadline: Duration.toMillis(settings.requestTimeout ?? Duration.millis(DEFAULT_DEADLINE_MS)),
            maxResponseBytes: settings.maxResponseBytes
          })
        ),
        (agent) => closePool(agent)
      )
    : Effect.succeed(undefined)

/** The openapi-fetch options that route a client through `dispatcher` (a `LightPool` brings its limits). */
export const transportOptions = (dispatcher: Dispatcher) => ({
  Request: LightRequest as unknown as typeof Request,
  fetch: lightFetch(dispatcher) as unknown as (input: Request) => Promise<Response>
})

/** openapi-fetch options: `Request` and `fetch` for the light transport, or `fetch` alone for a caller's own. */
export interface ClientTransport {
  readonly Request?: typeof Request
  readonly fetch: (input: Request) => Promise<Response>
}

/**
 * The openapi-fetch options for an adapter's commands, from its settings: the light transport on a pool closed with
 * the scope, or the settings' own `fetch` behind `guardFetch`; either way with the settings' deadline
 * (`requestTimeout`, default 15 s) and `maxResponseBytes` (default 8 MiB).
 */
export const scopedTransport = (settings: TransportSettings): Effect.Effect<ClientTransport, never, Scope.Scope> =>
  settings.fetch === undefined
    ? Effect.map(scopedPool(settings), (pool) => transportOptions(pool as LightPool))
    : Effect.sync(() =>
        guardTransport(settings.fetch as Fetch, {
          deadlineMs: Duration.toMillis(settings.requestTimeout ?? Duration.millis(DEFAULT_DEADLINE_MS)),
          maxResponseBytes: settings.maxResponseBytes
        })
      )

/** The openapi-fetch options for a caller's `fetch` behind `guardFetch`. */
export const guardTransport = (fetch: Fetch, options: GuardOptions = {}): ClientTransport => ({
  fetch: guardFetch(fetch, options)
})
