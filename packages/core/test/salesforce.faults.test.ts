/**
 * Salesforce under faults, over real loopback HTTP against the simulator: the 503 affinity handover, lost and
 * repeated poll answers, sequence reuse proven at the simulator, exactly-once delivery both ways under 10 %
 * transient faults, Retry-After, and malformed payloads injected by a rewriting proxy.
 */
import { createServer, request as upstreamRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import type { FaultRule, RunningSimulator, SimulatorOptions } from "@switchboard/simulator"
import { Effect, Fiber, type Scope } from "effect"
import type { ChatEvent } from "../src/ChatEvent.ts"
import type { ChatProvider } from "../src/ChatProvider.ts"
import * as Salesforce from "../src/providers/Salesforce.ts"
import * as Session from "../src/Session.ts"
import { fixture } from "./fixtures/salesforce.ts"
import { chatAt, eventually, is, recorder, refresh, simulator } from "./support/harness.ts"

const provider = "salesforce" as const

const withSalesforce = <A, E>(
  body: (sim: RunningSimulator) => Effect.Effect<A, E, Scope.Scope | ChatProvider>,
  options: { readonly sim?: SimulatorOptions; readonly tuning?: Record<string, unknown> } = {}
) =>
  Effect.gen(function* () {
    const sim = yield* simulator(options.sim)
    const result = yield* body(sim).pipe(Effect.scoped, Effect.provide(fixture.layer(sim, options.tuning)))
    assert.deepStrictEqual(sim.violations, [])
    const open = sim.hub.list({ provider }).filter((chat) => chat.state !== "ended")
    assert.deepStrictEqual(
      open.map((chat) => chat.id),
      [],
      "no chat is left open at the simulator"
    )
    return result
  }).pipe(Effect.scoped)

const connectedChat = (sim: RunningSimulator) =>
  Effect.gen(function* () {
    const session = yield* Session.open({ visitorName: "Ada" })
    const events = yield* recorder(session)
    yield* events.until("queued", is("queued"))
    const chat = yield* chatAt(sim, provider)
    sim.hub.accept(chat.id, { id: "005A", name: "Grace" })
    yield* events.until("connected", is("connected"))
    return { session, events, chat }
  })

const agentTexts = (events: ReadonlyArray<ChatEvent>) =>
  events.flatMap((event) => (event.type === "message" && event.from === "agent" ? [event.text] : []))

const visitorTexts = (events: ReadonlyArray<ChatEvent>) =>
  events.flatMap((event) => (event.type === "message" && event.from === "visitor" ? [event.text] : []))

const visitorAtProvider = (sim: RunningSimulator, id: string) =>
  sim.hub
    .get(id)
    .transcript.flatMap((entry) => (entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []))

const agentLine = (text: string) => (event: ChatEvent) => event.type === "message" && event.text === text

describe("Salesforce adapter under faults", () => {
  it.live("survives a 503 handover: agent lines sent during it arrive once, no discontinuity, sends resume", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        sim.hub.say(chat.id, "before")
        yield* events.until("before", agentLine("before"))
        yield* session.send("visitor before")

        // The next poll answers 503; ReconnectSession is slowed down so the agent keeps talking meanwhile.
        sim.faults.add({ provider, operation: "getMessages", errorRate: 1, statuses: [503], times: 1 })
        const slow = sim.faults.add({ provider, operation: "reconnectSession", latencyMs: 400 })
        sim.hub.say(chat.id, "during 1")
        yield* events.until("during 1", agentLine("during 1"))
        yield* Effect.sleep("50 millis") // the re-poll has met the 503 and the reconnect is under way
        sim.hub.say(chat.id, "during 2")
        sim.hub.say(chat.id, "during 3")
        const sent = yield* Effect.fork(session.send("visitor during"))
        yield* events.until("during 3", agentLine("during 3"))
        yield* Fiber.join(sent)
        sim.faults.remove(slow)
        sim.hub.say(chat.id, "after")
        yield* session.send("visitor after")
        yield* events.until("after", agentLine("after"))

        const seen = events.seen()
        assert.deepStrictEqual(agentTexts(seen), ["before", "during 1", "during 2", "during 3", "after"])
        assert.deepStrictEqual(visitorAtProvider(sim, chat.id), ["visitor before", "visitor during", "visitor after"])
        assert.deepStrictEqual(visitorTexts(seen), ["visitor before", "visitor during", "visitor after"])
        assert.isUndefined(seen.find(is("discontinuity")), "continuity was proven by ChasitorSessionData")
        const log = sim.hub.nativeLog(chat.id) as ReadonlyArray<{ type: string }>
        assert.isTrue(log.some((line) => line.type === "ChasitorSessionData"))
      })
    )
  )

  it.live("a send still in flight when a handover restarts the sequence is not taken for a later one", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        // The first message reaches the server late, after the handover that restarts the sequence counter: the
        // server then knows its (old, high) number, and the renumbered messages after it must not look like
        // repeats of it.
        for (let i = 1; i <= 5; i++) yield* session.send(`warm-up ${i}`)
        const slow = sim.faults.add({ provider, operation: "sendChatMessage", latencyMs: 500 })
        const late = yield* Effect.fork(session.send("late"))
        yield* Effect.sleep("100 millis")
        sim.faults.remove(slow)
        sim.faults.add({ provider, operation: "getMessages", errorRate: 1, statuses: [503], times: 1 })
        sim.hub.say(chat.id, "poke")
        yield* events.until("poke", agentLine("poke"))
        yield* Fiber.join(late)
        yield* session.send("after 1")
        yield* session.send("after 2")
        const expected = ["warm-up 1", "warm-up 2", "warm-up 3", "warm-up 4", "warm-up 5", "late", "after 1", "after 2"]
        const lines = yield* eventually("every line at the provider", () => {
          const seen = visitorAtProvider(sim, chat.id)
          return seen.length >= expected.length ? seen : undefined
        })
        assert.deepStrictEqual(lines, expected)
      })
    )
  )

  it.live("a send that meets a 503 triggers the handover itself and is delivered once after it", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        sim.faults.add({ provider, operation: "sendChatMessage", errorRate: 1, statuses: [503], times: 1 })
        yield* session.send("through the handover")
        sim.hub.say(chat.id, "got it")
        yield* events.until("got it", agentLine("got it"))
        assert.deepStrictEqual(visitorAtProvider(sim, chat.id), ["through the handover"])
        assert.isUndefined(events.seen().find(is("discontinuity")))
      })
    )
  )

  it.live(
    "a send applied but unanswered, then caught by a 503 and a sequence reset, is found in the transcript, not resent",
    () =>
      withSalesforce((sim) =>
        Effect.gen(function* () {
          const { session, events, chat } = yield* connectedChat(sim)
          yield* session.send("first")
          // Attempt 1 is applied and its answer lost; attempt 2 (same sequence) meets the handover; after it the
          // counter restarts at 1, so only ChasitorSessionData's transcript can tell the message already landed.
          sim.faults.add({ provider, operation: "sendChatMessage", dropRate: 1, times: 1 })
          sim.faults.add({ provider, operation: "sendChatMessage", errorRate: 1, statuses: [503], times: 1 })
          yield* session.send("straddling")
          yield* session.send("next")
          assert.deepStrictEqual(visitorAtProvider(sim, chat.id), ["first", "straddling", "next"])
          assert.deepStrictEqual(visitorTexts(events.seen()), ["first", "straddling", "next"])
        })
      )
  )

  it.live("a 503 on ChasitorInit is repaired inline (no poller yet) and the chat starts once", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        // Applied but unanswered, then the handover: the resent request (numbered 1 again) is refused as a
        // duplicate, which proves the first one landed.
        sim.faults.add({ provider, operation: "chasitorInit", dropRate: 1, times: 1 })
        sim.faults.add({ provider, operation: "chasitorInit", errorRate: 1, statuses: [503], times: 1 })
        const session = yield* Session.open({ visitorName: "Ada" })
        const events = yield* recorder(session)
        yield* events.until("queued", is("queued"))
        const chats = sim.hub.list({ provider })
        assert.strictEqual(chats.length, 1)
        sim.hub.accept(chats[0]?.id ?? "")
        yield* events.until("connected", is("connected"))
        yield* session.send("hello")
        assert.deepStrictEqual(visitorAtProvider(sim, chats[0]?.id ?? ""), ["hello"])
        assert.isUndefined(events.seen().find(is("discontinuity")))
        assert.deepStrictEqual(sim.faults.list(), [])
      })
    )
  )

  it.live("a 503 on ChatEnd while the visitor leaves is repaired inline and the chat still ends at the provider", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, chat } = yield* connectedChat(sim)
        sim.faults.add({
          provider,
          operation: "chatEnd",
          errorRate: 1,
          statuses: [503],
          retryAfterSeconds: 0,
          times: 1
        })
        yield* session.end
        assert.strictEqual(refresh(sim, chat).endedBy, "visitor")
        const log = sim.hub.nativeLog(chat.id) as ReadonlyArray<{ type: string }>
        assert.isTrue(log.some((line) => line.type === "ChatEnd"))
      })
    )
  )

  it.live("sequence reuse, proven at the simulator: a send whose answer is dropped is applied once", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, events, chat } = yield* connectedChat(sim)
        sim.faults.add({ provider, operation: "sendChatMessage", dropRate: 1, times: 1 })
        sim.faults.add({ provider, operation: "sendChatMessage", resetRate: 1, times: 1 })
        sim.faults.add({ provider, operation: "sendChatMessage", errorRate: 1, statuses: [500], times: 1 })
        yield* session.send("exactly once")
        assert.deepStrictEqual(visitorAtProvider(sim, chat.id), ["exactly once"])
        const requests = (sim.hub.nativeLog(chat.id) as ReadonlyArray<{ type: string }>).filter(
          (line) => line.type === "ChatMessage"
        )
        assert.strictEqual(requests.length, 1, "the retries carried the same X-LIVEAGENT-SEQUENCE and were dropped")
        assert.deepStrictEqual(visitorTexts(events.seen()), ["exactly once"])
      })
    )
  )

  it.live("a dropped Messages answer is re-delivered by polling with the old ack; a repeated one is skipped", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { events, chat } = yield* connectedChat(sim)
        sim.faults.add({ provider, operation: "getMessages", dropRate: 1, times: 1 })
        sim.hub.say(chat.id, "one")
        yield* events.until("one", agentLine("one"))
        sim.faults.add({ provider, operation: "getMessages", duplicateRate: 1, times: 1 })
        sim.hub.say(chat.id, "two")
        yield* events.until("two", agentLine("two"))
        sim.hub.say(chat.id, "three")
        yield* events.until("three", agentLine("three"))
        assert.deepStrictEqual(agentTexts(events.seen()), ["one", "two", "three"])
        assert.deepStrictEqual(sim.faults.list(), [], "both faults fired")
      })
    )
  )

  it.live("honours Retry-After on a 429 before sending again", () =>
    withSalesforce((sim) =>
      Effect.gen(function* () {
        const { session, chat } = yield* connectedChat(sim)
        sim.faults.add({
          provider,
          operation: "sendChatMessage",
          errorRate: 1,
          statuses: [429],
          retryAfterSeconds: 1,
          times: 1
        })
        const started = Date.now()
        yield* session.send("after the pause")
        assert.isAtLeast(Date.now() - started, 950)
        assert.deepStrictEqual(visitorAtProvider(sim, chat.id), ["after the pause"])
      })
    )
  )

  it.live(
    "200 messages each way under 10 % transient faults: none lost, none duplicated, order kept",
    () => {
      const transient = (operation: string): FaultRule => ({
        provider,
        operation,
        resetRate: 0.03,
        errorRate: 0.04,
        statuses: [500, 503, 429],
        retryAfterSeconds: 0,
        dropRate: 0.03
      })
      return withSalesforce((sim) =>
        Effect.gen(function* () {
          const { session, events, chat } = yield* connectedChat(sim)
          sim.faults.add(transient("sendChatMessage"))
          sim.faults.add(transient("getMessages"))
          const visitor = Array.from({ length: 200 }, (_, i) => `visitor ${i + 1}`)
          const agent = Array.from({ length: 200 }, (_, i) => `agent ${i + 1}`)
          const sends = yield* Effect.fork(Effect.forEach(visitor, (text) => session.send(text), { discard: true }))
          for (const text of agent) {
            sim.hub.say(chat.id, text)
            yield* Effect.sleep("3 millis")
          }
          yield* Fiber.join(sends)
          yield* events.count("200 agent lines", (e) => e.type === "message" && e.from === "agent", 200, 15_000)
          const fired = sim.faults.list().map((rule) => rule.fired)
          assert.isTrue(
            fired.every((n) => n >= 5),
            `faults fired on both operations: ${fired.join(", ")}`
          )
          sim.faults.clear()
          const seen = events.seen()
          assert.deepStrictEqual(agentTexts(seen), agent)
          assert.deepStrictEqual(visitorTexts(seen), visitor)
          assert.deepStrictEqual(visitorAtProvider(sim, chat.id), visitor)
          const ids = seen.flatMap((e) => (e.type === "message" ? [e.id] : []))
          assert.strictEqual(new Set(ids).size, 400)
          assert.strictEqual(refresh(sim, chat).state, "chatting")
        })
      )
    },
    30_000
  )
})

/**
 * A loopback proxy in front of the simulator that may rewrite a response body, forwards aborts (a held poll the
 * client gives up must not stay held upstream), and counts the polls it is waiting on.
 */
const rewritingProxy = (target: string, rewrite: (path: string, status: number, body: string) => string | undefined) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly url: string; readonly heldPolls: () => number; readonly close: () => Promise<void> }>(
          (resolve) => {
            let held = 0
            const server = createServer((incoming, outgoing) => {
              const poll = incoming.url?.includes("/System/Messages") === true
              if (poll) held += 1
              let counted = poll
              const settle = () => {
                if (counted) held -= 1
                counted = false
              }
              const upstream = upstreamRequest(
                `${target}${incoming.url ?? ""}`,
                { method: incoming.method ?? "GET", headers: incoming.headers },
                (answer) => {
                  const chunks: Array<Buffer> = []
                  answer.on("data", (chunk: Buffer) => chunks.push(chunk))
                  answer.on("end", () => {
                    settle()
                    const body = Buffer.concat(chunks).toString("utf8")
                    const out = rewrite(incoming.url ?? "", answer.statusCode ?? 0, body) ?? body
                    const headers = { ...answer.headers }
                    delete headers["content-length"]
                    delete headers["transfer-encoding"]
                    outgoing.writeHead(answer.statusCode ?? 502, {
                      ...headers,
                      "content-length": Buffer.byteLength(out)
                    })
                    outgoing.end(out)
                  })
                  answer.on("error", () => outgoing.destroy())
                }
              )
              upstream.on("error", () => outgoing.destroy())
              outgoing.on("close", () => {
                settle()
                if (!outgoing.writableFinished) upstream.destroy()
              })
              incoming.pipe(upstream)
            })
            server.listen(0, "127.0.0.1", () => {
              const { port } = server.address() as AddressInfo
              resolve({
                url: `http://127.0.0.1:${port}`,
                heldPolls: () => held,
                close: () =>
                  new Promise<void>((done) => {
                    server.close(() => done())
                    server.closeAllConnections()
                  })
              })
            })
          }
        )
    ),
    (proxy) => Effect.promise(() => proxy.close())
  )

const layerThrough = (sim: RunningSimulator, base: string) =>
  Salesforce.layer({
    baseUrl: `${base}/salesforce/chat/rest`,
    orgId: sim.settings.salesforce.orgId,
    deploymentId: sim.settings.salesforce.deploymentId,
    buttonId: sim.settings.salesforce.buttonId,
    retry: { baseDelay: "20 millis", maxDelay: "200 millis" }
  })

describe("Salesforce adapter and malformed payloads", () => {
  it.live("a malformed SessionId answer fails the start with ProtocolError", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const proxy = yield* rewritingProxy(sim.url, (path) =>
        path.endsWith("/System/SessionId") ? '{"id":7}' : undefined
      )
      const error = yield* Effect.flip(Effect.scoped(Session.open({ visitorName: "Ada" }))).pipe(
        Effect.provide(layerThrough(sim, proxy.url))
      )
      assert.strictEqual(error._tag, "ProtocolError")
      assert.deepStrictEqual(sim.hub.list({ provider }), [])
    }).pipe(Effect.scoped)
  )

  it.live(
    "malformed or unknown entries become `unknown`, an unreadable envelope is polled again, nothing crashes",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        let garbled = false
        const proxy = yield* rewritingProxy(sim.url, (path, status, body) => {
          if (!path.includes("/System/Messages") || status !== 200) return undefined
          if (body.includes("not json, once") && !garbled) {
            garbled = true
            return "<html>gateway hiccup</html>"
          }
          if (!body.includes("rewrite me")) return undefined
          const envelope = JSON.parse(body) as { messages: Array<{ type: string; message: Record<string, unknown> }> }
          envelope.messages = envelope.messages.flatMap((entry) =>
            entry.type === "ChatMessage" && entry.message.text === "rewrite me"
              ? [
                  { type: "ChatMessage", message: { name: "Grace", text: 42 } },
                  { type: "TransferToButtonInitiated", message: {} },
                  { type: "BrandNewType", message: { shiny: true } }
                ]
              : [entry]
          )
          return JSON.stringify(envelope)
        })
        yield* Effect.gen(function* () {
          const { events, chat } = yield* connectedChat(sim)
          sim.hub.say(chat.id, "rewrite me")
          sim.hub.say(chat.id, "fine")
          yield* events.until("fine", agentLine("fine"))
          sim.hub.say(chat.id, "not json, once")
          yield* events.until("after the hiccup", agentLine("not json, once"))
          const seen = events.seen()
          const unknown = seen.filter(is("unknown"))
          assert.strictEqual(unknown.length, 2)
          assert.deepStrictEqual(unknown[1]?.raw, { type: "BrandNewType", message: { shiny: true } })
          assert.isDefined(
            seen.find((e, i) => e.type === "queued" && i > 1),
            "TransferToButtonInitiated → queued"
          )
          assert.deepStrictEqual(agentTexts(seen), ["fine", "not json, once"])
          assert.isTrue(garbled)
        }).pipe(Effect.scoped, Effect.provide(layerThrough(sim, proxy.url)))
        assert.deepStrictEqual(sim.violations, [])
        assert.strictEqual(sim.hub.list({ provider })[0]?.endedBy, "visitor")
      }).pipe(Effect.scoped)
  )

  it.live("after a handover, lines missing from what was shown are recovered from the transcript", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      // A line the visitor never saw: removed from the poll answer on its way (the answer is still acknowledged).
      let stripped = 0
      const proxy = yield* rewritingProxy(sim.url, (path, status, body) => {
        if (!path.includes("/System/Messages") || status !== 200 || !body.includes("lost on the way")) return undefined
        if (body.includes("ChasitorSessionData")) return undefined
        stripped += 1
        const envelope = JSON.parse(body) as { messages: Array<{ type: string; message: Record<string, unknown> }> }
        envelope.messages = envelope.messages.filter((entry) => entry.message.text !== "lost on the way")
        return JSON.stringify(envelope)
      })
      yield* Effect.gen(function* () {
        const { events, chat } = yield* connectedChat(sim)
        sim.hub.say(chat.id, "seen")
        yield* events.until("seen", agentLine("seen"))
        // The poll after the stripped answer meets a 503: the reconnect names that answer's offset, so the server
        // counts the line as delivered and lists it in ChasitorSessionData.
        yield* eventually("a poll held at the simulator", () => (proxy.heldPolls() > 0 ? true : undefined))
        yield* Effect.sleep("30 millis")
        sim.faults.add({ provider, operation: "getMessages", errorRate: 1, statuses: [503], times: 1 })
        sim.hub.say(chat.id, "lost on the way")
        yield* events.until("lost on the way", agentLine("lost on the way"))
        sim.hub.say(chat.id, "after")
        yield* events.until("after", agentLine("after"))
        const seen = events.seen()
        assert.deepStrictEqual(agentTexts(seen), ["seen", "lost on the way", "after"])
        assert.isUndefined(seen.find(is("discontinuity")))
        assert.strictEqual(stripped, 1, "the line only reached the visitor through ChasitorSessionData")
      }).pipe(Effect.scoped, Effect.provide(layerThrough(sim, proxy.url)))
      assert.deepStrictEqual(sim.violations, [])
    }).pipe(Effect.scoped)
  )

  it.live("a handover whose restored state carries no transcript is reported as a discontinuity", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      let removed = 0
      const proxy = yield* rewritingProxy(sim.url, (path, status, body) => {
        if (!path.includes("/System/Messages") || status !== 200 || !body.includes("ChasitorSessionData"))
          return undefined
        removed += 1
        const envelope = JSON.parse(body) as { messages: Array<{ type: string; message: Record<string, unknown> }> }
        for (const entry of envelope.messages)
          if (entry.type === "ChasitorSessionData") delete entry.message.chatMessages
        return JSON.stringify(envelope)
      })
      yield* Effect.gen(function* () {
        const { events, chat } = yield* connectedChat(sim)
        sim.faults.add({ provider, operation: "getMessages", errorRate: 1, statuses: [503], times: 1 })
        sim.hub.say(chat.id, "one")
        yield* events.until("discontinuity", is("discontinuity"))
        sim.hub.say(chat.id, "two")
        yield* events.until("two", agentLine("two"))
        const seen = events.seen()
        assert.strictEqual(seen.filter(is("discontinuity")).length, 1)
        assert.deepStrictEqual(agentTexts(seen), ["one", "two"])
        assert.strictEqual(removed, 1)
      }).pipe(Effect.scoped, Effect.provide(layerThrough(sim, proxy.url)))
      assert.deepStrictEqual(sim.violations, [])
    }).pipe(Effect.scoped)
  )
})
