/**
 * The LivePerson adapter end to end through `Session.open`, against the simulator on loopback HTTP: the lifecycle,
 * the ways a chat ends, start failures, the keep-alive and a chat the provider no longer holds.
 */
import { assert, describe, it } from "@effect/vitest"
import { createLivePersonClient, parseChatLocation } from "@switchboard/client-liveperson"
import { Chunk, ConfigProvider, Effect, Fiber, Layer, Metric, Option, Redacted, Stream, SubscriptionRef } from "effect"
import type { ChatEvent } from "../src/ChatEvent.ts"
import * as Metrics from "../src/Metrics.ts"
import * as LivePerson from "../src/providers/LivePerson.ts"
import * as Session from "../src/Session.ts"
import {
  assertClean,
  eventually,
  firstChat,
  fixture,
  is,
  onlyChat,
  simulator,
  startRewritingProxy,
  visitorLines,
  waitFor
} from "./fixtures/liveperson.ts"

const texts = (events: ReadonlyArray<ChatEvent>, from: "agent" | "visitor" | "system") =>
  events.flatMap((event) => (event.type === "message" && event.from === from ? [event.text] : []))

describe("LivePerson adapter: lifecycle", () => {
  it.scopedLive(
    "queued, connected, messages both ways in order, typing both ways, transfer, ended by the agent",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        const events = yield* Effect.scoped(
          Effect.gen(function* () {
            const session = yield* Session.open({
              visitorName: "Ada",
              firstMessage: "Where is my parcel?",
              email: "ada@example.com",
              prechat: { Order: "A-17" },
              language: "en-US"
            })
            const chat = onlyChat(sim)
            assert.strictEqual(chat.visitorName, "Ada", "the visitor's name is set at LivePerson")
            assert.strictEqual(chat.state, "queued")
            sim.hub.accept(chat.id, { id: "grace", name: "Grace" })
            const connected = yield* waitFor(session, is("connected"))
            assert.strictEqual(connected.agent.name, "Grace")
            yield* eventually(() => visitorLines(sim, chat.id).length === 1, "the first message at the agent")
            yield* session.send("It was due yesterday")

            sim.hub.typing(chat.id, true)
            yield* waitFor(session, (event): event is ChatEvent => event.type === "typing" && event.on)
            sim.hub.say(chat.id, "Let me check")
            yield* waitFor(session, (event): event is ChatEvent => event.type === "typing" && !event.on)

            yield* session.typing(true)
            yield* eventually(() => sim.hub.get(chat.id).visitorTyping, "visitor typing at the agent")

            sim.hub.transfer(chat.id, { id: "linus", name: "Linus" })
            const transferred = yield* waitFor(session, is("transferred"))
            assert.strictEqual(transferred.agent.name, "Linus")
            sim.hub.say(chat.id, "Linus here, found it")
            yield* waitFor(
              session,
              (event): event is ChatEvent => event.type === "message" && event.from === "agent",
              2
            )
            assert.isAbove(yield* session.pollRate, 0)
            sim.hub.end(chat.id)
            return Chunk.toReadonlyArray(yield* Stream.runCollect(session.events))
          })
        ).pipe(Effect.provide(fixture.layer(sim)))

        const queued = events[0]
        assert.deepStrictEqual(queued, { type: "queued", estimatedWaitSeconds: 0 })
        assert.deepStrictEqual(
          events.filter((event) => event.type !== "message").map((event) => event.type),
          ["queued", "connected", "typing", "typing", "transferred", "ended"]
        )
        assert.deepStrictEqual(texts(events, "visitor"), ["Where is my parcel?", "It was due yesterday"])
        assert.deepStrictEqual(texts(events, "agent"), ["Let me check", "Linus here, found it"])
        const system = texts(events, "system")
        assert.isTrue(
          system.some((text) => text.includes("Grace")),
          "system line 3 names the agent"
        )
        assert.strictEqual(system.length, 4, "routing (4), accepted (3), transferred (13), agent ended (5)")
        const ids = events.flatMap((event) => (event.type === "message" ? [Number(event.id.slice(3))] : []))
        assert.deepStrictEqual(
          ids,
          [...ids].sort((a, b) => a - b),
          "messages in log order"
        )
        assert.strictEqual(new Set(ids).size, ids.length, "no message twice")
        assert.deepStrictEqual(events.at(-1), { type: "ended", by: "agent", reason: "agent" })
        const chat = onlyChat(sim)
        assert.strictEqual(chat.endedBy, "agent")
        assert.deepStrictEqual(visitorLines(sim, chat.id), ["Where is my parcel?", "It was due yesterday"])
        assertClean(sim)
      }),
    20_000
  )

  it.scopedLive("a second chat on the skill is queued with LivePerson's wait estimate", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const [first, second] = yield* Effect.scoped(
        Effect.gen(function* () {
          const a = yield* Session.open({ visitorName: "Ada" })
          const b = yield* Session.open({ visitorName: "Bob" })
          return [yield* waitFor(a, is("queued")), yield* waitFor(b, is("queued"))]
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.deepStrictEqual(first, { type: "queued", estimatedWaitSeconds: 0 })
      assert.deepStrictEqual(second, { type: "queued", estimatedWaitSeconds: 45 })
      const chats = sim.hub.list({ provider: "liveperson" })
      assert.deepStrictEqual(
        chats.map((chat) => chat.endedBy),
        ["visitor", "visitor"],
        "closing the scope ends queued chats"
      )
      assertClean(sim)
    })
  )

  it.scopedLive("the visitor asks for the transcript by email", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          assert.isTrue(session.capabilities.transcriptByEmail)
          sim.hub.accept(onlyChat(sim).id)
          yield* waitFor(session, is("connected"))
          yield* session.requestTranscript("ada@example.com")
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      const log = sim.hub.nativeLog(onlyChat(sim).id) as { transcriptRequests: Array<{ email: string }> }
      assert.deepStrictEqual(
        log.transcriptRequests.map((request) => request.email),
        ["ada@example.com"]
      )
      assertClean(sim)
    })
  )

  it.scopedLive("the agent's connection drops: agent-left, then LivePerson ends the chat", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const events = yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          const chat = onlyChat(sim)
          sim.hub.accept(chat.id, { name: "Grace" })
          yield* waitFor(session, is("connected"))
          sim.hub.disconnect(chat.id)
          return Chunk.toReadonlyArray(yield* Stream.runCollect(session.events))
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.deepStrictEqual(
        events.filter((event) => event.type !== "message").map((event) => event.type),
        ["queued", "connected", "agent-left", "ended"]
      )
      assert.deepInclude(events.at(-1), { type: "ended", by: "provider", reason: "disconnected" })
      assert.strictEqual(onlyChat(sim).endedBy, "system")
      assertClean(sim)
    })
  )
})

describe("LivePerson adapter: the visitor ends the chat", () => {
  it.scopedLive("through end()", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const last = yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          sim.hub.accept(onlyChat(sim).id)
          yield* waitFor(session, is("connected"))
          yield* session.end
          assert.strictEqual(onlyChat(sim).state, "ended", "ended at LivePerson once end() returns")
          yield* session.end // idempotent
          return Chunk.toReadonlyArray(yield* Stream.runCollect(session.events)).at(-1)
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.deepStrictEqual(last, { type: "ended", by: "visitor", reason: "visitor" })
      const chat = onlyChat(sim)
      assert.strictEqual(chat.endedBy, "visitor")
      assert.strictEqual(chat.transcript.filter((entry) => entry.kind === "ended").length, 1, "one end at the provider")
      assertClean(sim)
    })
  )

  it.scopedLive("by closing the session's scope", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          sim.hub.accept(onlyChat(sim).id)
          yield* waitFor(session, is("connected"))
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      const chat = onlyChat(sim)
      assert.strictEqual(chat.state, "ended")
      assert.strictEqual(chat.endedBy, "visitor")
      assertClean(sim)
    })
  )

  it.scopedLive("by interrupting the fiber that holds the session", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const fiber = yield* Effect.scoped(Session.open({ visitorName: "Ada" }).pipe(Effect.zipRight(Effect.never))).pipe(
        Effect.provide(fixture.layer(sim)),
        Effect.fork
      )
      yield* eventually(() => Option.isSome(firstChat(sim)), "the chat at LivePerson")
      sim.hub.accept(onlyChat(sim).id)
      yield* Effect.sleep("300 millis") // a few polls while connected
      yield* Fiber.interrupt(fiber)
      const chat = onlyChat(sim)
      assert.strictEqual(chat.state, "ended")
      assert.strictEqual(chat.endedBy, "visitor")
      assertClean(sim)
    })
  )

  it.scopedLive("by interrupting the start while the chat request is in flight", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* Effect.acquireRelease(
        Effect.promise(() => startRewritingProxy(sim.urls.liveperson)),
        (proxy) => Effect.promise(() => proxy.close())
      )
      sim.faults.add({ provider: "liveperson", operation: "requestChat", latencyMs: 300 })
      const fiber = yield* Session.open({ visitorName: "Ada" }).pipe(
        Effect.scoped,
        Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })),
        Effect.fork
      )
      yield* eventually(
        () => proxy.requests.some((request) => request.method === "POST" && request.url.includes("/chat/request")),
        "the chat request in flight"
      )
      yield* Fiber.interrupt(fiber)
      // The request reached LivePerson: the interrupted start waited for its answer and ended the chat.
      const chat = onlyChat(sim)
      assert.strictEqual(chat.endedBy, "visitor")
      assertClean(sim)
    })
  )
})

describe("LivePerson adapter: ending while the start is still running", () => {
  for (const latencyMs of [0, 300]) {
    it.scopedLive(`leaves nothing open at LivePerson (chat request latency ${latencyMs} ms)`, () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        if (latencyMs > 0) sim.faults.add({ provider: "liveperson", operation: "requestChat", latencyMs })
        yield* Effect.scoped(
          Effect.gen(function* () {
            const session = yield* Session.make({ visitorName: "Ada" })
            const starting = yield* Effect.fork(session.start)
            if (latencyMs > 0) yield* Effect.sleep("100 millis")
            yield* session.end
            yield* Fiber.await(starting)
          })
        ).pipe(Effect.provide(fixture.layer(sim)))
        yield* Effect.sleep("100 millis")
        assertClean(sim)
      })
    )
  }
})

describe("LivePerson adapter: start failures", () => {
  const open = (sim: Parameters<typeof fixture.layer>[0], tuning?: Record<string, unknown>) =>
    Session.open({ visitorName: "Ada" }).pipe(Effect.scoped, Effect.provide(fixture.layer(sim, tuning)), Effect.flip)

  it.scopedLive("no agent available: NoAgentsAvailable, and no chat is created", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.hub.setAvailability(false)
      const error = yield* open(sim)
      assert.strictEqual(error._tag, "NoAgentsAvailable")
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 0)
      assertClean(sim)
    })
  )

  it.scopedLive("an unknown routing skill: NoAgentsAvailable", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const error = yield* Session.open({ visitorName: "Ada", routing: "Astrology" }).pipe(
        Effect.scoped,
        Effect.provide(fixture.layer(sim)),
        Effect.flip
      )
      assert.strictEqual(error._tag, "NoAgentsAvailable")
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 0)
    })
  )

  it.scopedLive("a wrong app key: Unauthorized, without the key in the message", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const wrong = "0123456789abcdef0123456789abcdef"
      const error = yield* open(sim, { appKey: Redacted.make(wrong) })
      assert.strictEqual(error._tag, "Unauthorized")
      assert.notInclude(error.message, wrong)
      assert.notInclude(error.message, sim.settings.liveperson.appKey)
      const inQuery = yield* open(sim, { appKey: Redacted.make(wrong), appKeyIn: "query" })
      assert.strictEqual(inQuery._tag, "Unauthorized")
      assert.notInclude(inQuery.message, wrong)
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 0)
      assertClean(sim)
    })
  )

  it.scopedLive("another account: Unauthorized", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const error = yield* open(sim, { accountId: "11111111" })
      assert.strictEqual(error._tag, "Unauthorized")
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 0)
    })
  )

  it.scopedLive("settings that cannot work: InvalidConfiguration before any request", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const cases: ReadonlyArray<[Record<string, unknown>, string]> = [
        [{ skill: " " }, "skill"],
        [{ baseUrl: "ftp://example.com" }, "baseUrl"],
        [{ accountId: "../1" }, "accountId"],
        [{ appKey: Redacted.make("") }, "appKey"],
        [{ maxWaitTime: 100_000 }, "maxWaitTime"],
        [{ polling: { interval: "35 seconds" } }, "polling.interval"],
        [{ interactionTimeout: 10, polling: { interval: "6 seconds" } }, "polling.interval"]
      ]
      for (const [tuning, field] of cases) {
        const error = yield* open(sim, tuning)
        assert.strictEqual(error._tag, "InvalidConfiguration", field)
        assert.strictEqual((error as { field?: string }).field, field)
      }
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 0)
    })
  )

  it.scopedLive("a failure once the chat exists ends it before the error returns", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.faults.add({ provider: "liveperson", operation: "setVisitorName", errorRate: 1, statuses: [500] })
      const error = yield* open(sim, { retry: { baseDelay: "10 millis", maxRetries: 2 } })
      assert.strictEqual(error._tag, "ProviderUnavailable")
      const chat = onlyChat(sim)
      assert.strictEqual(chat.endedBy, "visitor")
      assertClean(sim)
    })
  )

  it.scopedLive("the chat request is retried like every call; a retry after a lost answer is counted", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ liveperson: { chatTimeoutSeconds: 1 } })
      const ambiguous = Metric.taggedWithLabels(Metrics.ambiguousStarts, Metrics.providerTags("liveperson"))
      const before = (yield* Metric.value(ambiguous)).count
      // A 503 answered before the request was applied: repeated, one chat, nothing ambiguous.
      sim.faults.add({
        provider: "liveperson",
        operation: "requestChat",
        errorRate: 1,
        statuses: [503],
        retryAfterSeconds: 0,
        times: 1
      })
      yield* Session.open({ visitorName: "Ada" }).pipe(Effect.scoped, Effect.provide(fixture.layer(sim)))
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 1)
      assert.strictEqual((yield* Metric.value(ambiguous)).count, before)
      // An answer lost after the request was applied: the visitor still gets a chat (the retry's), and the retry is
      // counted, since the lost attempt left a chat nobody can end.
      sim.faults.add({ provider: "liveperson", operation: "requestChat", dropRate: 1, times: 1 })
      yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          assert.strictEqual((yield* SubscriptionRef.get(session.state)).status, "queued")
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.strictEqual((yield* Metric.value(ambiguous)).count, before + 1)
      assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, 3, "the orphan and the visitor's chat")
      // The orphan's URI never arrived, so it cannot be ended: nobody polls it and LivePerson times it out.
      yield* eventually(
        () => sim.hub.list({ provider: "liveperson" }).every((chat) => chat.state === "ended"),
        "the orphan's timeout"
      )
      assert.strictEqual(sim.hub.list({ provider: "liveperson" })[1]?.endedBy, "timeout")
      assert.strictEqual(sim.hub.list({ provider: "liveperson" })[2]?.endedBy, "visitor")
      assertClean(sim)
    })
  )
})

describe("LivePerson adapter: keep-alive and a chat LivePerson no longer holds", () => {
  it.scopedLive(
    "a chat polled on the cadence outlives a quiet spell longer than its chatTimeout (an unpolled one does not)",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        yield* Effect.scoped(
          Effect.gen(function* () {
            const session = yield* Session.open({ visitorName: "Ada" })
            const chat = onlyChat(sim)
            sim.hub.accept(chat.id)
            yield* waitFor(session, is("connected"))

            // Control: the same request without a poller times out.
            const { accountId, appKey } = sim.settings.liveperson
            const raw = createLivePersonClient({ baseUrl: sim.urls.liveperson, appKey })
            const started = yield* Effect.promise(() =>
              raw.POST("/api/account/{accountId}/chat/request", {
                params: { path: { accountId } },
                body: { request: { skill: "Sales", interactionTimeout: 2 } }
              })
            )
            const location = parseChatLocation(started.response, { baseUrl: sim.urls.liveperson, accountId })
            assert.isUndefined(location.error)

            yield* Effect.sleep("5 seconds") // 2.5 x chatTimeout without a line either way
            assert.strictEqual(sim.hub.get(chat.id).state, "chatting", "the polled chat is alive")
            const control = sim.hub.findByNativeId("liveperson", location.data?.chatId ?? "")
            assert.strictEqual(control?.endedBy, "timeout", "the unpolled chat timed out")
            const state = yield* session.state.get
            assert.strictEqual(state.status, "connected", "the session saw no end")
          })
        ).pipe(Effect.provide(fixture.layer(sim, { interactionTimeout: 2, polling: { interval: "300 millis" } })))
        const chat = sim.hub.list({ provider: "liveperson" })[0]
        assert.strictEqual(chat?.endedBy, "visitor")
        assertClean(sim)
      }),
    15_000
  )

  it.scopedLive(
    "the server's shorter chatTimeout wins over a slower configured cadence",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ liveperson: { chatTimeoutSeconds: 2 } })
        yield* Effect.scoped(
          Effect.gen(function* () {
            const session = yield* Session.open({ visitorName: "Ada" })
            yield* Effect.sleep("4500 millis") // the configured cadence (3 s) alone would have let it lapse
            assert.strictEqual(onlyChat(sim).state, "queued")
            const rate = yield* session.pollRate
            assert.isAtLeast(rate, 3, "polled about every second, not every 3 s")
          })
        ).pipe(Effect.provide(fixture.layer(sim, { polling: { interval: "3 seconds" } })))
        assert.strictEqual(onlyChat(sim).endedBy, "visitor")
        assertClean(sim)
      }),
    15_000
  )

  it.scopedLive("404 internalCode 12 mid-chat ends the session (by provider, timeout) without further requests", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const events = yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          const chat = onlyChat(sim)
          sim.hub.accept(chat.id)
          yield* waitFor(session, is("connected"))
          sim.hub.expire(chat.id) // the chat service lets go of the chat: 404, internalCode 12
          const ended = yield* waitFor(session, is("ended"))
          const error = yield* Effect.flip(session.send("anyone?"))
          assert.strictEqual(error._tag, "ChatClosed")
          return [ended]
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.deepInclude(events[0], { type: "ended", by: "provider", reason: "timeout" })
      assert.strictEqual(onlyChat(sim).endedBy, "timeout")
      assertClean(sim)
    })
  )
})

describe("LivePerson adapter: layerConfig", () => {
  it.scopedLive("reads LIVEPERSON_* variables, the app key as a secret", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const env = new Map([
        ["LIVEPERSON_BASE_URL", sim.urls.liveperson],
        ["LIVEPERSON_ACCOUNT_ID", sim.settings.liveperson.accountId],
        ["LIVEPERSON_APP_KEY", sim.settings.liveperson.appKey],
        ["LIVEPERSON_APP_KEY_IN", "query"],
        ["LIVEPERSON_SKILL", "Support"],
        ["LIVEPERSON_POLL_INTERVAL", "200 millis"]
      ])
      const layer = LivePerson.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(env))))
      yield* Effect.scoped(Session.open({ visitorName: "Ada" })).pipe(Effect.provide(layer))
      const chat = onlyChat(sim)
      assert.strictEqual(chat.skill, "Support")
      assert.strictEqual(chat.endedBy, "visitor")
      const missing = new Map([...env].filter(([key]) => key !== "LIVEPERSON_APP_KEY"))
      const broken = LivePerson.layerConfig.pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(missing)))
      )
      const error = yield* Effect.scoped(Session.open({ visitorName: "Ada" })).pipe(Effect.provide(broken), Effect.flip)
      assert.strictEqual(error._tag, "InvalidConfiguration")
      assert.include(error.message, "LIVEPERSON_APP_KEY")
      assertClean(sim)
    })
  )
})
