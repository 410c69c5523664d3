/**
 * One LivePerson chat once it exists at the provider: the poller (reference §2.8), exactly-once sends, visitor
 * typing and the end. `start` in `../LivePerson.ts` creates the chat and hands it over here.
 */
import { type LivePersonClient, putOverride } from "@switchboard/client-liveperson"
import { Clock, Duration, Effect, Either, Option } from "effect"
import type { Agent, ChatEvent } from "../../ChatEvent.ts"
import type { Emit, RemoteChat } from "../../ChatProvider.ts"
import { InvalidInput, ProtocolError } from "../../Errors.ts"
import { cadence as makeCadence, over, type PollOutcome } from "../../internal/cadence.ts"
import { type CallFailure, call } from "../../internal/call.ts"
import { PollRate } from "../../internal/pollRate.ts"
import type { PollScheduler } from "../../internal/pollScheduler.ts"
import { type RetryPolicy, retryTransient } from "../../Retry.ts"
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
export interface Ender {
  readonly end: Effect.Effect<void>
  /** LivePerson has ended or dropped the chat: nothing left to end. */
  readonly gone: () => void
}

export const makeEnder = (client: LivePersonClient, path: ChatPath, retry: RetryPolicy | undefined): Ender => {
  let finished = false
  return {
    end: Effect.suspend(() => {
      if (finished) return Effect.void
      finished = true
      return endChat(client, path, retry)
    }).pipe(Effect.withSpan("LivePerson.end")),
    gone: () => {
      finished = true
    }
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
  readonly cadence: Cadence
  readonly retry: RetryPolicy | undefined
  readonly scrub: Scrub
  /** The adapter's poll driver. */
  readonly polls: PollScheduler
}

/**
 * Registers the chat with the poll driver (until the current scope closes) and returns the chat's handle. The caller has already emitted `queued`
 * and registered `ender.end` as a finalizer.
 */
export const runChat = Effect.fn("LivePerson.runChat", { captureStackTrace: false })(function* (options: ChatOptions) {
  const { client, path, ender, emit, cadence, retry, scrub } = options
  const rate = new PollRate(provider)

  // The poller's view of the log. `lastId` and `visitorLines` change together (synchronously), so `send` can read a
  // consistent snapshot of both.
  let lastId = -1
  let cursor = 0
  let visitorLines = 0
  let status: Status = "queued"
  let agent: Agent | undefined
  let agentTyping = false
  let agentEnded = false
  let disconnected = false
  let serverTimeout: number | undefined
  /** The session is over (the poller emitted `ended`, or the visitor ended the chat): no more polls or sends. */
  let closed = false

  const ceiling = () =>
    ceilingFor(Math.min(cadence.chatTimeout, serverTimeout ?? cadence.chatTimeout), cadence.safetyMargin)

  const readChat = (from: number) =>
    call("getChat", () =>
      client.GET("/api/account/{accountId}/chat/{chatId}", { params: { path, query: { from } } })
    ).pipe(
      Effect.flatMap((answer) =>
        Either.match(chatPage(answer.data), {
          onLeft: (detail) => Effect.fail(new ProtocolError({ provider, operation: "getChat", detail })),
          onRight: (page) => Effect.succeed(page)
        })
      )
    )

  const now = Clock.currentTimeMillis

  const message = (event: RawEvent, from: "agent" | "visitor" | "system", text: string, time?: string) =>
    Effect.map(now, (millis): ChatEvent => {
      const at = time === undefined ? Number.NaN : Date.parse(time)
      return { type: "message", id: `lp-${event.id}`, from, text, at: Number.isNaN(at) ? millis : at }
    })

  const connect = (info: Info | undefined) =>
    Effect.suspend(() => {
      status = "connected"
      agent = agentOf(info) ?? agent ?? { name: "Agent" }
      return emit({ type: "connected", agent })
    })

  /** The one `ended` of the poller. `atProvider`: the chat is over at LivePerson too (else `end` still ends it). */
  const ended = (event: ChatEvent & { readonly type: "ended" }, atProvider: boolean) =>
    Effect.suspend(() => {
      closed = true
      if (atProvider) ender.gone()
      status = "ended"
      return emit(event)
    })

  /** Emits the common events of one log event, in log order. */
  const apply = (event: RawEvent, info: Info | undefined): Effect.Effect<void> =>
    Effect.gen(function* () {
      const known = decodeKnown(event.raw)
      if (Option.isNone(known)) return yield* emit({ type: "unknown", raw: event.raw })
      const value = known.value
      if (value["@type"] === "state") {
        switch (value.state) {
          case "waiting":
            if (status !== "queued") {
              status = "queued"
              yield* emit({ type: "queued" })
            }
            return
          case "chatting":
            if (status === "queued") yield* connect(info)
            return
          case "ended":
            return yield* ended(
              agentEnded
                ? { type: "ended", by: "agent", reason: "agent" }
                : disconnected
                  ? {
                      type: "ended",
                      by: "provider",
                      reason: "disconnected",
                      detail: "LivePerson disconnected the chat"
                    }
                  : status === "queued"
                    ? {
                        type: "ended",
                        by: "provider",
                        reason: "no-agent",
                        detail: "LivePerson ended the chat before an agent took it"
                      }
                    : { type: "ended", by: "provider", reason: "timeout", detail: "LivePerson ended the chat" },
              true
            )
        }
      }
      yield* emit(yield* message(event, value.source, value.text, value.time))
      if (value.source !== "system" || value.systemMessageId === undefined) return
      switch (value.systemMessageId) {
        case 3: // "You are now chatting with ..."
          if (status !== "connected") yield* connect(info)
          return
        case 5: // the agent ended the chat; the `ended` state follows
          agentEnded = true
          return
        case 6: // unexpectedly disconnected (the agent's connection, or a timeout); LivePerson may end the chat next
          disconnected = true
          if (status === "connected") {
            status = "agent-left"
            agentTyping = false
            yield* emit({ type: "agent-left" })
          }
          return
        case 13: // transferred to another agent
        case 15: {
          // transferred to another skill: an agent only once the new one is known
          const next = agentOf(info)
          if (next !== undefined && status !== "queued") {
            status = "connected"
            agent = next
            agentTyping = false
            yield* emit({ type: "transferred", agent: next })
          }
          return
        }
        case 23: // re-queued by the system
          if (status !== "queued") {
            status = "queued"
            yield* emit({ type: "queued" })
          }
          return
      }
    })

  const applyPage = (page: Page) =>
    Effect.gen(function* () {
      for (const event of page.events) {
        if (closed) return
        if (event.id <= lastId) continue // a repeated delivery
        lastId = event.id
        if (isVisitorLine(event.raw)) visitorLines += 1
        yield* apply(event, page.info)
      }
      cursor = Math.max(page.next ?? lastId + 1, lastId + 1)
      if (page.info?.chatTimeout !== undefined && page.info.chatTimeout > 0)
        serverTimeout = page.info.chatTimeout * 1000
      const typing = page.info?.agentTyping === "typing"
      if (!closed && status === "connected" && typing !== agentTyping) {
        agentTyping = typing
        yield* emit({ type: "typing", on: typing })
      }
    })

  // One poll, run by the adapter's poll driver whenever the cadence says. Never fails: a transient failure is polled
  // again within the keep-alive budget; a chat the provider no longer knows (404, internalCode 12) or a refusal ends
  // the session with one `ended` event.
  const pauses = { active: cadence.interval, normal: cadence.interval, idle: cadence.interval }
  let lastSuccess = yield* now
  let malformedInARow = 0

  const answered = (page: Page): Effect.Effect<PollOutcome> => {
    const before = lastId
    return Effect.gen(function* () {
      lastSuccess = yield* now
      malformedInARow = 0
      yield* applyPage(page)
      if (closed) return over
      return { _tag: "Answered", news: lastId !== before, agentActive: false, ceiling: ceiling() } as const
    })
  }

  const failed = (failure: CallFailure | ProtocolError): Effect.Effect<PollOutcome> =>
    Effect.gen(function* () {
      if (failure._tag === "ProtocolError") {
        malformedInARow += 1
        yield* Effect.logWarning("LivePerson answered a poll with a malformed chat resource", failure.detail)
        if (malformedInARow >= 3) {
          yield* ended({ type: "ended", by: "provider", reason: "error", detail: failure.message }, false)
          return over
        }
      } else if (!failure.retryable) {
        const error = chatError(failure, scrub)
        yield* error._tag === "SessionExpired"
          ? ended(
              { type: "ended", by: "provider", reason: "timeout", detail: "LivePerson no longer holds the chat" },
              true
            )
          : ended({ type: "ended", by: "provider", reason: "error", detail: error.message }, false)
        return over
      }
      const silence = (yield* now) - lastSuccess
      if (silence > Math.max(4 * cadence.chatTimeout, 60_000)) {
        const detail = `LivePerson did not answer polls for ${Math.round(silence / 1000)} s`
        yield* ended({ type: "ended", by: "provider", reason: "error", detail }, false)
        return over
      }
      // Retry-After is honoured, but never past the point where the chat would time out for want of a request.
      const retryAfter =
        failure._tag === "CallFailure" && failure.retryAfter ? Duration.toMillis(failure.retryAfter) : 0
      return { _tag: "Failed", retryAfter, ceiling: ceiling() } as const
    })

  const poll: Effect.Effect<PollOutcome> = Effect.suspend(() => {
    if (closed) return Effect.succeed(over)
    return Effect.zipRight(
      rate.record,
      Effect.matchEffect(readChat(cursor), {
        onSuccess: (page) => (closed ? Effect.succeed(over) : answered(page)),
        onFailure: (failure) => (closed ? Effect.succeed(over) : failed(failure))
      })
    )
  }).pipe(
    Effect.catchAllDefect((defect) =>
      Effect.logError("the LivePerson poller failed", defect).pipe(
        Effect.zipRight(
          ended(
            { type: "ended", by: "provider", reason: "error", detail: "the LivePerson poller failed unexpectedly" },
            false
          )
        ),
        Effect.as(over)
      )
    )
  )

  yield* options.polls.run(poll, makeCadence(pauses))

  const send = makeSender({
    client,
    path,
    retry,
    scrub,
    view: () => ({ lastId, visitorLines }),
    closed: () => closed
  })

  const remote: RemoteChat = {
    send,

    typing: (on) =>
      Effect.suspend(() => {
        if (closed) return Effect.void
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
      }).pipe(Effect.withSpan("LivePerson.typing")),

    end: Effect.suspend(() => {
      closed = true
      return ender.end
    }),

    requestTranscript: (email) =>
      retryTransient(
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
        Effect.withSpan("LivePerson.requestTranscript")
      ),

    pollRate: rate.perMinute
  }
  return remote
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
    ),
    { ...retry, deadline: "10 seconds" }
  ).pipe(
    Effect.catchAll((failure) =>
      failure._tag === "CallFailure" && failure.status === 404
        ? Effect.void
        : Effect.logDebug("LivePerson did not confirm the end of the chat", failure._tag)
    ),
    Effect.asVoid
  )
