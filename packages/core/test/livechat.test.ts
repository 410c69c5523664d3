/**
 * LiveChat specifics: the keep-alive deadline over a long quiet chat, Retry-After, malformed payloads.
 */
import { assert, describe, it } from "@effect/vitest"
import { createSimulator, type ManualClock } from "@switchboard/simulator"
import { Effect, Metric, Stream, TestClock } from "effect"
import * as Metrics from "../src/Metrics.ts"
import * as LiveChat from "../src/providers/LiveChat.ts"
import * as Session from "../src/Session.ts"
import { fixture } from "./fixtures/livechat.ts"
import { chatAt, is, recorder, withProvider } from "./support/harness.ts"

/** Lets promise-based I/O (the in-process simulator) finish between two clock steps. */
const flush = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

describe("LiveChat adapter", () => {
  it.effect(
    "keeps a quiet chat alive for 30 minutes: no poll gap ever reaches the 30 s deadline",
    () =>
      Effect.gen(function* () {
        // The simulator runs in-process on a manual clock that follows Effect's TestClock second by second.
        const sim = createSimulator({ clock: "manual" })
        const clock = sim.clock as ManualClock
        const polls: Array<number> = []
        const fetch = (request: Request) => {
          if (request.url.includes("get_pending_messages")) polls.push(clock.now())
          return sim.fetch(request)
        }
        const layer = LiveChat.layer({
          baseUrl: "http://simulator/livechat",
          licenceId: sim.settings.livechat.licenceId,
          fetch
        })
        const requests = Metrics.pollRequests.pipe(Metric.tagged("provider", "livechat"))
        const rates = Metrics.sessionPollRate.pipe(Metric.tagged("provider", "livechat"))
        const requestsBefore = (yield* Metric.value(requests)).count
        const ratesBefore = (yield* Metric.value(rates)).count
        yield* Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Hello" })
          const events = yield* recorder(session)
          const view = sim.hub.list({ provider: "livechat" })[0]
          assert.isDefined(view)
          sim.hub.accept(view?.id ?? "", { name: "Grace" })
          for (let second = 0; second < 30 * 60; second++) {
            yield* TestClock.adjust("1 second")
            yield* flush
            yield* Effect.promise(() => clock.advance(1000))
            yield* flush
            if (second === 900) sim.hub.say(view?.id ?? "", "still there?")
          }
          assert.strictEqual(sim.hub.get(view?.id ?? "").state, "chatting", "LiveChat never closed the chat")
          const gaps = polls.slice(1).map((at, i) => at - (polls[i] as number))
          assert.isAtMost(Math.max(...gaps), 20_000, "every gap leaves the 10 s safety margin")
          assert.isAbove(polls.length, (30 * 60) / 5 - 10)
          assert.isUndefined(events.seen().find(is("discontinuity")))
          assert.isDefined(events.seen().find((e) => e.type === "message" && e.text === "still there?"))
          const perMinute = yield* session.pollRate
          assert.isAtLeast(perMinute, 10)
          assert.isAtMost(perMinute, 60)
          // The same budget as metrics: every poll counted, and the session's rate sampled once a minute.
          const counted = (yield* Metric.value(requests)).count - requestsBefore
          assert.strictEqual(counted, polls.length)
          const sampled = yield* Metric.value(rates)
          assert.isAtLeast(sampled.count - ratesBefore, 28)
          assert.isAtMost(sampled.count - ratesBefore, 30)
          assert.isAtLeast(sampled.min, 10)
        }).pipe(Effect.scoped, Effect.provide(layer))
        sim.dispose()
        assert.strictEqual(sim.hub.list({ provider: "livechat" })[0]?.endedBy, "visitor")
      }),
    { timeout: 60_000 }
  )

  it.live("honours Retry-After on a 429 before sending again", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        const events = yield* recorder(session)
        const chat = yield* chatAt(sim, "livechat")
        sim.hub.accept(chat.id, { name: "Grace" })
        yield* events.until("connected", is("connected"))
        sim.faults.add({
          provider: "livechat",
          operation: "sendMessage",
          errorRate: 1,
          statuses: [429],
          retryAfterSeconds: 1,
          times: 1
        })
        const started = Date.now()
        yield* session.send("after the pause")
        const waited = Date.now() - started
        assert.isAtLeast(waited, 950, "waited for Retry-After")
        const lines = sim.hub.get(chat.id).transcript.filter((e) => e.kind === "message" && e.from === "visitor")
        assert.strictEqual(lines.filter((e) => e.kind === "message" && e.text === "after the pause").length, 1)
      })
    )
  )

  it.live("turns malformed payloads into `unknown` events or retried ProtocolErrors, never a crash", () =>
    Effect.gen(function* () {
      const sim = createSimulator()
      let mangled = 0
      const fetch = async (request: Request) => {
        const response = await sim.fetch(request)
        if (!request.url.includes("get_pending_messages") || mangled >= 3) return response
        mangled += 1
        const bodies = [
          '{"events": "not a list"}',
          "<html>Bad gateway</html>",
          JSON.stringify({
            events: [
              { message_id: 1000, type: "message", user_type: "robot" },
              { message_id: 1001, type: "file_shared", url: "x" }
            ]
          })
        ]
        return new Response(bodies[mangled - 1], { status: 200, headers: { "content-type": "application/json" } })
      }
      const layer = LiveChat.layer({
        baseUrl: "http://simulator/livechat",
        licenceId: sim.settings.livechat.licenceId,
        fetch,
        polling: { active: "50 millis", normal: "50 millis", idle: "50 millis" }
      })
      const unknown = yield* Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        return yield* session.events.pipe(Stream.filter(is("unknown")), Stream.take(2), Stream.runCollect)
      }).pipe(Effect.scoped, Effect.provide(layer), Effect.timeout("10 seconds"))
      sim.dispose()
      assert.strictEqual(unknown.length, 2)
      assert.deepInclude(
        [...unknown].map((e) => e.raw),
        { message_id: 1001, type: "file_shared", url: "x" }
      )
    })
  )
})
