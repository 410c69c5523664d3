/** Counts poll requests over a sliding minute: the session's polling budget, in requests per minute. */
import { Clock, Effect } from "effect"

export interface PollRate {
  /** Records one poll request. */
  readonly record: Effect.Effect<void>
  /** Records one poll request made at `now` (ms), for pollers that read their clock themselves. */
  readonly add: (now: number) => void
  /** Requests in the last 60 s. */
  readonly perMinute: Effect.Effect<number>
}

export const makePollRate = (): PollRate => {
  // Timestamps of the last minute's polls, oldest first, in a ring buffer (a power of two long) that doubles when
  // full: recording a poll allocates nothing, and a poll every 2 s needs 32 slots.
  let times = new Float64Array(16)
  let head = 0
  let size = 0
  const prune = (now: number) => {
    const mask = times.length - 1
    while (size > 0 && (times[head] as number) <= now - 60_000) {
      head = (head + 1) & mask
      size -= 1
    }
  }
  const add = (now: number) => {
    prune(now)
    if (size === times.length) {
      const grown = new Float64Array(times.length * 2)
      for (let i = 0; i < size; i++) grown[i] = times[(head + i) & (times.length - 1)] as number
      times = grown
      head = 0
    }
    times[(head + size) & (times.length - 1)] = now
    size += 1
  }
  return {
    record: Effect.map(Clock.currentTimeMillis, add),
    add,
    perMinute: Effect.map(Clock.currentTimeMillis, (now) => {
      prune(now)
      return size
    })
  }
}
