/**
 * One set of scenarios, run for every provider against its simulator over real loopback HTTP: the behaviour a
 * team relies on, whatever platform their company runs.
 */
import { assert, describe, it } from "@effect/vitest"
import type { ChatView, RunningSimulator } from "@switchboard/simulator"
import { Deferred, Effect, Exit, Fiber, Scope, Supervisor } from "effect"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { chatAt, eventually, is, liveResources, recorder, refresh, withProvider } from "./support/harness.ts"
import { matrix } from "./support/matrix.ts"

describe.each(matrix)("$label conformance", (fixture) => {
  const provider = fixture.name

  it.live(
    "runs a whole chat: queued, connected, 20 messages each way in order, typing, transfer, ended by the agent",
    () =>
      withProvider(fixture, (sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada", firstMessage: "I need help with an order" })
          const events = yield* recorder(session)
          const queued = yield* events.until("queued", is("queued"))
          const chat = yield* chatAt(sim, provider)
          if (session.capabilities.queuePosition) assert.strictEqual(queued.position, 1)
          assert.strictEqual(chat.state, "queued")

          sim.hub.accept(chat.id, { name: "Grace" })
          const connected = yield* events.until("connected", is("connected"))
          assert.strictEqual(connected.agent.name, "Grace")

          // 20 each way, the visitor's sent without waiting for one another: order must still hold.
          const sends = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => `visitor ${i + 1}`),
            (text) => Effect.fork(session.send(text)),
            { concurrency: 1 }
          )
          for (let i = 1; i <= 20; i++) sim.hub.say(chat.id, `agent ${i}`)
          yield* Fiber.joinAll(sends)
          const agentLines = yield* events.count(
            "20 agent messages",
            (e) => e.type === "message" && e.from === "agent",
            20
          )
          assert.deepStrictEqual(
            agentLines.map((e) => (e.type === "message" ? e.text : "")),
            Array.from({ length: 20 }, (_, i) => `agent ${i + 1}`)
          )
          const atProvider = refresh(sim, chat).transcript.flatMap((entry) =>
            entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []
          )
          assert.deepStrictEqual(atProvider, [
            "I need help with an order",
            ...Array.from({ length: 20 }, (_, i) => `visitor ${i + 1}`)
          ])
          const visitorLines = yield* events.count(
            "21 visitor messages",
            (e) => e.type === "message" && e.from === "visitor",
            21
          )
          assert.strictEqual(new Set(visitorLines.map((e) => (e.type === "message" ? e.id : ""))).size, 21)

          if (session.capabilities.agentTyping) {
            sim.hub.typing(chat.id, true)
            yield* events.until("agent typing", (e): e is never => e.type === "typing" && e.on)
            sim.hub.typing(chat.id, false)
            yield* events.until("agent stopped typing", (e): e is never => e.type === "typing" && !e.on)
          }
          if (session.capabilities.visitorTyping) {
            yield* session.typing(true)
            yield* eventually("visitor typing at the provider", () =>
              refresh(sim, chat).visitorTyping ? true : undefined
            )
            yield* session.typing(false)
            yield* eventually("visitor stopped typing", () => (refresh(sim, chat).visitorTyping ? undefined : true))
          }

          sim.hub.transfer(chat.id, { name: "Linus" })
          // A LiveChat server may not show a transfer to the visitor at all (reference §4.1): nothing to see then.
          if (fixture.simulatorOptions?.variants?.livechat?.transfer !== "hidden") {
            const transferred = yield* events.until("transferred", is("transferred"))
            assert.strictEqual(transferred.agent.name, "Linus")
          }

          sim.hub.end(chat.id)
          const ended = yield* events.until("ended", is("ended"))
          assert.deepInclude(ended, { by: "agent", reason: "agent" })
          const all = yield* events.done
          assert.strictEqual(
            all.pipe((c) => [...c].filter((e) => e.type === "ended").length),
            1
          )
          assert.strictEqual((yield* session.state.get).status, "ended")
        })
      ),
    60_000
  )

  /** Starts a chat, lets an agent accept it, and returns the session with the simulator's view of it. */
  const connectedChat = (sim: RunningSimulator) =>
    Effect.gen(function* () {
      const session = yield* Session.open({ visitorName: "Ada" })
      const events = yield* recorder(session)
      const chat = yield* chatAt(sim, provider)
      sim.hub.accept(chat.id, { name: "Grace" })
      yield* events.until("connected", is("connected"))
      yield* session.send("hello")
      return { session, events, chat }
    })

  const endedByVisitorAt = (sim: RunningSimulator, chat: ChatView) =>
    eventually("the chat ended by the visitor at the simulator", () => {
      const now = refresh(sim, chat)
      return now.state === "ended" && now.endedBy === "visitor" ? now : undefined
    })

  it.live("end() ends the chat at the provider, once, and is idempotent", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        yield* Effect.all([session.end, session.end, session.end], { concurrency: "unbounded" })
        yield* endedByVisitorAt(sim, chat)
        const all = [...(yield* events.done)]
        assert.deepStrictEqual(
          all.filter((e) => e.type === "ended"),
          [{ type: "ended", by: "visitor", reason: "visitor" }]
        )
        const late = yield* Effect.either(session.send("too late"))
        assert.isTrue(late._tag === "Left" && late.left._tag === "ChatClosed")
      })
    )
  )

  it.live("closing the scope ends the chat at the provider", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const { chat } = yield* connectedChat(sim).pipe(Scope.extend(scope))
        assert.strictEqual(refresh(sim, chat).state, "chatting")
        yield* Scope.close(scope, Exit.void)
        yield* endedByVisitorAt(sim, chat)
      })
    )
  )

  it.live("interrupting the fiber that owns the session ends the chat at the provider", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const ready = yield* Deferred.make<ChatView>()
        const fiber = yield* Effect.fork(
          Effect.scoped(
            Effect.gen(function* () {
              const { chat } = yield* connectedChat(sim)
              yield* Deferred.succeed(ready, chat)
              return yield* Effect.never
            })
          )
        )
        const chat = yield* Deferred.await(ready)
        yield* Fiber.interrupt(fiber)
        yield* endedByVisitorAt(sim, chat)
      })
    )
  )

  it.live("a start racing another start on the same session creates one chat at the provider", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.make({ visitorName: "Ada" })
        yield* Effect.all([session.start, session.start, session.start], { concurrency: "unbounded" })
        yield* session.start
        assert.strictEqual(sim.hub.list({ provider }).length, 1)
      })
    )
  )

  it.live("ending while the start is still in flight leaves nothing open at the provider", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.make({ visitorName: "Ada" })
        const starting = yield* Effect.fork(session.start)
        yield* session.end
        yield* Fiber.await(starting)
        yield* Effect.sleep("200 millis")
        for (const chat of sim.hub.list({ provider })) assert.strictEqual(chat.state, "ended")
      })
    )
  )

  it.live("leaves no timer, socket or fiber behind", () =>
    Effect.gen(function* () {
      const before = liveResources()
      const supervisor = yield* Supervisor.track
      yield* withProvider(fixture, (sim) =>
        Effect.gen(function* () {
          const { session, chat } = yield* connectedChat(sim)
          sim.hub.say(chat.id, "bye")
          yield* session.typing(true)
          yield* session.end
        })
      ).pipe(Effect.supervised(supervisor))
      yield* Effect.sleep("50 millis")
      const fibers = yield* supervisor.value
      assert.deepStrictEqual(fibers.filter((fiber) => fiber.unsafePoll() === null).length, 0)
      assert.isAtMost(liveResources(), before)
    })
  )
})

describe("ending when the provider stops answering", () => {
  it.live(
    "is bounded by endTimeout, closes the session and still emits ended",
    () =>
      withProvider(livechat, (sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" }, { endTimeout: "1 second" })
          const events = yield* recorder(session)
          const chat = yield* chatAt(sim, "livechat")
          sim.hub.accept(chat.id, { name: "Grace" })
          yield* events.until("connected", is("connected"))
          // Every call now takes 3 s, three times the end budget.
          sim.faults.add({ provider: "livechat", latencyMs: 3_000 })
          const started = Date.now()
          yield* session.end
          const took = Date.now() - started
          assert.isBelow(took, 2_500, `end took ${took} ms`)
          assert.strictEqual((yield* session.state.get).status, "ended")
          yield* events.until("ended", is("ended"))
          sim.faults.clear()
        })
      ),
    20_000
  )
})
