/** Serving a fetch handler on a Node HTTP server of its own (`relay.listen()`). */
import type { AddressInfo } from "node:net"
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server"

export interface Listening {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export const listen = (
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>,
  { port = 0, hostname = "127.0.0.1" }: { readonly port?: number; readonly hostname?: string }
): Promise<Listening> =>
  new Promise<Listening>((resolve, reject) => {
    const server = serve(
      {
        fetch: (request: Request, env: HttpBindings | Http2Bindings) => fetch(request, env as HttpBindings),
        port,
        hostname,
        overrideGlobalObjects: false
      },
      (info: AddressInfo) => {
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
      }
    )
    server.once("error", reject)
  })
