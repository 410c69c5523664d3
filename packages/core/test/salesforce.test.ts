/**
 * Salesforce specifics end to end through `Session.open`, over real loopback HTTP against the simulator (responses
 * checked against the spec): the lifecycle, the visitor ending the chat in every way, start failures, and the
 * protocol's own terminal answers (409, 403, idle timeout).
 */
import { assert, describe, it } from "@effect/vitest"
import type { RunningSimulator, SimulatorOptions } from "@switchboard/simulator"
import { ConfigProvider, Deferred, Effect, Exit, Fiber, Layer, Logger, LogLevel, type Scope } from "effect"
import type { ChatEvent } from "../src/ChatEvent.ts"
import type { ChatProvider } from "../src/ChatProvider.ts"
import * as Salesforce from "../src/providers/Salesforce.ts"
import * as Session from "../src/Session.ts"
import { fixture } from "./fixtures/salesforce.ts"
import { chatAt, eventually, is, recorder, refresh, simulator } from "./support/harness.ts"

/**
 * Runs `body` with the adapter against a fresh simulator; afterwards the adapter's layer is closed, the spec was
 * never violated and the simulator has no chat left open.
 */
const withSalesforce = <A, E>(
  body: (sim: RunningSimulator) => Effect.Effect<A, E, Scope.Scope | ChatProvider>,
  options: { readonly sim?: SimulatorOptions; readonly tuning?: Record<string, unknown> } = {}
) =>
  Effect.gen(function* () {
    const sim = yield* simulator(options.sim)
    const result = yield* body(sim).pipe(Effect.scoped, Effect.provide(fixture.layer(sim, options.tuning)))
    assert.deepStrictEqual(sim.violations, [])
    const open = sim.hub.list({ provider: "salesforce" }).filter((chat) => chat.state !== "ended")
    assert.deepStrictEqual(
      open.map((chat) => chat.id),
      [],
      "no chat is left open at the simulator"
    )
    return result
  }).pipe(Effect.scoped)

const agentTexts = (events: ReadonlyArray<ChatEvent>) =>
  events.flatMap((event) => (event.type === "message" && event.from === "agent" ? [event.text] : []))

const visitorAtProvider = (sim: RunningSimulator, id: string) =>
  sim.hub
    .get(id)
    .transcript.flatMap((entry) => (entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []))

/** Opens a chat and has an agent accept it. */
const connectedChat = (sim: RunningSimulator, request: { readonly firstMessage?: string } = {}) =>
  Effect.gen(function* () {
    const session = yield* Session.open({ visitorName: "Ada", ...request })
    const events = yield* recorder(session)
    yield* events.until("queued", is("queued"))
    const chat = yield* chatAt(sim, "salesforce")
    sim.hub.accept(chat.id, { id: "005A", name: "Grace" })
    yield* events.until("connected", is("connected"))
    return { session, events, chat }
  })

describe("Salesforce adapter", () => {
  it.live(
    "runs a whole chat: queued with position and estimate, connected, messages both ways in order, typing both ways, transfer, agent-left, ended by the agent",
    () =>
      withSalesforce((sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open(
            {
              visitorName: "Ada",
              firstMessage: "My parcel is late",
              prechat: { "Order number": "A-1001" },
              email: "ada@example.com"
            },
            { typingSpacing: "50 millis" }
          )
          const events = yield* recorder(session)
          const queued = yield* events.until("queued", is("queued"))
          assert.deepStrictEqual(queued, { type: "queued", position: 1, estimatedWaitSeconds: 0 })
          assert.strictEqual((yield* session.state.get).status, "queued")
          const chat = yield* chatAt(sim, "salesforce")
          assert.strictEqual(chat.visitorName, "Ada")
          assert.strictEqual(chat.skill, sim.settings.salesforce.buttonId)

          sim.hub.accept(chat.id, { id: "005A", name: "Grace" })
          const connected = yield* events.until("connected", is("connected"))
          assert.deepStrictEqual(connected.agent, { name: "Grace", id: "005A" })

          const sends = yield* Effect.forEach(
            Array.from({ length: 10 }, (_, i) => `visitor ${i + 1}`),
            (text) => Effect.fork(session.send(text)),
            { concurrency: 1 }
          )
          for (let i = 1; i <= 10; i++) sim.hub.say(chat.id, `agent ${i}`)
          yield* Fiber.joinAll(sends)
          const agentLines = yield* events.count(
            "10 agent lines",
            (e) => e.type === "message" && e.from === "agent",
            10
          )
          assert.deepStrictEqual(
            agentTexts(agentLines),
            Array.from({ length: 10 }, (_, i) => `agent ${i + 1}`)
          )
          assert.deepStrictEqual(visitorAtProvider(sim, chat.id), [
            "My parcel is late",
            ...Array.from({ length: 10 }, (_, i) => `visitor ${i + 1}`)
          ])
          const visitorLines = yield* events.count(
            "11 visitor lines",
            (e) => e.type === "message" && e.from === "visitor",
            11
          )
          assert.strictEqual(new Set(visitorLines.map((e) => (e.type === "message" ? e.id : ""))).size, 11)
          const agentIds = agentLines.map((e) => (e.type === "message" ? e.id : ""))
          assert.strictEqual(new Set(agentIds).size, 10)

          sim.hub.typing(chat.id, true)
          yield* events.until("agent typing", (e): e is never => e.type === "typing" && e.on)
          sim.hub.typing(chat.id, false)
          yield* events.until("agent stopped typing", (e): e is never => e.type === "typing" && !e.on)
          yield* session.typing(true)
          yield* eventually("visitor typing at the provider", () =>
            refresh(sim, chat).visitorTyping ? true : undefined
          )
          yield* session.typing(false)
          yield* eventually("visitor stopped typing", () => (refresh(sim, chat).visitorTyping ? undefined : true))

          sim.hub.transfer(chat.id, { id: "005B", name: "Linus" })
          const transferred = yield* events.until("transferred", is("transferred"))
          assert.deepStrictEqual(transferred.agent, { name: "Linus", id: "005B" })
          sim.hub.disconnect(chat.id)
          yield* events.until("agent-left", is("agent-left"))

          sim.hub.end(chat.id, "resolved: parcel located")
          const ended = yield* events.until("ended", is("ended"))
          // The agent's reason (ChatEnded.reason) reaches the visitor as the detail.
          assert.deepInclude(ended, { by: "agent", reason: "agent", detail: "resolved: parcel located" })
          const all = [...(yield* events.done)]
          assert.strictEqual(all.filter((e) => e.type === "ended").length, 1)
          assert.isUndefined(all.find((e) => e.type === "discontinuity" || e.type === "unknown"))
          assert.strictEqual((yield* session.state.get).status, "ended")
          const order = all.map((e) => e.type).filter((type) => type !== "message" && type !== "typing")
          assert.deepStrictEqual(order, ["queued", "connected", "transferred", "agent-left", "ended"])
          // The pre-chat answers and the email reached the agent side, and the session key never left the adapter.
          const log = JSON.stringify(sim.hub.nativeLog(chat.id))
          assert.include(log, "A-1001")
          assert.include(log, "ada@example.com")
          assert.notInclude(JSON.stringify(all), `${chat.nativeId}!`)
          assert.isAbove(yield* session.pollRate, 0)
        })
      ),
    20_000
  )

  it.live("reports queue position updates while queued (QueueUpdate)", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const first = yield* Session.open({ visitorName: "Ada" })
        const firstChat = yield* chatAt(sim, "salesforce")
        const second = yield* Session.open({ visitorName: "Bob" })
        const events = yield* recorder(second)
        const queued = yield* events.until("queued", is("queued"))
        assert.strictEqual(queued.position, 2)
        assert.strictEqual(queued.estimatedWaitSeconds, 45)
        sim.hub.accept(firstChat.id)
        yield* events.until("moved up", (e): e is never => e.type === "queued" && e.position === 1)
        assert.strictEqual((yield* second.state.get).position, 1)
        yield* first.end
      })
    )
  )

  it.live("end() ends the chat at the provider: ChatEnd while chatting, DELETE while queued", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        yield* session.end
        const view = refresh(sim, chat)
        assert.strictEqual(view.state, "ended")
        assert.strictEqual(view.endedBy, "visitor")
        assert.deepInclude(yield* events.until("ended", is("ended")), { by: "visitor", reason: "visitor" })
        yield* session.end // idempotent

        const queued = yield* Session.open({ visitorName: "Bob" })
        const other = yield* eventually("second chat", () =>
          sim.hub.list({ provider: "salesforce" }).find((c) => c.id !== chat.id)
        )
        yield* queued.end
        assert.strictEqual(refresh(sim, other).state, "ended")
        assert.strictEqual(refresh(sim, other).endedBy, "visitor")
      })
    )
  )

  it.live("closing the session's scope ends the chat at the provider", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const chat = yield* connectedChat(sim).pipe(
          Effect.map(({ chat }) => chat),
          Effect.scoped
        )
        const view = refresh(sim, chat)
        assert.strictEqual(view.state, "ended")
        assert.strictEqual(view.endedBy, "visitor")
      })
    )
  )

  it.live("interrupting the fiber that owns the session ends the chat at the provider", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const connected = yield* Deferred.make<string>()
        const fiber = yield* connectedChat(sim).pipe(
          Effect.tap(({ chat }) => Deferred.succeed(connected, chat.id)),
          Effect.zipRight(Effect.never),
          Effect.scoped,
          Effect.fork
        )
        const id = yield* Deferred.await(connected)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(sim.hub.get(id).state, "ended")
        assert.strictEqual(sim.hub.get(id).endedBy, "visitor")
      })
    )
  )

  it.live("interrupting a start that is still waiting for the request's outcome deletes the session", () =>
    withSalesforce(
      (sim) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(Effect.scoped(Session.open({ visitorName: "Ada" })))
          const chat = yield* chatAt(sim, "salesforce")
          yield* Fiber.interrupt(fiber)
          assert.strictEqual(sim.hub.get(chat.id).state, "ended")
          assert.strictEqual(sim.hub.get(chat.id).endedBy, "visitor")
        }),
      // ChatRequestSuccess is held back by latency on the first poll, so the start is interrupted half-way.
      { sim: { faults: [{ provider: "salesforce", operation: "getMessages", latencyMs: 1_000 }] } }
    )
  )

  it.live("no agents: start fails with NoAgentsAvailable and nothing stays open", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        sim.hub.setAvailability(false)
        const error = yield* Effect.flip(Effect.scoped(Session.open({ visitorName: "Ada" })))
        assert.strictEqual(error._tag, "NoAgentsAvailable")
        assert.strictEqual(sim.hub.list({ provider: "salesforce" })[0]?.state, "ended")
        // An unknown button is refused the same way (ChatRequestFail "Unavailable").
        sim.hub.setAvailability(true)
        const other = yield* Effect.flip(
          Effect.scoped(Session.open({ visitorName: "Ada", routing: "573000000000000" }))
        )
        assert.strictEqual(other._tag, "NoAgentsAvailable")
      })
    )
  )

  it.live("an org or deployment the server does not serve fails with Unauthorized before any chat exists", () =>
    withSalesforce(
      (sim) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Effect.scoped(Session.open({ visitorName: "Ada" })))
          assert.strictEqual(error._tag, "Unauthorized")
          assert.include(error.message, "orgId")
          assert.deepStrictEqual(sim.hub.list({ provider: "salesforce" }), [])
        }),
      { tuning: { orgId: "00D000000000001" } }
    )
  )

  it.live("malformed settings fail with InvalidConfiguration and send nothing", () =>
    Effect.gen(function* () {
      const base = {
        baseUrl: "https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest",
        orgId: "00D5g000000SWBd",
        deploymentId: "5725g000000SWBd",
        buttonId: "5735g000000SWBd"
      }
      const fields = [
        { ...base, baseUrl: "https://d.la2-c1-ia7.salesforceliveagent.com/" },
        { ...base, baseUrl: "ftp://example.com/chat/rest" },
        { ...base, orgId: "00D-bad" },
        { ...base, buttonId: "" },
        { ...base, apiVersion: 36 },
        { ...base, connections: 0 },
        { ...base, startsInFlight: 1.5 }
      ].map((settings) => Effect.flip(Effect.scoped(Salesforce.make(settings))).pipe(Effect.map((e) => e.field)))
      assert.deepStrictEqual(yield* Effect.all(fields), [
        "baseUrl",
        "baseUrl",
        "orgId",
        "buttonId",
        "apiVersion",
        "connections",
        "startsInFlight"
      ])
      const routing = yield* Effect.flip(
        Effect.scoped(Session.open({ visitorName: "Ada", routing: "not a button" }))
      ).pipe(Effect.provide(Salesforce.layer(base)))
      assert.strictEqual(routing._tag, "InvalidConfiguration")
    })
  )

  it.live("layerConfig reads SALESFORCE_* variables", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const env = new Map([
        ["SALESFORCE_BASE_URL", sim.urls.salesforce],
        ["SALESFORCE_ORG_ID", sim.settings.salesforce.orgId],
        ["SALESFORCE_DEPLOYMENT_ID", sim.settings.salesforce.deploymentId],
        ["SALESFORCE_BUTTON_ID", sim.settings.salesforce.buttonId],
        ["SALESFORCE_API_VERSION", "57"],
        ["SALESFORCE_RECEIVE_QUEUE_UPDATES", "false"]
      ])
      const withEnv = (map: Map<string, string>) =>
        Salesforce.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(map))))
      yield* Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        const events = yield* recorder(session)
        const queued = yield* events.until("queued", is("queued"))
        assert.isUndefined(queued.estimatedWaitSeconds, "no wait estimates without queue updates")
        yield* session.end
      }).pipe(Effect.scoped, Effect.provide(withEnv(env)))
      const missing = new Map(env)
      missing.delete("SALESFORCE_ORG_ID")
      const error = yield* Effect.flip(Effect.scoped(Layer.build(withEnv(missing))))
      assert.strictEqual(error._tag, "InvalidConfiguration")
      assert.strictEqual(error.field, "environment")
      assert.deepStrictEqual(sim.violations, [])
    }).pipe(Effect.scoped)
  )

  it.live("a 403 after the session expired ends the chat as a timeout", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { events, chat, session } = yield* connectedChat(sim)
        sim.hub.expire(chat.id)
        const ended = yield* events.until("ended", is("ended"))
        assert.deepInclude(ended, { by: "provider", reason: "timeout" })
        assert.strictEqual(refresh(sim, chat).endedBy, "timeout")
        const error = yield* Effect.flip(session.send("too late"))
        assert.strictEqual(error._tag, "ChatClosed")
      })
    )
  )

  it.live("a second long poll on the session (409) terminates the chat: ended as a conflict", () =>
    withSalesforce(
      (sim) =>
        Effect.gen(function* () {
          const session = yield* Session.open({ visitorName: "Ada" })
          const events = yield* recorder(session)
          const ended = yield* events.until("ended", is("ended"))
          assert.deepInclude(ended, { by: "provider", reason: "conflict" })
          const chat = yield* chatAt(sim, "salesforce")
          assert.strictEqual(refresh(sim, chat).state, "ended")
        }),
      {
        // The server holds polls longer than the client waits, and this transport does not cancel an abandoned
        // poll: the adapter's next poll meets the one still held, exactly what the rule forbids.
        sim: { salesforce: { clientPollTimeoutSeconds: 1, pollHoldMs: 5_000 } },
        tuning: {
          fetch: (request: Request) =>
            request.url.includes("/System/Messages")
              ? fetch(request.url, { method: "GET", headers: request.headers })
              : fetch(request)
        }
      }
    )
  )

  it.live(
    "a poll held past clientPollTimeout is abandoned by the poll pool and polled again, without a 409",
    () =>
      withSalesforce(
        (sim) =>
          Effect.gen(function* () {
            const { session, events, chat } = yield* connectedChat(sim)
            const before = yield* session.pollRate
            yield* Effect.sleep("3500 millis") // the server would hold each poll 5 s; the client gives up after ~1.5 s
            assert.isAtLeast((yield* session.pollRate) - before, 2, "held polls were abandoned and replaced")
            sim.hub.say(chat.id, "still here")
            yield* events.until("still here", (e): e is never => e.type === "message" && e.text === "still here")
            assert.strictEqual(refresh(sim, chat).state, "chatting")
            assert.isUndefined(events.seen().find(is("ended")))
          }),
        { sim: { salesforce: { clientPollTimeoutSeconds: 1, pollHoldMs: 5_000 } } }
      ),
    20_000
  )

  it.live("the server's idle timeout (ChatEnded with a timeout reason) ends the chat as a timeout", () =>
    withSalesforce(
      (sim) =>
        Effect.gen(function* () {
          const { events, chat } = yield* connectedChat(sim)
          sim.hub.say(chat.id, "Are you still there?")
          const ended = yield* events.until("ended", is("ended"))
          assert.deepInclude(ended, { by: "provider", reason: "timeout" })
        }),
      { sim: { salesforce: { chasitorIdleTimeout: { warningSeconds: 1, timeoutSeconds: 1 } } } }
    )
  )

  it.live("never puts the session key or an affinity token in logs, events, state or errors", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const secrets = new Set<string>()
      const capturing = async (request: Request) => {
        const response = await fetch(request)
        const path = new URL(request.url).pathname
        if (response.ok && (path.endsWith("/System/SessionId") || path.endsWith("/System/ReconnectSession"))) {
          const body = (await response.clone().json()) as {
            key?: string
            affinityToken?: string
            messages?: ReadonlyArray<{ message?: { affinityToken?: string } }>
          }
          for (const value of [
            body.key,
            body.affinityToken,
            ...(body.messages ?? []).map((m) => m.message?.affinityToken)
          ]) {
            if (value !== undefined) secrets.add(value)
          }
        }
        return response
      }
      const logs: Array<string> = []
      const capture = Logger.make(({ message, annotations, cause }) => {
        logs.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations), cause: String(cause) }))
      })
      const seen: Array<unknown> = []
      const errors: Array<string> = []
      yield* Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        sim.faults.add({
          provider: "salesforce",
          operation: "sendChatMessage",
          errorRate: 1,
          statuses: [503],
          retryAfterSeconds: 0,
          times: 1
        })
        yield* session.send("through a handover")
        // An outage that outlasts the send's retry deadline (a visitor's message is retried until the deadline).
        sim.faults.add({ provider: "salesforce", operation: "sendChatMessage", errorRate: 1, statuses: [500] })
        const failed = yield* Effect.flip(session.send("during an outage"))
        errors.push(failed.message, JSON.stringify(failed))
        sim.faults.clear()
        sim.hub.expire(chat.id)
        yield* events.until("ended", is("ended"))
        const closed = yield* Effect.flip(session.send("after expiry"))
        errors.push(closed.message, JSON.stringify(closed))
        seen.push(...events.seen(), yield* session.state.get)
      }).pipe(
        Effect.scoped,
        Effect.provide(
          fixture.layer(sim, {
            fetch: capturing,
            retry: { baseDelay: "20 millis", maxDelay: "200 millis", deadline: "2 seconds" }
          })
        ),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      assert.isAtLeast(secrets.size, 3, "a key and two affinity tokens were handed out")
      assert.isAbove(logs.length, 0)
      const everything = [...logs, ...errors, JSON.stringify(seen)].join("\n")
      for (const secret of secrets) assert.notInclude(everything, secret)
      assert.deepStrictEqual(sim.violations, [])
    }).pipe(Effect.scoped)
  )

  it.live("an unreachable endpoint fails the start with ProviderUnavailable once the retry budget is spent", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Effect.scoped(Session.open({ visitorName: "Ada" })).pipe(
          Effect.provide(
            Salesforce.layer({
              baseUrl: "http://127.0.0.1:9/chat/rest",
              orgId: "00D5g000000SWBd",
              deploymentId: "5725g000000SWBd",
              buttonId: "5735g000000SWBd",
              retry: { baseDelay: "10 millis", maxDelay: "20 millis", maxRetries: 2 }
            })
          )
        )
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        assert.strictEqual(error?._tag, "ProviderUnavailable")
      }
    })
  )
})
