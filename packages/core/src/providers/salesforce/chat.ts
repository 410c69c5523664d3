/**
 * One Salesforce chat on the wire, after `GET System/SessionId`: the outbound `X-LIVEAGENT-SEQUENCE` counter and
 * its exactly-once commands, the affinity handover (`503` → `ReconnectSession` → `ChasitorSessionData` →
 * `ChasitorResyncState`) and the state both share. The long-poll loop lives in `poller.ts`.
 *
 * Rules kept here:
 * - Sequenced requests (ChasitorInit, ChatMessage, typing, ChatEnd) go one at a time, in counter order: the server
 *   drops any number at or below the highest it has seen, so a retried number must never trail a newer one.
 * - A retry reuses its number; after a handover with `resetSequence` it takes a fresh one from the restarted
 *   counter, and a message that may already have landed is first looked up in `ChasitorSessionData`'s transcript.
 * - Nothing is sent while a handover is in progress (the `ready` latch), as the reference asks.
 */
import {
  endSessionParams,
  reconnectHeaders,
  type SalesforceClient,
  type SalesforceSession,
  type SequencedHeaders,
  sequencedHeaders
} from "@switchboard/client-salesforce"
import { Clock, Deferred, Effect, Either, type Fiber, FiberId, Redacted } from "effect"
import type { ChatEvent } from "../../ChatEvent.ts"
import type { Emit, Health } from "../../ChatProvider.ts"
import { ChatClosed, type ChatError, ProtocolError, ProviderUnavailable, SessionExpired } from "../../Errors.ts"
import { CallFailure, call } from "../../internal/call.ts"
import { PollRate } from "../../internal/pollRate.ts"
import { type RetryPolicy, retryTransient } from "../../Retry.ts"
import { decodeReconnect, type TranscriptLine } from "./wire.ts"

export const provider = "salesforce" as const

type Result = Promise<{ readonly data?: unknown; readonly error?: unknown; readonly response: Response }>

export interface ChatDeps {
  readonly orgId: string
  readonly commands: SalesforceClient
  readonly polls: SalesforceClient
  /** Only with a custom fetch (no dispatcher to abandon a held poll): the poll's bound, in Effect. */
  readonly pollTimeoutMillis: number | undefined
  /** The adapter's retry policy, bounded by the session's give-up budget. */
  readonly retry: RetryPolicy | undefined
  readonly emit: Emit
  readonly health: Health
}

/** How a terminal condition reads as an event (after start) and as an error (before start returned). */
export interface Terminal {
  readonly event: Extract<ChatEvent, { type: "ended" }>
  readonly error: ChatError
  /** The server no longer knows the session (403): not even a DELETE is worth sending. */
  readonly gone?: boolean
}

/** Short budgets for the calls of `end` and of a failed start: the session bounds `end` as a whole too. */
const endPolicy = (retry: RetryPolicy | undefined): RetryPolicy => ({ ...retry, maxRetries: 3, deadline: "3 seconds" })

export type Chat = ReturnType<typeof makeChat>

export const makeChat = (deps: ChatDeps, initial: SalesforceSession) => {
  const { emit } = deps
  const ready = Effect.unsafeMakeLatch(true) // closed while a handover is in progress
  const wanted = Effect.unsafeMakeLatch(false) // opened to ask the poller for a handover
  const commandLock = Effect.unsafeMakeSemaphore(1)
  const outcome = Deferred.unsafeMake<void, ChatError>(FiberId.none)

  const state = {
    current: Redacted.make(initial),
    /** Next X-LIVEAGENT-SEQUENCE; `generation` counts the restarts of that counter. */
    nextSequence: 1,
    generation: 0,
    /** Handovers done so far. */
    epoch: 0,
    handoverRequested: false,
    /** After a handover: the next answer should start with ChasitorSessionData. */
    resyncPending: false,
    pollerActive: false,
    poller: undefined as Fiber.RuntimeFiber<void> | undefined,
    /** Abandons the long poll in flight (a handover does, as the reference asks). */
    abortPoll: undefined as (() => void) | undefined,
    /** Inbound cursor: the `sequence` of the last 200 processed, sent back as `ack`. */
    ack: -1,
    /** `offset` of the last non-empty answer, for ReconnectSession. */
    lastOffset: undefined as number | undefined,
    established: false,
    startSettled: false,
    /** The chat is over at the provider (ended, failed, expired or terminated). */
    over: false,
    /** The server no longer knows the session. */
    gone: false,
    /** Over because we gave up on it (polls kept failing), not because Salesforce ended it. */
    endedByUs: false,
    ending: false,
    /** Agent lines shown so far, in transcript order; `serverIndex` counts the server's agent lines delivered. */
    agentLines: [] as Array<string>,
    serverIndex: 0,
    /** Agent lines shown when the last handover began: lines shown after it came from the new host. */
    shownAtHandover: 0,
    /** Agent lines shown when `ack` was last set, and those whose ack the server has surely received. */
    linesAtAck: 0,
    acknowledgedLines: 0,
    /**
     * The first agent line shown from a ChasitorSessionData transcript that the server has not delivered as a
     * ChatMessage since: an ack covers what was delivered, so lines past it are never counted as acknowledged.
     */
    restoredFrom: undefined as number | undefined,
    /**
     * After ChasitorSessionData: its agent lines, which the server may deliver again as ChatMessages (those it never
     * saw acknowledged, in order, before anything new). `from`..`upTo` is where such a run can begin: past the lines
     * surely acknowledged, at most at the first line not shown before the handover. `next` is the run's position.
     */
    redelivery: undefined as { lines: ReadonlyArray<string>; from: number; upTo: number; next: number } | undefined,
    agentMessages: 0,
    visitorSent: 0,
    /** The visitor's lines in the last ChasitorSessionData (undefined when none arrived since the handover). */
    visitorTranscript: undefined as ReadonlyArray<string> | undefined,
    discontinuityEpoch: -1
  }

  const session = () => Redacted.value(state.current)
  const rate = new PollRate(provider)

  // ---- handover ---------------------------------------------------------------------------------------------------

  /** `GET System/ReconnectSession`: adopts the new affinity token and restarts the counter when told to. */
  const reconnect = Effect.gen(function* () {
    const offset = state.lastOffset ?? 0
    const answer = yield* retryTransient(
      provider,
      "ReconnectSession",
      call("ReconnectSession", () =>
        deps.commands.GET("/System/ReconnectSession", {
          params: { query: { "ReconnectSession.offset": offset }, header: reconnectHeaders(session()) }
        })
      ),
      deps.retry
    )
    const decoded = decodeReconnect(answer.data)
    if (Either.isLeft(decoded)) {
      return yield* new ProtocolError({
        provider,
        operation: "ReconnectSession",
        detail: "no affinity token in the answer"
      })
    }
    state.current = Redacted.make(session().withAffinityToken(decoded.right.affinityToken))
    if (decoded.right.resetSequence === true) {
      state.nextSequence = 1
      state.generation += 1
    }
    // In the same step as the new epoch: a 503 seen from now on asks for another handover.
    state.epoch += 1
    state.handoverRequested = false
    wanted.unsafeClose()
    state.resyncPending = true
    state.redelivery = undefined
    state.visitorTranscript = undefined
    state.shownAtHandover = state.agentLines.length
    yield* Effect.logDebug(
      `Salesforce handover ${state.epoch}: reconnected, sequence ${decoded.right.resetSequence === true ? "restarted" : "kept"}`
    )
  }).pipe(Effect.withSpan("Salesforce.reconnect", { captureStackTrace: false }))

  /** A call answered 503: the poller runs the handover, or the caller does when no poller is running. */
  const affinityChanged = (epochSeen: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (epochSeen !== state.epoch || state.over) return Effect.void
      if (state.pollerActive) {
        if (!state.handoverRequested) {
          state.handoverRequested = true
          ready.unsafeClose()
          wanted.unsafeOpen()
          state.abortPoll?.()
        }
        return Effect.void
      }
      return reconnect.pipe(Effect.catchAll((failure) => Effect.logDebug("Salesforce reconnect failed", failure._tag)))
    })

  // ---- commands ---------------------------------------------------------------------------------------------------

  /**
   * One sequenced request, exactly once: retried with the same number; renumbered only after the counter restarts,
   * and then skipped when `landed` proves an earlier, ambiguous attempt went through. Succeeds with `true` when it
   * was found in the transcript instead of being sent again.
   */
  const sequenced = (
    operation: string,
    run: (header: SequencedHeaders) => Result,
    options: {
      readonly landed?: () => boolean
      /** A refusal that, after an ambiguous attempt and a renumbering, means the first attempt was applied. */
      readonly refusedAsApplied?: (failure: CallFailure) => boolean
      readonly policy?: RetryPolicy
      /** Sent even though the chat is over for us (ChatEnd after we gave up on a chat still open at Salesforce). */
      readonly whenOver?: boolean
    } = {}
  ): Effect.Effect<boolean, CallFailure | ProviderUnavailable> =>
    Effect.suspend(() => {
      let sequence: number | undefined
      let generation = state.generation
      let ambiguous = false
      let renumberedAfterAmbiguity = false
      let landed = false
      const attempt = Effect.gen(function* () {
        yield* ready.await
        if (state.over && options.whenOver !== true) return yield* new CallFailure({ operation, status: 403 })
        if (sequence === undefined || generation !== state.generation) {
          if (sequence !== undefined && ambiguous) {
            if (options.landed?.() === true) {
              landed = true
              return
            }
            yield* Effect.logWarning(
              `Salesforce ${operation}: resending after a handover; its first attempt is unproven`
            )
          }
          renumberedAfterAmbiguity = sequence !== undefined && ambiguous
          sequence = state.nextSequence++
          generation = state.generation
          ambiguous = false
        }
        const epoch = state.epoch
        const header = sequencedHeaders(session(), sequence)
        // A sequenced request is safe to repeat under its number (the server drops a repeat): an answer that cannot
        // be read is retried like a lost one.
        yield* call(operation, () => run(header)).pipe(
          Effect.mapError((failure) => failure.repeatable()),
          // A 403 to a request whose affinity token a handover replaced while it was on its way: the server refused
          // it (it applied nothing), like a 503 it is sent again once the handover is done.
          Effect.mapError((failure) =>
            failure.status === 403 && !state.over && (state.epoch !== epoch || state.handoverRequested)
              ? new CallFailure({ operation, status: 503 })
              : failure
          ),
          Effect.tapError((failure) => {
            if (failure.status === 503) return affinityChanged(epoch)
            if (failure.maybeApplied) ambiguous = true
            return Effect.void
          }),
          Effect.catchIf(
            (failure) => renumberedAfterAmbiguity && options.refusedAsApplied?.(failure) === true,
            () =>
              Effect.sync(() => {
                landed = true
              })
          )
        )
      })
      return retryTransient(provider, operation, attempt, options.policy ?? deps.retry).pipe(Effect.map(() => landed))
    }).pipe(commandLock.withPermits(1))

  /** `DELETE System/SessionId/{key}`: bounded, never fails. */
  const deleteSession = Effect.suspend(() => {
    const attempt = Effect.suspend(() => {
      const epoch = state.epoch
      return call("DeleteSession", () =>
        deps.commands.DELETE("/System/SessionId/{sessionKey}", { params: endSessionParams(session()), parseAs: "text" })
      ).pipe(
        Effect.tapError((failure) => (failure.status === 503 ? affinityChanged(epoch) : Effect.void)),
        // 403: the session is already gone (ChatEnd, the agent or expiry ended it), which is what was asked.
        Effect.catchIf(
          (failure) => failure.status === 403,
          () => Effect.void
        )
      )
    })
    return retryTransient(provider, "DeleteSession", attempt, endPolicy(deps.retry))
  }).pipe(
    Effect.catchAll((failure) => Effect.logDebug("Salesforce session delete failed", failure._tag)),
    Effect.asVoid
  )

  /** Maps a command failure to what the caller can act on. */
  const refused =
    (operation: string) =>
    (failure: CallFailure | ProviderUnavailable): ChatError => {
      if (failure._tag === "ProviderUnavailable") return failure
      if (failure.malformed !== undefined) return new ProtocolError({ provider, operation, detail: failure.malformed })
      if (failure.status === 403) {
        return state.over
          ? new ChatClosed({ provider, operation })
          : new SessionExpired({ provider, operation, status: 403 })
      }
      return new ProtocolError({ provider, operation, detail: `unexpected HTTP ${failure.status ?? "failure"}` })
    }

  /** Has the visitor's latest message landed? Only a transcript received after the handover can say so. */
  const visitorLanded = (text: string) => () => {
    const lines = state.visitorTranscript
    return lines !== undefined && lines.length > state.visitorSent && lines.at(-1) === text
  }

  // ---- events -----------------------------------------------------------------------------------------------------

  const now = Clock.currentTimeMillis

  const discontinuity = (reason: string) =>
    Effect.suspend(() => {
      if (state.discontinuityEpoch === state.epoch) return Effect.void
      state.discontinuityEpoch = state.epoch
      return emit({ type: "discontinuity", reason })
    })

  /**
   * Whether an agent line is the server delivering again a line of the last ChasitorSessionData: the first one may
   * stand anywhere a run of unacknowledged lines can begin, each next one must follow in order. A line that fits
   * neither is new (a server may deliver lines written after the handover before its backlog); the window stays
   * open until the run is complete or an empty answer shows the server has nothing more to deliver
   * (`closeRedelivery`).
   */
  const isRedelivery = (text: string): boolean => {
    const window = state.redelivery
    if (window === undefined) return false
    if (window.next < 0) {
      for (let at = window.from; at <= window.upTo && at < window.lines.length; at++) {
        if (window.lines[at] === text) {
          window.next = at + 1
          if (window.next >= window.lines.length) state.redelivery = undefined
          return true
        }
      }
      return false
    }
    if (window.lines[window.next] !== text) return false
    window.next += 1
    if (window.next >= window.lines.length) {
      state.redelivery = undefined
      state.restoredFrom = undefined // every restored line came again: the server delivered them all
    }
    return true
  }

  /** The server answered with nothing to deliver: whatever it had to deliver again is delivered. */
  const closeRedelivery = () => {
    state.redelivery = undefined
    state.restoredFrom = undefined
  }

  /** One agent line of the server's transcript, skipped when it is a re-delivery of a line already shown. */
  const agentLine = (text: string, at?: number) =>
    Effect.gen(function* () {
      if (state.redelivery !== undefined && isRedelivery(text)) return
      state.serverIndex += 1
      if (state.serverIndex <= state.agentLines.length) {
        if (state.agentLines[state.serverIndex - 1] === text) return
        state.agentLines.length = state.serverIndex - 1
        yield* discontinuity("Salesforce re-delivered agent lines that differ from the ones already shown")
      }
      state.agentLines.push(text)
      state.agentMessages += 1
      const id = `sf-${state.agentMessages}`
      yield* emit({ type: "message", id, from: "agent", text, at: at ?? (yield* now) })
    })

  /** ChasitorSessionData after a handover: what the server says the visitor has, against what was shown. */
  const reconcile = (lines: ReadonlyArray<TranscriptLine> | undefined) =>
    Effect.gen(function* () {
      if (lines === undefined) {
        state.serverIndex = state.agentLines.length
        return yield* discontinuity("Salesforce restored the session without its transcript")
      }
      state.visitorTranscript = lines.filter((line) => line.type === "Chasitor").map((line) => line.content ?? "")
      const agent = lines.filter((line) => line.type === "Agent")
      const shown = state.agentLines
      let common = 0
      while (common < agent.length && common < shown.length && agent[common]?.content === shown[common]) common++
      state.serverIndex = common
      state.redelivery = undefined
      if (common === shown.length) {
        // Every line shown is in the transcript; any line past them was missed during the handover. Lines it holds
        // that the server never saw acknowledged may be delivered again as ChatMessages (reference §1.8, §1.9).
        for (const line of agent.slice(common)) yield* agentLine(line.content ?? "", line.timestamp)
        if (agent.length > common) state.restoredFrom = Math.min(state.restoredFrom ?? common, common)
        const from = Math.min(state.acknowledgedLines, common)
        if (from < agent.length) {
          state.redelivery = { lines: agent.map((line) => line.content ?? ""), from, upTo: common, next: -1 }
        }
      } else if (common === agent.length && common >= state.shownAtHandover) {
        // The transcript holds every line shown before the handover; the lines past it came from the new host before
        // ChasitorSessionData (a server that delivers its backlog first and leaves it out of the snapshot): they
        // are delivered, not to come again.
        state.serverIndex = shown.length
      } else if (common < agent.length) {
        yield* discontinuity("Salesforce's transcript after the handover differs from the lines already shown")
        state.agentLines = agent.map((line) => line.content ?? "")
        state.serverIndex = agent.length
      }
      // Otherwise the transcript is a prefix of what was shown: the rest comes again and is skipped by position.
    })

  /** The chat is over at the provider: one `ended` event, or the start's failure if start has not returned. */
  const terminate = (terminal: Terminal) =>
    Effect.suspend(() => {
      if (state.over) return Effect.void
      state.over = true
      state.gone = terminal.gone === true
      state.endedByUs = terminal.event.reason === "error"
      ready.unsafeOpen()
      if (!state.startSettled) {
        state.startSettled = true
        return Deferred.fail(outcome, terminal.error)
      }
      return emit(terminal.event)
    })

  const settleStart = Effect.suspend(() => {
    if (state.startSettled) return Effect.void
    state.startSettled = true
    return Deferred.succeed(outcome, undefined)
  })

  /** Ends the chat at the provider: ChatEnd while an agent has it, then DELETE. Idempotent, bounded, never fails. */
  const end = Effect.suspend(() => {
    if (state.ending) return Effect.void
    state.ending = true
    // After an end of our own making ("error": polls that kept failing) the chat is still open at Salesforce.
    const openThere = !state.over || (!state.gone && state.endedByUs)
    const chatEnd =
      state.established && openThere
        ? sequenced(
            "ChatEnd",
            (header) =>
              deps.commands.POST("/Chasitor/ChatEnd", {
                params: { header },
                body: { reason: "client" },
                parseAs: "text"
              }),
            { policy: endPolicy(deps.retry), whenOver: true }
          ).pipe(Effect.catchAll((failure) => Effect.logDebug("Salesforce ChatEnd failed", failure._tag)))
        : Effect.void
    return chatEnd.pipe(Effect.zipRight(state.gone ? Effect.void : deleteSession))
  }).pipe(Effect.withSpan("Salesforce.end", { captureStackTrace: false }))

  return {
    state,
    ready,
    wanted,
    outcome,
    rate,
    reconnect,
    affinityChanged,
    sequenced,
    deleteSession,
    refused,
    visitorLanded,
    discontinuity,
    agentLine,
    reconcile,
    closeRedelivery,
    terminate,
    settleStart,
    end,
    session,
    now
  }
}

export const unavailable = (operation: string, attempts: number, detail: string) =>
  new ProviderUnavailable({ provider, operation, attempts, detail })
