/**
 * The long-poll loop of one chat: exactly one `GET System/Messages` in flight, re-polled at once after every answer,
 * abandoned after `clientPollTimeout` (by the poll pool's `headersTimeout`), and never failing: a terminal answer
 * becomes one `ended` event (or the start's failure).
 *
 * - `200`: entries are handled in order and `sequence` becomes the next `ack`; an answer whose `sequence` is not
 *   above the last one processed is a repeat and is skipped.
 * - `204`: poll again with the same `ack`; at once after a held poll, after a growing pause (`emptyPace`) when the
 *   server answered at once, so a server that never holds polls gets a few a second, not thousands.
 * - No answer, `5xx`, `429`, or an answer that is not a Messages envelope: poll again with the same `ack` (the
 *   server re-delivers) after a short backoff (Retry-After honoured), until the next poll could not land before the
 *   deployment's session timeout: then the chat ends with reason "error" (and the session ends it at Salesforce).
 * - `503`: the affinity handover (see `chat.ts`); `403`: the session expired; `409`: a second poll killed the chat.
 */
import { sessionHeaders } from "@switchboard/client-salesforce"
import { Cause, Clock, Duration, Effect, Either, Option, Schedule } from "effect"
import { type ChatError, ChatRequestRejected, NoAgentsAvailable, ProtocolError, SessionExpired } from "../../Errors.ts"
import { type Answer, answered, CallFailure, call, describeFailure, unanswered } from "../../internal/call.ts"
import { LightAbort } from "../../internal/transport.ts"
import { defaultRetryPolicy, retryTransient } from "../../Retry.ts"
import { type Chat, type ChatDeps, provider, type Terminal, unavailable } from "./chat.ts"
import { decodeEntry, decodeEnvelope, type Entry, type Envelope, waitSeconds } from "./wire.ts"

const expired = (operation: string): Terminal => ({
  event: {
    type: "ended",
    by: "provider",
    reason: "timeout",
    detail: "Salesforce no longer knows the session (it expired)"
  },
  error: new SessionExpired({ provider, operation, status: 403 }),
  gone: true
})

const conflict: Terminal = {
  event: {
    type: "ended",
    by: "provider",
    reason: "conflict",
    detail: "Salesforce saw a second long poll for this session (HTTP 409) and terminated the chat"
  },
  error: new ProtocolError({ provider, operation: "Messages", detail: "HTTP 409: a second long poll was open" })
}

const broken = (error: ChatError): Terminal => ({
  event: { type: "ended", by: "provider", reason: "error", detail: error.message },
  error
})

/** `ChatEnded`: the visitor's own end (`client`), a timeout, or the agent. */
const chatEnded = (reason: string | undefined): Terminal => {
  const error = new ChatRequestRejected({ provider, reason: "the chat ended before an agent took it" })
  if (reason === "client") return { event: { type: "ended", by: "visitor", reason: "visitor" }, error }
  if (reason !== undefined && /timeout/i.test(reason)) {
    return {
      event: { type: "ended", by: "provider", reason: "timeout", detail: `Salesforce ended the chat (${reason})` },
      error
    }
  }
  // Any other reason is the agent's (its values are undocumented, reference §1.6): shown as the detail, unless it only
  // says who ended it.
  const detail = reason === undefined || reason === "" || reason === "agent" ? {} : { detail: reason }
  return { event: { type: "ended", by: "agent", reason: "agent", ...detail }, error }
}

/** `ChatRequestFail`: nobody can take it (`Unavailable`), or another refusal. */
const requestFailed = (reason: string | undefined): Terminal => {
  const why = reason ?? "Unavailable"
  if (why === "Unavailable") {
    const error = new NoAgentsAvailable({ provider })
    return { event: { type: "ended", by: "provider", reason: "no-agent", detail: error.message }, error }
  }
  const error = new ChatRequestRejected({ provider, reason: why })
  return { event: { type: "ended", by: "provider", reason: "rejected", detail: error.message }, error }
}

/** The pace of empty answers that came back at once: 100 ms doubling, at most 2 s (see `pace` below). */
const emptyPace = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("2 seconds")))

export const poller = (deps: ChatDeps, chat: Chat) => {
  const { state } = chat
  const { emit } = deps
  const policy = { ...defaultRetryPolicy, ...deps.retry }
  /** The deployment's session timeout: `connectionTimeout` of ChatRequestSuccess when the server tells it. */
  let sessionTimeoutMs = 120_000

  const backoff = (failures: number, retryAfter: Duration.Duration | undefined) => {
    const cap = Math.min(Duration.toMillis(policy.maxDelay), 2_000, sessionTimeoutMs / 8)
    const delay = Math.min(Duration.toMillis(policy.baseDelay) * 2 ** Math.min(failures - 1, 10), cap)
    const floor = retryAfter === undefined ? 0 : Math.min(Duration.toMillis(retryAfter), sessionTimeoutMs / 4)
    return Duration.millis(Math.max(delay, floor))
  }

  /** Runs `effect` unless a handover is asked for first (then the effect, a backoff pause, is abandoned). */
  const untilHandover = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.raceFirst(Effect.map(effect, Option.some), Effect.as(chat.wanted.await, Option.none<A>()))

  /**
   * One long poll: one `Effect.async` around the request's promise, so that a poll held for seconds keeps the
   * request and a callback or two, not the frames of a chain of effects (a poll's state stays alive until the next
   * message, which made it most of what each scavenge copied in bench/ part 3). It registers no canceller, which
   * would wrap every poll in an interruption handler: a handover aborts the poll through `state.abortPoll`, and so
   * does the poller's finalizer when the poller is interrupted, and the timeout of a custom `fetch`.
   */
  const request = Effect.async<Answer<unknown> | CallFailure>((resume) => {
    // The light transport takes a light abort handle; a custom fetch needs a real AbortSignal.
    const controller = deps.pollTimeoutMillis === undefined ? new LightAbort() : new AbortController()
    const abort = () => controller.abort()
    const settled = (outcome: Answer<unknown> | CallFailure) => {
      if (state.abortPoll === abort) state.abortPoll = undefined
      resume(Effect.succeed(outcome))
    }
    state.abortPoll = abort
    deps.polls
      .GET("/System/Messages", {
        params: { query: { ack: state.ack }, header: sessionHeaders(chat.session()) },
        signal: controller.signal
      })
      .then(
        (result) => settled(answered("Messages", result)),
        (cause) => settled(unanswered("Messages", cause))
      )
  })
  const pollOnce =
    deps.pollTimeoutMillis === undefined
      ? request
      : request.pipe(
          Effect.timeoutTo({
            duration: Duration.millis(deps.pollTimeoutMillis),
            onSuccess: (outcome): Answer<unknown> | CallFailure => outcome,
            onTimeout: () => {
              state.abortPoll?.()
              return new CallFailure({ operation: "Messages", code: "POLL_TIMEOUT" })
            }
          })
        )

  const handle = (entry: Entry): Effect.Effect<void> => {
    switch (entry.type) {
      case "ChatRequestSuccess": {
        const { queuePosition, estimatedWaitTime, connectionTimeout } = entry.message
        if (connectionTimeout !== undefined && connectionTimeout > 0) sessionTimeoutMs = connectionTimeout
        return emit({
          type: "queued",
          ...(queuePosition === undefined ? {} : { position: queuePosition }),
          ...waitSeconds(estimatedWaitTime)
        }).pipe(Effect.zipRight(chat.settleStart))
      }
      case "QueueUpdate":
        return emit({
          type: "queued",
          ...(entry.message.position === undefined ? {} : { position: entry.message.position }),
          ...waitSeconds(entry.message.estimatedWaitTime)
        })
      case "ChatRequestFail":
        return chat.terminate(requestFailed(entry.message.reason))
      case "ChatEstablished": {
        state.established = true
        const { name, userId } = entry.message
        return chat.settleStart.pipe(
          Effect.zipRight(emit({ type: "connected", agent: { name, ...(userId === undefined ? {} : { id: userId }) } }))
        )
      }
      case "ChatMessage":
        return chat.agentLine(entry.message.text)
      case "AgentTyping":
      case "AgentNotTyping":
        return emit({ type: "typing", on: entry.type === "AgentTyping" })
      case "AgentDisconnect":
        return emit({ type: "agent-left" })
      case "ChatTransferred": {
        const { name, userId } = entry.message
        return emit({ type: "transferred", agent: { name, ...(userId === undefined ? {} : { id: userId }) } })
      }
      case "TransferToButtonInitiated":
        return emit({ type: "queued" })
      case "ChatEnded":
        return chat.terminate(chatEnded(entry.message.reason))
      case "ChasitorSessionData": {
        const position = entry.message.queuePosition
        const queued =
          !state.established && position !== undefined && position > 0
            ? emit({ type: "queued", position })
            : Effect.void
        return queued.pipe(Effect.zipRight(chat.reconcile(entry.message.chatMessages)))
      }
      case "unknown":
        return emit({ type: "unknown", raw: entry.raw })
    }
  }

  /** ChasitorResyncState after the restored state was read; a 503 here asks for another handover. */
  const resyncState = Effect.suspend(() => {
    const epoch = state.epoch
    const attempt = call("ChasitorResyncState", () =>
      deps.commands.POST("/Chasitor/ChasitorResyncState", {
        params: { header: sessionHeaders(chat.session()) },
        body: { organizationId: deps.orgId },
        parseAs: "text"
      })
    ).pipe(
      Effect.asVoid,
      Effect.catchIf(
        (failure) => failure.status === 503,
        () => chat.affinityChanged(epoch)
      )
    )
    return retryTransient(provider, "ChasitorResyncState", attempt, deps.retry).pipe(
      Effect.catchAll((failure) => Effect.logDebug("Salesforce ChasitorResyncState failed", failure._tag))
    )
  })

  /** The first answer after a handover: continuity is proven by ChasitorSessionData or reported as a gap. */
  const finishResync = (sawSessionData: boolean) =>
    Effect.gen(function* () {
      state.resyncPending = false
      answersWithoutSessionData = 0
      if (!sawSessionData) {
        yield* chat.discontinuity("Salesforce did not restore the session's transcript after the handover")
      }
      yield* resyncState
      if (!state.handoverRequested) chat.ready.unsafeOpen()
    })

  let answersWithoutSessionData = 0
  const deliver = (envelope: Envelope) =>
    Effect.gen(function* () {
      const resync = state.resyncPending
      if (!resync && envelope.sequence <= state.ack) {
        return yield* Effect.logDebug("Salesforce repeated an answer already processed; skipped")
      }
      if (envelope.offset !== undefined) state.lastOffset = envelope.offset
      const entries = envelope.messages.map(decodeEntry)
      // ChasitorSessionData is the first message after a handover (reference §1.8); a server that puts messages
      // it delivers again before it in the same answer is read as if it had not, so they meet the transcript.
      const restored = resync ? entries.findIndex((entry) => entry.type === "ChasitorSessionData") : -1
      if (restored > 0) entries.unshift(...entries.splice(restored, 1))
      for (const entry of entries) {
        if (state.over) break
        yield* handle(entry)
      }
      state.ack = envelope.sequence
      state.linesAtAck = Math.min(state.agentLines.length, state.restoredFrom ?? Number.POSITIVE_INFINITY)
      // Continuity after a handover is proven by ChasitorSessionData, which may follow an answer of its own (a
      // server that delivers its backlog first): sends wait for it, for three answers at most, or for an empty
      // answer, which shows it is not coming (then a discontinuity is reported).
      if (resync && !state.over) {
        const restored = entries.some((entry) => entry.type === "ChasitorSessionData")
        answersWithoutSessionData = restored ? 0 : answersWithoutSessionData + 1
        if (restored || answersWithoutSessionData >= 3) yield* finishResync(restored)
      }
    })

  const handOver = Effect.gen(function* () {
    const result = yield* Effect.either(chat.reconnect)
    if (Either.isRight(result)) return true
    const failure = result.left
    yield* chat.terminate(
      failure._tag === "CallFailure"
        ? failure.status === 403
          ? expired("ReconnectSession")
          : broken(new ProtocolError({ provider, operation: "ReconnectSession", detail: `HTTP ${failure.status}` }))
        : broken(failure)
    )
    return false
  })

  /**
   * Empty answers that come back at once (a server or proxy that does not hold the long poll) are paced by this
   * backoff instead of being polled again at once: 100 ms doubling up to 2 s, reset by a held or non-empty answer.
   */
  let pace: Schedule.ScheduleDriver<unknown, unknown> | undefined

  /**
   * A poll that failed (no answer, a retryable status, or an answer that is not a Messages envelope): polled again
   * after a backoff, unless the next poll could not land before the deployment's session timeout, counted from the
   * last good answer. Then the chat is over for us: `ended` with reason "error", and the session ends it at
   * Salesforce.
   */
  const failed = (failures: number, lastAnswer: number, at: number, failure: CallFailure | ProtocolError) =>
    Effect.gen(function* () {
      const pause = backoff(failures, failure._tag === "CallFailure" ? failure.retryAfter : undefined)
      const silence = at - lastAnswer
      if (silence + Duration.toMillis(pause) >= sessionTimeoutMs) {
        const detail = `no usable answer to polls for ${Math.round(silence / 1000)} s (${describeFailure(failure)})`
        yield* chat.terminate(broken(unavailable("Messages", failures, detail)))
        return false
      }
      if (failure._tag === "ProtocolError" || failure.malformed !== undefined) {
        yield* Effect.logWarning("Salesforce answered a poll with something other than a Messages envelope")
      }
      const wait = yield* deps.health.unreachable(describeFailure(failure), Duration.toMillis(pause))
      if (wait === undefined) return false // the session gave up: it ends the chat
      yield* untilHandover(Effect.sleep(Duration.millis(wait)))
      return true
    })

  const loop = Effect.gen(function* () {
    let lastAnswer = yield* Clock.currentTimeMillis
    let failures = 0
    while (!state.over) {
      if (state.handoverRequested) {
        if (!(yield* handOver)) return
        continue
      }
      const epoch = state.epoch
      const confirming = state.linesAtAck
      yield* chat.rate.record
      const sent = yield* Clock.currentTimeMillis
      const result = yield* pollOnce
      // Abandoned for a handover (an answer that made it first is still processed: its entries are acknowledged).
      if (result instanceof CallFailure && state.handoverRequested) continue
      const at = yield* Clock.currentTimeMillis
      if (result instanceof CallFailure) {
        const failure = result
        if (failure.status === 503) {
          yield* chat.affinityChanged(epoch)
          continue
        }
        if (failure.status === 409) return yield* chat.terminate(conflict)
        if (failure.status === 403) return yield* chat.terminate(expired("Messages"))
        if (!failure.retryable && failure.malformed === undefined) {
          const detail = `unexpected HTTP ${failure.status} to a poll`
          return yield* chat.terminate(broken(new ProtocolError({ provider, operation: "Messages", detail })))
        }
        failures += 1
        if (!(yield* failed(failures, lastAnswer, at, failure))) return
        continue
      }
      const answer = result
      const empty = answer.response.status === 204 || answer.data === undefined
      const envelope = empty ? undefined : decodeEnvelope(answer.data)
      if (envelope !== undefined && Either.isLeft(envelope)) {
        failures += 1
        const detail = "the answer is not a Messages envelope"
        if (!(yield* failed(failures, lastAnswer, at, new ProtocolError({ provider, operation: "Messages", detail }))))
          return
        continue
      }
      lastAnswer = at
      failures = 0
      yield* deps.health.reachable()
      state.acknowledgedLines = confirming
      if (envelope === undefined) {
        chat.closeRedelivery()
        if (state.resyncPending) yield* finishResync(false)
        if (at - sent < 500) {
          pace ??= yield* Schedule.driver(emptyPace)
          yield* untilHandover(Effect.ignore(pace.next(undefined)))
        } else if (pace !== undefined) yield* pace.reset
        continue
      }
      if (pace !== undefined) yield* pace.reset
      yield* deliver(envelope.right)
    }
  })

  return loop.pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logError("Salesforce poller failed", cause).pipe(
            Effect.zipRight(
              chat.terminate(
                broken(new ProtocolError({ provider, operation: "Messages", detail: "the poller failed unexpectedly" }))
              )
            )
          )
    ),
    Effect.ensuring(
      Effect.sync(() => {
        state.pollerActive = false
        // Interrupted with a poll held: abort it (the poll itself registers no canceller, see `request`).
        state.abortPoll?.()
        chat.ready.unsafeOpen()
      })
    ),
    Effect.annotateLogs({ provider }),
    Effect.withSpan("Salesforce.poll", { captureStackTrace: false })
  )
}
