/**
 * The permit pool behind `startsInFlight`: first come, first served, never more holders than permits, and no permit
 * lost when a waiter gives up, even as a permit is being handed to it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Random } from "effect"
import { Permits } from "../src/internal/gate.ts"

describe("Permits", () => {
  it.effect("hands permits out in the order they were asked for, to at most as many holders as permits", () =>
    Effect.gen(function* () {
      const permits = new Permits(2)
      const order: Array<number> = []
      let holding = 0
      let most = 0
      const releases = yield* Effect.forEach([0, 1, 2, 3, 4, 5], () => Deferred.make<void>())
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4, 5], (n) =>
        Effect.fork(
          permits.withPermit(
            Effect.gen(function* () {
              order.push(n)
              holding += 1
              most = Math.max(most, holding)
              yield* Deferred.await(releases[n] as Deferred.Deferred<void>)
              holding -= 1
            })
          )
        )
      )
      yield* Effect.yieldNow()
      assert.deepStrictEqual(order, [0, 1])
      // Released out of order: the oldest waiters still come first.
      for (const n of [1, 0, 3, 2, 5, 4]) {
        yield* Deferred.succeed(releases[n] as Deferred.Deferred<void>, undefined)
        yield* Effect.yieldNow()
      }
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(order, [0, 1, 2, 3, 4, 5])
      assert.strictEqual(most, 2)
      assert.strictEqual(permits.free, 2)
    })
  )

  it.effect("a holder that fails or dies gives its permit back", () =>
    Effect.gen(function* () {
      const permits = new Permits(1)
      const failed = yield* Effect.exit(permits.withPermit(Effect.fail("refused")))
      const died = yield* Effect.exit(permits.withPermit(Effect.die("broken")))
      assert.isTrue(Exit.isFailure(failed) && Exit.isFailure(died))
      assert.strictEqual(permits.free, 1)
      assert.strictEqual(yield* permits.withPermit(Effect.succeed("ran")), "ran")
    })
  )

  it.effect("a waiter interrupted while it waits withdraws; its turn goes to the next", () =>
    Effect.gen(function* () {
      const permits = new Permits(1)
      const release = yield* Deferred.make<void>()
      const ran: Array<string> = []
      const holder = yield* Effect.fork(permits.withPermit(Deferred.await(release)))
      yield* Effect.yieldNow()
      const quitter = yield* Effect.fork(permits.withPermit(Effect.sync(() => ran.push("quitter"))))
      const next = yield* Effect.fork(permits.withPermit(Effect.sync(() => ran.push("next"))))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(quitter)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(next)
      assert.deepStrictEqual(ran, ["next"])
      assert.strictEqual(permits.free, 1)
    })
  )

  it.effect("no permit is lost when waiters are interrupted at any moment, handovers included", () =>
    Effect.gen(function* () {
      const permits = new Permits(3)
      for (let round = 0; round < 20; round++) {
        const fibers = yield* Effect.forEach(Array.from({ length: 40 }), () =>
          Effect.fork(permits.withPermit(Effect.yieldNow()))
        )
        // Interrupt a random half, each after a random number of scheduler turns.
        for (const fiber of fibers) {
          if (yield* Random.nextBoolean) {
            const turns = yield* Random.nextIntBetween(0, 4)
            for (let i = 0; i < turns; i++) yield* Effect.yieldNow()
            yield* Fiber.interrupt(fiber)
          }
        }
        yield* Effect.forEach(fibers, Fiber.await, { discard: true })
        assert.strictEqual(permits.free, 3, `round ${round}`)
      }
    })
  )
})
