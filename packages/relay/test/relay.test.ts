import { assert, describe, it } from "vitest"
import { agentChat, call, errorOf, events, relayHas, stack, visitor } from "./support.ts"

describe("relay: a chat from start to end", () => {
  it("starts a chat, streams events both ways, and ends it at the provider", async () => {
    await using s = await stack()
    const ada = await visitor(s.relay)
    const chat = ada.started.chat as { id: string; provider: string; capabilities: object; state: { status: string } }
    assert.strictEqual(chat.provider, "livechat")
    assert.match(chat.id, /^[A-Za-z0-9_-]{16}$/)
    assert.strictEqual(chat.state.status, "queued")
    assert.notProperty(ada.started, "token", "cookie mode never shows the token to page scripts")
    assert.match(ada.cookie, /^sb_visitor=[A-Za-z0-9_-]{43}; /)
    assert.include(ada.cookie, "HttpOnly")
    assert.include(ada.cookie, "SameSite=Strict")
    assert.include(ada.cookie, `Path=/chats/${chat.id}`)

    const stream = await events(s.relay, ada.id, ada.auth)
    assert.strictEqual(stream.status, 200)
    assert.strictEqual(stream.response.headers.get("content-type"), "text/event-stream; charset=utf-8")
    await stream.until("queued", (event) => event.type === "queued")

    const remote = await agentChat(s.sim)
    assert.strictEqual(remote.visitorName, "Ada")
    s.sim.hub.accept(remote.id, { name: "Grace" })
    await stream.until("connected", (event) => event.type === "connected")
    s.sim.hub.say(remote.id, "Hello Ada!")
    await stream.until("agent message", (event) => event.type === "message" && event.text === "Hello Ada!")

    const sent = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "It was due yesterday" },
      headers: ada.auth
    })
    assert.strictEqual(sent.status, 200)
    assert.deepInclude(await sent.json(), { status: "delivered" })
    await stream.until("the echo", (event) => event.type === "message" && event.text === "It was due yesterday")
    assert.strictEqual(s.sim.hub.get(remote.id).transcript.filter((entry) => entry.kind === "message").length, 3)

    const typing = await call(s.relay, "POST", `/chats/${ada.id}/typing`, { body: { on: true }, headers: ada.auth })
    assert.strictEqual(typing.status, 204)

    const info = await call(s.relay, "GET", `/chats/${ada.id}`, { headers: ada.auth })
    const read = (await info.json()) as { chat: { state: { status: string; agent: { name: string } } } }
    assert.strictEqual(read.chat.state.status, "connected")
    assert.strictEqual(read.chat.state.agent.name, "Grace")

    const ended = await call(s.relay, "POST", `/chats/${ada.id}/end`, { headers: ada.auth })
    assert.strictEqual(ended.status, 200)
    await stream.until("ended", (event) => event.type === "ended")
    await stream.done
    assert.strictEqual(s.sim.hub.get(remote.id).state, "ended")
    assert.strictEqual(s.sim.hub.get(remote.id).endedBy, "visitor")

    // Ids are 1, 2, 3... with no gap or repeat; after the end, a caught-up client gets 204 (EventSource stops).
    const ids = stream.frames.map((frame) => frame.id)
    assert.deepStrictEqual(
      ids,
      ids.map((_, index) => index + 1)
    )
    const after = await events(s.relay, ada.id, ada.auth, ids.at(-1))
    assert.strictEqual(after.status, 204)
    const late = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "hello?" },
      headers: ada.auth
    })
    assert.strictEqual(late.status, 409)
    assert.strictEqual((await errorOf(late)).code, "chat_ended")
  })

  it("resumes after a dropped stream with Last-Event-ID: nothing lost, nothing doubled", async () => {
    await using s = await stack()
    const ada = await visitor(s.relay)
    const first = await events(s.relay, ada.id, ada.auth)
    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    s.sim.hub.say(remote.id, "one")
    await first.until("one", (event) => event.type === "message" && event.text === "one")
    await first.close()
    const seen = first.frames.at(-1)?.id as number

    s.sim.hub.say(remote.id, "two") // while no stream is open
    s.sim.hub.say(remote.id, "three")
    await relayHas(s.relay, ada, seen + 2)
    const second = await events(s.relay, ada.id, ada.auth, seen)
    s.sim.hub.say(remote.id, "four")
    await second.until("four", (event) => event.type === "message" && event.text === "four")
    const texts = second.frames.filter((frame) => frame.event.type === "message").map((frame) => frame.event.text)
    assert.deepStrictEqual(texts, ["two", "three", "four"])
    assert.strictEqual(second.frames[0]?.id, seen + 1)

    // A fresh client (a reloaded page without storage) replays the whole chat once.
    const third = await events(s.relay, ada.id, ada.auth)
    await third.until("four", (event) => event.type === "message" && event.text === "four")
    const all = third.frames.filter((frame) => frame.event.type === "message").map((frame) => frame.event.text)
    assert.deepStrictEqual(all, ["Where is my parcel?", "one", "two", "three", "four"])
    await second.close()
    await third.close()
  })

  it("the agent ending the chat ends the stream with the reason, and the chat stays readable", async () => {
    await using s = await stack()
    const ada = await visitor(s.relay)
    const stream = await events(s.relay, ada.id, ada.auth)
    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    s.sim.hub.end(remote.id, "resolved")
    const ended = await stream.until("ended", (event) => event.type === "ended")
    assert.strictEqual(ended.by, "agent")
    await stream.done
    const info = await call(s.relay, "GET", `/chats/${ada.id}`, { headers: ada.auth })
    const read = (await info.json()) as { chat: { state: { status: string; ended: { by: string } } } }
    assert.strictEqual(read.chat.state.status, "ended")
    assert.strictEqual(read.chat.state.ended.by, "agent")
  })

  it("keeps a bounded log: a resume from a forgotten event starts with a discontinuity", async () => {
    await using s = await stack({ eventLogSize: 3 })
    const ada = await visitor(s.relay)
    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    for (const text of ["a", "b", "c", "d"]) s.sim.hub.say(remote.id, text)
    await relayHas(s.relay, ada, 7) // queued, the first question, connected, a, b, c, d
    const probe = await events(s.relay, ada.id, ada.auth, 0)
    await probe.until("d", (event) => event.type === "message" && event.text === "d")
    await probe.close()
    assert.strictEqual(probe.frames[0]?.event.type, "discontinuity")
    assert.isUndefined(probe.frames[0]?.id)
    assert.deepStrictEqual(
      probe.frames.slice(1).map((frame) => frame.event.text),
      ["b", "c", "d"]
    )
  })
})
