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
  Deferred,
  type Duration,
  Effect,
  ExecutionStrategy,
  Exit,
  type Fiber,
  FiberId,
  Scope,
  type Stream,
  SubscriptionRef
} from "effect"
import type { Capabilities } from "./Capabilities.ts"
import type { Agent, ChatEvent, ChatEventOf } from "./ChatEvent.ts"
import { ChatProvider, type RemoteChat, type StartRequest } from "./ChatProvider.ts"
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
}

export interface SessionOptions {
  /** Fewest time between two typing requests; default 2 s. */
  readonly typingSpacing?: Duration.DurationInput
  /** "Typing" stops by itself after this long without a keystroke; default 5 s. */
  readonly typingIdle?: Duration.DurationInput
  /** Longest time ending may take (stopping the pollers and the provider's end call); default 10 s. */
  readonly endTimeout?: Duration.DurationInput
  /** Longest visitor message accepted, in characters; default 10,000. */
  readonly maxMessageLength?: number
}

export interface ChatSession {
  readonly provider: ProviderName
  readonly capabilities: Capabilities
  /** Requests the chat. Single-flight: concurrent or repeated calls share one request at the provider. */
  readonly start: Effect.Effect<void, ChatError>
  /** Every event from the start (replayed to late subscribers), completing after `ended`. */
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
      return {
        status: "queued",
        ...(event.position === undefined ? {} : { position: event.position }),
        ...(event.estimatedWaitSeconds === undefined ? {} : { estimatedWaitSeconds: event.estimatedWaitSeconds })
      }
    case "connected":
    case "transferred":
      return { status: "connected", agent: event.agent }
    case "agent-left":
      return { status: state.status }
    case "ended":
      return { ...state, status: "ended", ended: event }
    default:
      return state
  }
}

interface Pending {
  readonly id: string
  readonly text: string
  readonly done: Deferred.Deferred<void, ChatError>
}

/** Makes a session without starting it; it lives as long as the enclosing scope. */
export const make = Effect.fn("Session.make")(function* (request: StartRequest, options: SessionOptions = {}) {
  const provider = yield* ChatProvider
  const scope = yield* Effect.scope
  const maxLength = options.maxMessageLength ?? 10_000
  // An idle session should cost little (bench/: 10,000 sessions in one process): the events are a plain log, the
  // state a plain value until somebody asks for its SubscriptionRef, and gates stand in for Deferreds.
  const log = new EventLog<ChatEvent>((event) => event.type === "ended")
  let current: ChatState = { status: "idle" }
  let stateRef: SubscriptionRef.SubscriptionRef<ChatState> | undefined
  /** Opens when an agent connects, or when the chat ends before one did. */
  const agentGate = new Gate()
  let agentConnected = false
  let remote: RemoteChat | undefined
  // Pollers, the sender and the typing timers: closed first when the session ends.
  const workers = yield* Scope.fork(scope, ExecutionStrategy.sequential)
  const closed = (operation: string) => new ChatClosed({ provider: provider.name, operation })
  let ended = false
  let closing = false // set by `end`: a start that has not begun yet must not begin
  let sent = 0

  const emit = (event: ChatEvent): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (ended) return Effect.void
      if (event.type === "ended") ended = true
      if (event.type === "connected") agentConnected = true
      current = reduce(current, event)
      log.append(event)
      if (event.type === "connected" || event.type === "ended") agentGate.open()
      // The newest state whenever this runs: emits from two fibers cannot leave an older one last.
      return stateRef === undefined ? Effect.void : Effect.suspend(() => SubscriptionRef.set(stateRef!, current))
    })

  /** Waits for an agent; fails with ChatClosed when the chat ended without one. */
  const untilConnected = Effect.zipRight(
    agentGate.await,
    Effect.suspend(() => (agentConnected ? Effect.void : Effect.fail(closed("send"))))
  )

  // Visitor messages wait here, in order, for the sender fiber (started with the first of them).
  const outbox: Array<Pending> = []
  let outboxFilled: Gate | undefined
  const deliver = (chat: RemoteChat) =>
    Effect.forever(
      Effect.gen(function* () {
        const item = outbox.shift()
        if (item === undefined) {
          outboxFilled = new Gate()
          return yield* outboxFilled.await
        }
        const exit = yield* untilConnected.pipe(
          Effect.zipRight(chat.send({ id: item.id, text: item.text })),
          Effect.exit
        )
        yield* Deferred.done(item.done, exit)
      })
    )

  // The typing debouncer (two fibers) starts on first use: most chats never call `typing`.
  let typingReady: Deferred.Deferred<(on: boolean) => Effect.Effect<void>> | undefined
  const typing = (on: boolean): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (typingReady !== undefined) return Effect.flatMap(Deferred.await(typingReady), (set) => set(on))
      const ready = Deferred.unsafeMake<(on: boolean) => Effect.Effect<void>>(FiberId.none)
      typingReady = ready
      // Uninterruptible (it only forks two fibers): an interrupted first call must not leave `ready` empty.
      return makeTyping(
        (on) =>
          remote === undefined
            ? Effect.void
            : remote
                .typing(on)
                .pipe(Effect.catchAll((error) => Effect.logDebug("visitor typing was not delivered", error.message))),
        untilConnected,
        { spacing: options.typingSpacing ?? "2 seconds", idle: options.typingIdle ?? "5 seconds" }
      ).pipe(
        Scope.extend(workers),
        Effect.tap((set) => Deferred.succeed(ready, set)),
        Effect.uninterruptible,
        Effect.flatMap((set) => set(on))
      )
    })

  // The sender fiber starts with the first message once the chat exists (an idle session has none).
  let delivering = false
  const startDelivery = Effect.suspend(() => {
    if (delivering || remote === undefined) return Effect.void
    delivering = true
    return Effect.asVoid(Effect.forkIn(Effect.interruptible(deliver(remote)), workers))
  })

  const enqueue = (text: string) =>
    Effect.gen(function* () {
      sent += 1
      const done = yield* Deferred.make<void, ChatError>()
      outbox.push({ id: `visitor-${sent}`, text, done })
      const filled = outboxFilled
      outboxFilled = undefined
      filled?.open()
      yield* startDelivery
      return done
    })

  // Built when the start runs (like `doEnd` when the end runs): an idle session keeps neither.
  const doStart = () =>
    Effect.gen(function* () {
      if (ended || closing) return yield* closed("start")
      current = { ...current, status: "starting" }
      if (stateRef !== undefined) yield* SubscriptionRef.set(stateRef, current)
      const chat = yield* provider.start(request, emit).pipe(Scope.extend(workers))
      remote = chat
      if (outbox.length > 0) yield* startDelivery
      const first = request.firstMessage?.trim()
      if (first && provider.name !== "livechat") {
        const done = yield* enqueue(first)
        yield* Effect.forkIn(
          Deferred.await(done).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning("the visitor's first message was not delivered", error.message)
            )
          ),
          workers
        )
      }
    }).pipe(
      Effect.tapError((error) =>
        emit({
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

  // The start runs in its own fiber (recorded as it is forked), so `end` can interrupt it half-way. Single-flight:
  // the first call forks it, every call waits for its outcome. Once it is over only its Exit is kept.
  let startFiber: Fiber.RuntimeFiber<void, ChatError> | undefined
  let startExit: Exit.Exit<void, ChatError> | undefined
  let startDone: Gate | undefined
  const startOutcome = (gate: Gate) =>
    Effect.zipRight(
      gate.await,
      Effect.suspend(() => startExit as Exit.Exit<void, ChatError>)
    )
  const start: Effect.Effect<void, ChatError> = Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      if (startExit !== undefined) return startExit
      if (startDone !== undefined) return restore(startOutcome(startDone))
      const done = new Gate()
      startDone = done
      // `restore`: the start fiber (and the poller it forks) is as interruptible as the caller, not masked.
      return Effect.forkIn(restore(doStart()), scope).pipe(
        Effect.flatMap((fiber) =>
          Effect.sync(() => {
            startFiber = fiber
            fiber.addObserver((exit) => {
              startFiber = undefined
              startExit = exit
              startDone = undefined
              done.open()
            })
          })
        ),
        Effect.zipRight(restore(startOutcome(done)))
      )
    })
  )

  /** Stops the start, the pollers and the timers, then ends the chat at the provider. */
  const closeAll = Effect.gen(function* () {
    const pending = startFiber
    if (pending !== undefined) yield* pending.interruptAsFork(pending.id())
    if (pending !== undefined) yield* pending.await
    yield* Scope.close(workers, Exit.void)
    if (remote !== undefined) yield* remote.end
  })

  const doEnd = () =>
    Effect.gen(function* () {
      closing = true
      // Bounded even when the provider stops answering, and even from a finalizer (an uninterruptible region): the
      // closing runs interruptible and disconnected, so the timeout returns on time; an end request still in flight
      // finishes in the background.
      yield* closeAll.pipe(
        Effect.interruptible,
        Effect.disconnect,
        Effect.timeout(options.endTimeout ?? "10 seconds"),
        Effect.catchAll(() => Effect.logWarning("the chat's end was not confirmed by the provider in time")),
        Effect.catchAllDefect((defect) => Effect.logWarning("ending the chat failed", defect))
      )
      yield* emit({ type: "ended", by: "visitor", reason: "visitor" })
      for (const item of outbox.splice(0)) yield* Deferred.fail(item.done, closed("send"))
    }).pipe(Effect.withSpan("Session.end"))
  // Single-flight, as `Effect.cached(doEnd)` was: the first call runs it, every call waits for its outcome.
  let endOutcome: Deferred.Deferred<void> | undefined
  const end: Effect.Effect<void> = Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      if (endOutcome !== undefined) return restore(Deferred.await(endOutcome))
      const outcome = Deferred.unsafeMake<void>(FiberId.none)
      endOutcome = outcome
      return Effect.zipRight(Effect.intoDeferred(restore(doEnd()), outcome), restore(Deferred.await(outcome)))
    })
  )
  // Scope.addFinalizer, not Effect.addFinalizer: that one keeps the fiber refs of this moment (the spans of the
  // caller, a few KB) for the session's whole life.
  yield* Scope.addFinalizer(scope, end)

  /** Runs an optional provider feature once an agent is connected, or says the provider has none. */
  const feature = <K extends "sneakPeek" | "customEvent" | "requestTranscript">(
    name: K,
    use: (run: NonNullable<RemoteChat[K]>) => Effect.Effect<void, ChatError>
  ): Effect.Effect<void, ChatError> =>
    Effect.gen(function* () {
      if (ended) return yield* closed(name)
      yield* untilConnected
      const run = remote?.[name]
      if (run === undefined) {
        return yield* new InvalidInput({
          field: name,
          problem: `${provider.name} has no such feature (see capabilities)`
        })
      }
      return yield* use(run as NonNullable<RemoteChat[K]>)
    }).pipe(Effect.withSpan(`Session.${name}`))

  const session: ChatSession = {
    provider: provider.name,
    capabilities: provider.capabilities,
    start,
    // Built per use: an idle session keeps no stream.
    get events() {
      return log.stream
    },
    // Made on first use, with the state of that moment; every later change is set on it.
    get state() {
      stateRef ??= Effect.runSync(SubscriptionRef.make(current))
      return stateRef
    },
    send: (text) =>
      Effect.suspend(() => {
        if (text.trim() === "") return Effect.fail(new InvalidInput({ field: "message", problem: "it is empty" }))
        if (text.length > maxLength) {
          return Effect.fail(
            new InvalidInput({ field: "message", problem: `it is longer than ${maxLength} characters` })
          )
        }
        if (ended) return Effect.fail(closed("send"))
        return enqueue(text).pipe(Effect.flatMap(Deferred.await))
      }).pipe(Effect.withSpan("Session.send")),
    typing: (on) => (ended ? Effect.void : typing(on)),
    end,
    sneakPeek: (draft) => feature("sneakPeek", (run) => run(draft)),
    customEvent: (type, data) => feature("customEvent", (run) => run(type, data)),
    requestTranscript: (email) =>
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)
        ? feature("requestTranscript", (run) => run(email))
        : Effect.fail(new InvalidInput({ field: "email", problem: "it is not an email address" })),
    pollRate: Effect.suspend(() => (remote === undefined ? Effect.succeed(0) : remote.pollRate))
  }
  return session
})

/** Makes a session and starts it; the chat ends when the enclosing scope closes. */
export const open = (
  request: StartRequest,
  options?: SessionOptions
): Effect.Effect<ChatSession, ChatError, ChatProvider | Scope.Scope> =>
  make(request, options).pipe(Effect.tap((session) => session.start))
