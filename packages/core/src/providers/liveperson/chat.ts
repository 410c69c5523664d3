/**
 * One LivePerson chat once it exists at the provider: the poller (reference §2.8), exactly-once sends, visitor
 * typing and the end. `start` in `../LivePerson.ts` creates the chat and hands it over here.
 */
import { type LivePersonClient, putOverride } from "@switchboard/client-liveperson"
import { Clock, Duration, Effect, Either, Option, type Schedule, type Scope } from "effect"
import type { Agent, ChatEvent } from "../../ChatEvent.ts"
import type { Emit, Health, OutgoingMessage, RemoteChat } from "../../ChatProvider.ts"
import { type ChatError, InvalidInput, ProtocolError } from "../../Errors.ts"
import { failedPause, cadence as makeCadence, over, type PollOutcome } from "../../internal/cadence.ts"
import { type CallFailure, call, describeFailure } from "../../internal/call.ts"
import { PollRate } from "../../internal/pollRate.ts"
import type { PollScheduler } from "../../internal/pollScheduler.ts"
import { forEnding, type RetryPolicy, retryTransient } from "../../Retry.ts"
import { chatError, errorMessage, provider, type Scrub } from "./errors.ts"
import { makeSender } from "./send.ts"
import { chatPage, decodeKnown, type Info, isVisitorLine, type Page, type RawEvent } from "./wire.ts"

/** `{accountId}` and `{chatId}` of the chat URI. */
export interface ChatPath {
  readonly accountId: string
  readonly chatId: string
}

export interface Cadence {
  /** Pause between two polls, in ms. */
  readonly interval: number
  /** The chat's `chatTimeout` as configured, in ms; a smaller `info.chatTimeout` from the server wins. */
  readonly chatTimeout: number
  /** No pause ever comes closer than this to the chat timeout, in ms. */
  readonly safetyMargin: number
}

/**
 * Ends the chat at LivePerson at most once: shared by the scope finalizer the start adds the moment the chat exists,
 * a start that fails half-way, and `RemoteChat.end`. Skipped once LivePerson itself has ended or dropped the chat.
 */
export class Ender {
  readonly #client: LivePersonClient
  readonly #path: ChatPath
  readonly #retry: RetryPolicy | undefined
  #finished = false

  constructor(client: LivePersonClient, path: ChatPath, retry: RetryPolicy | undefined) {
    this.#client = client
    this.#path = path
    this.#retry = retry
  }

  get end(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.#finished) return Effect.void
      this.#finished = true
      return endChat(this.#client, this.#path, this.#retry)
    }).pipe(Effect.withSpan("LivePerson.end", { captureStackTrace: false }))
  }

  /** LivePerson has ended or dropped the chat: nothing left to end. */
  gone(): void {
    this.#finished = true
  }
}

/** The longest pause that still keeps a chat with this timeout alive. */
export const ceilingFor = (chatTimeout: number, safetyMargin: number): number =>
  Math.max(100, chatTimeout - Math.min(safetyMargin, chatTimeout / 2))

type Status = "queued" | "connected" | "agent-left" | "ended"

const agentOf = (info: Info | undefined): Agent | undefined =>
  info?.agentName === undefined || info.agentName === ""
    ? undefined
    : { name: info.agentName, ...(info.agentId === undefined ? {} : { id: String(info.agentId) }) }

export interface ChatOptions {
  readonly client: LivePersonClient
  readonly path: ChatPath
  readonly ender: Ender
  readonly emit: Emit
  readonly health: Health
  readonly cadence: Cadence
  /** The adapter's retry policy, bounded by the session's give-up budget. */
  readonly retry: RetryPolicy | undefined
  readonly scrub: Scrub
  /** The adapter's poll driver, and the cadence its chats are polled on (one Schedule for the adapter). */
  readonly polls: PollScheduler
  readonly schedule: Schedule.Schedule<unknown, PollOutcome>
}

/** The adapter's pauses as a cadence: LivePerson polls at one interval, within the chat timeout. */
export const scheduleFor = (cadence: Cadence) =>
  makeCadence({ active: cadence.interval, normal: cadence.interval, idle: cadence.interval })

/**
 * Registers the chat with the poll driver (until the current scope closes) and returns the chat's handle. The
 * caller has already emitted `queued` and registered `ender.end` as a finalizer.
 */
export const runChat = (options: ChatOptions): Effect.Effect<RemoteChat, never, Scope.Scope> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const chat = new LivePersonChat(options, now)
    return Effect.as(options.polls.run(chat, options.schedule), chat)
  })

/**
 * One chat: the poller's view of the log (polled by the adapter's driver through the `poll` getter), its sends,
 * typing, transcript and end. A class, not a closure per operation: a gateway keeps thousands of idle chats in one
 * process (see `../livechat/chat.ts`), and the sender is made at the first send.
 */
class LivePersonChat implements RemoteChat {
  readonly #options: ChatOptions
  readonly #rate = new PollRate(provider)
  // The poller's view of the log. `#lastId` and `#visitorLines` change together (synchronously), so `send` reads a
  // consistent snapshot of both.
  #lastId = -1
  #cursor = 0
  #visitorLines = 0
  #status: Status = "queued"
  #agent: Agent | undefined = undefined
  #agentTyping = false
  #agentEnded = false
  #disconnected = false
  #serverTimeout: number | undefined = undefined
  /** The session is over (the poller emitted `ended`, or the visitor ended the chat): no more polls or sends. */
  #closed = false
  #lastSuccess: number
  /** Failed polls in a row. */
  #failures = 0
  #sender: ((message: OutgoingMessage) => Effect.Effect<void, ChatError>) | undefined = undefined

  constructor(options: ChatOptions, now: number) {
    this.#options = options
    this.#lastSuccess = now
  }

  #ceiling(): number {
    const { chatTimeout, safetyMargin } = this.#options.cadence
    return ceilingFor(Math.min(chatTimeout, this.#serverTimeout ?? chatTimeout), safetyMargin)
  }

  #readChat(from: number): Effect.Effect<Page, CallFailure | ProtocolError> {
    const { client, path } = this.#options
    return call("getChat", () =>
      client.GET("/api/account/{accountId}/chat/{chatId}", { params: { path, query: { from } } })
    ).pipe(
      Effect.flatMap((answer) =>
        Either.match(chatPage(answer.data), {
          onLeft: (detail) => Effect.fail(new ProtocolError({ provider, operation: "getChat", detail })),
          onRight: (page) => Effect.succeed(page)
        })
      )
    )
  }

  #connect(info: Info | undefined): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.#status = "connected"
      const agent = agentOf(info) ?? this.#agent ?? { name: "Agent" }
      this.#agent = agent
      return this.#options.emit({ type: "connected", agent })
    })
  }

  /** The one `ended` of the poller. `atProvider`: the chat is over at LivePerson too (else `end` still ends it). */
  #ended(event: ChatEvent & { readonly type: "ended" }, atProvider: boolean): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.#closed = true
      if (atProvider) this.#options.ender.gone()
      this.#status = "ended"
      return this.#options.emit(event)
    })
  }

  /** How the chat ended, as its `ended` state tells it after what the log said before. */
  #endedByState(): ChatEvent & { readonly type: "ended" } {
    if (this.#agentEnded) return { type: "ended", by: "agent", reason: "agent" }
    if (this.#disconnected) {
      return { type: "ended", by: "provider", reason: "disconnected", detail: "LivePerson disconnected the chat" }
    }
    if (this.#status === "queued") {
      return {
        type: "ended",
        by: "provider",
        reason: "no-agent",
        detail: "LivePerson ended the chat before an agent took it"
      }
    }
    return { type: "ended", by: "provider", reason: "timeout", detail: "LivePerson ended the chat" }
  }

  /** Emits the common events of one log event, in log order. */
  #apply(event: RawEvent, info: Info | undefined): Effect.Effect<void> {
    const self = this
    const emit = this.#options.emit
    return Effect.gen(function* () {
      const known = decodeKnown(event.raw)
      if (Option.isNone(known)) return yield* emit({ type: "unknown", raw: event.raw })
      const value = known.value
      if (value["@type"] === "state") {
        switch (value.state) {
          case "waiting":
            if (self.#status !== "queued") {
              self.#status = "queued"
              yield* emit({ type: "queued" })
            }
            return
          case "chatting":
            if (self.#status === "queued") yield* self.#connect(info)
            return
          case "ended":
            return yield* self.#ended(self.#endedByState(), true)
        }
      }
      yield* emit(yield* message(event, value.source, value.text ?? "", value.time))
      if (value.source !== "system" || value.systemMessageId === undefined) return
      switch (value.systemMessageId) {
        case 3: // "You are now chatting with ..."
          if (self.#status !== "connected") yield* self.#connect(info)
          return
        case 5: // the agent ended the chat; the `ended` state follows
          self.#agentEnded = true
          return
        case 6: // unexpectedly disconnected (the agent's connection, or a timeout); LivePerson may end the chat next
          self.#disconnected = true
          if (self.#status === "connected") {
            self.#status = "agent-left"
            self.#agentTyping = false
            yield* emit({ type: "agent-left" })
          }
          return
        case 13: // transferred to another agent
        case 15: {
          // transferred to another skill: an agent only once the new one is known
          const next = agentOf(info)
          if (next !== undefined && self.#status !== "queued") {
            self.#status = "connected"
            self.#agent = next
            self.#agentTyping = false
            yield* emit({ type: "transferred", agent: next })
          }
          return
        }
        case 23: // re-queued by the system
          if (self.#status !== "queued") {
            self.#status = "queued"
            yield* emit({ type: "queued" })
          }
          return
      }
    })
  }

  #applyPage(page: Page): Effect.Effect<void> {
    const self = this
    return Effect.gen(function* () {
      for (const event of page.events) {
        if (self.#closed) return
        if (event.id <= self.#lastId) continue // a repeated delivery
        self.#lastId = event.id
        if (isVisitorLine(event.raw)) self.#visitorLines += 1
        yield* self.#apply(event, page.info)
      }
      self.#cursor = Math.max(page.next ?? self.#lastId + 1, self.#lastId + 1)
      if (page.info?.chatTimeout !== undefined && page.info.chatTimeout > 0)
        self.#serverTimeout = page.info.chatTimeout * 1000
      const typing = page.info?.agentTyping === "typing"
      if (!self.#closed && self.#status === "connected" && typing !== self.#agentTyping) {
        self.#agentTyping = typing
        yield* self.#options.emit({ type: "typing", on: typing })
      }
    })
  }

  /**
   * One poll, run by the adapter's poll driver whenever the cadence says. Never fails: a transient failure is polled
   * again within the keep-alive budget; a chat the provider no longer knows (404, internalCode 12) or a refusal ends
   * the session with one `ended` event.
   */
  get poll(): Effect.Effect<PollOutcome> {
    if (this.#closed) return Effect.succeed(over)
    return Effect.zipRight(
      this.#rate.record,
      Effect.matchEffect(this.#readChat(this.#cursor), {
        onSuccess: (page) => (this.#closed ? Effect.succeed(over) : this.#answered(page)),
        onFailure: (failure) => (this.#closed ? Effect.succeed(over) : this.#failed(failure))
      })
    ).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.logError("the LivePerson poller failed", defect).pipe(
          Effect.zipRight(
            this.#ended(
              { type: "ended", by: "provider", reason: "error", detail: "the LivePerson poller failed unexpectedly" },
              false
            )
          ),
          Effect.as(over)
        )
      )
    )
  }

  #answered(page: Page): Effect.Effect<PollOutcome> {
    const before = this.#lastId
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      this.#lastSuccess = now
      const restored = this.#failures > 0 ? this.#options.health.reachable() : Effect.void
      this.#failures = 0
      return Effect.zipRight(
        restored,
        Effect.map(
          this.#applyPage(page),
          (): PollOutcome =>
            this.#closed
              ? over
              : { _tag: "Answered", news: this.#lastId !== before, agentActive: false, ceiling: this.#ceiling() }
        )
      )
    })
  }

  #failed(failure: CallFailure | ProtocolError): Effect.Effect<PollOutcome> {
    const self = this
    return Effect.gen(function* () {
      const unreadable = failure._tag === "ProtocolError" || failure.malformed !== undefined
      if (!unreadable && failure._tag === "CallFailure" && !failure.retryable) {
        const error = chatError(failure, self.#options.scrub)
        yield* error._tag === "SessionExpired"
          ? self.#ended(
              { type: "ended", by: "provider", reason: "timeout", detail: "LivePerson no longer holds the chat" },
              true
            )
          : self.#ended({ type: "ended", by: "provider", reason: "error", detail: error.message }, false)
        return over
      }
      if (unreadable) yield* Effect.logWarning("LivePerson answered a poll with something that is not a chat resource")
      // Polled again soon, until the chat timeout is too close for a good poll to still keep the chat: then it is
      // over for us, and the session ends it at LivePerson.
      const silence = (yield* Clock.currentTimeMillis) - self.#lastSuccess
      const { chatTimeout, interval } = self.#options.cadence
      const timeout = Math.min(chatTimeout, self.#serverTimeout ?? chatTimeout)
      const why = describeFailure(failure)
      if (silence >= timeout - Math.min(interval, timeout / 2)) {
        const detail = `LivePerson gave no usable answer to polls for ${Math.round(silence / 1000)} s (${why})`
        yield* self.#ended({ type: "ended", by: "provider", reason: "error", detail }, false)
        return over
      }
      // Retry-After is honoured, but never past the point where the chat would time out for want of a request.
      const retryAfter =
        failure._tag === "CallFailure" && failure.retryAfter ? Duration.toMillis(failure.retryAfter) : 0
      self.#failures += 1
      const ceiling = self.#ceiling()
      const pause = Math.min(failedPause(self.#failures, retryAfter, interval), ceiling)
      // The session hears of it, and may shorten the pause to its give-up budget, or have given up (then the chat
      // is over here: the session ends it at LivePerson).
      const wait = yield* self.#options.health.unreachable(why, pause)
      if (wait === undefined) {
        self.#closed = true
        return over
      }
      return { _tag: "Failed", retryAfter, ceiling: Math.min(ceiling, wait) } satisfies PollOutcome
    })
  }

  // ---- commands ---------------------------------------------------------------------------------------------------

  send(message: OutgoingMessage): Effect.Effect<void, ChatError> {
    this.#sender ??= makeSender({
      client: this.#options.client,
      path: this.#options.path,
      retry: this.#options.retry,
      giveUpAfter: this.#options.health.giveUpAfter,
      scrub: this.#options.scrub,
      view: () => ({ lastId: this.#lastId, visitorLines: this.#visitorLines }),
      closed: () => this.#closed
    })
    return this.#sender(message)
  }

  typing(on: boolean): Effect.Effect<void, ChatError> {
    const { client, path, retry, scrub } = this.#options
    return Effect.suspend(() => {
      if (this.#closed) return Effect.void
      return retryTransient(
        provider,
        "setVisitorTyping",
        call("setVisitorTyping", () =>
          client.POST("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", {
            params: { path, header: putOverride },
            body: { visitorTyping: on ? "typing" : "not-typing" }
          })
        ),
        { ...retry, deadline: "5 seconds" }
      ).pipe(
        Effect.mapError((failure) => chatError(failure, scrub)),
        Effect.asVoid
      )
    }).pipe(Effect.withSpan("LivePerson.typing", { captureStackTrace: false }))
  }

  get end(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.#closed = true
      return this.#options.ender.end
    })
  }

  requestTranscript(email: string): Effect.Effect<void, ChatError> {
    const { client, path, retry, scrub } = this.#options
    return retryTransient(
      provider,
      "requestTranscript",
      call("requestTranscript", () =>
        client.POST("/api/account/{accountId}/chat/{chatId}/transcriptRequest", {
          params: { path, header: putOverride },
          body: { email }
        })
      ),
      retry
    ).pipe(
      Effect.mapError((failure) =>
        failure._tag === "CallFailure" && failure.status === 400
          ? new InvalidInput({
              field: "email",
              problem: errorMessage(failure.body, scrub) ?? "LivePerson refused it"
            })
          : chatError(failure, scrub)
      ),
      Effect.asVoid,
      Effect.withSpan("LivePerson.requestTranscript", { captureStackTrace: false })
    )
  }

  get pollRate(): Effect.Effect<number> {
    return this.#rate.perMinute
  }
}

const message = (event: RawEvent, from: "agent" | "visitor" | "system", text: string, time?: string) =>
  Effect.map(Clock.currentTimeMillis, (millis): ChatEvent => {
    const at = time === undefined ? Number.NaN : Date.parse(time)
    return { type: "message", id: `lp-${event.id}`, from, text, at: Number.isNaN(at) ? millis : at }
  })

/**
 * Posts `state: ended`: bounded retries, never fails. Repeating it is harmless (an ended chat stays ended, a purged
 * one answers 404), so every transient failure is retried.
 */
export const endChat = (
  client: LivePersonClient,
  path: ChatPath,
  retry: RetryPolicy | undefined
): Effect.Effect<void> =>
  retryTransient(
    provider,
    "addChatEvent",
    call("addChatEvent", () =>
      client.POST("/api/account/{accountId}/chat/{chatId}/events", {
        params: { path },
        body: { event: { "@type": "state", state: "ended" } }
      })
    ).pipe(Effect.mapError((failure) => failure.repeatable())),
    forEnding(retry)
  ).pipe(
    Effect.catchAll((failure) =>
      failure._tag === "CallFailure" && failure.status === 404
        ? Effect.void
        : Effect.logDebug("LivePerson did not confirm the end of the chat", failure._tag)
    ),
    Effect.asVoid
  )
