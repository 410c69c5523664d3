/** Provider-specific features behind capabilities: present where the provider has them, a typed refusal elsewhere. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { fixture as salesforce } from "./fixtures/salesforce.ts"
import { chatAt, is, recorder, withProvider } from "./support/harness.ts"

describe("capability features", () => {
  it.live("Salesforce: sneak peek and custom events reach the agent side", () =>
    withProvider(salesforce, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        assert.isTrue(session.capabilities.sneakPeek && session.capabilities.customEvents)
        const events = yield* recorder(session)
        const chat = yield* chatAt(sim, "salesforce")
        sim.hub.accept(chat.id, { name: "Grace" })
        yield* events.until("connected", is("connected"))
        yield* session.sneakPeek("I am writing ab")
        yield* session.customEvent("page", "/checkout")
        const log = JSON.stringify(sim.hub.nativeLog(chat.id))
        assert.include(log, "I am writing ab")
        assert.include(log, "/checkout")
      })
    )
  )

  it.live("LiveChat: refuses features it does not have with InvalidInput, naming the capability", () =>
    withProvider(livechat, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        const events = yield* recorder(session)
        const chat = yield* chatAt(sim, "livechat")
        sim.hub.accept(chat.id, { name: "Grace" })
        yield* events.until("connected", is("connected"))
        for (const attempt of [
          session.sneakPeek("draft"),
          session.customEvent("a", "b"),
          session.requestTranscript("ada@example.com")
        ]) {
          const refused = yield* Effect.flip(attempt)
          assert.strictEqual(refused._tag, "InvalidInput")
          assert.include(refused.message, "capabilities")
        }
        const badEmail = yield* Effect.flip(session.requestTranscript("not an email"))
        assert.strictEqual(badEmail._tag, "InvalidInput")
      })
    )
  )
})
