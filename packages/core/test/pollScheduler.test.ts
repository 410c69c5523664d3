/**
 * The poll driver, the short-poll cadence and the poll rate, on Effect's TestClock: when polls run, that one driver
 * serves every chat, that closing a chat's scope stops its polling at once, and what a session reports as its budget.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Logger, Metric, Schedule, Scope, Supervisor, TestClock } from "effect"
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

/** Lets promise callbacks (a request poll's answer) run: real time, whatever the TestClock says. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/** A supervisor that counts the fibers started under it. */
class CountingSupervisor extends Supervisor.AbstractSupervisor<number> {
  started = 0
  get value() {
    return Effect.sync(() => this.started)
  }
  override onStart() {
    this.started += 1
  }
}

/** A request poll whose requests the test answers by hand; `sink()` is where the poll in flight answers. */
const manualPoll = () => {
  let to: PollScheduler.AnswerSink<unknown> | undefined
  let started = 0
  return {
    poll: {
      startPoll(sink: PollScheduler.AnswerSink<unknown>) {
        started += 1
        to = sink
      }
    },
    started: () => started,
    sink: () => {
      const current = to
      to = undefined
      assert.isDefined(current, "a poll is in flight")
      return current as PollScheduler.AnswerSink<unknown>
    }
  }
}

describe("poll driver: request polls (no fiber per poll)", () => {
  it.effect("a thousand chats poll and apply their answers on the driver alone: no fiber per poll", () =>
    Effect.gen(function* () {
      const supervisor = new CountingSupervisor()
      const scope = yield* Scope.make()
      let answered = 0
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope), Effect.supervised(supervisor))
      const chat = {
        startPoll(to: PollScheduler.AnswerSink<unknown>) {
          void Promise.resolve().then(() =>
            to.answer(
              Effect.sync(() => {
                answered += 1
              })
            )
          )
        }
      }
      for (let i = 0; i < 1_000; i++) polls.add(chat, Schedule.spaced("2 seconds"))
      yield* settle
      assert.strictEqual(answered, 1_000, "every chat polled once at once, its answer applied")
      const fibersAfterFirst = supervisor.started
      for (let round = 0; round < 3; round++) {
        yield* TestClock.adjust("2 seconds")
        yield* settle
      }
      assert.strictEqual(answered, 4_000)
      // The driver's own wake-ups race a sleep against its latch (two fibers each), whatever the number of chats.
      assert.isAtMost(supervisor.started - fibersAfterFirst, 3 * 2 * 4, "no fiber per poll")
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("the cadence is fed each answer's value and steps at the time the poll started", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      const chat = manualPoll()
      const starts: Array<number> = []
      const fed: Array<PollOutcome> = []
      polls.add(
        chat.poll,
        cadence(pauses).pipe(
          Schedule.tapInput((outcome: PollOutcome) => Effect.sync(() => fed.push(outcome))),
          Schedule.tapOutput(() => Effect.map(TestClock.currentTimeMillis, (now) => starts.push(now)))
        )
      )
      yield* settle
      assert.strictEqual(chat.started(), 1)
      yield* TestClock.adjust("700 millis") // a slow answer
      chat.sink().answer(Effect.succeed(agent))
      yield* settle
      assert.deepStrictEqual(fed, [agent])
      yield* TestClock.adjust("300 millis") // 1 s after the first poll started: the active pause
      yield* settle
      assert.strictEqual(chat.started(), 2, "polled again 1 s after the previous poll started")
      chat.sink().answer(Effect.map(Effect.succeed(quiet), (outcome) => outcome)) // an effect, not a plain value
      yield* settle
      assert.deepStrictEqual(fed, [agent, quiet])
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("an answer wakes a driver that sleeps for long, without any clock step", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      const chat = manualPoll()
      let applied = false
      polls.add(chat.poll, Schedule.spaced("10 seconds"))
      yield* settle
      const sink = chat.sink()
      setTimeout(
        () =>
          sink.answer(
            Effect.sync(() => {
              applied = true
            })
          ),
        20
      )
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 80)))
      assert.isTrue(applied, "applied before the next poll is due")
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("closing a chat's polling drops its answer in flight: it is never applied", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const polls = yield* PollScheduler.make().pipe(Scope.extend(scope))
      const chat = manualPoll()
      let applied = false
      const polling = polls.add(chat.poll, Schedule.spaced("1 second"))
      yield* settle
      const sink = chat.sink()
      yield* polling.close()
      sink.answer(
        Effect.sync(() => {
          applied = true
        })
      )
      yield* settle
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.isFalse(applied)
      assert.strictEqual(chat.started(), 1, "no poll after the close")
      assert.strictEqual(polls.size(), 0)
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.effect("a start that throws or an answer that dies stops that chat only, and is logged", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const logged: Array<string> = []
      const logger = Logger.make(({ message }) => {
        logged.push(String(message))
      })
      const polls = yield* PollScheduler.make().pipe(
        Scope.extend(scope),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      let healthy = 0
      polls.add(
        {
          startPoll() {
            throw new Error("broken request")
          }
        },
        Schedule.spaced("1 second")
      )
      polls.add({ startPoll: (to) => to.answer(Effect.die("broken answer")) }, Schedule.spaced("1 second"))
      polls.add(
        {
          startPoll: (to) =>
            to.answer(
              Effect.sync(() => {
                healthy += 1
              })
            )
        },
        Schedule.spaced("1 second")
      )
      for (let second = 0; second < 3; second++) {
        yield* settle
        yield* TestClock.adjust("1 second")
      }
      yield* settle
      assert.strictEqual(polls.size(), 1)
      assert.strictEqual(healthy, 4)
      assert.strictEqual(logged.filter((line) => line.includes("no longer polled")).length, 2)
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
