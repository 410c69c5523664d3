/**
 * Counts a session's poll requests per minute, its polling budget, and reports them to the `Metrics` of core (a
 * counter of polls and, once a minute, the session's rate).
 */
import { Clock, Effect, type MetricLabel } from "effect"
import type { ProviderName } from "../Errors.ts"
import { pollRequests, providerTags, sessionPollRate } from "../Metrics.ts"

const minute = 60_000

/**
 * Polls are counted in whole minutes from the first one. The rate of the last minute is estimated as a sliding
 * window does it: this minute's count, plus the previous minute's weighted by the part of it still inside the last
 * 60 s. Exact for a steady cadence, and a session keeps three numbers (a list of poll times was 32 slots at one poll
 * every 2 s, with 10,000 sessions in one process in bench/). Each whole minute is the session's sample of the
 * `sessionPollRate` metric. A class: one per session, its methods shared.
 */
export class PollRate {
  /** The provider's metric tags (shared by every session of the provider). */
  readonly #tags: ReadonlyArray<MetricLabel.MetricLabel>
  /** Start of the current minute (ms); -1 before the first poll. */
  #minuteStart = -1
  #current = 0
  #previous = 0

  constructor(provider: ProviderName) {
    this.#tags = providerTags(provider)
  }

  /** Records one poll request. */
  get record(): Effect.Effect<void> {
    return Effect.map(Clock.currentTimeMillis, (now) => this.add(now))
  }

  /** Records one poll request made at `now` (ms), for pollers that read their clock themselves. */
  add(now: number): void {
    if (this.#minuteStart === -1) this.#minuteStart = now
    else this.#roll(now)
    this.#current += 1
    pollRequests.unsafeUpdate(1, this.#tags)
  }

  /** Requests in the last 60 s (estimated, see above). */
  get perMinute(): Effect.Effect<number> {
    return Effect.map(Clock.currentTimeMillis, (now) => {
      if (this.#minuteStart === -1) return 0
      this.#roll(now)
      const weight = Math.max(0, 1 - (now - this.#minuteStart) / minute)
      return Math.round(this.#current + this.#previous * weight)
    })
  }

  /** Closes the minutes that ended before `now`: the last of them becomes the previous one, and a sample. */
  #roll(now: number): void {
    const elapsed = now - this.#minuteStart
    if (elapsed < minute) return
    sessionPollRate.unsafeUpdate(this.#current, this.#tags)
    this.#previous = elapsed < 2 * minute ? this.#current : 0
    this.#current = 0
    this.#minuteStart += Math.floor(elapsed / minute) * minute
  }
}
