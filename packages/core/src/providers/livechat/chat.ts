/**
 * One LiveChat chat once it exists at the provider: its poller's view of the log, its sends and its close.
 *
 * A class, not a closure per operation: a gateway keeps thousands of idle chats in one process, and every object
 * an idle chat holds is live heap the garbage collector marks again and again (bench/: 10,000 sessions). What all
 * chats of an adapter share (client, settings, clock) is one `LiveChatShared`; a chat holds its own state only,
 * and builds the effects of a poll when the poll runs.
 */
import type { LiveChatClient } from "@switchboard/client-livechat"
import { type Clock, Duration, Effect, Option, type Schedule } from "effect"
import type { ChatEvent } from "../../ChatEvent.ts"
import type { Emit, Health, OutgoingMessage, RemoteChat } from "../../ChatProvider.ts"
import type { ChatError, ProtocolError, ProviderUnavailable } from "../../Errors.ts"
import { failedPause, over, type PollOutcome } from "../../internal/cadence.ts"
import { type Answer, answered, CallFailure, call, describeFailure, unanswered } from "../../internal/call.ts"
import { PollRate } from "../../internal/pollRate.ts"
import type { AnswerSink, Polling, PollScheduler, RequestPollable } from "../../internal/pollScheduler.ts"
import { forEnding, type RetryPolicy, retryTransient, untilDeadline, withinBudget } from "../../Retry.ts"
import { decodeKnown, type PollTarget, pendingOf, type RawEvent, readPending, requestPending } from "./wire.ts"

const provider = "livechat" as const
const noStackTrace = { captureStackTrace: false } as const
const overNow = Effect.succeed(over)
const operation = "get_pending_messages"

/** What every chat of one adapter uses. */
export interface LiveChatShared {
  readonly client: LiveChatClient
  readonly licenceId: number
  readonly retry: RetryPolicy | undefined
  /** LiveChat closes a chat not polled for this long (ms). */
  readonly keepAlive: number
  /**
   * Polls that keep failing end the chat once this long passed since the last good answer (ms): the keep-alive less
   * one retry pause, so the chat ends before LiveChat's own deadline could pass unseen.
   */
  readonly giveUpAfter: number
  /** The outcome of a poll that found nothing new (its ceiling is the adapter's), made once. */
  readonly quiet: Effect.Effect<PollOutcome>
  readonly ceiling: number
  /** The pause between polls of an ordinary chat (the backoff after failures tops out there). */
  readonly normal: number
  readonly clock: Clock.Clock
  /** Maps a failure that retries cannot fix to the error a person can act on. */
  readonly refused: (failure: CallFailure | ProviderUnavailable) => ChatError
}

/**
 * The visitor's messages sent through `send_message`, counted in a whole log: the visitor messages after the first
 * `agent_details`. The session sends only once an agent has joined, while the welcome message belongs to the start,
 * before any agent: whether a server echoes it (reference §3.3, §3.7 leave it open) then changes nothing.
 */
const sentInLog = (events: ReadonlyArray<RawEvent>): number => {
  let agentJoined = false
  let sent = 0
  for (const raw of events) {
    const known = decodeKnown(raw)
    if (Option.isNone(known)) continue
    if (known.value.type === "agent_details") agentJoined = true
    else if (agentJoined && known.value.type === "message" && known.value.user_type === "visitor") sent += 1
  }
  return sent
}

export class LiveChatChat implements RemoteChat, PollTarget, RequestPollable<PollOutcome> {
  readonly visitorId: string
  readonly #shared: LiveChatShared
  readonly #emit: Emit
  readonly #health: Health
  /** The secured_session_id: a private field, so it is in no log, inspection or serialization of the chat. */
  readonly #secret: string
  readonly #rate = new PollRate(provider)
  /** The last event id applied: the `last_message_id` of the next poll. */
  #cursor: number | undefined = undefined
  /** Messages this chat has sent and seen accepted, for the echo check of `send` (see `sentInLog`). */
  #delivered = 0
  #agent: string | undefined = undefined
  /** Set while the answer being applied shows the agent at work. */
  #agentActive = false
  /** The chat is over at the provider (closed by either side): no more polls, no close request. */
  #closedAtProvider = false
  #lastSuccess: number
  /** Failed polls in a row. */
  #failures = 0
  /** The welcome message, until the first page showed whether LiveChat echoes it (see `#apply`). */
  #welcome: string | undefined
  #polling: Polling | undefined = undefined

  constructor(
    shared: LiveChatShared,
    visitorId: string,
    securedSessionId: string,
    welcome: string,
    emit: Emit,
    health: Health
  ) {
    this.#shared = shared
    this.#health = health
    this.#welcome = welcome
    this.visitorId = visitorId
    this.#secret = securedSessionId
    this.#emit = emit
    this.#lastSuccess = shared.clock.unsafeCurrentTimeMillis()
  }

  get licenceId(): number {
    return this.#shared.licenceId
  }

  secret(): string {
    return this.#secret
  }

  #auth() {
    return { licence_id: this.#shared.licenceId, secured_session_id: this.#secret }
  }

  #path() {
    return { path: { visitor_id: this.visitorId } }
  }

  // ---- polling ----------------------------------------------------------------------------------------------------

  /** Starts polling on the adapter's driver, until the cadence says the chat is over or `close`. */
  pollWith(polls: PollScheduler, cadence: Schedule.Schedule<unknown, PollOutcome>): Effect.Effect<void> {
    return Effect.sync(() => {
      this.#polling ??= polls.add(this, cadence)
    })
  }

  /** Stops the polling (interrupting a poll in flight), then ends the chat at LiveChat: the chat's finalizer. */
  get close(): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.#polling === undefined ? this.end : Effect.zipRight(this.#polling.close(), this.end)
    )
  }

  /**
   * One poll, started by the adapter's poll driver (outside any fiber) whenever the cadence says; the effect it
   * answers with applies the answer on the driver's fiber. Failed polls (no answer, 5xx, an unreadable answer) are
   * polled again soon, within the keep-alive budget, and end the chat when it runs out; a session the provider no
   * longer knows ends the chat. An empty page, the usual answer, allocates nothing beyond the request.
   */
  startPoll(to: AnswerSink<PollOutcome>): void {
    if (this.#closedAtProvider) {
      to.answer(overNow)
      return
    }
    this.#rate.add(this.#shared.clock.unsafeCurrentTimeMillis())
    let request: ReturnType<typeof requestPending>
    try {
      request = requestPending(this.#shared.client, this, this.#cursor)
    } catch (cause) {
      // A request that could not even be made is a failed poll, polled again like one (as `Effect.tryPromise` did).
      to.answer(this.#outcome(unanswered(operation, cause)))
      return
    }
    request.then(
      (result) => to.answer(this.#outcome(answered(operation, result))),
      (cause) => to.answer(this.#outcome(unanswered(operation, cause)))
    )
  }

  /** What a poll's answer comes to (never throws: the poller must not die in a promise callback). */
  #outcome(answer: Answer<unknown> | CallFailure): Effect.Effect<PollOutcome> {
    try {
      const events = answer instanceof CallFailure ? answer : pendingOf(answer)
      if (!Array.isArray(events)) return this.#guarded(this.#failed(events))
      return events.length === 0 ? this.#answered(events) : this.#guarded(this.#answered(events))
    } catch (defect) {
      return this.#crashed(defect)
    }
  }

  #guarded(apply: Effect.Effect<PollOutcome>): Effect.Effect<PollOutcome> {
    return Effect.catchAllDefect(apply, (defect) => this.#crashed(defect))
  }

  #answered(events: ReadonlyArray<RawEvent>): Effect.Effect<PollOutcome> {
    this.#lastSuccess = this.#shared.clock.unsafeCurrentTimeMillis()
    if (this.#failures > 0) {
      this.#failures = 0
      return Effect.zipRight(this.#health.reachable(), this.#answered(events))
    }
    if (events.length === 0) return this.#shared.quiet
    this.#agentActive = false
    const before = this.#cursor // a page of repeated deliveries is no news
    return Effect.map(
      this.#apply(events),
      (): PollOutcome =>
        this.#closedAtProvider
          ? over
          : {
              _tag: "Answered",
              news: this.#cursor !== before,
              agentActive: this.#agentActive,
              ceiling: this.#shared.ceiling
            }
    )
  }

  /**
   * Applies one successful answer: new events in log order. The welcome message opens the chat as the visitor's
   * first line; a server that does not echo it (reference §3.3, §3.7 leave it open) gets it shown all the same,
   * before the first event it sends.
   */
  #apply(events: ReadonlyArray<RawEvent>): Effect.Effect<void> {
    const self = this
    return Effect.gen(function* () {
      const welcome = self.#welcome
      if (welcome !== undefined) {
        self.#welcome = undefined
        const first = events[0] === undefined ? undefined : Option.getOrUndefined(decodeKnown(events[0]))
        if (first?.type !== "message" || first.user_type !== "visitor" || first.text !== welcome) {
          const at = self.#shared.clock.unsafeCurrentTimeMillis()
          yield* self.#emit({ type: "message", id: "lc-welcome", from: "visitor", text: welcome, at })
        }
      }
      for (const raw of events) {
        if (self.#cursor !== undefined && raw.message_id <= self.#cursor) continue // a repeated delivery
        self.#cursor = raw.message_id
        for (const event of self.#toEvents(raw)) yield* self.#emit(event)
      }
    })
  }

  #toEvents(raw: RawEvent): Array<ChatEvent> {
    const known = decodeKnown(raw)
    if (Option.isNone(known)) return [{ type: "unknown", raw }]
    const event = known.value
    switch (event.type) {
      case "agent_details": {
        this.#agentActive = true
        const previous = this.#agent
        this.#agent = event.agent.name
        if (previous === undefined) return [{ type: "connected", agent: { name: event.agent.name } }]
        return previous === event.agent.name ? [] : [{ type: "transferred", agent: { name: event.agent.name } }]
      }
      case "message":
        if (event.user_type === "agent") this.#agentActive = true
        return [
          {
            type: "message",
            id: `lc-${event.message_id}`,
            from: event.user_type,
            text: event.text,
            at: event.timestamp * 1000
          }
        ]
      case "chat_closed":
        this.#closedAtProvider = true
        return [{ type: "ended", by: "agent", reason: "agent" }]
    }
  }

  #failed(failure: CallFailure | ProtocolError): Effect.Effect<PollOutcome> {
    const { ceiling, giveUpAfter, refused } = this.#shared
    if (failure._tag === "CallFailure" && !failure.retryable && failure.malformed === undefined) {
      const error = refused(failure)
      return Effect.as(
        this.#emit({
          type: "ended",
          by: "provider",
          reason: error._tag === "SessionExpired" ? "timeout" : "error",
          detail: error.message
        }),
        over
      )
    }
    // No answer, a 5xx or 429, or an answer that cannot be read: polled again soon, until LiveChat's keep-alive
    // deadline is too close for a good poll to still keep the chat; then the chat is over for us, and the session
    // closes it at LiveChat.
    const silence = this.#shared.clock.unsafeCurrentTimeMillis() - this.#lastSuccess
    const why = describeFailure(failure)
    if (silence >= giveUpAfter) {
      return Effect.as(
        this.#emit({
          type: "ended",
          by: "provider",
          reason: "error",
          detail: `LiveChat gave no usable answer to polls for ${Math.round(silence / 1000)} s (${why})`
        }),
        over
      )
    }
    const retryAfter = failure._tag === "CallFailure" && failure.retryAfter ? Duration.toMillis(failure.retryAfter) : 0
    this.#failures += 1
    const pause = Math.min(failedPause(this.#failures, retryAfter, this.#shared.normal), ceiling)
    // The session hears of it, and may shorten the pause to its give-up budget, or have given up (the chat is over).
    return Effect.map(this.#health.unreachable(why, pause), (wait) =>
      wait === undefined
        ? over
        : ({ _tag: "Failed", retryAfter, ceiling: Math.min(ceiling, wait) } satisfies PollOutcome)
    )
  }

  #crashed(defect: unknown): Effect.Effect<PollOutcome> {
    return Effect.logError("the LiveChat poller failed", defect).pipe(
      Effect.zipRight(
        this.#emit({
          type: "ended",
          by: "provider",
          reason: "error",
          detail: "the LiveChat poller failed unexpectedly"
        })
      ),
      Effect.as(over)
    )
  }

  // ---- commands ---------------------------------------------------------------------------------------------------

  /**
   * Sends one message exactly once. `send_message` has no dedupe key, so after an ambiguous failure (no answer, or
   * a 5xx) the log is read first: if it holds this send's echo (LiveChat echoes the visitor's messages), it landed.
   */
  send(message: OutgoingMessage): Effect.Effect<void, ChatError> {
    return Effect.suspend(() => {
      const n = this.#delivered + 1
      let ambiguous = false
      const attempt = Effect.suspend(() =>
        ambiguous
          ? this.#landed(n).pipe(Effect.flatMap((done) => (done ? Effect.void : this.#sendOnce(message.text))))
          : this.#sendOnce(message.text)
      ).pipe(
        // An answer that cannot be read may hide an applied send: the log decides before it is sent again.
        Effect.mapError((failure) => {
          if (failure.maybeApplied) ambiguous = true
          return failure.repeatable()
        })
      )
      return retryTransient(
        provider,
        "send_message",
        attempt,
        untilDeadline(withinBudget(this.#shared.retry, this.#health.giveUpAfter), this.#health.giveUpAfter)
      ).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            this.#delivered = n
          })
        ),
        Effect.mapError(this.#shared.refused)
      )
    }).pipe(Effect.withSpan("LiveChat.send", { captureStackTrace: false }))
  }

  #sendOnce(text: string): Effect.Effect<void, CallFailure> {
    return Effect.asVoid(
      call("send_message", () =>
        this.#shared.client.POST("/visitors/{visitor_id}/chat/send_message", {
          params: this.#path(),
          body: { ...this.#auth(), message: text }
        })
      )
    )
  }

  /**
   * Counts the messages sent in the log: has send number `n` landed? An unreadable answer is retried like a lost
   * one: guessing could duplicate or lose the message.
   */
  #landed(n: number): Effect.Effect<boolean, CallFailure> {
    return readPending(this.#shared.client, this, undefined).pipe(
      Effect.catchTag("ProtocolError", () =>
        Effect.fail(new CallFailure({ operation: "get_pending_messages", code: "MALFORMED_ANSWER" }))
      ),
      Effect.map((events) => sentInLog(events) >= n)
    )
  }

  /** LiveChat's visitor API has no typing call. */
  typing(): Effect.Effect<void> {
    return Effect.void
  }

  /** Closes the chat at LiveChat, unless it is already over there; bounded, never fails. */
  get end(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.#closedAtProvider) return Effect.void
      this.#closedAtProvider = true
      return retryTransient(
        provider,
        "close",
        call("close", () =>
          this.#shared.client.POST("/visitors/{visitor_id}/chat/close", { params: this.#path(), body: this.#auth() })
        ).pipe(Effect.mapError((failure) => failure.repeatable())),
        forEnding(this.#shared.retry)
      ).pipe(
        Effect.catchAll((failure) => Effect.logDebug("LiveChat close failed", failure._tag)),
        Effect.asVoid
      )
    }).pipe(Effect.withSpan("LiveChat.end", noStackTrace))
  }

  get pollRate(): Effect.Effect<number> {
    return this.#rate.perMinute
  }
}
