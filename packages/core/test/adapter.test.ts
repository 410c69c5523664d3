/**
 * The port is open: a provider core has no adapter for (Acme Desk, `support/desk.ts`, in the tests only) plugs into the
 * session and the Promise client through `ChatProvider` alone, with its own name, title and capabilities.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { NoAgentsAvailable } from "../src/Errors.ts"
import { createChatClient, openChat } from "../src/promise.ts"
import * as Session from "../src/Session.ts"
import { deskCapabilities, makeDesk } from "./support/desk.ts"
import { is, recorder } from "./support/harness.ts"

describe("an adapter core does not know", () => {
  it.live("runs a whole chat through the Effect session: its name, capabilities and its first message rule", () => {
    const desk = makeDesk()
    return Effect.gen(function* () {
      const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Is my parcel lost?" })
      assert.strictEqual(session.provider, "acme")
      assert.deepStrictEqual(session.capabilities, deskCapabilities)
      const events = yield* recorder(session)
      yield* events.until("queued", is("queued"))
      // The desk's start does not carry the first question (`firstMessageAtStart` false): the session sends it once
      // an agent is there, before anything else.
      assert.deepStrictEqual(desk.chats[0]?.visitorLines, [])
      desk.accept("Grace")
      yield* events.until("connected", is("connected"))
      yield* session.send("It was due on Monday")
      assert.deepStrictEqual(desk.chats[0]?.visitorLines, ["Is my parcel lost?", "It was due on Monday"])
      desk.say("Found it: it is at the depot")
      yield* events.until("the agent's line", (event) => event.type === "message" && event.from === "agent")
      desk.end("resolved")
      const ended = yield* events.until("ended", is("ended"))
      assert.deepInclude(ended, { by: "agent", reason: "agent", detail: "resolved" })
      assert.strictEqual((yield* Session.availability()).available, true)
    }).pipe(Effect.scoped, Effect.provide(desk.layer))
  })

  it("runs through the Promise client (`{ layer }`), and its errors name it", async () => {
    const desk = makeDesk()
    await using support = await createChatClient({ layer: desk.layer })
    assert.strictEqual(support.provider, "acme")
    assert.deepStrictEqual(await support.availability(), { available: true })
    const chat = await support.open({ visitorName: "Bob" })
    desk.accept("Grace")
    await chat.send("Hello")
    assert.deepStrictEqual(desk.chats[0]?.visitorLines, ["Hello"])

    desk.online = false
    const refused = await support.open({ visitorName: "Cy" }).catch((error: unknown) => error)
    assert.instanceOf(refused, NoAgentsAvailable)
    assert.strictEqual(
      (refused as NoAgentsAvailable).message,
      "No acme agent can take a chat right now (the desk is closed). Offer the visitor an offline form or try again later."
    )
    await support.close()
    assert.deepStrictEqual(
      desk.chats.map((at) => at.endedBy),
      ["visitor"]
    )

    desk.online = true
    const single = await openChat({ layer: desk.layer, visitorName: "Dee", firstMessage: "Hi" })
    await single.end()
    assert.deepInclude(desk.chats[1], { visitorName: "Dee", state: "ended", endedBy: "visitor" })
  })
})
