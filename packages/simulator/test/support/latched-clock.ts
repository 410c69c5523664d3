/**
 * A `ManualClock` that also tells when a timer is scheduled: `scheduled(ms)` resolves once the simulator arms a timer
 * of exactly `ms` (a long poll's hold window, a keep-alive). A test awaits it instead of sleeping until the server
 * holds a request, then moves time with `advance`.
 */
import { ManualClock, type Timer } from "../../src/index.ts"

export class LatchedClock extends ManualClock {
  readonly #waiting: Array<{ readonly ms: number; readonly resolve: () => void }> = []

  override setTimeout(callback: () => void, ms: number): Timer {
    const timer = super.setTimeout(callback, ms)
    for (const waiter of this.#waiting.filter((candidate) => candidate.ms === ms)) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1)
      waiter.resolve()
    }
    return timer
  }

  /** Resolves when the next timer of `ms` milliseconds is armed (call it before the request that arms it). */
  scheduled(ms: number): Promise<void> {
    return new Promise((resolve) => this.#waiting.push({ ms, resolve }))
  }
}
