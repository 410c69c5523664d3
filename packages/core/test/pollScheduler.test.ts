/**
 * The poll driver, the short-poll cadence and the poll rate, on Effect's TestClock: when polls run, that one driver
 * serves every chat, that closing a chat's scope stops its polling at once, and what a session reports as its budget.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Metric, Schedule, Scope, Supervisor, TestClock } from "effect"
import { cadence, over, type PollOutcome } from "../src/internal/cadence.ts"
import { PollRate } from "../src/internal/pollRate.ts"
import * as PollScheduler from "../src/internal/pollScheduler.ts"
import * as Metrics from "../src/Metrics.ts"

const pauses = { active: 1_000, normal: 2_000, idle: 5_000 }
const quiet: PollOutcome = { _tag: "Answered", news: false, agentActive: false, ceiling: 20_000 }
const news: PollOutcome = { _tag: "Answered", news: true, agentActive: false, ceiling: 20_000 }
const agent: PollOutcome = { _tag: "Answered", news: true, agentActive: true, ceiling: 20_000 }
const failed = (retryAfter = 0, ceiling = 20_000): PollOutcome => ({ _tag: "Failed", retryAfter, ceiling })

/** The pauses the cadence chooses for a series of outcomes, each fed at the time the previous pause ends. */
const pausesFor = (outcomes: ReadonlyArray<PollOutcome>) =>
  Effect.gen(function* () {
    const schedule = cadence(pauses)
    let state = schedule.initial
    let now = 0
    const chosen: Array<number | "done"> = []
    for (const outcome of outcomes) {
      const [next, pause, decision] = yield* schedule.step(now, outcome, state)
      if (decision._tag === "Done") {
        chosen.push("done")
        break
      }
      chosen.push(pause)
      state = next
      now += pause
    }
    return chosen
  })

describe("short-poll cadence (a Schedule fed with each poll's outcome)", () => {
  it.effect("polls fast while the agent is active, normally while anything happened lately, slowly when idle", () =>
    Effect.gen(function* () {
      const chosen = yield* pausesFor([agent, ...Array(15).fill(quiet), news, ...Array(40).fill(quiet)])
      assert.strictEqual(chosen[0], 1_000, "the agent just wrote")
      assert.strictEqual(chosen[14], 1_000, "still within 15 s of the agent's message")
      assert.strictEqual(chosen[15], 2_000, "15 s later: normal")
      assert.strictEqual(chosen.at(-1), 5_000, "a quiet minute later: idle")
    })
  )

  it.effect("backs off from 500 ms, doubling up to the normal pause, and starts over after an answer", () =>
    Effect.gen(function* () {
      const chosen = yield* pausesFor([failed(), failed(), failed(), failed(), quiet, failed()])
      assert.deepStrictEqual(chosen, [500, 1_000, 2_000, 2_000, 2_000, 500])
    })
  )

  it.effect("honours Retry-After, but never past the ceiling that keeps the chat alive", () =>
    Effect.gen(function* () {
      const chosen = yield* pausesFor([failed(7_000), failed(60_000, 20_000), failed(0, 300)])
      assert.deepStrictEqual(chosen, [7_000, 20_000, 300])
    })
  )

  it.effect("no pause goes past the ceiling, and Over ends the polling", () =>
    Effect.gen(function* () {
      const low = { ...quiet, ceiling: 1_500 }
      const chosen = yield* pausesFor([...Array(40).fill(low), over, quiet])
      assert.isTrue(chosen.slice(0, 40).every((pause) => pause === 1_500))
      assert.strictEqual(chosen.at(-1), "done")
    })
  )
})

describe("poll driver", () => {
  it.effect("polls each chat on its own cadence, all from one driver", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      const times: Record<string, Array<number>> = { a: [], b: [] }
      const poll = (name: "a" | "b") =>
        Effect.map(TestClock.currentTimeMillis, (now) => {
          times[name]?.push(now)
          return undefined
        })
      yield* polls.run(poll("a"), Schedule.spaced("2 seconds")).pipe(Scope.extend(scope))
      yield* polls.run(poll("b"), Schedule.spaced("5 seconds")).pipe(Scope.extend(scope))
      assert.strictEqual(polls.size(), 2)
      for (let second = 0; second < 10; second++) yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(times.a, [0, 2_000, 4_000, 6_000, 8_000, 10_000])
      assert.deepStrictEqual(times.b, [0, 5_000, 10_000])
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("keeps the pause from poll start to poll start: a slow answer does not stretch the period", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      const starts: Array<number> = []
      const slowPoll = Effect.flatMap(TestClock.currentTimeMillis, (now) => {
        starts.push(now)
        return Effect.sleep("700 millis")
      })
      yield* polls.run(slowPoll, Schedule.spaced("2 seconds")).pipe(Scope.extend(scope))
      for (let step = 0; step < 70; step++) yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(starts, [0, 2_000, 4_000, 6_000])
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("closing a chat's scope stops its polling and interrupts its poll in flight", () =>
    Effect.gen(function* () {
      const layer = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(layer))
      const chat = yield* Scope.make()
      const started = yield* Deferred.make<void>()
      let interrupted = false
      let count = 0
      // Every second poll hangs until interrupted.
      const poll = Effect.suspend(() => {
        count += 1
        return count % 2 === 0
          ? Deferred.succeed(started, undefined).pipe(
              Effect.zipRight(Effect.never),
              Effect.onInterrupt(() =>
                Effect.sync(() => {
                  interrupted = true
                })
              )
            )
          : Effect.void
      })
      yield* polls.run(poll, Schedule.spaced("1 second")).pipe(Scope.extend(chat))
      yield* TestClock.adjust("1 second")
      yield* Deferred.await(started)
      yield* Scope.close(chat, Exit.void)
      assert.isTrue(interrupted, "the poll in flight was interrupted")
      assert.strictEqual(polls.size(), 0)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(count, 2, "no poll after the close")
      yield* Scope.close(layer, Exit.void)
    })
  )

  it.effect("a thousand chats cost no fiber between their polls", () =>
    Effect.gen(function* () {
      const supervisor = yield* Supervisor.track
      const scope = yield* Scope.make()
      let made = 0
      yield* Effect.gen(function* () {
        const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
        for (let i = 0; i < 1_000; i++) {
          yield* polls
            .run(
              Effect.sync(() => {
                made += 1
              }),
              Schedule.spaced("2 seconds")
            )
            .pipe(Scope.extend(scope))
        }
      }).pipe(Effect.supervised(supervisor))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(made, 1_000, "every chat polled once at once")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(made, 2_000)
      // The supervisor keeps the fibers still running: between polls, the driver and its wake-up race only.
      const running = (yield* supervisor.value).filter((fiber) => fiber.unsafePoll() === null)
      assert.isAtLeast(running.length, 1)
      assert.isAtMost(running.length, 3, "no fiber per chat between polls")
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("a poll that dies stops that chat's polling only", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      let healthy = 0
      yield* polls.run(Effect.die("broken"), Schedule.spaced("1 second")).pipe(Scope.extend(scope))
      yield* polls
        .run(
          Effect.sync(() => {
            healthy += 1
          }),
          Schedule.spaced("1 second")
        )
        .pipe(Scope.extend(scope))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(polls.size(), 1)
      assert.strictEqual(healthy, 6)
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("add: a pollable makes its poll each time, and closing the handle stops it", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      let made = 0
      let ran = 0
      const chat = {
        get poll() {
          made += 1 // the getter runs once per poll: nothing is kept between polls
          return Effect.sync(() => {
            ran += 1
          })
        }
      }
      const polling = polls.add(chat, Schedule.spaced("1 second"))
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(ran, 4)
      assert.strictEqual(made, 4)
      yield* polling.close()
      yield* polling.close() // idempotent
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(ran, 4, "no poll after the close")
      assert.strictEqual(polls.size(), 0)
      yield* Scope.close(scope, Exit.void)
    })
  )
})

describe("poll rate (the session's poll budget)", () => {
  it.effect("counts this minute and weighs the last one as a sliding window; a whole minute is one sample", () =>
    Effect.gen(function* () {
      const rate = new PollRate("livechat")
      const samples = Metrics.sessionPollRate.pipe(Metric.tagged("provider", "livechat"))
      const before = (yield* Metric.value(samples)).count
      assert.strictEqual(yield* rate.perMinute, 0, "no poll yet")
      // One poll every 2 s for three minutes: 30 a minute.
      for (let second = 0; second < 180; second += 2) {
        yield* rate.record
        yield* TestClock.adjust("2 seconds")
      }
      assert.strictEqual(yield* rate.perMinute, 30)
      assert.strictEqual(
        (yield* Metric.value(samples)).count - before,
        3,
        "each of the three whole minutes sampled once"
      )
      // Then every 6 s: after half a minute, 5 polls this minute and half of the last minute's 30.
      for (let second = 0; second < 30; second += 6) {
        yield* rate.record
        yield* TestClock.adjust("6 seconds")
      }
      assert.strictEqual(yield* rate.perMinute, 5 + 15)
      // A quiet two minutes: nothing left.
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual(yield* rate.perMinute, 0)
    })
  )
})
