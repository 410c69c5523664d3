/** Counts poll requests over a sliding minute: the session's polling budget, in requests per minute. */
import { Clock, Effect } from "effect"

export interface PollRate {
  /** Records one poll request. */
  readonly record: Effect.Effect<void>
  /** Requests in the last 60 s. */
  readonly perMinute: Effect.Effect<number>
}

export const makePollRate = (): PollRate => {
  // Timestamps of the last minute's polls, oldest first; a poll at most every 250 ms keeps this under 240 entries.
  let times: Array<number> = []
  const prune = (now: number) => {
    let drop = 0
    while (drop < times.length && (times[drop] as number) <= now - 60_000) drop++
    if (drop > 0) times = times.slice(drop)
  }
  return {
    record: Effect.map(Clock.currentTimeMillis, (now) => {
      prune(now)
      times.push(now)
    }),
    perMinute: Effect.map(Clock.currentTimeMillis, (now) => {
      prune(now)
      return times.length
    })
  }
}
