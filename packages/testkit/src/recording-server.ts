/**
 * A loopback `node:http` server that records every request it receives and answers with a scripted reply.
 * Client tests use it to assert the exact wire format (method, path, query, headers, body) of a real request.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  /** Full URL as received, resolved against the server's origin. */
  readonly url: URL
  /** Lower-cased header names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders
  /** Raw request body (empty string when there was none). */
  readonly body: string
}

export interface Reply {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  /** A string is sent as is; anything else as JSON with `content-type: application/json`. */
  readonly body?: unknown
}

export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>

export interface RecordingServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly origin: string
  /** Every request received so far, oldest first. */
  readonly requests: Array<RecordedRequest>
  /** Replaces the responder for the following requests. */
  respondWith(responder: Responder): void
  /** The most recent request; throws when none arrived. */
  last(): RecordedRequest
  close(): Promise<void>
}

/** Starts a recording server on 127.0.0.1 with an ephemeral port. Use with `await using`. */
export const startRecordingServer = async (responder: Responder = () => ({ status: 200, body: {} })) => {
  let respond = responder
  const requests: Array<RecordedRequest> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", async () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: new URL(req.url ?? "/", origin),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      requests.push(recorded)
      try {
        const reply = await respond(recorded)
        const isText = typeof reply.body === "string" || reply.body === undefined
        const payload = reply.body === undefined ? "" : isText ? String(reply.body) : JSON.stringify(reply.body)
        res.writeHead(reply.status ?? 200, {
          ...(isText ? {} : { "content-type": "application/json" }),
          ...reply.headers
        })
        res.end(payload)
      } catch (error) {
        res.writeHead(599, { "content-type": "text/plain" })
        res.end(`responder failed: ${String(error)}`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((error) => (error ? reject(error) : resolve()))
    })
  const handle: RecordingServer = {
    origin,
    requests,
    respondWith: (next) => {
      respond = next
    },
    last: () => {
      const request = requests.at(-1)
      if (request === undefined) throw new Error("the recording server has received no request")
      return request
    },
    close,
    [Symbol.asyncDispose]: close
  }
  return handle
}
