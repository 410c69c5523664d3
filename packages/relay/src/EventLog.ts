/**
 * One chat's event log as the browser sees it: core's normalized events, and the relay's `message-status`, numbered
 * 1, 2, 3... (the SSE `id`), the newest `capacity` kept for `Last-Event-ID` resume, and a live feed for open streams.
 *
 * The feed is plain callbacks, no fiber and no queue per reader: a burst of reconnects (1,000 streams at once) costs
 * the relay a replay and a `Map` entry each. An Effect Stream per reader cost 1 to 2 ms and 50 to 130 KB here, which a
 * storm of reconnects turned into seconds before the first byte (packages/relay/bench/sse.mjs).
 */
import type { ChatEvent } from "@switchboard/core"
import { Effect } from "effect"

/**
 * The relay's own event: how a visitor message ended that `POST /messages` answered `pending` (it was still on its
 * way when `sendWait` ran out). `failed` means the provider never took it: the page may offer to send it again, with
 * the same `clientMessageId`.
 */
export type MessageStatus =
  | { readonly type: "message-status"; readonly clientMessageId: string; readonly status: "delivered" }
  | {
      readonly type: "message-status"
      readonly clientMessageId: string
      readonly status: "failed"
      readonly error: { readonly code: string; readonly message: string }
    }

/** What a chat's event stream carries: core's normalized events and the relay's `message-status`. */
export type RelayEvent = ChatEvent.ChatEvent | MessageStatus

type Event = RelayEvent

/** One event on the wire: numbered, except the relay's own notice that older events are no longer kept. */
export interface Frame {
  readonly id?: number
  readonly event: Event
}

/** Where `follow` hands the frames, synchronously, in order. */
export interface Follower {
  readonly push: (frame: Frame) => void
  /** After `ended`, or when the log closes; nothing comes after it. */
  readonly end: () => void
}

export interface EventLog {
  /** Numbers and keeps the event, then hands it to every follower. */
  readonly append: (event: Event) => Effect.Effect<void>
  /** The newest event's number (0 before the first). */
  readonly lastId: () => number
  /** Whether `ended` is in the log. */
  readonly ended: () => boolean
  /**
   * Hands `follower` the kept events after `after` (0: from the start) before it returns, then each new one as it is
   * appended, and ends it after `ended` or when the log closes. When some of the events are no longer kept, a
   * `discontinuity` frame (with no id) comes first. Returns a function that stops the feed (without `end`).
   */
  readonly follow: (after: number, follower: Follower) => () => void
  /** Ends every follower; later ones get what is kept, then their end. */
  readonly close: Effect.Effect<void>
}

export const make = (capacity: number): Effect.Effect<EventLog> =>
  Effect.sync(() => {
    const followers = new Map<Follower, number>() // each with the id it follows after
    const kept: Array<Required<Frame>> = []
    let next = 1
    let ended = false
    let closed = false

    const endAll = () => {
      const ending = [...followers.keys()]
      followers.clear()
      for (const follower of ending) follower.end()
    }

    const append = (event: Event) =>
      Effect.sync(() => {
        if (ended || closed) return
        if (event.type === "ended") ended = true
        const frame = { id: next, event }
        next += 1
        kept.push(frame)
        if (kept.length > capacity) kept.splice(0, kept.length - capacity)
        for (const [follower, after] of followers) if (frame.id > after) follower.push(frame)
        if (ended) endAll()
      })

    const follow = (after: number, follower: Follower): (() => void) => {
      const oldest = kept[0]?.id ?? next
      if (after + 1 < oldest) {
        const missed = oldest - after - 1
        follower.push({
          event: { type: "discontinuity", reason: `the relay no longer keeps ${missed} earlier event(s)` }
        })
      }
      for (let index = Math.max(0, after + 1 - oldest); index < kept.length; index++) {
        follower.push(kept[index] as Frame)
      }
      if (ended || closed) {
        follower.end()
        return () => {}
      }
      followers.set(follower, after)
      return () => {
        followers.delete(follower)
      }
    }

    return {
      append,
      lastId: () => next - 1,
      ended: () => ended,
      follow,
      close: Effect.sync(() => {
        closed = true
        endAll()
      })
    }
  })
