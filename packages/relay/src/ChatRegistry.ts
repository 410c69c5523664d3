/**
 * The relay's chats: one core `Session` per visitor chat, each in its own `Scope` under the registry's scope, with
 * its visitor token (kept as a digest), its numbered event log, its rate limits and its idle timer.
 *
 * - A chat with no open event stream for `idleTimeout` is abandoned: it is ended at the provider.
 * - An ended chat stays readable for `retainEnded` (a reload shows how it ended), then is forgotten.
 * - Closing the registry (the relay's `close()`) ends every chat at the provider, in parallel.
 * - A visitor message is sent once per `clientMessageId`: a repeat (a retry after a lost answer) joins the first
 *   send instead of sending again, unless that one failed. A send answered `pending` reports how it ended in the
 *   chat's events (`message-status`).
 */
import { randomUUID } from "node:crypto"
import { type Capabilities, ChatProvider, type Errors, Session } from "@switchboard/core"
import {
  Cause,
  Clock,
  Context,
  Deferred,
  type Duration,
  Effect,
  ExecutionStrategy,
  Exit,
  Fiber,
  FiberId,
  Runtime,
  Scope,
  Stream,
  SubscriptionRef
} from "effect"
import * as EventLog from "./EventLog.ts"
import { fromChatError } from "./Http.ts"
import { bucket, keyed, type Rate } from "./RateLimit.ts"
import { forbidden, notFound, RelayError, rateLimited, unauthorized } from "./RelayError.ts"
import { chatIdPattern, digest, matches, newChatId, newToken, tokenPattern } from "./Token.ts"

/** The registry's settings, resolved (every default applied). */
export interface RegistrySettings {
  readonly idleTimeout: Duration.Duration
  readonly retainEnded: Duration.Duration
  readonly eventLogSize: number
  readonly maxChats: number
  readonly maxStreamsPerChat: number
  /** How long `send` waits for the provider before answering "pending" (the message still goes out). */
  readonly sendWait: Duration.Duration
  /** How long one availability answer (or failure) from the provider is reused. */
  readonly availabilityCache: Duration.Duration
  readonly rates: { readonly starts: Rate; readonly messages: Rate; readonly typing: Rate }
  readonly session: Session.SessionOptions
}

export class RegistryConfig extends Context.Tag("@switchboard/relay/RegistryConfig")<
  RegistryConfig,
  RegistrySettings
>() {}

/** The pre-chat form, validated. */
export interface StartInput {
  readonly name: string
  readonly email?: string
  readonly question: string
}

/** What the browser may know about its chat. */
export interface ChatSummary {
  readonly id: string
  readonly provider: Errors.ProviderName
  readonly capabilities: Capabilities.Capabilities
  readonly state: Session.ChatState
  /** The newest event's number. */
  readonly lastEventId: number
}

export interface Started {
  readonly chat: ChatSummary
  readonly token: string
}

/** One visitor message on its way, by its `clientMessageId`. */
interface Delivery {
  readonly text: string
  /** Completed with the send's outcome. */
  readonly done: Deferred.Deferred<void, Errors.ChatError>
  /** A request was answered `pending`: the outcome goes to the chat's events. */
  promised: boolean
  outcome?: Exit.Exit<void, Errors.ChatError>
  reported: boolean
}

/** Sends remembered per chat, for repeats of the same `clientMessageId` (retries come within seconds). */
const sendsKept = 256

interface Entry {
  readonly id: string
  readonly digest: Buffer
  readonly session: Session.ChatSession
  readonly scope: Scope.CloseableScope
  readonly log: EventLog.EventLog
  readonly messages: (now: number) => number
  readonly typing: (now: number) => number
  readonly sends: Map<string, Delivery>
  pump?: Fiber.RuntimeFiber<void>
  idle?: Fiber.RuntimeFiber<void>
  streams: number
}

/**
 * The outcome of asking for a chat's events. A `Stream` holds one of the chat's stream slots (and keeps the chat from
 * being abandoned) from then on: use `frames` or `follow`, once; the slot is freed when that stream ends or stops.
 */
export type Events =
  | {
      readonly _tag: "Stream"
      /** The events after the one asked for, then live ones, completing after `ended`. */
      readonly frames: Stream.Stream<EventLog.Frame>
      /** The same as plain callbacks (no fiber: the relay's SSE path); returns a function that stops it. */
      readonly follow: (follower: EventLog.Follower) => () => void
    }
  /** The chat has ended and the client has seen every event: nothing more will come (SSE: 204). */
  | { readonly _tag: "Done" }

const make = Effect.gen(function* () {
  const settings = yield* RegistryConfig
  const provider = yield* ChatProvider.ChatProvider
  const scope = yield* Effect.scope
  const runtime = yield* Effect.runtime<never>()
  // Every chat's scope hangs under this one, closed in parallel (each end may wait for its provider).
  const chatsScope = yield* Scope.fork(scope, ExecutionStrategy.parallel)
  const chats = new Map<string, Entry>()
  const starts = keyed(settings.rates.starts)
  // One provider call per `availabilityCache`, whatever the number of page views; callers at once share it.
  const askAvailability =
    provider.availability === undefined
      ? undefined
      : yield* Effect.cachedWithTTL(provider.availability(), settings.availabilityCache)

  const limit = (take: (now: number) => number, what: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const wait = take(now)
      return wait === 0 ? Effect.void : Effect.fail(rateLimited(what, wait))
    })

  /** Forgets a chat: closes its live streams and its scope (which ends it at the provider if still open). */
  const forget = (entry: Entry) =>
    Effect.suspend(() => {
      if (chats.get(entry.id) === entry) chats.delete(entry.id)
      return entry.log.close.pipe(Effect.zipRight(Scope.close(entry.scope, Exit.void)))
    })

  /** Ends the chat at the provider and waits (briefly) until `ended` is in its log. */
  const stop = (entry: Entry) =>
    entry.session.end.pipe(
      Effect.zipRight(
        entry.pump === undefined ? Effect.void : Effect.ignore(Effect.timeout(Fiber.await(entry.pump), "2 seconds"))
      )
    )

  const disarm = (entry: Entry) =>
    Effect.suspend(() => {
      const idle = entry.idle
      delete entry.idle
      return idle === undefined ? Effect.void : Fiber.interruptFork(idle) // a sleeping timer: no need to wait for it
    })

  /** Starts the abandonment timer, unless it runs already or the chat has ended. */
  const arm = (entry: Entry) =>
    Effect.suspend(() => {
      if (entry.idle !== undefined || entry.log.ended()) return Effect.void
      return Effect.sleep(settings.idleTimeout).pipe(
        Effect.zipRight(Effect.logInfo("relay: ending an abandoned chat (no event stream)")),
        Effect.zipRight(stop(entry)),
        Effect.annotateLogs({ chat: entry.id }),
        // `arm` also runs when a stream closes, in its (uninterruptible) release: the timer itself must stay stoppable.
        Effect.interruptible,
        Effect.forkIn(scope),
        Effect.tap((fiber) =>
          Effect.sync(() => {
            entry.idle = fiber
          })
        ),
        Effect.asVoid
      )
    })

  const start = (input: StartInput, client: string) =>
    Effect.gen(function* () {
      yield* limit((now) => starts(client, now), "new chats from this address")
      if (chats.size >= settings.maxChats) {
        return yield* new RelayError({
          status: 503,
          code: "capacity",
          message: "The chat service is at capacity; try again in a minute.",
          retryAfterSeconds: 30
        })
      }
      const chatScope = yield* Scope.fork(chatsScope, ExecutionStrategy.sequential)
      const request = {
        visitorName: input.name,
        firstMessage: input.question,
        ...(input.email === undefined ? {} : { email: input.email, prechat: { Email: input.email } })
      }
      const session = yield* Session.open(request, settings.session).pipe(
        Effect.provideService(ChatProvider.ChatProvider, provider),
        Scope.extend(chatScope),
        Effect.onError((cause) => Scope.close(chatScope, Exit.failCause(cause)))
      )
      const now = yield* Clock.currentTimeMillis
      let id = newChatId()
      while (chats.has(id)) id = newChatId()
      const token = newToken()
      const entry: Entry = {
        id,
        digest: digest(token),
        session,
        scope: chatScope,
        log: yield* EventLog.make(settings.eventLogSize),
        messages: bucket(settings.rates.messages, now).take,
        typing: bucket(settings.rates.typing, now).take,
        sends: new Map(),
        streams: 0
      }
      chats.set(id, entry)
      // The pump numbers the session's events into the log; after `ended`, the chat is kept a while, then forgotten.
      entry.pump = yield* session.events.pipe(
        Stream.runForEach(entry.log.append),
        Effect.zipRight(disarm(entry)),
        Effect.zipRight(
          Effect.sleep(settings.retainEnded).pipe(
            Effect.zipRight(forget(entry)),
            Effect.interruptible,
            Effect.forkIn(scope),
            Effect.asVoid
          )
        ),
        Effect.forkIn(chatScope)
      )
      yield* arm(entry)
      yield* Effect.logInfo("relay: chat started").pipe(Effect.annotateLogs({ chat: id, provider: provider.name }))
      return { chat: yield* summary(entry), token } satisfies Started
    })

  const summary = (entry: Entry) =>
    Effect.map(
      SubscriptionRef.get(entry.session.state),
      (state): ChatSummary => ({
        id: entry.id,
        provider: entry.session.provider,
        capabilities: entry.session.capabilities,
        state,
        lastEventId: entry.log.lastId()
      })
    )

  /** The chat, if this token is its own: 401 without a token, 404 for an unknown chat, 403 for another's token. */
  const lookup = (id: string, token: string | undefined): Entry | RelayError => {
    if (token === undefined || token === "") return unauthorized()
    const entry = chatIdPattern.test(id) ? chats.get(id) : undefined
    if (entry === undefined) return notFound(id)
    if (!tokenPattern.test(token) || !matches(entry.digest, token)) return forbidden()
    return entry
  }

  const authorize = (id: string, token: string | undefined) =>
    Effect.suspend(() => {
      const found = lookup(id, token)
      return found instanceof RelayError ? Effect.fail(found) : Effect.succeed(found)
    })

  /**
   * A chat's events after `after`, as plain code: no fiber, nothing to wait for (a storm of reconnects runs it a
   * thousand times at once). The stream's slot is taken in the same step as the check, so streams opened at once
   * cannot overshoot it.
   */
  const openEvents = (id: string, token: string | undefined, after: number): Events | RelayError => {
    const entry = lookup(id, token)
    if (entry instanceof RelayError) return entry
    if (entry.log.ended() && after >= entry.log.lastId()) return { _tag: "Done" }
    if (entry.streams >= settings.maxStreamsPerChat) {
      return new RelayError({
        status: 429,
        code: "too_many_streams",
        message: `This chat already has ${settings.maxStreamsPerChat} open event streams.`,
        retryAfterSeconds: 5
      })
    }
    entry.streams += 1
    entry.idle?.unsafeInterruptAsFork(FiberId.none) // a sleeping timer: no need to wait for it
    delete entry.idle
    let used = false
    const follow = (follower: EventLog.Follower) => {
      if (used) throw new Error("a chat's event stream is followed once")
      used = true
      const unfollow = entry.log.follow(after, follower)
      let stopped = false
      return () => {
        if (stopped) return
        stopped = true
        unfollow()
        entry.streams -= 1
        if (entry.streams === 0) Runtime.runFork(runtime)(arm(entry))
      }
    }
    return {
      _tag: "Stream",
      follow,
      get frames() {
        // Made when asked for: the relay's own SSE path uses `follow` and never pays for it.
        return Stream.asyncScoped<EventLog.Frame>(
          (emit) =>
            Effect.acquireRelease(
              Effect.sync(() =>
                follow({
                  push: (frame) => {
                    emit.single(frame)
                  },
                  end: () => {
                    emit.end()
                  }
                })
              ),
              (stop) => Effect.sync(stop)
            ),
          "unbounded"
        )
      }
    }
  }

  /** Tells the page how a send it was told is `pending` ended, once (and nothing of one it saw end). */
  const report = (entry: Entry, clientMessageId: string, delivery: Delivery) =>
    Effect.suspend(() => {
      const outcome = delivery.outcome
      if (!delivery.promised || outcome === undefined || delivery.reported) return Effect.void
      delivery.reported = true
      if (Exit.isSuccess(outcome)) {
        return entry.log.append({ type: "message-status", clientMessageId, status: "delivered" })
      }
      const failure = Cause.failureOption(outcome.cause)
      if (failure._tag === "None") return Effect.void // interrupted: the chat is being closed, and says so
      const { code, message } = fromChatError(failure.value)
      return entry.log.append({ type: "message-status", clientMessageId, status: "failed", error: { code, message } })
    })

  /** Starts sending a visitor message in the chat's scope (it outlives the request that asked for it). */
  const deliver = (entry: Entry, clientMessageId: string, text: string) =>
    Effect.gen(function* () {
      const delivery: Delivery = {
        text,
        done: yield* Deferred.make<void, Errors.ChatError>(),
        promised: false,
        reported: false
      }
      yield* entry.session.send(text).pipe(
        Effect.tapError((error) => Effect.logWarning("relay: a visitor message was not delivered", error.message)),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            delivery.outcome = exit
            return Deferred.done(delivery.done, exit).pipe(Effect.zipRight(report(entry, clientMessageId, delivery)))
          })
        ),
        Effect.forkIn(entry.scope)
      )
      entry.sends.delete(clientMessageId) // a failed one being sent again: newest last
      entry.sends.set(clientMessageId, delivery)
      for (const kept of entry.sends.keys()) {
        if (entry.sends.size <= sendsKept) break
        entry.sends.delete(kept)
      }
      return delivery
    })

  const failed = (delivery: Delivery) => delivery.outcome !== undefined && Exit.isFailure(delivery.outcome)

  const ensureOpen = (entry: Entry) =>
    entry.log.ended()
      ? Effect.fail(new RelayError({ status: 409, code: "chat_ended", message: "This chat has ended." }))
      : Effect.void

  /**
   * Whether an agent can take a chat now (the settings' routing), from the provider at most once per
   * `availabilityCache`; 501 `availability_unsupported` where the provider has no such call (LiveChat v2).
   */
  const availability: Effect.Effect<ChatProvider.Availability, Errors.ChatError | RelayError> =
    askAvailability ??
    new RelayError({
      status: 501,
      code: "availability_unsupported",
      message: `${provider.title} cannot tell whether an agent is available before a chat starts.`
    })

  return {
    start,

    availability,

    info: (id: string, token: string | undefined) => Effect.flatMap(authorize(id, token), summary),

    /**
     * "delivered" once the provider accepted it; "pending" when it is still waiting (for an agent, say), and then a
     * `message-status` event says how it ended. The same `clientMessageId` again joins that send rather than
     * sending twice, unless it failed (then it is sent again); with other text it is refused.
     */
    send: (id: string, token: string | undefined, text: string, clientMessageId: string = randomUUID()) =>
      Effect.gen(function* () {
        const entry = yield* authorize(id, token)
        let delivery = entry.sends.get(clientMessageId)
        if (delivery !== undefined && delivery.text !== text) {
          return yield* new RelayError({
            status: 409,
            code: "message_id_reused",
            message: "This clientMessageId was sent with another text; give each message its own."
          })
        }
        if (delivery === undefined || failed(delivery)) {
          yield* ensureOpen(entry)
          yield* limit(entry.messages, "messages")
          delivery = yield* deliver(entry, clientMessageId, text)
        }
        const joined = delivery
        const status = yield* Deferred.await(joined.done).pipe(
          Effect.timeoutTo({
            duration: settings.sendWait,
            onSuccess: () => "delivered" as const,
            onTimeout: () => "pending" as const
          })
        )
        if (status === "pending") {
          joined.promised = true
          yield* report(entry, clientMessageId, joined) // in case it ended as the wait ran out
        }
        return { status, clientMessageId }
      }),

    typing: (id: string, token: string | undefined, on: boolean) =>
      Effect.gen(function* () {
        const entry = yield* authorize(id, token)
        yield* ensureOpen(entry)
        yield* limit(entry.typing, "typing updates")
        yield* entry.session.typing(on)
      }),

    end: (id: string, token: string | undefined) =>
      Effect.gen(function* () {
        const entry = yield* authorize(id, token)
        yield* stop(entry)
        return yield* summary(entry)
      }),

    /** The chat's events after `after`, live; the stream holds the chat open (no abandonment while it runs). */
    events: (id: string, token: string | undefined, after: number) =>
      Effect.suspend(() => {
        const opened = openEvents(id, token, after)
        return opened instanceof RelayError ? Effect.fail(opened) : Effect.succeed(opened)
      }),

    /** `events` as plain code, for a server's hot path: the events, or the refusal. */
    openEvents,

    /** Chats held now (ended ones included until forgotten). */
    size: () => chats.size,

    /** Ends every chat at the provider (also what closing the registry does). */
    endAll: Effect.suspend(() =>
      Effect.forEach([...chats.values()], (entry) => Effect.zipRight(stop(entry), forget(entry)), {
        concurrency: "unbounded",
        discard: true
      })
    )
  }
})

/** The relay's chats (one per visitor); its scope is the relay's lifetime. */
export class ChatRegistry extends Effect.Service<ChatRegistry>()("@switchboard/relay/ChatRegistry", {
  scoped: Effect.tap(make, (registry) => Effect.addFinalizer(() => registry.endAll))
}) {}
