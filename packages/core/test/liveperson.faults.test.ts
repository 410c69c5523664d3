/**
 * The LivePerson adapter under faults: repeated and re-ordered pages, lost answers, transient errors with
 * `Retry-After`, malformed payloads (rewritten by a proxy in front of the simulator), and where the app key goes.
 */
import { assert, describe, it } from "@effect/vitest"
import type { RunningSimulator } from "@switchboard/simulator"
import { Chunk, Clock, Effect, Logger, LogLevel, Redacted, Stream } from "effect"
import type { ChatEvent } from "../src/ChatEvent.ts"
import * as Session from "../src/Session.ts"
import {
  assertClean,
  eventually,
  fixture,
  is,
  onlyChat,
  type RewritingProxy,
  simulator,
  startRewritingProxy,
  visitorLines,
  waitFor
} from "./fixtures/liveperson.ts"

const provider = "liveperson" as const

const messages = (events: ReadonlyArray<ChatEvent>, from: "agent" | "visitor") =>
  events.flatMap((event) => (event.type === "message" && event.from === from ? [event] : []))

const logIds = (events: ReadonlyArray<ChatEvent>) =>
  events.flatMap((event) => (event.type === "message" ? [Number(event.id.slice("lp-".length))] : []))

/** Log ids strictly increasing: in order and never twice. */
const assertLogOrder = (events: ReadonlyArray<ChatEvent>) => {
  const ids = logIds(events)
  for (let i = 1; i < ids.length; i++) {
    assert.isAbove(ids[i] as number, ids[i - 1] as number, `message ${i} after message ${i - 1}`)
  }
}

const proxyFor = (sim: RunningSimulator) =>
  Effect.acquireRelease(
    Effect.promise(() => startRewritingProxy(sim.urls.liveperson)),
    (proxy) => Effect.promise(() => proxy.close())
  )

/** Opens a session, lets `agent` accept it, and waits for `connected`. */
const connectedSession = (sim: RunningSimulator) =>
  Effect.gen(function* () {
    const session = yield* Session.open({ visitorName: "Ada" })
    sim.hub.accept(onlyChat(sim).id, { name: "Grace" })
    yield* waitFor(session, is("connected"))
    return { session, id: onlyChat(sim).id }
  })

/** `GET {chat}?from=N`: the poll (not the account-level `chat/availability`, `chat/estimatedWaitTime`, ...). */
const isChatGet = (url: string) =>
  /\/chat\/(?!availability|availableSlots|estimatedWaitTime|preSurvey|offlineSurvey|request)[^/?]+\?/.test(url)

describe("LivePerson adapter: the log may repeat or re-order events", () => {
  it.scopedLive("duplicate and re-ordered pages produce no duplicate or out-of-order event", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.faults.add({ provider, operation: "getChat", duplicateRate: 0.5, reorderRate: 0.5 })
      const said = Array.from({ length: 40 }, (_, i) => `agent line ${i + 1}`)
      const events = yield* Effect.scoped(
        Effect.gen(function* () {
          const { session, id } = yield* connectedSession(sim)
          for (let burst = 0; burst < 10; burst++) {
            for (const text of said.slice(burst * 4, burst * 4 + 4)) sim.hub.say(id, text)
            yield* Effect.sleep("130 millis")
          }
          yield* waitFor(session, (event): event is ChatEvent => event.type === "message" && event.from === "agent", 40)
          sim.hub.end(id)
          return Chunk.toReadonlyArray(yield* Stream.runCollect(session.events))
        })
      ).pipe(Effect.provide(fixture.layer(sim)))
      assert.deepStrictEqual(
        messages(events, "agent").map((event) => event.text),
        said
      )
      assertLogOrder(events)
      assert.strictEqual(events.filter((event) => event.type === "connected").length, 1)
      assert.strictEqual(events.filter((event) => event.type === "ended").length, 1)
      assert.isAbove(
        sim.faults.list().reduce((fired, rule) => fired + rule.fired, 0),
        5,
        "the faults did fire"
      )
      assertClean(sim)
    })
  )
})

describe("LivePerson adapter: exactly-once sends", () => {
  for (const [fault, rule] of [
    ["a dropped answer (applied, then the connection cut)", { dropRate: 1 }],
    ["a reset before the request was applied", { resetRate: 1 }],
    ["a 500 answered before the request was applied", { errorRate: 1, statuses: [500] }]
  ] as const) {
    it.scopedLive(`${fault}: the log tells whether the line landed; it is sent once`, () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        const lines = yield* Effect.scoped(
          Effect.gen(function* () {
            const { session, id } = yield* connectedSession(sim)
            yield* session.send("before")
            sim.faults.add({ provider, operation: "addChatEvent", times: 1, ...rule })
            yield* session.send("exactly once")
            yield* session.send("after")
            yield* waitFor(
              session,
              (event): event is ChatEvent => event.type === "message" && event.from === "visitor",
              3
            )
            assert.strictEqual(sim.faults.list().length, 0, "the fault fired")
            return visitorLines(sim, id)
          })
        ).pipe(Effect.provide(fixture.layer(sim)))
        assert.deepStrictEqual(lines, ["before", "exactly once", "after"])
        assertClean(sim)
      })
    )
  }

  it.scopedLive("a send that gave up after its line landed does not make the next line look delivered", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const lines = yield* Effect.scoped(
        Effect.gen(function* () {
          const { session, id } = yield* connectedSession(sim)
          // The line lands but its answer is lost, and the log cannot be read until the retries run out.
          const drop = sim.faults.add({ provider, operation: "addChatEvent", dropRate: 1, times: 1 })
          const blind = sim.faults.add({
            provider,
            operation: "getChatEvents",
            errorRate: 1,
            statuses: [503],
            retryAfterSeconds: 0
          })
          const error = yield* Effect.flip(session.send("landed, unconfirmed"))
          assert.strictEqual(error._tag, "ProviderUnavailable")
          sim.faults.remove(drop)
          sim.faults.remove(blind)
          // One more ambiguous failure on the next line: the log check must count the earlier line as landed.
          sim.faults.add({ provider, operation: "addChatEvent", errorRate: 1, statuses: [500], times: 1 })
          yield* session.send("next")
          yield* waitFor(session, (event): event is ChatEvent => event.type === "message" && event.text === "next")
          return visitorLines(sim, id)
        })
        // A visitor's message is retried until the deadline, whatever the count: a short deadline makes it give up.
      ).pipe(
        Effect.provide(fixture.layer(sim, { retry: { baseDelay: "10 millis", maxRetries: 3, deadline: "1 second" } }))
      )
      assert.deepStrictEqual(lines, ["landed, unconfirmed", "next"])
      assertClean(sim)
    })
  )

  it.scopedLive(
    "200 messages each way with 10% transient faults: none lost, none twice, order kept",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ seed: 7 })
        const visitor = Array.from({ length: 200 }, (_, i) => `visitor ${i + 1}`)
        const agent = Array.from({ length: 200 }, (_, i) => `agent ${i + 1}`)
        const transient = { statuses: [500, 503, 429], retryAfterSeconds: 0 }
        const events = yield* Effect.scoped(
          Effect.gen(function* () {
            const { session, id } = yield* connectedSession(sim)
            sim.faults.add({
              provider,
              operation: "addChatEvent",
              dropRate: 0.04,
              resetRate: 0.03,
              errorRate: 0.03,
              ...transient
            })
            sim.faults.add({ provider, operation: "getChat", resetRate: 0.05, errorRate: 0.05, ...transient })
            sim.faults.add({ provider, operation: "getChat", duplicateRate: 0.1, reorderRate: 0.1 })
            sim.faults.add({ provider, operation: "getChatEvents", resetRate: 0.05, errorRate: 0.05, ...transient })
            const agentSide = Effect.forEach(agent, (text) =>
              Effect.zipRight(
                Effect.sync(() => sim.hub.say(id, text)),
                Effect.sleep("4 millis")
              )
            )
            const visitorSide = Effect.forEach(visitor, (text) => session.send(text))
            yield* Effect.all([agentSide, visitorSide], { concurrency: 2 })
            yield* waitFor(
              session,
              (event): event is ChatEvent => event.type === "message" && event.from === "agent",
              200,
              "10 seconds"
            )
            yield* waitFor(
              session,
              (event): event is ChatEvent => event.type === "message" && event.from === "visitor",
              200,
              "10 seconds"
            )
            const fired = sim.faults.list().reduce((sum, rule) => sum + rule.fired, 0)
            assert.isAtLeast(
              fired,
              15,
              "about 10% of the ~250 requests (200 sends, the polls, the log checks) met a fault"
            )
            sim.faults.clear()
            sim.hub.end(id)
            return Chunk.toReadonlyArray(yield* Stream.runCollect(session.events))
          })
        ).pipe(Effect.provide(fixture.layer(sim)))
        const id = onlyChat(sim).id
        assert.deepStrictEqual(visitorLines(sim, id), visitor, "the agent got every visitor line once, in order")
        assert.deepStrictEqual(
          messages(events, "agent").map((event) => event.text),
          agent,
          "the visitor got every agent line once, in order"
        )
        assert.deepStrictEqual(
          messages(events, "visitor").map((event) => event.text),
          visitor,
          "the visitor's echo: every line once, in order"
        )
        assertLogOrder(events)
        assert.deepStrictEqual(events.at(-1), { type: "ended", by: "agent", reason: "agent" })
        assertClean(sim)
      }),
    30_000
  )

  for (const status of [429, 503] as const) {
    it.scopedLive(`Retry-After on a ${status} is honoured before the send is repeated`, () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        yield* Effect.scoped(
          Effect.gen(function* () {
            const { session, id } = yield* connectedSession(sim)
            sim.faults.add({
              provider,
              operation: "addChatEvent",
              errorRate: 1,
              statuses: [status],
              retryAfterSeconds: 1,
              times: 1
            })
            const started = yield* Clock.currentTimeMillis
            yield* session.send("after the pause")
            const waited = (yield* Clock.currentTimeMillis) - started
            assert.isAtLeast(waited, 950, "waited for Retry-After (the policy alone would retry after ~20 ms)")
            assert.isBelow(waited, 3000)
            assert.deepStrictEqual(visitorLines(sim, id), ["after the pause"])
          })
        ).pipe(Effect.provide(fixture.layer(sim)))
        assertClean(sim)
      })
    )
  }
})

describe("LivePerson adapter: malformed payloads never crash", () => {
  it.scopedLive("a malformed availability answer: ProtocolError, nothing created", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      proxy.rewrite = (request) =>
        request.url.includes("/chat/availability") ? '{"availability":"perhaps"}' : undefined
      const error = yield* Session.open({ visitorName: "Ada" }).pipe(
        Effect.scoped,
        Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(sim.hub.list({ provider }).length, 0)
      assertClean(sim)
    })
  )

  it.scopedLive("a malformed chat URI: ProtocolError", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ liveperson: { chatTimeoutSeconds: 1 } })
      const proxy = yield* proxyFor(sim)
      proxy.rewriteHeaders = (request, headers) =>
        request.url.includes("/chat/request")
          ? { ...headers, location: "https://elsewhere.example/api/account/1/chat/H1-abcK2" }
          : undefined
      const error = yield* Session.open({ visitorName: "Ada" }).pipe(
        Effect.scoped,
        Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, "requestChat")
      // The chat exists, but without a usable URI it cannot be ended: nobody polls it, LivePerson times it out.
      yield* eventually(
        () => sim.hub.list({ provider }).every((chat) => chat.state === "ended"),
        "the orphan's timeout"
      )
      assertClean(sim)
    })
  )

  it.scopedLive("an event that breaks its type's shape becomes `unknown`; the chat goes on", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      let rewritten = false
      proxy.rewrite = (request, _, body) => {
        if (rewritten || !isChatGet(request.url) || !body.includes('"text":"garbled"')) return undefined
        rewritten = true
        return body.replace('"text":"garbled"', '"text":{"nested":true}')
      }
      const events = yield* Effect.scoped(
        Effect.gen(function* () {
          const { session, id } = yield* connectedSession(sim)
          sim.hub.say(id, "garbled")
          yield* waitFor(session, is("unknown"))
          sim.hub.say(id, "readable")
          yield* waitFor(session, (event): event is ChatEvent => event.type === "message" && event.text === "readable")
          // Everything up to the readable line (events replay from the start).
          const upTo = session.events.pipe(Stream.takeUntil((e) => e.type === "message" && e.text === "readable"))
          return Chunk.toReadonlyArray(yield* Stream.runCollect(upTo))
        })
      ).pipe(Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })))
      const unknown = events.find((event) => event.type === "unknown")
      assert.deepInclude((unknown as { raw: Record<string, unknown> }).raw, { "@type": "line", source: "agent" })
      assert.deepStrictEqual(
        messages(events, "agent").map((event) => event.text),
        ["readable"]
      )
      assertClean(sim)
    })
  )

  it.scopedLive("a2a-transfer and event types this version does not know pass through as `unknown`", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      // Swaps two agent lines for other event types under the same @id, so no real event is shadowed.
      const swaps: Record<string, (id: string) => Record<string, unknown>> = {
        "to another account": (id) => ({
          "@id": id,
          "@type": "a2a-transfer",
          time: "2026-01-05T04:00:00.000-05:00",
          domain: "va-e.convep.liveperson.net",
          chatRequestParameters: { skill: "Sales" },
          remoteSiteId: "12345678"
        }),
        "a future event": (id) => ({ "@id": id, "@type": "cobrowse-offer", time: "2026-01-05T04:00:01.000-05:00" })
      }
      proxy.rewrite = (request, _, body) => {
        if (!isChatGet(request.url)) return undefined
        const page = JSON.parse(body) as { chat: { events: { event?: unknown } } }
        const swap = (event: unknown) => {
          const line = event as { "@id": string; text?: string }
          const make = line.text === undefined ? undefined : swaps[line.text]
          return make === undefined ? event : make(line["@id"])
        }
        const { event } = page.chat.events
        if (event === undefined) return undefined
        page.chat.events.event = Array.isArray(event) ? event.map(swap) : swap(event)
        return JSON.stringify(page)
      }
      const events = yield* Effect.scoped(
        Effect.gen(function* () {
          const { session, id } = yield* connectedSession(sim)
          sim.hub.say(id, "to another account")
          sim.hub.say(id, "a future event")
          sim.hub.say(id, "still readable")
          yield* waitFor(
            session,
            (event): event is ChatEvent => event.type === "message" && event.text === "still readable"
          )
          const upTo = session.events.pipe(Stream.takeUntil((e) => e.type === "message" && e.text === "still readable"))
          return Chunk.toReadonlyArray(yield* Stream.runCollect(upTo))
        })
      ).pipe(Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })))
      const unknown = events.flatMap((event) =>
        event.type === "unknown" ? [event.raw as Record<string, unknown>] : []
      )
      assert.deepStrictEqual(
        unknown.map((raw) => raw["@type"]),
        ["a2a-transfer", "cobrowse-offer"]
      )
      assert.deepInclude(unknown[0], {
        domain: "va-e.convep.liveperson.net",
        chatRequestParameters: { skill: "Sales" }
      })
      assert.deepStrictEqual(
        messages(events, "agent").map((event) => event.text),
        ["still readable"]
      )
      assertClean(sim)
    })
  )

  it.scopedLive("one unreadable poll is retried; the chat goes on", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const { session, id } = yield* connectedSession(sim)
          let broken = 0
          proxy.rewrite = (request) => {
            if (!isChatGet(request.url) || broken >= 2) return undefined
            broken += 1
            return broken === 1 ? "<html>502 Bad Gateway</html>" : '{"chat":{"events":"nope"}}'
          }
          yield* eventually(() => broken === 2, "two broken answers")
          sim.hub.say(id, "still here")
          yield* waitFor(
            session,
            (event): event is ChatEvent => event.type === "message" && event.text === "still here"
          )
          const state = yield* session.state.get
          assert.strictEqual(state.status, "connected")
        })
      ).pipe(Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })))
      assert.strictEqual(onlyChat(sim).endedBy, "visitor")
      assertClean(sim)
    })
  )

  it.scopedLive(
    "a chat resource that stays malformed ends the session (error) within the chat timeout, and the chat is still ended at LivePerson",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ liveperson: { chatTimeoutSeconds: 4 } })
        const proxy = yield* proxyFor(sim)
        const ended = yield* Effect.scoped(
          Effect.gen(function* () {
            const { session } = yield* connectedSession(sim)
            proxy.rewrite = (request) => (isChatGet(request.url) ? '{"chat":{"info":{"state":"lost"}}}' : undefined)
            return yield* waitFor(session, is("ended"))
          })
        ).pipe(Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl })))
        assert.deepInclude(ended, { type: "ended", by: "provider", reason: "error" })
        assert.strictEqual(onlyChat(sim).endedBy, "visitor", "end() still told LivePerson")
        assertClean(sim)
      })
  )
})

describe("LivePerson adapter: the app key", () => {
  const run = (sim: RunningSimulator, proxy: RewritingProxy, appKeyIn: "header" | "query") =>
    Effect.scoped(
      Effect.gen(function* () {
        const { session } = yield* connectedSession(sim)
        yield* session.send("hi")
        yield* session.typing(true)
        yield* eventually(() => sim.hub.get(onlyChat(sim).id).visitorTyping, "typing at the agent")
      })
    ).pipe(Effect.provide(fixture.layer(sim, { baseUrl: proxy.baseUrl, appKeyIn })))

  it.scopedLive("goes in the documented header by default", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      yield* run(sim, proxy, "header")
      const key = sim.settings.liveperson.appKey
      assert.isAbove(proxy.requests.length, 5)
      for (const request of proxy.requests) {
        assert.strictEqual(request.headers.authorization, `LivePerson appKey=${key}`)
        assert.notInclude(request.url, key)
        assert.include(request.url, "v=1")
      }
      assert.isTrue(
        proxy.requests.some((request) => request.headers["x-http-method-override"] === "PUT"),
        "PUT-tunnelled setters carry the override"
      )
      assertClean(sim)
    })
  )

  it.scopedLive("or in the appKey query parameter", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* proxyFor(sim)
      yield* run(sim, proxy, "query")
      const key = sim.settings.liveperson.appKey
      for (const request of proxy.requests) {
        assert.isUndefined(request.headers.authorization)
        assert.include(request.url, `appKey=${key}`)
      }
      assertClean(sim)
    })
  )

  it.scopedLive(
    "neither it nor the chat id reaches logs, events, state or errors, even when calls fail",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        const proxy = yield* proxyFor(sim)
        const logs: Array<string> = []
        const capture = Logger.make(({ message, annotations }) => {
          logs.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations) }))
        })
        const seen: Array<unknown> = []
        const errors: Array<string> = []
        const record = <A, E extends { readonly message: string }>(effect: Effect.Effect<A, E>) =>
          Effect.either(effect).pipe(
            Effect.tap((result) =>
              result._tag === "Left"
                ? Effect.sync(() => errors.push(result.left.message, JSON.stringify(result.left)))
                : Effect.void
            )
          )
        const quick = { baseUrl: proxy.baseUrl, retry: { baseDelay: "5 millis", maxRetries: 2 } }
        const logged = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          effect.pipe(
            Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
            Logger.withMinimumLogLevel(LogLevel.All)
          )

        yield* Effect.scoped(
          Effect.gen(function* () {
            const { session, id } = yield* connectedSession(sim)
            yield* Effect.forkScoped(Stream.runForEach(session.events, (event) => Effect.sync(() => seen.push(event))))
            yield* session.send("hello")
            sim.faults.add({ provider, operation: "addChatEvent", errorRate: 1, statuses: [500], times: 10 })
            yield* record(session.send("during an outage"))
            proxy.rewrite = (request) => (isChatGet(request.url) ? '{"chat":{}}' : undefined)
            yield* Effect.sleep("150 millis")
            proxy.rewrite = () => undefined
            sim.hub.expire(id)
            yield* waitFor(session, is("ended"))
            yield* record(session.send("after the end"))
            seen.push(yield* session.state.get)
          })
        ).pipe(Effect.provide(fixture.layer(sim, quick)), logged)
        // Failed starts: a refused key, and an answer whose Location is not this account's chat URI.
        yield* record(
          Effect.scoped(Session.open({ visitorName: "Ada" })).pipe(
            Effect.provide(fixture.layer(sim, { ...quick, appKey: Redacted.make("f".repeat(32)) })),
            logged
          )
        )
        proxy.rewriteHeaders = (request, headers) =>
          request.url.includes("/chat/request")
            ? { ...headers, location: `${headers.location ?? ""}/../../x` }
            : undefined
        yield* record(
          Effect.scoped(Session.open({ visitorName: "Ada" })).pipe(Effect.provide(fixture.layer(sim, quick)), logged)
        )

        const secrets = [sim.settings.liveperson.appKey, ...sim.hub.list({ provider }).map((chat) => chat.nativeId)]
        assert.isAtLeast(errors.length, 6, "failures were recorded")
        assert.isAbove(logs.length, 0, "something was logged")
        const haystack = JSON.stringify({ logs, seen, errors })
        for (const secret of secrets) assert.notInclude(haystack, secret)
      }),
    15_000
  )
})
