/**
 * Counts a session's poll requests over the last minute, its polling budget in requests per minute, and reports
 * them to the `Metrics` of core (a counter of polls and, once a minute, the session's rate).
 */
import { Clock, Effect } from "effect"
import type { ProviderName } from "../Errors.ts"
import { pollRequests, providerTags, sessionPollRate } from "../Metrics.ts"

const minute = 60_000
const stepMillis = 5_000
const steps = minute / stepMillis

/**
 * Polls are counted per 5-second step, in a ring of the last twelve steps: the rate is the sum of the ring, the
 * polls of the current step and of the eleven before it (55 to 60 s). A session keeps twelve small integers
 * whatever its cadence (an exact list of times was 32 slots at one poll every 2 s, with 10,000 sessions in one
 * process in bench/). A class: one per session, its methods shared.
 */
export class PollRate {
  readonly #provider: ProviderName
  /** Time of the first poll (ms); steps count from it. */
  #origin = -1
  #counts: Array<number> | undefined = undefined
  /** The step the newest count belongs to. */
  #step = 0
  /** When the rate was last sampled into the metric. */
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
    if (this.#origin === -1) {
      this.#origin = now
      this.#reportedAt = now // the first sample once a whole minute was counted
    }
    const counts = this.#advance(now)
    const at = this.#step % steps
    counts[at] = (counts[at] as number) + 1
    const tags = providerTags[this.#provider]
    pollRequests.unsafeUpdate(1, tags)
    if (now - this.#reportedAt >= minute) {
      this.#reportedAt = now
      sessionPollRate.unsafeUpdate(this.#sum(counts), tags)
    }
  }

  /** Requests in the last minute. */
  get perMinute(): Effect.Effect<number> {
    return Effect.map(Clock.currentTimeMillis, (now) => (this.#origin === -1 ? 0 : this.#sum(this.#advance(now))))
  }

  /** Moves the ring on to the step of `now`, emptying the steps passed (a clock set back stays in the newest). */
  #advance(now: number): Array<number> {
    const counts = (this.#counts ??= new Array<number>(steps).fill(0))
    const step = Math.floor((now - this.#origin) / stepMillis)
    if (step > this.#step) {
      for (let k = Math.max(this.#step + 1, step - steps + 1); k <= step; k++) counts[k % steps] = 0
      this.#step = step
    }
    return counts
  }

  #sum(counts: Array<number>): number {
    let total = 0
    for (const count of counts) total += count
    return total
  }
}
