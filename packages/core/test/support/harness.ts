/**
 * Test plumbing shared by the provider-neutral suites: a simulator per test (over real loopback HTTP), waiting for
 * the simulator to see a chat, and collecting a session's events.
 */
import { type ChatView, type RunningSimulator, type SimulatorOptions, startSimulator } from "@switchboard/simulator"
import { Chunk, Effect, Fiber, Schedule, type Scope, Stream, Supervisor } from "effect"
import type { ChatEvent } from "../../src/ChatEvent.ts"
import type { ChatProvider } from "../../src/ChatProvider.ts"
import type { BuiltInProvider as ProviderName } from "../../src/Errors.ts"
import type { ChatSession } from "../../src/Session.ts"
import type { ProviderFixture } from "./fixture.ts"

/** A simulator checking every response against the specs, closed with the scope. */
export const simulator = (options: SimulatorOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startSimulator({ validateResponses: true, ...options })),
    (sim) => Effect.promise(() => sim.close())
  )

/** Polls `check` every 10 ms until it returns a value (fails the test after `timeout`). */
export const eventually = <A>(what: string, check: () => A | undefined, timeout = 10_000): Effect.Effect<A, Error> =>
  Effect.suspend(() => {
    const value = check()
    return value === undefined ? Effect.fail(new Error(`still waiting for ${what}`)) : Effect.succeed(value)
  }).pipe(
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

/** The simulator's view of the provider's only (or newest) chat. */
export const chatAt = (sim: RunningSimulator, provider: ProviderName) =>
  eventually(`a ${provider} chat at the simulator`, () => sim.hub.list({ provider }).at(-1))

export const refresh = (sim: RunningSimulator, chat: ChatView) => sim.hub.get(chat.id)

interface Until {
  <E extends ChatEvent>(
    what: string,
    match: (event: ChatEvent) => event is E,
    timeout?: number
  ): Effect.Effect<E, Error>
  (what: string, match: (event: ChatEvent) => boolean, timeout?: number): Effect.Effect<ChatEvent, Error>
}

const until =
  (seen: ReadonlyArray<ChatEvent>): Until =>
  (what: string, match: (event: ChatEvent) => boolean, timeout?: number) =>
    eventually(what, () => seen.find(match), timeout)

/** Collects the session's events in the background; `seen()` reads them, `until` waits for a matching one. */
export const recorder = (session: ChatSession) =>
  Effect.gen(function* () {
    const seen: Array<ChatEvent> = []
    const fiber = yield* session.events.pipe(
      Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
      Effect.forkScoped
    )
    return {
      seen: () => seen,
      until: until(seen),
      count: (what: string, match: (event: ChatEvent) => boolean, n: number, timeout?: number) =>
        eventually(what, () => (seen.filter(match).length >= n ? seen.filter(match) : undefined), timeout),
      done: Fiber.join(fiber).pipe(Effect.zipRight(Effect.sync(() => Chunk.fromIterable(seen))))
    }
  })

export const is =
  <T extends ChatEvent["type"]>(type: T) =>
  (event: ChatEvent): event is Extract<ChatEvent, { type: T }> =>
    event.type === type

/** Node resources that would keep a process alive: timers and sockets. */
export const liveResources = () =>
  process.getActiveResourcesInfo().filter((kind) => kind === "Timeout" || kind.includes("TCP")).length

/**
 * Runs `body` against a fresh simulator with the fixture's adapter layer; the session scope closes first, then the
 * adapter (its connection pool), then the simulator. Afterwards nothing may be left running: no fiber the body
 * started, no timer, no socket. Spec violations fail the test.
 */
export const withProvider = <A, E>(
  fixture: ProviderFixture,
  body: (sim: RunningSimulator) => Effect.Effect<A, E, Scope.Scope | ChatProvider>,
  options: SimulatorOptions = {}
) =>
  Effect.gen(function* () {
    const before = liveResources()
    const supervisor = yield* Supervisor.track
    const result = yield* Effect.gen(function* () {
      const sim = yield* simulator({ ...fixture.simulatorOptions, ...options })
      const value = yield* body(sim).pipe(Effect.scoped, Effect.provide(fixture.layer(sim)))
      if (sim.violations.length > 0) {
        return yield* Effect.die(new Error(`spec violations: ${JSON.stringify(sim.violations, null, 2)}`))
      }
      return value
    }).pipe(Effect.scoped, Effect.supervised(supervisor))
    yield* eventually("every fiber of the scenario to end", () =>
      Effect.runSync(supervisor.value).every((fiber) => fiber.unsafePoll() !== null) ? true : undefined
    )
    yield* eventually(
      `timers and sockets back to ${before}`,
      () => (liveResources() <= before ? true : undefined),
      3000
    )
    return result
  })
