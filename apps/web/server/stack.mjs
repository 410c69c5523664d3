// The sample's whole stack on 127.0.0.1: the provider simulator, the relay (core runs there, one chat per visitor)
// and the web pages (widget and agent console). The pages reach the relay under /api and the simulator's agent
// side under /_agent on their own origin, so neither the relay's cookie nor CORS needs any cross-origin setup.
import { createReadStream, existsSync, statSync } from "node:fs"
import { createServer, request as forward } from "node:http"
import { extname, join, normalize } from "node:path"
import { fileURLToPath } from "node:url"
import { createRelay } from "@switchboard/relay"
import { startSimulator } from "@switchboard/simulator"
import { providerLayer } from "./providers.mjs"

const dist = fileURLToPath(new URL("../dist/", import.meta.url))

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json"
}

// Defence in depth against XSS: no inline script, nothing loaded from elsewhere.
const securityHeaders = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer"
}

/** Streams a request to `target` (http://host:port) and the answer back, Server-Sent Events included. */
const proxy = (target) => (req, res) => {
  const url = new URL(target)
  const upstream = forward(
    { hostname: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    }
  )
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "Content-Type": "application/json" })
    res.end(JSON.stringify({ error: { code: "bad_gateway", message: "upstream unavailable" } }))
  })
  res.on("close", () => upstream.destroy())
  req.pipe(upstream)
}

/** The built pages from dist/ (run `pnpm run build` first). */
const serveStatic = (req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname
  const name = path === "/" ? "index.html" : path === "/console" ? "console.html" : path.slice(1)
  const file = normalize(join(dist, name))
  if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" })
    return res.end("not found")
  }
  res.writeHead(200, {
    "Content-Type": types[extname(file)] ?? "application/octet-stream",
    "Cache-Control": name.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    ...securityHeaders
  })
  createReadStream(file).pipe(res)
}

/**
 * Starts the stack. `web: "static"` serves dist/ (tests); `web: "vite"` runs Vite's dev server (hot reload).
 * Returns the URLs and `close()`, which ends every chat at the provider first.
 */
export const startStack = async ({
  provider = "livechat",
  host = "127.0.0.1",
  webPort = 0,
  relayPort = 0,
  simulatorPort = 0,
  scriptedAgent = false,
  web = "static",
  relayOptions = {}
} = {}) => {
  const sim = await startSimulator({ host, port: simulatorPort, agent: scriptedAgent })
  const relay = await createRelay({
    provider: await providerLayer(provider, sim),
    basePath: "/api",
    logLevel: "Info",
    ...relayOptions
  })
  const relayServer = await relay.listen({ hostname: host, port: relayPort })

  let webUrl
  let stopWeb
  if (web === "vite") {
    const { createServer: createVite } = await import("vite")
    const vite = await createVite({
      root: fileURLToPath(new URL("..", import.meta.url)),
      server: {
        host,
        port: webPort || 5173,
        strictPort: true,
        proxy: {
          // The page's Host goes through (Vite's shorthand would rewrite it to the relay's address), so the relay
          // sees a request from its own origin, as behind the static server's proxy and in production.
          "/api": { target: relayServer.url, changeOrigin: false },
          "/_agent": sim.url
        }
      }
    })
    await vite.listen()
    webUrl = `http://${host}:${vite.config.server.port}`
    stopWeb = () => vite.close()
  } else {
    const toRelay = proxy(relayServer.url)
    const toSimulator = proxy(sim.url)
    const server = createServer((req, res) => {
      const path = req.url ?? "/"
      if (path === "/healthz") return res.end("ok")
      if (path === "/api" || path.startsWith("/api/")) return toRelay(req, res)
      if (path === "/_agent" || path.startsWith("/_agent/")) return toSimulator(req, res)
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405)
        return res.end()
      }
      return serveStatic(req, res)
    })
    await new Promise((resolve, reject) => {
      server.once("error", reject)
      server.listen(webPort, host, resolve)
    })
    webUrl = `http://${host}:${server.address().port}`
    stopWeb = () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }

  let closing
  return {
    provider,
    urls: {
      widget: `${webUrl}/`,
      console: `${webUrl}/console.html`,
      relay: `${relayServer.url}/api`,
      simulator: sim.url,
      control: sim.urls.control
    },
    close: () => {
      closing ??= (async () => {
        await relay.close() // ends every chat at the provider
        await stopWeb()
        await sim.close()
      })()
      return closing
    }
  }
}
