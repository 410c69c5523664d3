/**
 * The poll driver of one adapter. Every short-polling chat of the adapter (LiveChat, LivePerson) is an entry in one
 * timer heap instead of a fiber of its own: each poll runs in a fiber forked for its request only, and between two
 * polls a chat costs its entry and its cadence's state. A sleeping fiber per chat costs 5–10 KB more, and each of its
 * wake-ups leaves garbage for the old generation (bench/: 10,000 sessions polling every 2 s).
 *
 * A chat's cadence is a `Schedule` fed with the outcome of each poll, stepped at the time that poll started: its
 * decision says when to poll next, or that polling is over. Polls run on the driver's `Clock`, so `TestClock` drives them in tests.
 */
import { type Clock, Duration, Effect, Fiber, type Schedule, ScheduleDecision, ScheduleIntervals, Scope } from "effect"

/** Something that makes its poll when asked, e.g. a chat with a `poll` getter: it keeps no effect between polls. */
export interface Pollable<In> {
  readonly poll: Effect.Effect<In>
}

/** One chat's polling, from `add`: closing it stops the polling and interrupts the poll in flight. */
export interface Polling {
  readonly close: () => Effect.Effect<void>
}

export interface PollScheduler {
  /**
   * Runs `poll` now, then whenever `cadence` decides from the outcome of each poll, until the cadence is done or the
   * enclosing scope closes (which also interrupts a poll in flight). `poll` must not fail: a defect stops the
   * polling of this chat (and is logged).
   */
  readonly run: <In, Out>(
    poll: Effect.Effect<In> | Pollable<In>,
    cadence: Schedule.Schedule<Out, In>
  ) => Effect.Effect<void, never, Scope.Scope>
  /**
   * `run` without a scope: polling starts at once and lasts until the cadence is done or the returned `Polling` is
   * closed, which is the caller's to do (an adapter that closes it in a finalizer it has anyway saves one).
   */
  readonly add: <In, Out>(poll: Effect.Effect<In> | Pollable<In>, cadence: Schedule.Schedule<Out, In>) => Polling
  /** Chats polled by this driver (for tests). */
  readonly size: () => number
}

/** What the entries of one driver share. */
interface Driver {
  readonly clock: Clock.Clock
  readonly enqueue: (entry: Entry) => void
  readonly stopped: (entry: Entry) => void
}

/**
 * One chat of the driver: when it is due, and its cadence's state. A class: a chat costs its fields between two
 * polls, and the effects of a poll are made when the poll runs.
 */
class Entry implements Polling {
  /** When the next poll is due (the driver's clock, ms). */
  due: number
  /** Position in the heap; -1 while the entry is not waiting (a poll in flight, or stopped). */
  index = -1
  stopped = false
  /** The poll in flight. */
  fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  readonly #driver: Driver
  readonly #poll: Effect.Effect<unknown> | Pollable<unknown>
  /** The cadence, fed with what `poll` gives (its types are checked by `run`, which makes the entry). */
  readonly #cadence: Schedule.Schedule<unknown, unknown>
  #state: unknown

  constructor(
    driver: Driver,
    poll: Effect.Effect<unknown> | Pollable<unknown>,
    cadence: Schedule.Schedule<unknown, unknown>
  ) {
    this.#driver = driver
    this.#poll = poll
    this.#cadence = cadence
    this.#state = cadence.initial
    this.due = driver.clock.unsafeCurrentTimeMillis()
  }

  /**
   * One poll and the cadence's decision after it. The cadence steps at the time the poll started: a pause is kept
   * from request to request, which is what a provider's keep-alive counts, and a slow answer does not stretch the
   * polling period.
   */
  step(): Effect.Effect<void> {
    const startedAt = this.#driver.clock.unsafeCurrentTimeMillis()
    const poll = Effect.isEffect(this.#poll) ? this.#poll : this.#poll.poll
    return Effect.flatMap(poll, (input) =>
      Effect.map(this.#cadence.step(startedAt, input, this.#state), (result) => this.#decided(result))
    ).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.logError("a poller failed; the chat is no longer polled", defect).pipe(
          Effect.zipRight(Effect.sync(() => this.stop()))
        )
      )
    )
  }

  #decided([next, , decision]: readonly [unknown, unknown, ScheduleDecision.ScheduleDecision]): void {
    this.fiber = undefined
    if (this.stopped) return
    if (ScheduleDecision.isDone(decision)) {
      this.stop()
      return
    }
    this.#state = next
    this.due = ScheduleIntervals.start(decision.intervals)
    this.#driver.enqueue(this)
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.#driver.stopped(this)
  }

  /** No more polls, and the one in flight is interrupted. */
  close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.stop()
      const fiber = this.fiber
      this.fiber = undefined
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })
  }
}

/** The finalizer of an entry (made out here, so that it keeps the entry alone). */
const closing = (polling: Polling) => () => polling.close()

/** A binary min-heap of entries by due time, each entry knowing its index (so a stopped chat leaves at once). */
class DueHeap {
  private readonly items: Array<Entry> = []

  get size() {
    return this.items.length
  }

  peek(): Entry | undefined {
    return this.items[0]
  }

  push(entry: Entry) {
    entry.index = this.items.length
    this.items.push(entry)
    this.up(entry.index)
  }

  pop(): Entry | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove(entry: Entry) {
    const at = entry.index
    if (at < 0) return
    const last = this.items.pop() as Entry
    entry.index = -1
    if (last === entry) return
    this.items[at] = last
    last.index = at
    this.down(at)
    this.up(last.index)
  }

  private up(at: number) {
    const items = this.items
    const entry = items[at] as Entry
    while (at > 0) {
      const parentAt = (at - 1) >> 1
      const parent = items[parentAt] as Entry
      if (parent.due <= entry.due) break
      items[at] = parent
      parent.index = at
      at = parentAt
    }
    items[at] = entry
    entry.index = at
  }

  private down(at: number) {
    const items = this.items
    const entry = items[at] as Entry
    const half = items.length >> 1
    while (at < half) {
      let childAt = 2 * at + 1
      let child = items[childAt] as Entry
      const rightAt = childAt + 1
      if (rightAt < items.length && (items[rightAt] as Entry).due < child.due) {
        childAt = rightAt
        child = items[rightAt] as Entry
      }
      if (entry.due <= child.due) break
      items[at] = child
      child.index = at
      at = childAt
    }
    items[at] = entry
    entry.index = at
  }
}

export interface PollSchedulerOptions {
  /**
   * Polls due within this many ms of a wake-up run together (a poll may run this much early, never late because of
   * it): the driver then wakes at most about 1000/quantum times a second however many chats it polls. Default 5 ms.
   */
  readonly quantum?: number
}

/** Starts a driver that lives as long as the scope (closing it interrupts every poll in flight). */
export const make = (options: PollSchedulerOptions = {}): Effect.Effect<PollScheduler, never, Scope.Scope> =>
  Effect.gen(function* () {
    const quantum = options.quantum ?? 5
    const clock = yield* Effect.clock
    const heap = new DueHeap()
    const wake = yield* Effect.makeLatch(false)
    /** When the driver wakes next on its own; an entry due sooner opens `wake`. */
    let wakesAt = Number.POSITIVE_INFINITY
    let chats = 0

    const enqueue = (entry: Entry) => {
      heap.push(entry)
      if (entry.due < wakesAt) {
        wakesAt = entry.due
        wake.unsafeOpen()
      }
    }
    const shared: Driver = {
      clock,
      enqueue,
      stopped: (entry) => {
        heap.remove(entry)
        chats -= 1
      }
    }

    const driver = Effect.gen(function* () {
      while (true) {
        wake.unsafeClose()
        const now = clock.unsafeCurrentTimeMillis()
        for (let next = heap.peek(); next !== undefined && next.due <= now + quantum; next = heap.peek()) {
          heap.remove(next)
          next.fiber = yield* Effect.fork(next.step())
        }
        const next = heap.peek()
        wakesAt = next === undefined ? Number.POSITIVE_INFINITY : next.due
        yield* next === undefined
          ? wake.await
          : Effect.raceFirst(clock.sleep(Duration.millis(next.due - now)), wake.await)
      }
    })
    yield* Effect.forkScoped(Effect.interruptible(driver))

    const add = <In, Out>(poll: Effect.Effect<In> | Pollable<In>, cadence: Schedule.Schedule<Out, In>): Polling => {
      const entry = new Entry(shared, poll, cadence as unknown as Schedule.Schedule<unknown, unknown>)
      chats += 1
      enqueue(entry)
      return entry
    }

    const run = <In, Out>(poll: Effect.Effect<In> | Pollable<In>, cadence: Schedule.Schedule<Out, In>) =>
      Effect.flatMap(Effect.scope, (scope) =>
        Effect.suspend(() =>
          // Not Effect.addFinalizer, which would keep the caller's fiber refs (spans) alive.
          Scope.addFinalizerExit(scope, closing(add(poll, cadence)))
        )
      )

    return { run, add, size: () => chats } satisfies PollScheduler
  })
