/**
 * Server-Sent Events over real loopback HTTP, where the relay writes each stream straight to Node's response (the
 * in-process tests go through a `ReadableStream` body instead): the head and the replay at once, the slot limit,
 * a client that goes away, the chat's end, CORS headers on the stream, and `close()`.
 */
import { assert, describe, it } from "vitest"
import { agentChat, type EventReader, eventsAt, stack } from "./support.ts"

const startOver = async (base: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${base}/chats`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "Ada", question: "Where is my parcel?" })
  })
  assert.strictEqual(response.status, 201, await response.clone().text())
  const { chat } = (await response.json()) as { chat: { id: string } }
  return { id: chat.id, auth: { cookie: (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "" } }
}

describe("relay: event streams over HTTP", () => {
  it("sends the head and the replay at once, keeps four streams a chat, frees a slot when a client leaves", async () => {
    await using s = await stack()
    const server = await s.relay.listen()
    const ada = await startOver(server.url)
    const streams: Array<EventReader> = []
    for (let n = 0; n < 4; n++) streams.push(await eventsAt(server.url, ada.id, ada.auth))
    for (const stream of streams) {
      assert.strictEqual(stream.status, 200)
      assert.strictEqual(stream.response.headers.get("content-type"), "text/event-stream; charset=utf-8")
      assert.strictEqual(stream.response.headers.get("cache-control"), "no-cache, no-store, no-transform")
      await stream.until("the first question, replayed", (event) => event.type === "message")
      assert.match(stream.text(), /^retry: 1000\n\n/)
    }
    const fifth = await fetch(`${server.url}/chats/${ada.id}/events`, { headers: ada.auth })
    assert.strictEqual(fifth.status, 429)
    assert.strictEqual(((await fifth.json()) as { error: { code: string } }).error.code, "too_many_streams")

    // A client going away frees its slot (the relay learns it from the closed connection).
    await streams.pop()?.close()
    const deadline = Date.now() + 15_000
    for (;;) {
      const stream = await eventsAt(server.url, ada.id, ada.auth)
      if (stream.status === 200) {
        streams.push(stream)
        break
      }
      await stream.response.body?.cancel()
      if (Date.now() > deadline) throw new Error(`the slot was not freed: still ${stream.status}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }

    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    s.sim.hub.say(remote.id, "Hello Ada!")
    for (const stream of streams) {
      await stream.until("the agent's message", (event) => event.type === "message" && event.text === "Hello Ada!")
    }
    s.sim.hub.end(remote.id, "resolved")
    for (const stream of streams) {
      await stream.until("ended", (event) => event.type === "ended")
      await stream.done // the relay ends the response after `ended`
    }
    const after = await fetch(`${server.url}/chats/${ada.id}/events?lastEventId=${streams[0]?.frames.at(-1)?.id}`, {
      headers: ada.auth
    })
    assert.strictEqual(after.status, 204)
  })

  it("a page on an allowed origin gets the CORS headers on its stream too", async () => {
    await using s = await stack({ allowedOrigins: ["https://shop.example"] })
    const server = await s.relay.listen()
    const ada = await startOver(server.url, { origin: "https://shop.example" })
    const stream = await eventsAt(server.url, ada.id, { ...ada.auth, origin: "https://shop.example" })
    assert.strictEqual(stream.status, 200)
    assert.strictEqual(stream.response.headers.get("access-control-allow-origin"), "https://shop.example")
    assert.strictEqual(stream.response.headers.get("access-control-allow-credentials"), "true")
    await stream.until("queued", (event) => event.type === "queued")
    await stream.close()
  })

  it("close() ends the chat at the provider and each open stream after its `ended`", async () => {
    await using s = await stack()
    const server = await s.relay.listen()
    const ada = await startOver(server.url)
    const stream = await eventsAt(server.url, ada.id, ada.auth)
    await stream.until("queued", (event) => event.type === "queued")
    await s.relay.close()
    await stream.done
    assert.strictEqual(stream.frames.at(-1)?.event.type, "ended")
    assert.strictEqual((await agentChat(s.sim)).state, "ended")
  })
})
