/**
 * The poll driver of one adapter. Every short-polling chat of the adapter (LiveChat, LivePerson) is an entry in one
 * timer heap instead of a fiber of its own: between two polls a chat costs its entry and its cadence's state. A
 * sleeping fiber per chat costs 5–10 KB more, and each of its wake-ups leaves garbage for the old generation.
 *
 * A poll runs in one of two ways:
 * - **A request poll** (`RequestPollable`, LiveChat's): one request and a quick reaction to its answer. The driver
 *   starts the request itself, outside any fiber, and applies the answer on its own fiber when it comes. No fiber is
 *   made per poll: in bench/ (10,000 sessions polling every 2 s) forking one was a quarter of all the client
 *   allocated (140 MB/s, 105 without), and its p99 lateness went from 19–71 ms to 16–44 ms over six runs each.
 * - **An effect** (or a `Pollable` making one), which may take several requests or wait (LivePerson follows `next`
 *   links): run in a fiber forked for that poll only.
 *
 * A chat's cadence is a `Schedule` fed with the outcome of each poll, stepped at the time that poll started: its
 * decision says when to poll next, or that polling is over. Polls run on the driver's `Clock`, so `TestClock` drives
 * them in tests.
 */
import {
  type Clock,
  Duration,
  Effect,
  Exit,
  Fiber,
  type Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  Scope
} from "effect"

/** Something that makes its poll when asked, e.g. a chat with a `poll` getter: it keeps no effect between polls. */
export interface Pollable<In> {
  readonly poll: Effect.Effect<In>
}

/** Where a request poll hands its answer: `answer` is called once per `startPoll`. */
export interface AnswerSink<In> {
  answer(apply: Effect.Effect<In>): void
}

/**
 * A poll that is one request: `startPoll` starts it, and once the answer is in, hands `to` the effect that applies
 * it. The driver calls `startPoll` outside any fiber and runs that effect on its own fiber, one answer after
 * another, so the effect must be quick and must not wait (update state, emit events); it must not fail either. An
 * effect that is a plain value (`Effect.succeed`) is read at once, without running anything. A `startPoll` that
 * throws, or an effect that dies, stops the chat's polling and is logged.
 */
export interface RequestPollable<In> {
  startPoll(to: AnswerSink<In>): void
}

/** What a chat polls with. */
export type PollSource<In> = Effect.Effect<In> | Pollable<In> | RequestPollable<In>

/** One chat's polling, from `add`: closing it stops the polling and interrupts the poll in flight. */
export interface Polling {
  /**
   * Stops the polling. A forked poll in flight is interrupted; the answer of a request poll in flight is never
   * applied (its request is not aborted).
   */
  readonly close: () => Effect.Effect<void>
}

export interface PollScheduler {
  /**
   * Runs `poll` now, then whenever `cadence` decides from the outcome of each poll, until the cadence is done or the
   * enclosing scope closes (which also stops a poll in flight). `poll` must not fail: a defect stops the polling of
   * this chat (and is logged).
   */
  readonly run: <In, Out>(
    poll: PollSource<In>,
    cadence: Schedule.Schedule<Out, In>
  ) => Effect.Effect<void, never, Scope.Scope>
  /**
   * `run` without a scope: polling starts at once and lasts until the cadence is done or the returned `Polling` is
   * closed, which is the caller's to do (an adapter that closes it in a finalizer it has anyway saves one).
   */
  readonly add: <In, Out>(poll: PollSource<In>, cadence: Schedule.Schedule<Out, In>) => Polling
  /** Chats polled by this driver (for tests). */
  readonly size: () => number
}

/** What the entries of one driver share. */
interface Driver {
  readonly clock: Clock.Clock
  readonly enqueue: (entry: Entry) => void
  readonly stopped: (entry: Entry) => void
  /** A request poll's answer is in: the driver applies it on its fiber. */
  readonly answered: (entry: Entry) => void
}

const isRequestPollable = (poll: PollSource<unknown>): poll is RequestPollable<unknown> =>
  typeof (poll as Partial<RequestPollable<unknown>>).startPoll === "function"

/** Whether an effect is a plain value (`Effect.succeed`), which can be read without running it. */
const isPlain = <A, E>(effect: Effect.Effect<A, E>): effect is Exit.Success<A, E> =>
  Exit.isExit(effect) && Exit.isSuccess(effect)

const logDeath = (defect: unknown) => Effect.logError("a poller failed; the chat is no longer polled", defect)

/**
 * One chat of the driver: when it is due, and its cadence's state. A class: a chat costs its fields between two
 * polls, and the effects of a poll are made when the poll runs.
 */
class Entry implements Polling, AnswerSink<unknown> {
  /** When the next poll is due (the driver's clock, ms). */
  due: number
  /** Position in the heap; -1 while the entry is not waiting (a poll in flight, or stopped). */
  index = -1
  stopped = false
  /** The forked poll in flight. */
  fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  readonly #driver: Driver
  readonly #poll: PollSource<unknown>
  /** The cadence, fed with what `poll` gives (its types are checked by `run`, which makes the entry). */
  readonly #cadence: Schedule.Schedule<unknown, unknown>
  #state: unknown
  /** When the poll in flight started: the cadence steps at that time. */
  #startedAt = 0
  /** A request poll's answer, from when it came until the driver applies it. */
  #pending: Effect.Effect<unknown> | undefined = undefined

  constructor(driver: Driver, poll: PollSource<unknown>, cadence: Schedule.Schedule<unknown, unknown>) {
    this.#driver = driver
    this.#poll = poll
    this.#cadence = cadence
    this.#state = cadence.initial
    this.due = driver.clock.unsafeCurrentTimeMillis()
  }

  get requests(): boolean {
    return isRequestPollable(this.#poll)
  }

  /**
   * A forked poll: the poll and the cadence's decision after it. The cadence steps at the time the poll started: a
   * pause is kept from request to request, which is what a provider's keep-alive counts, and a slow answer does not
   * stretch the polling period.
   */
  step(): Effect.Effect<void> {
    this.#startedAt = this.#driver.clock.unsafeCurrentTimeMillis()
    const source = this.#poll as Effect.Effect<unknown> | Pollable<unknown>
    return this.#then(Effect.isEffect(source) ? source : source.poll)
  }

  /** A request poll: starts the request, which answers through `answer`. Called outside any fiber. */
  begin(): void {
    this.#startedAt = this.#driver.clock.unsafeCurrentTimeMillis()
    try {
      ;(this.#poll as RequestPollable<unknown>).startPoll(this)
    } catch (defect) {
      this.answer(Effect.die(defect))
    }
  }

  /** A request poll's answer is in (dropped once the polling stopped). */
  answer(apply: Effect.Effect<unknown>): void {
    if (this.stopped) return
    this.#pending = apply
    this.#driver.answered(this)
  }

  /**
   * Applies a request poll's answer, then the cadence decides: at once when both are plain values (the usual empty
   * page), otherwise as the effect returned, for the driver to run on its fiber.
   */
  apply(): Effect.Effect<void> | undefined {
    const answer = this.#pending
    this.#pending = undefined
    if (this.stopped || answer === undefined) return undefined
    if (!isPlain(answer)) return this.#then(answer)
    try {
      const stepped = this.#cadence.step(this.#startedAt, answer.value, this.#state)
      if (!isPlain(stepped)) return this.#decide(stepped)
      this.#decided(stepped.value)
      return undefined
    } catch (defect) {
      return this.#died(defect)
    }
  }

  #then(poll: Effect.Effect<unknown>): Effect.Effect<void> {
    return this.#decide(Effect.flatMap(poll, (input) => this.#cadence.step(this.#startedAt, input, this.#state)))
  }

  #decide(stepped: Effect.Effect<readonly [unknown, unknown, ScheduleDecision.ScheduleDecision]>): Effect.Effect<void> {
    return Effect.map(stepped, (result) => this.#decided(result)).pipe(
      Effect.catchAllDefect((defect) => this.#died(defect))
    )
  }

  #died(defect: unknown): Effect.Effect<void> {
    return Effect.zipRight(
      logDeath(defect),
      Effect.sync(() => this.stop())
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
    this.#pending = undefined
    this.#driver.stopped(this)
  }

  /** No more polls: a forked poll in flight is interrupted, a request poll's answer dropped. */
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
   * it), and the answer of a request poll is applied within two: the driver then wakes at most about 1000/quantum
   * times a second however many chats it polls. Default 5 ms.
   */
  readonly quantum?: number
}

/** Starts a driver that lives as long as the scope (closing it stops every poll in flight). */
export const make = (options: PollSchedulerOptions = {}): Effect.Effect<PollScheduler, never, Scope.Scope> =>
  Effect.gen(function* () {
    const quantum = options.quantum ?? 5
    const clock = yield* Effect.clock
    const heap = new DueHeap()
    const wake = yield* Effect.makeLatch(false)
    /** When the driver wakes next on its own; an entry due sooner opens `wake`. */
    let wakesAt = Number.POSITIVE_INFINITY
    let chats = 0
    /** Request polls whose answer is in, in the order they came. */
    let answers: Array<Entry> = []

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
      },
      answered: (entry) => {
        answers.push(entry)
        // A driver that wakes within two quanta anyway applies it then: under load, answers are applied in batches
        // at the wake-ups that start polls, not one wake-up (and one race of two fibers) each.
        if (wakesAt > clock.unsafeCurrentTimeMillis() + 2 * quantum) wake.unsafeOpen()
      }
    }

    const driver = Effect.gen(function* () {
      while (true) {
        wake.unsafeClose()
        if (answers.length > 0) {
          const batch = answers
          answers = []
          for (const entry of batch) {
            const rest = entry.apply()
            if (rest !== undefined) yield* rest
          }
        }
        const now = clock.unsafeCurrentTimeMillis()
        for (let next = heap.peek(); next !== undefined && next.due <= now + quantum; next = heap.peek()) {
          heap.remove(next)
          if (next.requests) next.begin()
          else next.fiber = yield* Effect.fork(next.step())
        }
        const next = heap.peek()
        // Set before looking at `answers`: an answer that comes later sees it, and opens `wake` if it is far.
        wakesAt = next === undefined ? Number.POSITIVE_INFINITY : next.due
        if (answers.length > 0) continue
        yield* next === undefined
          ? wake.await
          : Effect.raceFirst(clock.sleep(Duration.millis(next.due - now)), wake.await)
      }
    })
    yield* Effect.forkScoped(Effect.interruptible(driver))

    const add = <In, Out>(poll: PollSource<In>, cadence: Schedule.Schedule<Out, In>): Polling => {
      const entry = new Entry(shared, poll, cadence as unknown as Schedule.Schedule<unknown, unknown>)
      chats += 1
      enqueue(entry)
      return entry
    }

    const run = <In, Out>(poll: PollSource<In>, cadence: Schedule.Schedule<Out, In>) =>
      Effect.flatMap(Effect.scope, (scope) =>
        Effect.suspend(() =>
          // Not Effect.addFinalizer, which would keep the caller's fiber refs (spans) alive.
          Scope.addFinalizerExit(scope, closing(add(poll, cadence)))
        )
      )

    return { run, add, size: () => chats } satisfies PollScheduler
  })
