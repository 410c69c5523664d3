/**
 * Small synchronization primitives. `Gate` and `EventLog` are for the per-session state that every idle chat keeps.
 * Effect's own `Deferred` and `Latch` measured 750–930 bytes each in heap snapshots (with the state and closures
 * each one keeps), and a session used to keep five of them (its `PubSub` and `Queue` hold one each): with 10,000 sessions in one process
 * that alone was 50 MB of live heap (bench/). These cost a few dozen bytes until somebody waits.
 */
import { Chunk, Effect, Option, Stream } from "effect"

/** A gate that opens once; fibers wait on `await` until it does (at once when it is open). */
export class Gate {
  #open = false
  #waiters: Array<(effect: Effect.Effect<void>) => void> | undefined

  /** Opens the gate and resumes every waiter; idempotent. */
  open(): void {
    if (this.#open) return
    this.#open = true
    const waiters = this.#waiters
    this.#waiters = undefined
    if (waiters !== undefined) for (const resume of waiters) resume(Effect.void)
  }

  /** Waits until the gate is open; interrupting the wait withdraws it. */
  get await(): Effect.Effect<void> {
    if (this.#open) return Effect.void
    return Effect.async<void>((resume) => {
      if (this.#open) return resume(Effect.void)
      this.#waiters ??= []
      this.#waiters.push(resume)
      return Effect.sync(() => {
        const waiters = this.#waiters
        const at = waiters === undefined ? -1 : waiters.indexOf(resume)
        if (at !== -1) waiters?.splice(at, 1)
      })
    })
  }
}

/** A fiber waiting for a permit; `granted` once a permit was handed to it. */
interface Waiter {
  readonly resume: (effect: Effect.Effect<void>) => void
  granted: boolean
}

/**
 * A fixed number of permits, handed out first come, first served: a released permit goes straight to the oldest
 * waiter. Effect's `Semaphore` wakes every waiter on each release and all but one of them queue again, which with
 * a few hundred chat starts waiting made opening 10,000 chats take 60 s instead of 6 (bench/).
 */
export class Permits {
  #free: number
  readonly #waiting: Array<Waiter> = []

  constructor(count: number) {
    this.#free = count
  }

  /** Permits not taken (for tests). */
  get free(): number {
    return this.#free
  }

  /** Runs `self` holding a permit, waiting for one first if need be; interrupting the wait withdraws it. */
  withPermit<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(restore(this.#take()), Effect.ensuring(restore(self), this.#release))
    )
  }

  #take(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.#free > 0) {
        this.#free -= 1
        return resume(Effect.void)
      }
      const waiter: Waiter = { resume, granted: false }
      this.#waiting.push(waiter)
      return Effect.sync(() => {
        // Interrupted: a permit handed over as the wait was given up goes on to the next waiter.
        if (waiter.granted) this.#handOn()
        else this.#waiting.splice(this.#waiting.indexOf(waiter), 1)
      })
    })
  }

  readonly #release = Effect.sync(() => this.#handOn())

  #handOn(): void {
    const next = this.#waiting.shift()
    if (next === undefined) {
      this.#free += 1
      return
    }
    next.granted = true
    next.resume(Effect.void)
  }
}

/**
 * An append-only log read as streams: each reader gets the kept items from the first, then each new one as it is
 * appended, and its stream ends after the item `isLast` accepts. The newest `capacity` items are kept (a chat's
 * events are replayed to late subscribers); a reader that asks for older ones gets `gap(missed)` first, then the
 * oldest kept. Readers that wait share one gate, made when the first of them waits.
 */
export class EventLog<A> {
  /** A fresh array grows to 17 slots on its first push; most idle chats hold one or two events. */
  #items: Array<A> | undefined
  /** Index in `#items` of the oldest kept item: dropped ones are cut off in batches (amortized O(1) per append). */
  #first = 0
  /** How many items are no longer kept: the position (counting from the log's start) of the oldest kept one. */
  #dropped = 0
  readonly #isLast: (item: A) => boolean
  readonly #capacity: number
  readonly #gap: (missed: number) => A
  #more: Gate | undefined

  constructor(isLast: (item: A) => boolean, capacity: number, gap: (missed: number) => A) {
    this.#isLast = isLast
    this.#capacity = capacity
    this.#gap = gap
  }

  append(item: A): void {
    if (this.#items === undefined) this.#items = [item]
    else this.#items.push(item)
    const items = this.#items
    if (items.length - this.#first > this.#capacity) {
      this.#first += 1
      this.#dropped += 1
      if (this.#first >= 64 && this.#first * 2 >= items.length) {
        items.splice(0, this.#first)
        this.#first = 0
      }
    }
    const more = this.#more
    this.#more = undefined
    more?.open()
  }

  get stream(): Stream.Stream<A> {
    return Stream.paginateChunkEffect(0, (from: number) => this.#from(from))
  }

  /** The items from position `from` (counted from the log's start) that are there now, or a wait for them. */
  #from(from: number): Effect.Effect<readonly [Chunk.Chunk<A>, Option.Option<number>]> {
    const items = this.#items ?? []
    if (from < this.#dropped) {
      return Effect.succeed([Chunk.of(this.#gap(this.#dropped - from)), Option.some(this.#dropped)] as const)
    }
    const end = this.#dropped + items.length - this.#first
    if (from < end) {
      const chunk = items.slice(this.#first + from - this.#dropped)
      const last = this.#isLast(chunk[chunk.length - 1] as A)
      return Effect.succeed([Chunk.unsafeFromArray(chunk), last ? Option.none() : Option.some(end)] as const)
    }
    this.#more ??= new Gate()
    return Effect.zipRight(
      this.#more.await,
      Effect.suspend(() => this.#from(from))
    )
  }
}
