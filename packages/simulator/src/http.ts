/**
 * The pipeline on Node's HTTP server, without standard `Request`/`Response` objects in between: the exchange reads
 * Node's `IncomingMessage` (raw URL, raw headers, the body stream), and the answer goes to the `ServerResponse` in one
 * `writeHead` and one `end`.
 *
 * What the client sees is what @hono/node-server wrote for the Hono app before: the same request URL rules (a request
 * target or Host header it refused is a 400 without a body), the same header joining, an abort signal that fires when
 * the connection closes before the answer, a string body with its Content-Length, `HEAD` answered as `GET` without the
 * body, and an unread request body drained after the answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { getPathNoStrict } from "hono/utils/url"
import type { SimResponse } from "./module.ts"
import { type Dispatch, type Exchange, networkFailure } from "./pipeline.ts"

// The request URL as node-server builds it (`buildUrl`): taken as sent when it is plainly valid, else normalised by
// the WHATWG URL parser; a backslash in the path, an unparsable URL or a Host that does not survive parsing is refused.
const plainTarget = /^\/[!#$&-;=?-[\]_a-z~]*$/
const dotSegment = /\/\.\.?(?:[/?#]|$)/
const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/

const checkTarget = (target: string): void => {
  const backslash = target.indexOf("\\")
  if (backslash === -1) return
  const query = target.indexOf("?")
  if (query === -1 || backslash < query) throw new TypeError("backslash in the request path")
}

const buildUrl = (scheme: string, host: string, target: string): string => {
  const url = `${scheme}://${host}${target}`
  if (!plainHost.test(host)) {
    checkTarget(target)
    const parsed = new URL(url)
    const bare = (host.includes(":") ? host.replace(/:\d+$/, "") : host).toLowerCase()
    if (parsed.hostname.length !== host.length && parsed.hostname !== bare) throw new TypeError("invalid Host header")
    return parsed.href
  }
  if (target.length === 0) return `${url}/`
  if (target.charCodeAt(0) !== 47) throw new TypeError("invalid request target")
  if (!plainTarget.test(target) || dotSegment.test(target)) {
    checkTarget(target)
    return new URL(url).href
  }
  return url
}

/** The absolute URL of the request; throws for a request node-server refused with a 400. */
const urlOf = (incoming: IncomingMessage, defaultHost: string): string => {
  const target = incoming.url || ""
  if (target[0] !== "/" && (target.startsWith("http://") || target.startsWith("https://"))) {
    checkTarget(target)
    return new URL(target).href
  }
  const host = incoming.headers.host || defaultHost
  if (!host) throw new TypeError("missing Host header")
  const scheme = (incoming.socket as { encrypted?: boolean } | null)?.encrypted === true ? "https" : "http"
  return buildUrl(scheme, host, target)
}

/**
 * The request headers as a standard `Headers` shows them: lower-case names, trimmed values, a repeated header joined
 * with `, ` (`; ` for Cookie), the last Set-Cookie. Node's own object is exactly that when no header came twice (its
 * parser trims the values already); otherwise it keeps only the first of a repeated Authorization or Content-Type,
 * and makes Set-Cookie a list, so the headers are joined again from the raw list. (Validation may coerce values of
 * this object in place, as it did on Hono's copy; Node has read what it needs from it by then.)
 */
const headersOf = (incoming: IncomingMessage): Record<string, string> => {
  const node = incoming.headers
  const raw = incoming.rawHeaders
  if (node["set-cookie"] === undefined && Object.keys(node).length * 2 === raw.length) {
    return node as Record<string, string>
  }
  const headers: Record<string, string> = Object.create(null)
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    const existing = headers[name]
    headers[name] =
      existing === undefined || name === "set-cookie" ? value : `${existing}${name === "cookie" ? "; " : ", "}${value}`
  }
  return headers
}

/**
 * The request body as text, or undefined when it is larger than `limit` bytes: refused on its Content-Length before
 * reading, or as soon as the bytes read pass the limit (a chunked body), the rest left unread. Rejects when the
 * connection closes before the end of the body.
 */
const readBody = (incoming: IncomingMessage, limit: number): Promise<string | undefined> => {
  if (Number(incoming.headers["content-length"] ?? "0") > limit) return Promise.resolve(undefined)
  if (incoming.readableEnded) return Promise.resolve("")
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
      incoming.off("close", onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        incoming.pause()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString("utf8"))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onClose = () => {
      if (incoming.readableEnded) return onEnd()
      cleanup()
      reject(incoming.errored ?? new Error("Client connection prematurely closed."))
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onError)
    incoming.on("close", onClose)
  })
}

/**
 * Reads and discards what is left of a request body the answer did not need (up to 64 MB, for half a second), so
 * the client can finish sending and read the answer; then the connection is closed. As node-server's cleanup does.
 */
const drain = (incoming: IncomingMessage): void => {
  if (incoming.destroyed || incoming.readableEnded) return
  let read = 0
  const cleanup = () => {
    clearTimeout(timer)
    incoming.off("data", onData)
    incoming.off("end", cleanup)
    incoming.off("error", cleanup)
  }
  const forceClose = () => {
    cleanup()
    if (!incoming.socket.destroyed) incoming.socket.destroySoon()
  }
  const timer = setTimeout(forceClose, 500)
  timer.unref()
  const onData = (chunk: Buffer) => {
    read += chunk.length
    if (read > 64 * 1024 * 1024) forceClose()
  }
  incoming.on("data", onData)
  incoming.on("end", cleanup)
  incoming.on("error", cleanup)
  incoming.resume()
}

/** Writes the answer: one `writeHead` and one `end` (Node sends the head and a string body in a single write). */
const send = (incoming: IncomingMessage, outgoing: ServerResponse, response: SimResponse): void => {
  // A cut connection gets nothing; a client that went away (a released long poll) neither.
  if (response === networkFailure || outgoing.destroyed) return
  const { status, headers, body } = response
  if (body === null || incoming.method === "HEAD") {
    outgoing.writeHead(status, headers)
    outgoing.end()
  } else {
    outgoing.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) })
    outgoing.end(body)
  }
  const method = incoming.method
  if (method !== "GET" && method !== "HEAD" && !incoming.readableEnded) {
    // A body left unread (a 413): drained once the answer is out, as node-server did.
    outgoing.once("close", () => setTimeout(() => setTimeout(() => drain(incoming))))
  }
}

/** A failure while writing (an invalid header value, say): logged, and a plain 500 if nothing went out yet. */
const failed = (outgoing: ServerResponse, error: unknown): void => {
  const cause = error instanceof Error ? error : new Error("unknown error", { cause: error })
  console.error(error)
  if (!outgoing.headersSent) outgoing.writeHead(500, { "Content-Type": "text/plain" })
  outgoing.end(`Error: ${cause.message}`)
  outgoing.destroy(cause)
}

/** One HTTP request, whose URL has been checked, as the pipeline sees it. */
class NodeExchange implements Exchange {
  readonly method: string
  readonly path: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly #incoming: IncomingMessage
  readonly #outgoing: ServerResponse
  #controller: AbortController | undefined

  constructor(incoming: IncomingMessage, outgoing: ServerResponse, url: string) {
    this.#incoming = incoming
    this.#outgoing = outgoing
    this.method = incoming.method || "GET"
    // Hono's path function reads nothing but `url`.
    this.path = getPathNoStrict({ url } as Request)
    this.url = url
    this.headers = headersOf(incoming)
  }

  readBody(limit: number): Promise<string | undefined> {
    return readBody(this.#incoming, limit)
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController()
      this.#controller = controller
      const incoming = this.#incoming
      const outgoing = this.#outgoing
      // Aborted when the connection closes before the answer was written (or the request failed).
      const closed = () => {
        if (incoming.errored !== null || !outgoing.writableFinished) {
          controller.abort("Client connection prematurely closed.")
        }
      }
      if (outgoing.destroyed || incoming.socket.destroyed) closed()
      else outgoing.once("close", closed)
    }
    return this.#controller.signal
  }

  cut(): void {
    this.#incoming.socket.destroy()
  }
}

/** Writes the answer, or a plain 500 when that fails. */
const reply = (incoming: IncomingMessage, outgoing: ServerResponse, response: SimResponse): void => {
  try {
    send(incoming, outgoing, response)
  } catch (error) {
    failed(outgoing, error)
  }
}

/** The request listener of the simulator's HTTP server. `defaultHost` stands in for a missing Host header. */
export const requestListener =
  (dispatch: Dispatch, defaultHost: string) =>
  (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    let url: string
    try {
      url = urlOf(incoming, defaultHost)
    } catch {
      // A request target or Host header that does not make a URL: a bare 400.
      outgoing.writeHead(400)
      outgoing.end()
      return
    }
    let answer: SimResponse | Promise<SimResponse>
    try {
      answer = dispatch(new NodeExchange(incoming, outgoing, url))
    } catch (error) {
      answer = Promise.reject(error)
    }
    if (!(answer instanceof Promise)) {
      reply(incoming, outgoing, answer)
      return
    }
    answer.then(
      (response) => reply(incoming, outgoing, response),
      () => {
        // A non-Error thrown by a handler (the pipeline answers Errors itself): a bare 500.
        if (outgoing.headersSent || outgoing.destroyed) return
        outgoing.writeHead(500)
        outgoing.end()
      }
    )
  }
