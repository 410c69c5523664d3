/**
 * A visitor message through the relay is sent once per `clientMessageId`, however often the page retries it, and a
 * message answered `pending` always says later, in the chat's events, how it ended.
 */
import { assert, describe, it } from "vitest"
import {
  agentChat,
  type ChatEvent,
  call,
  connectedChat,
  errorOf,
  events,
  eventually,
  stack,
  visitor
} from "./support.ts"

const visitorLines = (sim: Awaited<ReturnType<typeof stack>>["sim"], chatId: string, text: string) =>
  sim.hub.get(chatId).transcript.filter((entry) => entry.kind === "message" && entry.text === text).length

const isStatus = (id: string) => (event: ChatEvent) => event.type === "message-status" && event.clientMessageId === id

describe("relay: a visitor message is sent once per clientMessageId", () => {
  it("a repeat (a retry after a lost answer) joins the first send; the provider gets the line once", async () => {
    await using s = await stack()
    const { ada, stream, remote } = await connectedChat(s)

    const post = (text: string, clientMessageId?: string) =>
      call(s.relay, "POST", `/chats/${ada.id}/messages`, {
        body: clientMessageId === undefined ? { text } : { text, clientMessageId },
        headers: ada.auth
      })
    // Two tries at once (a double click, a retry while the first is on its way), then one after it went out.
    const [first, second] = await Promise.all([post("Is it in the depot?", "m-1"), post("Is it in the depot?", "m-1")])
    const third = await post("Is it in the depot?", "m-1")
    for (const answer of [first, second, third]) {
      assert.strictEqual(answer.status, 200)
      assert.deepStrictEqual(await answer.json(), { status: "delivered", clientMessageId: "m-1" })
    }
    await stream.until("the echo", (event) => event.type === "message" && event.text === "Is it in the depot?")
    // A later line has gone through the same pipe, so a second copy would be at the provider by now.
    assert.strictEqual((await post("Thanks")).status, 200)
    await stream.until("thanks", (event) => event.type === "message" && event.text === "Thanks")
    assert.strictEqual(visitorLines(s.sim, remote.id, "Is it in the depot?"), 1)
    assert.strictEqual(stream.frames.filter((frame) => frame.event.type === "message-status").length, 0)

    // The same id with other words is a mistake of the page's, said plainly; the same words with another id are sent.
    const reused = await post("Something else", "m-1")
    assert.strictEqual(reused.status, 409)
    assert.deepStrictEqual(await errorOf(reused), {
      code: "message_id_reused",
      message: "This clientMessageId was sent with another text; give each message its own."
    })
    assert.strictEqual((await post("Is it in the depot?", "m-2")).status, 200)
    await eventually("the second copy, asked for", () =>
      visitorLines(s.sim, remote.id, "Is it in the depot?") === 2 ? true : undefined
    )

    // Without an id the relay makes one and says which.
    const anonymous = (await (await post("Bye")).json()) as { clientMessageId: string }
    assert.match(anonymous.clientMessageId, /^[0-9a-f-]{36}$/)
    for (const bad of ["", "a".repeat(65), "has space", "ü"]) {
      const refused = await post("Hello", bad)
      assert.strictEqual(refused.status, 400, bad)
      assert.include((await errorOf(refused)).message, "clientMessageId must be 1 to 64 letters, digits, _ or -")
    }
    await stream.close()
  })

  it("a message answered pending reports its delivery in the events once an agent takes the chat", async () => {
    await using s = await stack({ sendWait: "20 millis" })
    const ada = await visitor(s.relay)
    const stream = await events(s.relay, ada.id, ada.auth)
    await stream.until("queued", (event) => event.type === "queued")

    const sent = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "Anyone there?", clientMessageId: "early-1" },
      headers: ada.auth
    })
    assert.strictEqual(sent.status, 202)
    assert.deepStrictEqual(await sent.json(), { status: "pending", clientMessageId: "early-1" })
    // A retry of a pending one joins it: still pending, and nothing more goes out.
    const again = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "Anyone there?", clientMessageId: "early-1" },
      headers: ada.auth
    })
    assert.strictEqual(again.status, 202)

    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    const status = await stream.until("its status", isStatus("early-1"))
    assert.deepStrictEqual(status, { type: "message-status", clientMessageId: "early-1", status: "delivered" })
    await stream.until("the echo", (event) => event.type === "message" && event.text === "Anyone there?")
    assert.strictEqual(visitorLines(s.sim, remote.id, "Anyone there?"), 1)
    assert.strictEqual(stream.frames.filter((frame) => isStatus("early-1")(frame.event)).length, 1)
    await stream.close()
  })

  it("a pending message that fails later says so in the events, and its retry sends it once", async () => {
    await using s = await stack({ sendWait: "20 millis", session: { giveUpAfter: "1 second" } })
    const { ada, stream, remote } = await connectedChat(s)

    // LiveChat refuses every send (the polls still work): the send is retried until the give-up budget, then fails.
    s.sim.faults.add({ provider: "livechat", operation: "sendMessage", errorRate: 1, statuses: [500] })
    const sent = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "Hello?", clientMessageId: "late-1" },
      headers: ada.auth
    })
    assert.strictEqual(sent.status, 202)
    const failed = await stream.until("its failure", isStatus("late-1"))
    assert.deepStrictEqual(failed, {
      type: "message-status",
      clientMessageId: "late-1",
      status: "failed",
      error: {
        code: "provider_unavailable",
        message: "The chat service is unavailable right now. Please try again shortly."
      }
    })
    assert.strictEqual(visitorLines(s.sim, remote.id, "Hello?"), 0)

    // The retry, once the provider takes sends again: a new send under the same id, delivered once.
    s.sim.faults.clear()
    const retried = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "Hello?", clientMessageId: "late-1" },
      headers: ada.auth
    })
    assert.oneOf(retried.status, [200, 202]) // 202 if the provider is slower than `sendWait`; sent either way
    await stream.until("the echo", (event) => event.type === "message" && event.text === "Hello?")
    assert.strictEqual(visitorLines(s.sim, remote.id, "Hello?"), 1)
    const failures = stream.frames.filter((frame) => isStatus("late-1")(frame.event) && frame.event.status === "failed")
    assert.strictEqual(failures.length, 1)
    await stream.close()
  })
})
