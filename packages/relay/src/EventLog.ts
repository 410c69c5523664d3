/**
 * One chat's event log as the browser sees it: core's normalized events numbered 1, 2, 3... (the SSE `id`), the
 * newest `capacity` kept for `Last-Event-ID` resume, and a live feed for open streams.
 */
import type { ChatEvent } from "@switchboard/core"
import { Effect, PubSub, Stream } from "effect"

type Event = ChatEvent.ChatEvent

/** One event on the wire: numbered, except the relay's own notice that older events are no longer kept. */
export interface Frame {
  readonly id?: number
  readonly event: Event
}

export interface EventLog {
  /** Numbers and keeps the event, then hands it to every open stream. */
  readonly append: (event: Event) => Effect.Effect<void>
  /** The newest event's number (0 before the first). */
  readonly lastId: () => number
  /** Whether `ended` is in the log. */
  readonly ended: () => boolean
  /**
   * The events after `after` (0: from the start), then live ones, completing after `ended` or when the log closes.
   * When some of them are no longer kept, a `discontinuity` frame (with no id) comes first.
   */
  readonly frames: (after: number) => Stream.Stream<Frame>
  /** Ends every live stream. */
  readonly close: Effect.Effect<void>
}

export const make = (capacity: number): Effect.Effect<EventLog> =>
  Effect.gen(function* () {
    const live = yield* PubSub.unbounded<Required<Frame>>()
    const kept: Array<Required<Frame>> = []
    let next = 1
    let ended = false

    const append = (event: Event) =>
      Effect.suspend(() => {
        if (ended) return Effect.void
        if (event.type === "ended") ended = true
        const frame = { id: next, event }
        next += 1
        kept.push(frame)
        if (kept.length > capacity) kept.splice(0, kept.length - capacity)
        return Effect.asVoid(PubSub.publish(live, frame))
      })

    const frames = (after: number): Stream.Stream<Frame> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          // Subscribe first, then read what is kept: nothing falls between the two; duplicates are filtered by id.
          const subscription = yield* PubSub.subscribe(live)
          const replay: Array<Frame> = kept.filter((frame) => frame.id > after)
          const oldest = kept[0]?.id ?? next
          if (after + 1 < oldest) {
            const missed = oldest - after - 1
            replay.unshift({
              event: { type: "discontinuity", reason: `the relay no longer keeps ${missed} earlier event(s)` }
            })
          }
          const seen = kept.at(-1)?.id ?? after
          return Stream.concat(
            Stream.fromIterable(replay),
            Stream.fromQueue(subscription).pipe(Stream.filter((frame) => frame.id > Math.max(seen, after)))
          )
        })
      ).pipe(Stream.takeUntil((frame) => frame.event.type === "ended"))

    return {
      append,
      lastId: () => next - 1,
      ended: () => ended,
      frames,
      close: PubSub.shutdown(live)
    }
  })
