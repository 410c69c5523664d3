import { assert, describe, it } from "vitest"
import { agentChat, call, errorOf, events, eventually, stack, visitor } from "./support.ts"

describe("relay: CORS and origins", () => {
  it("answers an allowed origin with credentials CORS; refuses any other origin", async () => {
    await using s = await stack({ allowedOrigins: ["https://shop.example"] })
    const preflight = await call(s.relay, "OPTIONS", "/chats", {
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"
      }
    })
    assert.strictEqual(preflight.status, 204)
    assert.strictEqual(preflight.headers.get("access-control-allow-origin"), "https://shop.example")
    assert.strictEqual(preflight.headers.get("access-control-allow-credentials"), "true")
    assert.include(preflight.headers.get("access-control-allow-headers") ?? "", "Content-Type")

    const allowed = await call(s.relay, "POST", "/chats", {
      body: { name: "Ada", question: "Hi" },
      headers: { origin: "https://shop.example" }
    })
    assert.strictEqual(allowed.status, 201)
    assert.strictEqual(allowed.headers.get("access-control-allow-origin"), "https://shop.example")

    const evilPreflight = await call(s.relay, "OPTIONS", "/chats", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" }
    })
    assert.isNull(evilPreflight.headers.get("access-control-allow-origin"))
    const evil = await call(s.relay, "POST", "/chats", {
      body: { name: "Mallory", question: "Hi" },
      headers: { origin: "https://evil.example" }
    })
    assert.strictEqual(evil.status, 403)
    assert.strictEqual((await errorOf(evil)).code, "origin_not_allowed")
    assert.isNull(evil.headers.get("access-control-allow-origin"))
    // Same origin needs no entry.
    const same = await call(s.relay, "POST", "/chats", {
      body: { name: "Ada", question: "Hi" },
      headers: { origin: "http://relay.test" }
    })
    assert.strictEqual(same.status, 201)
    assert.strictEqual(s.sim.hub.list().length, 2)
  })
})

describe("relay: lifetimes", () => {
  it("ends an abandoned chat (no event stream for idleTimeout) at the provider", async () => {
    await using s = await stack({ idleTimeout: "300 millis" })
    const ada = await visitor(s.relay, "Ada")
    const bob = await visitor(s.relay, "Bob")
    const watched = await events(s.relay, bob.id, bob.auth) // Bob keeps his page open
    const remote = (name: string) => s.sim.hub.list().find((chat) => chat.visitorName === name)
    await eventually("Ada's chat ended", () => (remote("Ada")?.state === "ended" ? true : undefined))
    assert.strictEqual(remote("Ada")?.endedBy, "visitor")
    assert.strictEqual(remote("Bob")?.state, "queued")
    // A reloaded page still learns how it ended.
    const after = await events(s.relay, ada.id, ada.auth)
    await after.until("ended", (event) => event.type === "ended")
    await watched.close()
    // Bob's stream closed: his chat is abandoned in turn.
    await eventually("Bob's chat ended", () => (remote("Bob")?.state === "ended" ? true : undefined))
  })

  it("a stream that reconnects in time keeps the chat open", async () => {
    await using s = await stack({ idleTimeout: "400 millis" })
    const ada = await visitor(s.relay)
    for (let n = 0; n < 4; n++) {
      const stream = await events(s.relay, ada.id, ada.auth)
      await new Promise((resolve) => setTimeout(resolve, 200))
      await stream.close()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.strictEqual((await agentChat(s.sim)).state, "queued")
  })

  it("close() ends every chat at the provider and closes the streams; later requests get 503", async () => {
    await using s = await stack()
    const visitors = await Promise.all(["Ada", "Bob", "Cy"].map((name) => visitor(s.relay, name)))
    const first = visitors[0] as (typeof visitors)[number]
    const stream = await events(s.relay, first.id, first.auth)
    await stream.until("queued", (event) => event.type === "queued")
    await s.relay.close()
    await stream.done
    assert.strictEqual(stream.frames.at(-1)?.event.type, "ended")
    const states = s.sim.hub.list().map((chat) => [chat.state, chat.endedBy])
    assert.deepStrictEqual(states, [
      ["ended", "visitor"],
      ["ended", "visitor"],
      ["ended", "visitor"]
    ])
    const late = await call(s.relay, "POST", "/chats", { body: { name: "Dee", question: "Hi" } })
    assert.strictEqual(late.status, 503)
    assert.strictEqual((await errorOf(late)).code, "shutting_down")
  })

  it("serves over real HTTP with listen(), and close() stops the server", async () => {
    await using s = await stack({ basePath: "/chat-api" })
    const server = await s.relay.listen()
    const response = await fetch(`${server.url}/chat-api/chats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", question: "Hi" })
    })
    assert.strictEqual(response.status, 201)
    const cookie = response.headers.get("set-cookie") ?? ""
    const { chat } = (await response.json()) as { chat: { id: string } }
    assert.include(cookie, `Path=/chat-api/chats/${chat.id}`)
    const read = await fetch(`${server.url}/chat-api/chats/${chat.id}`, {
      headers: { cookie: cookie.split(";")[0] ?? "" }
    })
    assert.strictEqual(read.status, 200)
    await s.relay.close()
    await fetch(`${server.url}/chat-api/chats/${chat.id}`).then(
      () => assert.fail("the server still answers"),
      () => undefined
    )
  })
})
