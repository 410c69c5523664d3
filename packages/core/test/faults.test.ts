/**
 * Every provider under injected faults: 10% of requests fail transiently (error statuses, connections reset before
 * the request is applied, responses dropped after it was applied). 200 messages each way must arrive exactly once,
 * in order.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as Session from "../src/Session.ts"
import { chatAt, eventually, is, recorder, refresh, withProvider } from "./support/harness.ts"
import { matrix } from "./support/matrix.ts"

const count = 200

describe.each(matrix)("$label under faults", (fixture) => {
  const provider = fixture.name

  it.live(
    `${count} messages each way with 10% transient faults: none lost, none duplicated, order kept`,
    () =>
      withProvider(
        fixture,
        (sim) =>
          Effect.gen(function* () {
            const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Hello" })
            const events = yield* recorder(session)
            const chat = yield* chatAt(sim, provider)
            sim.hub.accept(chat.id, { name: "Grace" })
            yield* events.until("connected", is("connected"))

            sim.faults.add({ provider, errorRate: 0.04, statuses: [500, 502, 503, 429], retryAfterSeconds: 0 })
            sim.faults.add({ provider, resetRate: 0.03 })
            sim.faults.add({ provider, dropRate: 0.03 })

            const visitorTexts = Array.from({ length: count }, (_, i) => `visitor ${i + 1}`)
            const agentTexts = Array.from({ length: count }, (_, i) => `agent ${i + 1}`)
            const sends = yield* Effect.forEach(visitorTexts, (text) => Effect.fork(session.send(text)))
            const agent = yield* Effect.fork(
              Effect.forEach(agentTexts, (text) =>
                Effect.sync(() => sim.hub.say(chat.id, text)).pipe(Effect.zipRight(Effect.sleep("2 millis")))
              )
            )
            yield* Fiber.joinAll(sends)
            yield* Fiber.join(agent)

            const received = yield* events.count(
              `${count} agent messages`,
              (e) => e.type === "message" && e.from === "agent",
              count,
              60_000
            )
            yield* Effect.sleep("300 millis") // anything duplicated would show up by now
            const agentLines = events
              .seen()
              .flatMap((e) => (e.type === "message" && e.from === "agent" ? [e.text] : []))
            assert.deepStrictEqual(agentLines, agentTexts, "every agent message once, in order")
            assert.strictEqual(received.length, count)

            const atProvider = yield* eventually("all visitor messages at the provider", () => {
              const lines = refresh(sim, chat).transcript.flatMap((entry) =>
                entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []
              )
              return lines.length >= count + 1 ? lines : undefined
            })
            assert.deepStrictEqual(atProvider, ["Hello", ...visitorTexts], "every visitor message once, in order")
            const fired = sim.faults.list().reduce((sum, rule) => sum + rule.fired, 0)
            assert.isAtLeast(fired, 10, "the faults really fired (the count moves with the poll cadence)")
            sim.faults.clear()
          }),
        { seed: 7 }
      ),
    120_000
  )
})
