/**
 * `retryTransient` on Effect's TestClock: which failures are retried, how long it waits between attempts (backoff,
 * Retry-After, the cap), when it gives up (retries, deadline), and what it fails with then.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { CallFailure } from "../src/internal/call.ts"
import { retryTransient } from "../src/Retry.ts"

/** An operation that fails with `failures[i]` on attempt i (then succeeds), recording when each attempt ran. */
const flaky = (failures: ReadonlyArray<CallFailure>) => {
  const times: Array<number> = []
  const effect = Effect.flatMap(TestClock.currentTimeMillis, (now) => {
    times.push(now)
    const failure = failures[times.length - 1]
    return failure === undefined ? Effect.succeed("done") : Effect.fail(failure)
  })
  return { effect, times }
}

const unavailable = new CallFailure({ operation: "send", status: 503 })
const refused = new CallFailure({ operation: "send", status: 400 })
const noAnswer = new CallFailure({ operation: "send", code: "ECONNRESET" })

/** Runs `effect` to its end, moving the test clock on a second at a time. */
const runToEnd = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let second = 0; second < 120 && fiber.unsafePoll() === null; second++) yield* TestClock.adjust("1 second")
    return yield* Fiber.await(fiber)
  })

describe("retryTransient", () => {
  it.effect("a call that succeeds runs once", () =>
    Effect.gen(function* () {
      const { effect, times } = flaky([])
      assert.strictEqual(yield* retryTransient("livechat", "send", effect), "done")
      assert.deepStrictEqual(times, [0])
    })
  )

  it.effect("transient failures are retried after growing pauses until the call succeeds", () =>
    Effect.gen(function* () {
      const { effect, times } = flaky([unavailable, noAnswer, unavailable])
      const exit = yield* runToEnd(retryTransient("livechat", "send", effect, { baseDelay: "1 second" }))
      assert.deepStrictEqual(exit, Exit.succeed("done"))
      assert.strictEqual(times.length, 4)
      const pauses = times.slice(1).map((at, i) => at - (times[i] as number))
      // Exponential with jitter (0.8–1.2x): about 1 s, 2 s, 4 s.
      assert.isTrue(pauses[0] !== undefined && pauses[0] >= 800 && pauses[0] <= 1_200, `first pause ${pauses[0]}`)
      assert.isTrue(pauses[2] !== undefined && pauses[2] >= 3_200 && pauses[2] <= 4_800, `third pause ${pauses[2]}`)
    })
  )

  it.effect("a failure that retrying cannot fix is returned at once", () =>
    Effect.gen(function* () {
      const { effect, times } = flaky([refused])
      const exit = yield* runToEnd(retryTransient("livechat", "send", effect))
      assert.deepStrictEqual(exit, Exit.fail(refused))
      assert.deepStrictEqual(times, [0])
    })
  )

  it.effect("Retry-After is the least pause, even past the cap", () =>
    Effect.gen(function* () {
      const busy = new CallFailure({ operation: "send", status: 429, retryAfter: Duration.seconds(20) })
      const { effect, times } = flaky([busy])
      yield* runToEnd(retryTransient("livechat", "send", effect, { maxDelay: "5 seconds" }))
      assert.strictEqual(times[1], 20_000)
    })
  )

  it.effect("when the retries run out, it fails with ProviderUnavailable counting every attempt", () =>
    Effect.gen(function* () {
      const { effect, times } = flaky(Array(10).fill(unavailable))
      const exit = yield* runToEnd(
        retryTransient("livechat", "send", effect, { maxRetries: 3, baseDelay: "100 millis" })
      )
      assert.strictEqual(times.length, 4)
      const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      assert.strictEqual(error?._tag, "ProviderUnavailable")
      assert.strictEqual(error?._tag === "ProviderUnavailable" ? error.attempts : 0, 4)
      assert.include(error?.message ?? "", "failed 4 time(s)")
    })
  )

  it.effect("no retry starts after the deadline", () =>
    Effect.gen(function* () {
      const { effect, times } = flaky(Array(50).fill(noAnswer))
      yield* runToEnd(
        retryTransient("livechat", "send", effect, {
          baseDelay: "2 seconds",
          maxDelay: "2 seconds",
          deadline: "7 seconds"
        })
      )
      assert.isTrue(
        times.every((at) => at <= 7_000 + 2_400),
        `attempts at ${times.join(", ")}`
      )
      assert.isAtMost(times.length, 5)
    })
  )
})
