/**
 * The HTTP transport under openapi-fetch: `undici.request` behind a minimal `Request`/`fetch` pair.
 *
 * openapi-fetch keeps the typing, URL building and serialization; it only constructs a `Request`, reads a few of
 * its fields and calls `fetch`. Global fetch clones that into a second undici Request and wraps the answer in a
 * WHATWG Response, which measured 2-3x the CPU of `undici.request` (see PERF-NOTES and `bench/`). The pair below
 * implements exactly what openapi-fetch uses and nothing more.
 */
import { Agent, type Dispatcher, request } from "undici"

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

/** The fields openapi-fetch reads on a response; the body is read eagerly so every socket goes back to its pool. */
export class LightResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: { get(name: string): string | null }
  readonly #text: string

  constructor(status: number, headers: Record<string, string | Array<string> | undefined>, text: string) {
    this.status = status
    this.ok = status >= 200 && status < 300
    this.#text = text
    this.headers = {
      get: (name) => {
        const value = headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value
      }
    }
  }

  text(): Promise<string> {
    return Promise.resolve(this.#text)
  }

  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.#text))
  }
}

const headerRecord = (headers: Headers): Record<string, string> => {
  const record: Record<string, string> = {}
  headers.forEach((value, key) => {
    record[key] = value
  })
  return record
}

/** A `fetch` for openapi-fetch backed by `undici.request` on the given dispatcher. */
export const lightFetch =
  (dispatcher: Dispatcher) =>
  async (input: LightRequest, ext?: { dispatcher?: Dispatcher }): Promise<LightResponse> => {
    const { statusCode, headers, body } = await request(input.url, {
      method: input.method as Dispatcher.HttpMethod,
      headers: headerRecord(input.headers),
      body: input.body,
      signal: input.signal,
      dispatcher: ext?.dispatcher ?? dispatcher
    })
    return new LightResponse(statusCode, headers, await body.text())
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

/** The openapi-fetch options that route a client through `undici.request` on `dispatcher`. */
export const transportOptions = (dispatcher: Dispatcher) => ({
  Request: LightRequest as unknown as typeof Request,
  fetch: lightFetch(dispatcher) as unknown as (input: Request) => Promise<Response>
})
