/**
 * Counts a session's poll requests over a sliding minute, its polling budget in requests per minute, and reports
 * them to the `Metrics` of core (a counter of polls and, once a minute, the session's rate).
 */
import { Clock, Effect } from "effect"
import type { ProviderName } from "../Errors.ts"
import { pollRequests, providerTags, sessionPollRate } from "../Metrics.ts"

const minute = 60_000

/**
 * The times of the last minute's polls, oldest first, in a ring buffer (a power of two long) that doubles when full.
 * They are kept as offsets from the first poll in a plain array: small integers, so recording allocates nothing, and
 * a poll every 2 s needs 32 slots. A class: one per session, its methods shared.
 */
export class PollRate {
  readonly #provider: ProviderName
  #origin = -1
  #times: Array<number> = [0, 0, 0, 0, 0, 0, 0, 0]
  #head = 0
  #size = 0
  #reportedAt = 0

  constructor(provider: ProviderName) {
    this.#provider = provider
  }

  /** Records one poll request. */
  get record(): Effect.Effect<void> {
    return Effect.map(Clock.currentTimeMillis, (now) => this.add(now))
  }

  /** Records one poll request made at `now` (ms), for pollers that read their clock themselves. */
  add(now: number): void {
    if (this.#origin === -1) this.#origin = now
    const at = now - this.#origin
    this.#prune(at)
    let times = this.#times
    if (this.#size === times.length) {
      const grown = new Array<number>(times.length * 2).fill(0)
      for (let i = 0; i < this.#size; i++) grown[i] = times[(this.#head + i) & (times.length - 1)] as number
      this.#times = times = grown
      this.#head = 0
    }
    times[(this.#head + this.#size) & (times.length - 1)] = at
    this.#size += 1
    const tags = providerTags[this.#provider]
    pollRequests.unsafeUpdate(1, tags)
    if (at - this.#reportedAt >= minute) {
      this.#reportedAt = at
      sessionPollRate.unsafeUpdate(this.#size, tags)
    }
  }

  /** Requests in the last 60 s. */
  get perMinute(): Effect.Effect<number> {
    return Effect.map(Clock.currentTimeMillis, (now) => {
      if (this.#origin === -1) return 0
      this.#prune(now - this.#origin)
      return this.#size
    })
  }

  #prune(at: number): void {
    const times = this.#times
    const mask = times.length - 1
    while (this.#size > 0 && (times[this.#head] as number) <= at - minute) {
      this.#head = (this.#head + 1) & mask
      this.#size -= 1
    }
  }
}
