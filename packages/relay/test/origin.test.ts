/**
 * The origin check over real loopback HTTP: `Origin` (or, without it, the `Referer`'s origin), scheme included,
 * against the relay's own origin (the scheme it is served on and its `Host`) and `allowedOrigins`.
 */
import { request } from "node:http"
import { LiveChat } from "@switchboard/core"
import { assert, describe, it } from "vitest"
import { createRelay } from "../src/index.ts"
import { stack } from "./support.ts"

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

/** `POST /chats` with exactly these headers (node:http, so `Host`, `Origin` and `Referer` go as written). */
const start = (url: string, headers: Record<string, string>): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ name: "Ada", question: "Hi" })
    const target = new URL("/chats", url)
    const outgoing = request(
      target,
      { method: "POST", headers: { "content-type": "application/json", "content-length": body.length, ...headers } },
      (incoming) => {
        let text = ""
        incoming.setEncoding("utf8")
        incoming.on("data", (chunk: string) => {
          text += chunk
        })
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text }))
        incoming.on("error", reject)
      }
    )
    outgoing.on("error", reject)
    outgoing.end(body)
  })

const refused = (answer: Answer, from: string) => {
  assert.strictEqual(answer.status, 403, answer.body)
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } }
  assert.strictEqual(error.code, "origin_not_allowed")
  assert.include(error.message, from)
}

const accepted = (answer: Answer) => assert.strictEqual(answer.status, 201, answer.body)

describe("relay: which pages may use it (Origin, else Referer, scheme included)", () => {
  it("accepts its own origin; refuses the same host over https, another port, another host, and Origin: null", async () => {
    await using s = await stack()
    const server = await s.relay.listen()
    const port = server.port
    accepted(await start(server.url, { origin: `http://127.0.0.1:${port}` }))
    refused(await start(server.url, { origin: `https://127.0.0.1:${port}` }), `https://127.0.0.1:${port}`)
    refused(await start(server.url, { origin: `http://127.0.0.1:${port + 1}` }), `http://127.0.0.1:${port + 1}`)
    refused(await start(server.url, { origin: `http://localhost:${port}` }), `http://localhost:${port}`)
    refused(await start(server.url, { origin: "null" }), "Origin: null")
    refused(await start(server.url, { origin: "not a url" }), "unreadable origin")
    assert.strictEqual(s.sim.hub.list().length, 1, "only the accepted start reached the provider")
  })

  it("its own origin is the Host it was asked at: behind a proxy that keeps Host, the page's origin is its own", async () => {
    await using s = await stack()
    const server = await s.relay.listen()
    accepted(await start(server.url, { host: "chat.example", origin: "http://chat.example" }))
    // A proxy that rewrites Host to the relay's address (Vite's `changeOrigin`): the page is another origin now.
    refused(
      await start(server.url, { host: `127.0.0.1:${server.port}`, origin: "http://chat.example" }),
      "http://chat.example"
    )
  })

  it("accepts an allow-listed origin (normalized), with credentials CORS, and no other", async () => {
    await using s = await stack({ allowedOrigins: ["https://Shop.Example:443/", "http://127.0.0.1:5173"] })
    const server = await s.relay.listen()
    const shop = await start(server.url, { origin: "https://shop.example" })
    accepted(shop)
    assert.strictEqual(shop.headers["access-control-allow-origin"], "https://shop.example")
    assert.strictEqual(shop.headers["access-control-allow-credentials"], "true")
    accepted(await start(server.url, { origin: "http://127.0.0.1:5173" }))
    refused(await start(server.url, { origin: "http://shop.example" }), "http://shop.example")
    refused(await start(server.url, { origin: "https://shop.example:8443" }), "https://shop.example:8443")
    refused(await start(server.url, { origin: "http://127.0.0.1:5174" }), "http://127.0.0.1:5174")
  })

  it("without Origin, reads the Referer's origin: its own or an allowed page passes, any other is refused", async () => {
    await using s = await stack({ allowedOrigins: ["https://shop.example"] })
    const server = await s.relay.listen()
    accepted(await start(server.url, { referer: `${server.url}/help/page?q=1#top` }))
    accepted(await start(server.url, { referer: "https://shop.example/checkout" }))
    refused(await start(server.url, { referer: "https://evil.example/shop.example" }), "https://evil.example")
    refused(await start(server.url, { referer: `https://127.0.0.1:${server.port}/` }), `https://127.0.0.1`)
    refused(await start(server.url, { referer: "about:blank" }), "no origin")
    // Origin wins over Referer when both are sent.
    refused(
      await start(server.url, { origin: "https://evil.example", referer: `${server.url}/` }),
      "https://evil.example"
    )
  })

  it("lets a request with neither header through (curl, server code): the chat's token still guards it", async () => {
    await using s = await stack()
    const server = await s.relay.listen()
    accepted(await start(server.url, {}))
  })

  it("createRelay rejects an allowedOrigins entry that is not an origin", async () => {
    for (const entry of ["*", "null", "shop.example", "https://shop.example/widget", "https://shop.example?x=1"]) {
      const creating = createRelay({
        provider: LiveChat.layer({ licenceId: 1 }),
        allowedOrigins: [entry]
      })
      const error = await creating.then(
        async (relay) => {
          await relay.close()
          return undefined
        },
        (failure: unknown) => failure
      )
      assert.instanceOf(error, TypeError, entry)
      assert.include(String(error), "is not an origin")
    }
  })
})
