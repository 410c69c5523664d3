/**
 * Bounded history: a session keeps the newest `history` events for late subscribers; one that joins past that window
 * gets a `discontinuity` first, then the oldest kept event, and nothing is shown twice or out of order.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream } from "effect"
import { EventLog } from "../src/internal/gate.ts"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { chatAt, is, recorder, withProvider } from "./support/harness.ts"

type Item = number | string

const log = (capacity: number) =>
  new EventLog<Item>(
    (item) => item === "end",
    capacity,
    (missed) => `gap ${missed}`
  )

describe("EventLog: the newest `capacity` items", () => {
  it.effect("a reader from the start gets the gap, then the kept items, in order", () =>
    Effect.gen(function* () {
      const items = log(3)
      for (let n = 1; n <= 10; n++) items.append(n)
      items.append("end")
      assert.deepStrictEqual(Chunk.toArray(yield* Stream.runCollect(items.stream)), ["gap 8", 9, 10, "end"])
    })
  )

  it.effect("nothing is dropped while the log holds no more than its capacity", () =>
    Effect.gen(function* () {
      const items = log(3)
      items.append(1)
      items.append(2)
      items.append("end")
      assert.deepStrictEqual(Chunk.toArray(yield* Stream.runCollect(items.stream)), [1, 2, "end"])
    })
  )

  it.effect("a reader that falls behind by more than the capacity gets a gap where it fell behind", () =>
    Effect.gen(function* () {
      const items = log(4)
      items.append(1)
      const seen: Array<Item> = []
      const reader = yield* Effect.fork(Stream.runForEach(items.stream, (item) => Effect.sync(() => seen.push(item))))
      while (seen.length === 0) yield* Effect.yieldNow() // the reader has taken 1 and waits for more
      assert.deepStrictEqual(seen, [1])
      // Ten more while the reader waits: it was at 1, the log now keeps 8 to 11.
      for (let n = 2; n <= 11; n++) items.append(n)
      items.append("end")
      yield* Fiber.join(reader)
      assert.deepStrictEqual(seen, [1, "gap 7", 9, 10, 11, "end"])
    })
  )

  it.effect("many appends keep memory to the window (the array is cut in batches)", () =>
    Effect.gen(function* () {
      const items = log(100)
      for (let n = 1; n <= 100_000; n++) items.append(n)
      items.append("end")
      const all = Chunk.toArray(yield* Stream.runCollect(items.stream))
      assert.strictEqual(all.length, 101) // the gap, then the newest 100 ("end" among them)
      assert.deepStrictEqual(all.slice(0, 3), ["gap 99901", 99902, 99903])
      assert.strictEqual(all.at(-2), 100_000)
    })
  )
})

describe("Session: history", () => {
  it.live("a loop that joins after more than `history` events starts with a discontinuity", () =>
    withProvider(livechat, (sim) =>
      Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Hi" }, { history: 4 })
        const live = yield* recorder(session)
        const chat = yield* chatAt(sim, "livechat")
        sim.hub.accept(chat.id, { name: "Grace" })
        for (let n = 1; n <= 8; n++) sim.hub.say(chat.id, `line ${n}`)
        yield* live.until("the last line", (event) => event.type === "message" && event.text === "line 8")
        yield* session.end
        yield* live.until("ended", is("ended"))

        // The subscriber from the start saw everything; a late one gets the window, after a discontinuity.
        const late = Chunk.toArray(yield* Stream.runCollect(session.events))
        assert.strictEqual(late.length, 5)
        assert.strictEqual(late[0]?.type, "discontinuity")
        assert.match((late[0] as { reason: string }).reason, /^\d+ earlier events are no longer kept/)
        assert.deepStrictEqual(late.slice(1), live.seen().slice(-4))
        assert.isTrue(is("ended")(late.at(-1)!))
      })
    )
  )

  it.live("a history that is not a whole number from 1 is refused with InvalidInput", () =>
    withProvider(livechat, () =>
      Effect.gen(function* () {
        for (const history of [0, -1, 2.5, Number.NaN]) {
          const refused = yield* Effect.either(Session.make({ visitorName: "Ada" }, { history }))
          assert.isTrue(Either.isLeft(refused))
          if (Either.isLeft(refused)) {
            assert.strictEqual(refused.left._tag, "InvalidInput")
            assert.strictEqual(refused.left.message, "Invalid history: must be a whole number from 1.")
          }
        }
      })
    )
  )
})
