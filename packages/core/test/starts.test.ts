/**
 * Starts in flight: every adapter lets at most `startsInFlight` chat starts talk to the provider at once, and the
 * others wait their turn; a start given up while it waits sends nothing. Requests are counted where they leave the
 * process (undici's diagnostics channels), against the simulator over loopback HTTP.
 */
import diagnostics from "node:diagnostics_channel"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import type { BuiltInProvider } from "../src/Errors.ts"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { fixture as liveperson } from "./fixtures/liveperson.ts"
import { fixture as salesforce } from "./fixtures/salesforce.ts"
import type { ProviderFixture } from "./support/fixture.ts"
import { eventually, withProvider } from "./support/harness.ts"

const fixtures: ReadonlyArray<ProviderFixture> = [salesforce, liveperson, livechat]

/** The request that creates a chat at each provider: its operationId (for latency) and the end of its path. */
const creating: Record<BuiltInProvider, { readonly operation: string; readonly path: string }> = {
  salesforce: { operation: "chasitorInit", path: "/Chasitor/ChasitorInit" },
  liveperson: { operation: "requestChat", path: "/chat/request" },
  livechat: { operation: "startChat", path: "/chat/start" }
}

interface UndiciRequest {
  readonly path: string
}

/** Counts the requests whose path ends with `path`: how many were sent, and the most in flight at once. */
const countRequests = (path: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const inFlight = new Set<UndiciRequest>()
      const counts = { sent: 0, most: 0 }
      const matches = (request: UndiciRequest) => request.path.split("?")[0]?.endsWith(path) === true
      const created = ({ request }: { request: UndiciRequest }) => {
        if (!matches(request)) return
        counts.sent += 1
        inFlight.add(request)
        counts.most = Math.max(counts.most, inFlight.size)
      }
      const settled = ({ request }: { request: UndiciRequest }) => {
        inFlight.delete(request)
      }
      diagnostics.subscribe("undici:request:create", created as (message: unknown) => void)
      diagnostics.subscribe("undici:request:trailers", settled as (message: unknown) => void)
      diagnostics.subscribe("undici:request:error", settled as (message: unknown) => void)
      return {
        counts,
        stop: () => {
          diagnostics.unsubscribe("undici:request:create", created as (message: unknown) => void)
          diagnostics.unsubscribe("undici:request:trailers", settled as (message: unknown) => void)
          diagnostics.unsubscribe("undici:request:error", settled as (message: unknown) => void)
        }
      }
    }),
    ({ stop }) => Effect.sync(stop)
  )

describe.each(fixtures)("$name: starts in flight", (fixture) => {
  const { operation, path } = creating[fixture.name]
  const limited = (startsInFlight: number): ProviderFixture => ({
    ...fixture,
    layer: (sim, tuning) => fixture.layer(sim, { ...tuning, startsInFlight })
  })

  it.live("at most startsInFlight chats are being created at once; the others wait their turn", () =>
    Effect.gen(function* () {
      const requests = yield* countRequests(path)
      yield* withProvider(
        limited(2),
        (sim) =>
          Effect.gen(function* () {
            const sessions = yield* Effect.forEach(
              [1, 2, 3, 4, 5, 6],
              (n) => Session.open({ visitorName: `Visitor ${n}` }),
              { concurrency: "unbounded" }
            )
            assert.strictEqual(sessions.length, 6)
            assert.strictEqual(sim.hub.list({ provider: fixture.name }).length, 6, "every chat was created")
            assert.strictEqual(requests.counts.sent, 6, "one chat request each")
            assert.strictEqual(requests.counts.most, 2, "never more than two at once")
          }),
        { faults: [{ provider: fixture.name, operation, latencyMs: 60 }] }
      )
    }).pipe(Effect.scoped)
  )

  it.live("startsInFlight must be a positive whole number: InvalidConfiguration before any request", () =>
    withProvider(fixture, (sim) =>
      Effect.gen(function* () {
        for (const startsInFlight of [0, -1, 2.5, Number.NaN]) {
          const error = yield* Effect.flip(Effect.scoped(Layer.build(fixture.layer(sim, { startsInFlight }))))
          assert.strictEqual(error._tag, "InvalidConfiguration")
          assert.strictEqual(error.field, "startsInFlight")
        }
        assert.deepStrictEqual(sim.hub.list({ provider: fixture.name }), [])
      })
    )
  )

  it.live("a start given up while it waits for its turn sends nothing", () =>
    Effect.gen(function* () {
      const requests = yield* countRequests(path)
      yield* withProvider(
        limited(1),
        (sim) =>
          Effect.gen(function* () {
            // Each chat in its own scope: giving up a chat is closing its scope (here, interrupting its fiber).
            const chat = (visitorName: string) =>
              Effect.fork(Effect.scoped(Effect.zipRight(Session.open({ visitorName }), Effect.never)))
            const first = yield* chat("First")
            yield* eventually("the first chat request", () => (requests.counts.sent === 1 ? true : undefined))
            const second = yield* chat("Second")
            yield* Effect.sleep("30 millis")
            yield* Fiber.interrupt(second)
            // The second start's turn goes to the next one, as soon as the first start is answered.
            yield* Session.open({ visitorName: "Third" })
            yield* Fiber.interrupt(first)
            assert.strictEqual(requests.counts.sent, 2, "the second start never asked for a chat")
            assert.deepStrictEqual(
              sim.hub
                .list({ provider: fixture.name })
                .map((chat) => chat.visitorName)
                .sort(),
              ["First", "Third"]
            )
          }),
        { faults: [{ provider: fixture.name, operation, latencyMs: 150 }] }
      )
    }).pipe(Effect.scoped)
  )
})
