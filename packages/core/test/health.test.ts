/**
 * Connection health, the same for every provider: with the provider unreachable mid-chat the session emits
 * `connection-lost` (attempt, next try, give-up time) within one poll interval of the first failure, keeps it in
 * `ChatState.connection`, and `connection-restored` on the first good answer after it; the chat carries on, with no
 * message lost or doubled. Past the give-up budget (`SessionOptions.giveUpAfter`) the chat ends with reason "error"
 * and the session sends the end request to the provider.
 *
 * "Unreachable" is the simulator resetting every poll's connection before it is read: the provider's polls fail as
 * they would with the provider down, while the end request gets through, so the test can see it arrive.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, SubscriptionRef } from "effect"
import type { ChatEventOf } from "../src/ChatEvent.ts"
import type { BuiltInProvider } from "../src/Errors.ts"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { fixture as liveperson } from "./fixtures/liveperson.ts"
import { fixture as salesforce } from "./fixtures/salesforce.ts"
import { chatAt, eventually, is, recorder, refresh, withProvider } from "./support/harness.ts"

/** Each provider's poll, as the simulator names the operation. */
const pollOperation: Record<BuiltInProvider, string> = {
  salesforce: "getMessages",
  liveperson: "getChat",
  livechat: "getPendingMessages"
}

/** The longest pause between two polls of the fixtures, plus scheduling slack on a loaded machine. */
const detectionBound = 3_000

const cases = [salesforce, liveperson, livechat].map((fixture) => ({ label: fixture.name, fixture }))

describe.each(cases)("$label: connection health", ({ fixture }) => {
  const provider = fixture.name

  it.live(
    "the provider unreachable mid-chat: lost within a poll interval, in the state, restored on the first answer, nothing lost",
    () =>
      withProvider(fixture, (sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" }, { giveUpAfter: "30 seconds" })
          const events = yield* recorder(session)
          const chat = yield* chatAt(sim, provider)
          sim.hub.accept(chat.id, { name: "Grace" })
          yield* events.until("connected", is("connected"))
          yield* session.send("before")

          const cut = Date.now()
          const rule = sim.faults.add({ provider, operation: pollOperation[provider], resetRate: 1 })
          // A held long poll (Salesforce) answers at once when the agent writes; the next poll meets the fault.
          sim.hub.say(chat.id, "are you there?")
          const lost = yield* events.until("connection-lost", is("connection-lost"), 10_000)
          assert.isAtMost(Date.now() - cut, detectionBound, "lost within one poll interval")
          assert.strictEqual(lost.attempt, 1)
          assert.isAtMost(lost.since, lost.retryAt)
          assert.strictEqual(lost.giveUpAt, lost.since + 30_000)
          assert.isString(lost.detail)
          const state = yield* SubscriptionRef.get(session.state)
          assert.strictEqual(state.status, "connected", "the chat is still open")
          assert.strictEqual(state.connection?.since, lost.since)

          // Attempts go on, each announced with its number.
          const again = yield* events.count("a second failed attempt", is("connection-lost"), 2, 10_000)
          assert.strictEqual((again[1] as ChatEventOf<"connection-lost">).attempt, 2)

          sim.faults.remove(rule)
          // The agent writes: a long poll held since the provider came back answers with it (Salesforce reports
          // "restored" with the first answer, which a held poll gives when there is news or at its hold's end).
          sim.hub.say(chat.id, "back again")
          const restored = yield* events.until("connection-restored", is("connection-restored"), 10_000)
          assert.isAbove(restored.downForMs, 0)
          assert.isUndefined((yield* SubscriptionRef.get(session.state)).connection)

          yield* session.send("after")
          yield* events.until(
            "the agent's line after the outage",
            (e) => e.type === "message" && e.text === "back again"
          )
          const agentLines = events.seen().flatMap((e) => (e.type === "message" && e.from === "agent" ? [e.text] : []))
          assert.deepStrictEqual(agentLines, ["are you there?", "back again"], "every agent line once")
          const visitor = yield* eventually("both visitor lines at the provider", () => {
            const lines = refresh(sim, chat).transcript.flatMap((entry) =>
              entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []
            )
            return lines.includes("after") ? lines : undefined
          })
          // (LiveChat's start carries a welcome line first.)
          assert.deepStrictEqual(
            visitor.slice(visitor.indexOf("before")),
            ["before", "after"],
            "every visitor line once"
          )
          assert.isFalse(events.seen().some(is("ended")), "the outage did not end the chat")
        })
      ),
    60_000
  )

  it.live(
    "unreachable past the give-up budget: ended with reason error at the budget, and the end request reaches the provider",
    () =>
      withProvider(fixture, (sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" }, { giveUpAfter: "2 seconds" })
          const events = yield* recorder(session)
          const chat = yield* chatAt(sim, provider)
          sim.hub.accept(chat.id, { name: "Grace" })
          yield* events.until("connected", is("connected"))

          sim.faults.add({ provider, operation: pollOperation[provider], resetRate: 1 })
          sim.hub.say(chat.id, "are you there?")
          const first = yield* events.until("connection-lost", is("connection-lost"), 10_000)
          const ended = yield* events.until("ended", is("ended"), 10_000)
          const endedAt = Date.now()
          assert.strictEqual(ended.reason, "error")
          assert.strictEqual(ended.by, "provider")
          assert.include(ended.detail ?? "", "could not be reached")
          // At the budget: the last try starts when it runs out (a reset fails at once), plus scheduling slack.
          assert.isAtLeast(endedAt - first.since, 2_000 - 50)
          assert.isAtMost(endedAt - first.since, 2_000 + 1_500)
          const lost = events.seen().filter(is("connection-lost"))
          assert.isTrue(
            lost.every((event) => event.retryAt <= first.giveUpAt),
            "no try is announced past the give-up time"
          )
          const view = yield* eventually("the chat ended at the provider by the visitor side", () => {
            const now = refresh(sim, chat)
            return now.state === "ended" ? now : undefined
          })
          assert.strictEqual(view.endedBy, "visitor")
          assert.strictEqual(events.seen().filter(is("ended")).length, 1, "ended exactly once")
        })
      ),
    60_000
  )
})
