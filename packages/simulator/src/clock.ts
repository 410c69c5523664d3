/**
 * Time as the simulator sees it. Every timer of the simulator (long-poll holds, keep-alive deadlines, queue waits,
 * the scripted agent) goes through a `SimClock`, so tests can replace wall time with a `ManualClock` and run a
 * 30-minute scenario in milliseconds.
 */

/** A scheduled callback that can be cancelled; cancelling twice or after it fired does nothing. */
export interface Timer {
  cancel(): void
}

export interface SimClock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Runs `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): Timer
}

/** Wall time, backed by the runtime's timers. Timers are unref'd so a forgotten one never keeps a process alive. */
export const systemClock: SimClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, Math.max(0, ms))
    handle.unref()
    return { cancel: () => clearTimeout(handle) }
  }
}

interface Scheduled {
  readonly at: number
  readonly order: number
  readonly callback: () => void
  cancelled: boolean
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer that falls due, in time order, and lets
 * the event loop run between them so the HTTP responses they release are written before the next one fires.
 */
export class ManualClock implements SimClock {
  #now: number
  #order = 0
  #timers: Array<Scheduled> = []

  constructor(start: number = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const scheduled: Scheduled = { at: this.#now + Math.max(0, ms), order: this.#order++, callback, cancelled: false }
    this.#timers.push(scheduled)
    return {
      cancel: () => {
        scheduled.cancelled = true
      }
    }
  }

  /** Number of timers still waiting to fire. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length
  }

  /** Moves time forward by `ms`, firing due timers one by one (timers they schedule fire too, if due). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms)
    for (;;) {
      this.#timers = this.#timers.filter((timer) => !timer.cancelled)
      const next = this.#timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0]
      if (next === undefined) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = Math.max(this.#now, next.at)
      next.callback()
      await settle()
    }
    this.#now = target
    await settle()
  }
}

/** Lets pending I/O callbacks and promise continuations run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))
