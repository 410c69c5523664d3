/**
 * Counts a session's poll requests over a sliding minute, its polling budget in requests per minute, and reports
 * them to the `Metrics` of core (a counter of polls and, once a minute, the session's rate).
 */
import { Clock, Effect } from "effect"
import type { ProviderName } from "../Errors.ts"
import { pollRequests, providerTags, sessionPollRate } from "../Metrics.ts"

export interface PollRate {
  /** Records one poll request. */
  readonly record: Effect.Effect<void>
  /** Records one poll request made at `now` (ms), for pollers that read their clock themselves. */
  readonly add: (now: number) => void
  /** Requests in the last 60 s. */
  readonly perMinute: Effect.Effect<number>
}

export const makePollRate = (provider: ProviderName): PollRate => {
  const tags = providerTags[provider]
  // Times of the last minute's polls, oldest first, in a ring buffer (a power of two long) that doubles when full.
  // Kept as offsets from the first poll in a plain array: small integers, so recording allocates nothing, and a poll
  // every 2 s needs 32 slots.
  let origin: number | undefined
  let times: Array<number> = new Array(16).fill(0)
  let head = 0
  let size = 0
  let reportedAt = 0
  const prune = (at: number) => {
    const mask = times.length - 1
    while (size > 0 && (times[head] as number) <= at - 60_000) {
      head = (head + 1) & mask
      size -= 1
    }
  }
  const add = (now: number) => {
    origin ??= now
    const at = now - origin
    prune(at)
    if (size === times.length) {
      const grown = new Array<number>(times.length * 2).fill(0)
      for (let i = 0; i < size; i++) grown[i] = times[(head + i) & (times.length - 1)] as number
      times = grown
      head = 0
    }
    times[(head + size) & (times.length - 1)] = at
    size += 1
    pollRequests.unsafeUpdate(1, tags)
    if (at - reportedAt >= 60_000) {
      reportedAt = at
      sessionPollRate.unsafeUpdate(size, tags)
    }
  }
  return {
    record: Effect.map(Clock.currentTimeMillis, add),
    add,
    perMinute: Effect.map(Clock.currentTimeMillis, (now) => {
      if (origin === undefined) return 0
      prune(now - origin)
      return size
    })
  }
}
