/**
 * A chat session: a scoped resource. Starting it requests the chat at the provider; closing its scope, interrupting
 * the fiber that owns it or calling `end` stops every poller and timer, ends the chat at the provider, and emits
 * `ended` exactly once.
 *
 * @example
 * ```ts
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const chat = yield* Session.open({ visitorName: "Ada", firstMessage: "Where is my parcel?" })
 *   yield* chat.events.pipe(Stream.runForEach((event) => Console.log(event)), Effect.fork)
 *   yield* chat.send("It was due yesterday")
 * })).pipe(Effect.provide(LiveChat.layer({ baseUrl, licenceId })))
 * ```
 */
import {
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  type Fiber,
  FiberId,
  Scope,
  type Stream,
  SubscriptionRef
} from "effect"
import type { Capabilities } from "./Capabilities.ts"
import type { Agent, ChatEvent, ChatEventOf } from "./ChatEvent.ts"
import {
  type Availability,
  ChatProvider,
  type ChatProviderService,
  type Emit,
  type Health,
  type RemoteChat,
  type StartRequest
} from "./ChatProvider.ts"
import { ChatClosed, type ChatError, InvalidInput, type ProviderName } from "./Errors.ts"
import { EventLog, Gate } from "./internal/gate.ts"
import { makeTyping } from "./internal/typing.ts"

export type Status = "idle" | "starting" | "queued" | "connected" | "ended"

/** The session's current state, as its events left it. */
export interface ChatState {
  readonly status: Status
  readonly agent?: Agent
  readonly position?: number
  readonly estimatedWaitSeconds?: number
  readonly ended?: ChatEventOf<"ended">
  /**
   * Present while the provider cannot be reached (from `connection-lost` to `connection-restored` or `ended`): the
   * failed attempts so far, since when, when the next one starts and when the session gives up (ms since the epoch).
   */
  readonly connection?: ConnectionLost
}

/** The provider cannot be reached: the last `connection-lost` event, as `ChatState.connection` holds it. */
export type ConnectionLost = Omit<ChatEventOf<"connection-lost">, "type">

export interface SessionOptions {
  /** Fewest time between two typing requests; default 2 s. */
  readonly typingSpacing?: Duration.DurationInput
  /** "Typing" stops by itself after this long without a keystroke; default 5 s. */
  readonly typingIdle?: Duration.DurationInput
  /** Longest time ending may take (stopping the pollers and the provider's end call); default 10 s. */
  readonly endTimeout?: Duration.DurationInput
  /** Longest visitor message accepted, in characters; default 10,000. */
  readonly maxMessageLength?: number
  /**
   * The give-up budget: how long the provider may stay unreachable (polls and sends getting no usable answer) before
   * the session gives up: `ended` with reason "error", and an end request to the provider. Counted from the first
   * failure of an outage; every poller and the sender honour it. Default 60 s. A provider may force an earlier end:
   * LiveChat closes a chat not polled for about 30 s, Salesforce and LivePerson expire a session at their timeout.
   */
  readonly giveUpAfter?: Duration.DurationInput
  /**
   * How many of the newest events `events` replays to a subscriber that joins late (a new `for await` loop, a
   * relay's reader). Older ones are let go, so a long chat's memory stays bounded; a subscriber that would have seen
   * them gets a `discontinuity` first, then the oldest kept. Default 1,000.
   */
  readonly history?: number
}

export interface ChatSession {
  readonly provider: ProviderName
  readonly capabilities: Capabilities
  /** Requests the chat. Single-flight: concurrent or repeated calls share one request at the provider. */
  readonly start: Effect.Effect<void, ChatError>
  /**
   * Every event from the start, completing after `ended`: a late subscriber gets the newest `history` events (a
   * `discontinuity` first when older ones were let go), then live ones.
   */
  readonly events: Stream.Stream<ChatEvent>
  /** The current state; `state.changes` streams it. */
  readonly state: SubscriptionRef.SubscriptionRef<ChatState>
  /**
   * Sends a visitor message; succeeds once the provider accepted it. Messages are delivered in order, exactly once,
   * and wait for an agent to connect. Fails with `ChatClosed` when the chat ends before delivery.
   */
  readonly send: (text: string) => Effect.Effect<void, ChatError>
  /** Visitor typing: debounced, at most one request per `typingSpacing`, off by itself after `typingIdle`. */
  readonly typing: (on: boolean) => Effect.Effect<void>
  /** Ends the chat (idempotent; never fails). */
  readonly end: Effect.Effect<void>
  /**
   * Shows the agent the visitor's unsent draft, where `capabilities.sneakPeek` (Salesforce). Waits for an agent;
   * fails with `InvalidInput` where the provider has no sneak peek. Throttle it as you would typing.
   */
  readonly sneakPeek: (draft: string) => Effect.Effect<void, ChatError>
  /** Sends a custom event to the agent's console, where `capabilities.customEvents` (Salesforce). */
  readonly customEvent: (type: string, data: string) => Effect.Effect<void, ChatError>
  /** Emails the transcript to the visitor, where `capabilities.transcriptByEmail` (LivePerson). */
  readonly requestTranscript: (email: string) => Effect.Effect<void, ChatError>
  /** Poll requests per minute over the last minute. */
  readonly pollRate: Effect.Effect<number>
}

const reduce = (state: ChatState, event: ChatEvent): ChatState => {
  switch (event.type) {
    case "queued":
      if (event.position === undefined && event.estimatedWaitSeconds === undefined && state.connection === undefined)
        return queued
      return withConnection(state, {
        status: "queued",
        ...(event.position === undefined ? {} : { position: event.position }),
        ...(event.estimatedWaitSeconds === undefined ? {} : { estimatedWaitSeconds: event.estimatedWaitSeconds })
      })
    case "connected":
    case "transferred":
      return withConnection(state, { status: "connected", agent: event.agent })
    case "agent-left":
      return withConnection(state, { status: state.status })
    case "connection-lost": {
      const { type: _, ...connection } = event
      return { ...state, connection }
    }
    case "connection-restored": {
      const { connection: _, ...rest } = state
      return rest
    }
    case "ended": {
      const { connection: _, ...rest } = state
      return { ...rest, status: "ended", ended: event }
    }
    default:
      return state
  }
}

/** A state that keeps the outage under way, if any. */
const withConnection = (previous: ChatState, next: ChatState): ChatState =>
  previous.connection === undefined ? next : { ...next, connection: previous.connection }

interface Pending {
  readonly id: string
  readonly text: string
  readonly done: Deferred.Deferred<void, ChatError>
}

const isEnded = (event: ChatEvent) => event.type === "ended"
const idle: ChatState = { status: "idle" }
const queued: ChatState = { status: "queued" }

/**
 * One session. A class, not a closure per operation: with 10,000 sessions in one process every per-session object
 * counts (bench/), so its operations live on the prototype, effects are built when they are used, and the state
 * kept between events is plain fields. The operations are getters returning functions bound to the session, so
 * `const { send } = chat` works as it would on a plain object.
 */
class SessionImpl implements ChatSession, Health {
  readonly #port: ChatProviderService
  readonly #request: StartRequest
  readonly #options: SessionOptions
  readonly #scope: Scope.Scope
  /** Pollers, the sender and the typing timers: closed first when the session ends. */
  readonly #workers: Scope.CloseableScope
  readonly #log: EventLog<ChatEvent>
  #current: ChatState = idle
  #stateRef: SubscriptionRef.SubscriptionRef<ChatState> | undefined
  /** Opens when an agent connects, or when the chat ends before one did; made by the first to wait for it. */
  #agentGate: Gate | undefined
  #agentConnected = false
  #remote: RemoteChat | undefined
  #ended = false
  /** Set by `end`: a start that has not begun yet must not begin. */
  #closing = false
  #sent = 0
  /** Visitor messages waiting, in order, for the sender fiber (started with the first of them). */
  #outbox: Array<Pending> | undefined
  #outboxFilled: Gate | undefined
  #delivering = false
  /** The typing debouncer (two fibers) starts on first use: most chats never call `typing`. */
  #typingReady: Deferred.Deferred<(on: boolean) => Effect.Effect<void>> | undefined
  #startFiber: Fiber.RuntimeFiber<void, ChatError> | undefined
  #startExit: Exit.Exit<void, ChatError> | undefined
  #startDone: Gate | undefined
  #endOutcome: Deferred.Deferred<void> | undefined
  /** The give-up budget, in ms. */
  readonly giveUpAfter: number
  /** The outage under way: when its first failure was seen (undefined while the provider answers). */
  #lostSince: number | undefined
  #failedAttempts = 0

  constructor(
    port: ChatProviderService,
    request: StartRequest,
    options: SessionOptions,
    scope: Scope.Scope,
    workers: Scope.CloseableScope
  ) {
    this.#port = port
    this.#request = request
    this.#options = options
    this.#scope = scope
    this.#workers = workers
    this.giveUpAfter = Duration.toMillis(options.giveUpAfter ?? defaultGiveUpAfter)
    this.#log = new EventLog<ChatEvent>(isEnded, options.history ?? defaultHistory, missed)
  }

  get provider(): ProviderName {
    return this.#port.name
  }

  get capabilities(): Capabilities {
    return this.#port.capabilities
  }

  // ---- events and state -------------------------------------------------------------------------------------------

  get events(): Stream.Stream<ChatEvent> {
    return this.#log.stream
  }

  /** Made on first use, with the state of that moment; every later change is set on it. */
  get state(): SubscriptionRef.SubscriptionRef<ChatState> {
    this.#stateRef ??= Effect.runSync(SubscriptionRef.make(this.#current))
    return this.#stateRef
  }

  #setState(next: ChatState): Effect.Effect<void> {
    this.#current = next
    const ref = this.#stateRef
    // The newest state whenever this runs: updates from two fibers cannot leave an older one last.
    return ref === undefined ? Effect.void : Effect.suspend(() => SubscriptionRef.set(ref, this.#current))
  }

  /** What the provider adapter reports events through (bound: a little smaller than a closure). */
  readonly #emitter: Emit = this.#emit.bind(this)

  /** An honest effect: nothing happens until it runs (an adapter that builds one and drops it emits nothing). */
  #emit(event: ChatEvent): Effect.Effect<void> {
    return Effect.suspend(() => this.#record(event))
  }

  #record(event: ChatEvent): Effect.Effect<void> {
    if (this.#ended) return Effect.void
    if (event.type === "ended") this.#ended = true
    if (event.type === "connected") this.#agentConnected = true
    this.#log.append(event)
    if (event.type === "connected" || event.type === "ended") this.#agentGate?.open()
    const state = this.#setState(reduce(this.#current, event))
    // An end the provider did not make (polls that kept failing, a refusal we gave up on) leaves the chat open
    // there: end it now, in the background (the adapter emitting this must not wait for its own poller to stop),
    // rather than when the caller's scope closes, which may be much later. Uninterruptible, as the scope's own end
    // would be: a scope closing meanwhile waits for it (bounded by `endTimeout`) instead of cutting it short.
    return event.type === "ended" && event.reason === "error" && this.#remote !== undefined
      ? Effect.zipRight(state, Effect.asVoid(Effect.forkIn(Effect.uninterruptible(this.end), this.#scope)))
      : state
  }

  // ---- connection health (what the adapter's pollers report) -------------------------------------------------------

  unreachable(detail: string, retryIn: number): Effect.Effect<number | undefined> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (this.#ended) return Effect.succeed(undefined)
      const since = this.#lostSince ?? now
      this.#lostSince = since
      this.#failedAttempts += 1
      const giveUpAt = since + this.giveUpAfter
      if (now >= giveUpAt) {
        const lasted = Math.round((now - since) / 1000)
        const attempts = this.#failedAttempts
        return Effect.as(
          this.#emit({
            type: "ended",
            by: "provider",
            reason: "error",
            detail: `${this.#port.title} could not be reached for ${lasted} s, ${attempts} attempts (${detail})`
          }),
          undefined
        )
      }
      // The last try starts when the budget runs out: its failure is what ends the chat.
      const pause = Math.max(0, Math.min(retryIn, giveUpAt - now))
      const attempt = this.#failedAttempts
      return Effect.as(
        this.#emit({ type: "connection-lost", attempt, since, retryAt: now + pause, giveUpAt, detail }),
        pause
      )
    })
  }

  reachable(): Effect.Effect<void> {
    if (this.#lostSince === undefined) return Effect.void
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const since = this.#lostSince
      if (since === undefined) return Effect.void
      this.#lostSince = undefined
      this.#failedAttempts = 0
      return this.#emit({ type: "connection-restored", downForMs: now - since })
    })
  }

  #closed(operation: string): ChatClosed {
    return new ChatClosed({ provider: this.provider, operation })
  }

  /** Waits for an agent; fails with ChatClosed when the chat ended without one. */
  #untilConnected(): Effect.Effect<void, ChatClosed> {
    return Effect.suspend(() => {
      const connected = Effect.suspend(() => (this.#agentConnected ? Effect.void : Effect.fail(this.#closed("send"))))
      if (this.#agentConnected || this.#ended) return connected
      this.#agentGate ??= new Gate()
      return Effect.zipRight(this.#agentGate.await, connected)
    })
  }

  // ---- start ------------------------------------------------------------------------------------------------------

  /**
   * Single-flight: the first call forks the start into its own fiber (recorded, so `end` can interrupt it half-way),
   * every call waits for its outcome. Once it is over only its Exit is kept.
   */
  get start(): Effect.Effect<void, ChatError> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (this.#startExit !== undefined) return this.#startExit
        if (this.#startDone !== undefined) return restore(this.#startOutcome(this.#startDone))
        const done = new Gate()
        this.#startDone = done
        // `restore`: the start fiber (and the poller it forks) is as interruptible as the caller, not masked.
        return Effect.forkIn(restore(this.#doStart()), this.#scope).pipe(
          Effect.flatMap((fiber) =>
            Effect.sync(() => {
              this.#startFiber = fiber
              fiber.addObserver((exit) => {
                this.#startFiber = undefined
                // A success keeps the shared void exit, not this fiber's own.
                this.#startExit = Exit.isSuccess(exit) ? Exit.void : exit
                this.#startDone = undefined
                done.open()
              })
            })
          ),
          Effect.zipRight(restore(this.#startOutcome(done)))
        )
      })
    )
  }

  #startOutcome(done: Gate): Effect.Effect<void, ChatError> {
    return Effect.zipRight(
      done.await,
      Effect.suspend(() => this.#startExit as Exit.Exit<void, ChatError>)
    )
  }

  #doStart(): Effect.Effect<void, ChatError> {
    const self = this
    return Effect.gen(function* () {
      if (self.#ended || self.#closing) return yield* self.#closed("start")
      yield* self.#setState({ ...self.#current, status: "starting" })
      const chat = yield* self.#port.start(self.#request, self.#emitter, self).pipe(Scope.extend(self.#workers))
      self.#remote = chat
      if (self.#outbox !== undefined && self.#outbox.length > 0) yield* self.#startDelivery()
      const first = self.#request.firstMessage?.trim()
      if (first && !self.capabilities.firstMessageAtStart) {
        const done = yield* self.#enqueue(first)
        yield* Effect.forkIn(
          Deferred.await(done).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning("the visitor's first message was not delivered", error.message)
            )
          ),
          self.#workers
        )
      }
    }).pipe(
      Effect.tapError((error) =>
        this.#emit({
          type: "ended",
          by: "provider",
          reason:
            error._tag === "NoAgentsAvailable"
              ? "no-agent"
              : error._tag === "ChatRequestRejected"
                ? "rejected"
                : "error",
          detail: error.message
        })
      ),
      Effect.withSpan("Session.start", { captureStackTrace: false })
    )
  }

  // ---- sending ----------------------------------------------------------------------------------------------------

  get send(): (text: string) => Effect.Effect<void, ChatError> {
    return (text) =>
      Effect.suspend(() => {
        if (text.trim() === "") return Effect.fail(new InvalidInput({ field: "message", problem: "it is empty" }))
        const maxLength = this.#options.maxMessageLength ?? 10_000
        if (text.length > maxLength) {
          return Effect.fail(
            new InvalidInput({ field: "message", problem: `it is longer than ${maxLength} characters` })
          )
        }
        if (this.#ended) return Effect.fail(this.#closed("send"))
        return this.#enqueue(text).pipe(Effect.flatMap(Deferred.await))
      }).pipe(Effect.withSpan("Session.send", { captureStackTrace: false }))
  }

  #enqueue(text: string): Effect.Effect<Deferred.Deferred<void, ChatError>> {
    return Effect.suspend(() => {
      this.#sent += 1
      const done = Deferred.unsafeMake<void, ChatError>(FiberId.none)
      this.#outbox ??= []
      this.#outbox.push({ id: `visitor-${this.#sent}`, text, done })
      const filled = this.#outboxFilled
      this.#outboxFilled = undefined
      filled?.open()
      return Effect.as(this.#startDelivery(), done)
    })
  }

  /** The sender fiber starts with the first message once the chat exists (an idle session has none). */
  #startDelivery(): Effect.Effect<void> {
    const remote = this.#remote
    if (this.#delivering || remote === undefined) return Effect.void
    this.#delivering = true
    return Effect.asVoid(Effect.forkIn(Effect.interruptible(this.#deliver(remote)), this.#workers))
  }

  #deliver(chat: RemoteChat): Effect.Effect<never> {
    const self = this
    return Effect.forever(
      Effect.gen(function* () {
        const item = self.#outbox?.shift()
        if (item === undefined) {
          self.#outboxFilled = new Gate()
          return yield* self.#outboxFilled.await
        }
        const exit = yield* self
          .#untilConnected()
          .pipe(Effect.zipRight(chat.send({ id: item.id, text: item.text })), Effect.exit)
        yield* Deferred.done(item.done, exit)
      })
    )
  }

  // ---- typing -----------------------------------------------------------------------------------------------------

  get typing(): (on: boolean) => Effect.Effect<void> {
    return (on) => (this.#ended ? Effect.void : Effect.suspend(() => this.#typing(on)))
  }

  #typing(on: boolean): Effect.Effect<void> {
    if (this.#typingReady !== undefined) return Effect.flatMap(Deferred.await(this.#typingReady), (set) => set(on))
    const ready = Deferred.unsafeMake<(on: boolean) => Effect.Effect<void>>(FiberId.none)
    this.#typingReady = ready
    // Uninterruptible (it only forks two fibers): an interrupted first call must not leave `ready` empty.
    return makeTyping(
      (on) =>
        this.#remote === undefined
          ? Effect.void
          : this.#remote
              .typing(on)
              .pipe(Effect.catchAll((error) => Effect.logDebug("visitor typing was not delivered", error.message))),
      this.#untilConnected(),
      { spacing: this.#options.typingSpacing ?? "2 seconds", idle: this.#options.typingIdle ?? "5 seconds" }
    ).pipe(
      Scope.extend(this.#workers),
      Effect.tap((set) => Deferred.succeed(ready, set)),
      Effect.uninterruptible,
      Effect.flatMap((set) => set(on))
    )
  }

  // ---- ending -----------------------------------------------------------------------------------------------------

  /** Single-flight: the first call runs the end, every call waits for its outcome. Never fails. */
  get end(): Effect.Effect<void> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (this.#endOutcome !== undefined) return restore(Deferred.await(this.#endOutcome))
        const outcome = Deferred.unsafeMake<void>(FiberId.none)
        this.#endOutcome = outcome
        return Effect.zipRight(Effect.intoDeferred(restore(this.#doEnd()), outcome), restore(Deferred.await(outcome)))
      })
    )
  }

  /** Stops the start, the pollers and the timers, then ends the chat at the provider. */
  #closeAll(): Effect.Effect<void> {
    const self = this
    return Effect.gen(function* () {
      const pending = self.#startFiber
      if (pending !== undefined) yield* pending.interruptAsFork(pending.id())
      if (pending !== undefined) yield* pending.await
      yield* Scope.close(self.#workers, Exit.void)
      if (self.#remote !== undefined) yield* self.#remote.end
    })
  }

  #doEnd(): Effect.Effect<void> {
    const self = this
    return Effect.gen(function* () {
      self.#closing = true
      // Bounded even when the provider stops answering, and even from a finalizer (an uninterruptible region): the
      // closing runs interruptible and disconnected, so the timeout returns on time; an end request still in flight
      // finishes in the background.
      yield* self.#closeAll().pipe(
        Effect.interruptible,
        Effect.disconnect,
        Effect.timeout(self.#options.endTimeout ?? "10 seconds"),
        Effect.catchAll(() => Effect.logWarning("the chat's end was not confirmed by the provider in time")),
        Effect.catchAllDefect((defect) => Effect.logWarning("ending the chat failed", defect))
      )
      yield* self.#emit({ type: "ended", by: "visitor", reason: "visitor" })
      for (const item of self.#outbox?.splice(0) ?? []) yield* Deferred.fail(item.done, self.#closed("send"))
    }).pipe(Effect.withSpan("Session.end", { captureStackTrace: false }))
  }

  // ---- provider features ------------------------------------------------------------------------------------------

  get sneakPeek(): (draft: string) => Effect.Effect<void, ChatError> {
    return (draft) => this.#feature("sneakPeek", (run) => run(draft))
  }

  get customEvent(): (type: string, data: string) => Effect.Effect<void, ChatError> {
    return (type, data) => this.#feature("customEvent", (run) => run(type, data))
  }

  get requestTranscript(): (email: string) => Effect.Effect<void, ChatError> {
    return (email) =>
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)
        ? this.#feature("requestTranscript", (run) => run(email))
        : Effect.fail(new InvalidInput({ field: "email", problem: "it is not an email address" }))
  }

  /** Runs an optional provider feature once an agent is connected, or says the provider has none. */
  #feature<K extends "sneakPeek" | "customEvent" | "requestTranscript">(
    name: K,
    use: (run: NonNullable<RemoteChat[K]>) => Effect.Effect<void, ChatError>
  ): Effect.Effect<void, ChatError> {
    const self = this
    return Effect.gen(function* () {
      if (self.#ended) return yield* self.#closed(name)
      yield* self.#untilConnected()
      const remote = self.#remote
      const run = remote?.[name]
      if (remote === undefined || run === undefined) {
        return yield* new InvalidInput({
          field: name,
          problem: `${self.provider} has no such feature (see capabilities)`
        })
      }
      // Bound: an adapter's chat may be a class whose features are methods.
      return yield* use(run.bind(remote) as NonNullable<RemoteChat[K]>)
    }).pipe(Effect.withSpan(`Session.${name}`, { captureStackTrace: false }))
  }

  get pollRate(): Effect.Effect<number> {
    return Effect.suspend(() => (this.#remote === undefined ? Effect.succeed(0) : this.#remote.pollRate))
  }
}

const defaults: SessionOptions = {}
const defaultGiveUpAfter = Duration.seconds(60)
const defaultHistory = 1000

/** What a late subscriber gets in place of the events the session no longer keeps. */
const missed = (count: number): ChatEvent => ({
  type: "discontinuity",
  reason: `${count} earlier event${count === 1 ? " is" : "s are"} no longer kept (the session's history)`
})

/** The session's finalizer (made out here, so that it keeps the session alone). */
const endOf = (session: ChatSession) => () => session.end

/**
 * Makes a session without starting it; it lives as long as the enclosing scope. Fails with `InvalidInput` for an
 * option that cannot work (a `history` that is not a whole number from 1).
 */
export const make = (
  request: StartRequest,
  options: SessionOptions = defaults
): Effect.Effect<ChatSession, InvalidInput, ChatProvider | Scope.Scope> =>
  Effect.gen(function* () {
    if (options.history !== undefined && !(Number.isSafeInteger(options.history) && options.history >= 1)) {
      return yield* new InvalidInput({ field: "history", problem: "must be a whole number from 1" })
    }
    const port = yield* ChatProvider
    const scope = yield* Effect.scope
    // Its own scope, not a child of `scope` (a child costs a second entry and finalizer in each): the session's
    // finalizer below closes it through `end`.
    const workers = yield* Scope.make()
    const session = new SessionImpl(port, request, options, scope, workers)
    // Not Effect.addFinalizer: that one keeps the fiber refs of this moment (the spans of the caller, a few KB) for
    // the session's whole life. The finalizer makes its effect when it runs: an idle session keeps one closure.
    yield* Scope.addFinalizerExit(scope, endOf(session))
    return session as ChatSession
  }).pipe(Effect.withSpan("Session.make", { captureStackTrace: false }))

/** Makes a session and starts it; the chat ends when the enclosing scope closes. */
export const open = (
  request: StartRequest,
  options?: SessionOptions
): Effect.Effect<ChatSession, ChatError, ChatProvider | Scope.Scope> =>
  make(request, options).pipe(Effect.tap((session) => session.start))

/**
 * Whether an agent can take a chat now, and the wait estimate where the provider gives one, asked of the provider
 * without starting a chat (where `capabilities.availability`: Salesforce `Visitor/Availability`, LivePerson
 * `chat/availability` and `chat/estimatedWaitTime`). `routing` asks about another button or skill than the
 * settings'. Fails with `InvalidInput` where the provider has no such call (LiveChat's visitor API v2).
 */
export const availability = (routing?: string): Effect.Effect<Availability, ChatError, ChatProvider> =>
  Effect.flatMap(ChatProvider, (port) =>
    port.availability === undefined
      ? Effect.fail(
          new InvalidInput({
            field: "availability",
            problem: `${port.name} has no availability call (see capabilities.availability)`
          })
        )
      : port.availability(routing)
  ).pipe(Effect.withSpan("Session.availability", { captureStackTrace: false }))
