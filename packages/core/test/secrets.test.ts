/**
 * Secrets (LiveChat's secured_session_id here) never reach logs, events, state or error messages, even at debug
 * level and when calls fail.
 */
import { assert, describe, it } from "@effect/vitest"
import { createSimulator } from "@switchboard/simulator"
import { Effect, Logger, LogLevel, Stream } from "effect"
import * as LiveChat from "../src/providers/LiveChat.ts"
import * as Session from "../src/Session.ts"

describe("secrets", () => {
  it.live("never appear in logs, events, state or errors", () =>
    Effect.gen(function* () {
      const sim = createSimulator()
      const secrets = new Set<string>()
      const fetch = async (request: Request) => {
        const url = new URL(request.url)
        const fromQuery = url.searchParams.get("secured_session_id")
        if (fromQuery) secrets.add(fromQuery)
        const response = await sim.fetch(request)
        if (url.pathname.endsWith("/chat/start")) {
          const body = (await response.clone().json()) as { secured_session_id?: string }
          if (body.secured_session_id) secrets.add(body.secured_session_id)
        }
        return response
      }
      const logs: Array<string> = []
      const capture = Logger.make(({ message, annotations }) => {
        logs.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations) }))
      })
      const layer = LiveChat.layer({
        baseUrl: "http://simulator/livechat",
        licenceId: sim.settings.livechat.licenceId,
        fetch,
        polling: { active: "20 millis", normal: "20 millis", idle: "20 millis" },
        retry: { baseDelay: "5 millis", maxRetries: 2 }
      })
      const seen: Array<unknown> = []
      const errors: Array<string> = []
      yield* Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Hi" })
        yield* Effect.forkScoped(Stream.runForEach(session.events, (event) => Effect.sync(() => seen.push(event))))
        const chat = sim.hub.list({ provider: "livechat" })[0]
        sim.hub.accept(chat?.id ?? "", { name: "Grace" })
        yield* Effect.sleep("100 millis")
        yield* session.send("hello")
        sim.faults.add({ provider: "livechat", errorRate: 1, statuses: [500], times: 10 })
        const failed = yield* Effect.either(session.send("during an outage"))
        if (failed._tag === "Left") errors.push(failed.left.message, JSON.stringify(failed.left))
        sim.hub.expire(chat?.id ?? "")
        yield* Effect.sleep("100 millis")
        const after = yield* Effect.either(session.send("after expiry"))
        if (after._tag === "Left") errors.push(after.left.message, JSON.stringify(after.left))
        seen.push(yield* session.state.get)
      }).pipe(
        Effect.scoped,
        Effect.provide(layer),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      sim.dispose()
      assert.isAbove(secrets.size, 0)
      assert.isAbove(errors.length, 0)
      const everything = [...logs, ...errors, JSON.stringify(seen)].join("\n")
      for (const secret of secrets) assert.notInclude(everything, secret)
    })
  )
})
