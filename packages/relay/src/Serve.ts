/** Serving a fetch handler on a Node HTTP server of its own (`relay.listen()`). */
import type { AddressInfo } from "node:net"
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from "@hono/node-server"

export interface Listening {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * Connections the kernel keeps waiting for the relay to accept them; Linux caps it at `net.core.somaxconn` (4,096 by
 * default). Node's own default, 511, is too short for a reconnect storm: a page reload across many tabs, or a relay
 * restart, opens hundreds of event streams at once, and each connection past the queue waits for its SYN to be sent
 * again, 1 s and then 3 s later (`packages/relay/bench/sse.mjs`).
 */
export const backlog = 4096

export const listen = (
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>,
  { port = 0, hostname = "127.0.0.1" }: { readonly port?: number; readonly hostname?: string }
): Promise<Listening> =>
  new Promise<Listening>((resolve, reject) => {
    const server = createAdaptorServer({
      fetch: (request: Request, env: HttpBindings | Http2Bindings) => fetch(request, env as HttpBindings),
      hostname,
      overrideGlobalObjects: false
    })
    server.once("error", reject)
    server.listen({ port, host: hostname, backlog }, () => {
      const info = server.address() as AddressInfo
      let stopping: Promise<void> | undefined
      resolve({
        url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${info.port}`,
        port: info.port,
        close: () => {
          stopping ??= new Promise<void>((done) => {
            server.close(() => done())
            if ("closeAllConnections" in server) server.closeAllConnections()
          })
          return stopping
        }
      })
    })
  })
