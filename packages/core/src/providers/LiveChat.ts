/**
 * LiveChat visitor chat API v2 (reference §3): form-encoded calls, a `last_message_id` cursor, and a chat closed
 * after about 30 s without `get_pending_messages`.
 *
 * - Polling adapts: every `active` while an agent is writing, `normal` otherwise, `idle` after a quiet minute, and
 *   never later than the keep-alive deadline minus a safety margin.
 * - Sends are exactly-once: `send_message` has no dedupe key, so after an ambiguous failure (no answer, or 5xx) the
 *   adapter counts the visitor's own messages in the log (LiveChat echoes them) before sending again.
 * - `start` is retried: the API returns the open chat of a visitor id instead of a second one (spec decision).
 */
import { createLiveChatClient } from "@switchboard/client-livechat"
import { Clock, Config, Duration, Effect, Layer, Metric, Option, Random, Scope } from "effect"
import { capabilities } from "../Capabilities.ts"
import type { ChatEvent } from "../ChatEvent.ts"
import { ChatProvider, type ChatProviderService, type Emit, type Health, type StartRequest } from "../ChatProvider.ts"
import {
  type ChatError,
  ChatRequestRejected,
  InvalidConfiguration,
  ProtocolError,
  type ProviderUnavailable,
  SessionExpired,
  titles,
  Unauthorized
} from "../Errors.ts"
import { cadence } from "../internal/cadence.ts"
import { type CallFailure, call } from "../internal/call.ts"
import * as PollScheduler from "../internal/pollScheduler.ts"
import { checkLimits, startPermits } from "../internal/starts.ts"
import { scopedTransport } from "../internal/transport.ts"
import { ambiguousStarts, providerTags } from "../Metrics.ts"
import { type RetryPolicy, retryTransient } from "../Retry.ts"
import { LiveChatChat, type LiveChatShared } from "./livechat/chat.ts"
import { decodeStart } from "./livechat/wire.ts"

export interface LiveChatSettings {
  /** API origin; default `https://api.livechatinc.com`. */
  readonly baseUrl?: string
  /** The LiveChat licence (account) number. */
  readonly licenceId: number
  /** Group to route chats to, unless a chat asks for another (`StartRequest.routing`). */
  readonly group?: number
  /**
   * LiveChat requires a first line (`welcome_message`) to start a chat: the chat's `firstMessage` when it has one,
   * else this, given the visitor's name. The agent reads it as the visitor's first line, and the session's events
   * show it as one. Default: `Hello, this is <visitorName>.`
   */
  readonly welcomeMessage?: string | ((visitorName: string) => string)
  /** Request bodies as the vendor documents them (`form`, default) or as JSON. */
  readonly bodyEncoding?: "form" | "json"
  readonly polling?: {
    /** While the agent is writing; default 1 s. */
    readonly active?: Duration.DurationInput
    /** Default 2 s. */
    readonly normal?: Duration.DurationInput
    /** After a quiet minute; default 5 s. */
    readonly idle?: Duration.DurationInput
    /** LiveChat closes a chat not polled for this long; default 30 s. */
    readonly keepAlive?: Duration.DurationInput
    /** No poll interval or retry pause ever comes closer than this to the keep-alive deadline; default 10 s. */
    readonly safetyMargin?: Duration.DurationInput
  }
  readonly retry?: RetryPolicy
  /** Most sockets to the API; default 128. */
  readonly connections?: number
  /** Most chat starts talking to LiveChat at once (the others wait their turn); default 32. */
  readonly startsInFlight?: number
  /** Whole-request deadline (connect, headers and the whole body), whatever the transport; default 15 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Largest answer read, in bytes, as received and once decoded; default 8 MiB. A larger one is a ProtocolError. */
  readonly maxResponseBytes?: number
  /** A custom fetch (tests, other runtimes); by default requests go through undici with a capped pool. */
  readonly fetch?: (request: Request) => Promise<Response>
}

const provider = "livechat" as const
/** LiveChat says nothing of the queue: every chat starts with this one event, shared (events are read-only). */
const queued: ChatEvent = Object.freeze({ type: "queued" })

const checkSettings = (settings: LiveChatSettings) => {
  if (!Number.isInteger(settings.licenceId) || settings.licenceId <= 0) {
    return new InvalidConfiguration({ provider, field: "licenceId", problem: "must be a positive whole number" })
  }
  if (settings.group !== undefined && (!Number.isInteger(settings.group) || settings.group < 0)) {
    return new InvalidConfiguration({ provider, field: "group", problem: "must be a whole number" })
  }
  const limits = checkLimits(provider, settings)
  if (limits !== undefined) return limits
  try {
    const url = new URL(settings.baseUrl ?? "https://api.livechatinc.com")
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme")
  } catch {
    return new InvalidConfiguration({ provider, field: "baseUrl", problem: "must be an http(s) URL" })
  }
  const keepAlive = Duration.decode(settings.polling?.keepAlive ?? "30 seconds")
  const margin = Duration.decode(settings.polling?.safetyMargin ?? "10 seconds")
  const idle = Duration.decode(settings.polling?.idle ?? "5 seconds")
  if (Duration.greaterThan(idle, Duration.subtract(keepAlive, margin))) {
    return new InvalidConfiguration({
      provider,
      field: "polling.idle",
      problem: "must leave the safety margin before the keep-alive deadline"
    })
  }
  return undefined
}

/** The first line of a chat started without `firstMessage` (see `LiveChatSettings.welcomeMessage`). */
const welcomeOf = (settings: LiveChatSettings, visitorName: string): string => {
  const welcome = settings.welcomeMessage
  if (welcome === undefined) return `Hello, this is ${visitorName}.`
  return typeof welcome === "string" ? welcome : welcome(visitorName)
}

/** Maps a failure that retries cannot fix to the error a person can act on. */
const refused = (failure: CallFailure | ProviderUnavailable): ChatError => {
  if (failure._tag === "ProviderUnavailable") return failure
  const { status, operation } = failure
  if (failure.malformed !== undefined) return new ProtocolError({ provider, operation, detail: failure.malformed })
  if (status === 401) return new Unauthorized({ provider, operation, status, detail: "check the licence id" })
  if (status === 404) return new SessionExpired({ provider, operation, status })
  return new ProtocolError({ provider, operation, detail: `unexpected HTTP ${status}` })
}

/** A chat's finalizer: made out here, because a closure made in `start` would keep all of its locals. */
const closeOf = (chat: LiveChatChat) => () => chat.close

/** Builds the adapter; its connection pool lives as long as the scope. */
export const make = (
  settings: LiveChatSettings
): Effect.Effect<ChatProviderService, InvalidConfiguration, Scope.Scope> =>
  Effect.gen(function* () {
    const problem = checkSettings(settings)
    if (problem !== undefined) return yield* problem
    const transport = yield* scopedTransport(settings)
    const permits = yield* startPermits(settings)
    const client = createLiveChatClient({
      baseUrl: settings.baseUrl ?? "https://api.livechatinc.com",
      bodyEncoding: settings.bodyEncoding ?? "form",
      ...transport
    })
    const licence_id = settings.licenceId
    const keepAlive = Duration.toMillis(settings.polling?.keepAlive ?? "30 seconds")
    const ceiling = keepAlive - Duration.toMillis(settings.polling?.safetyMargin ?? "10 seconds")
    const pauses = {
      active: Math.min(Duration.toMillis(settings.polling?.active ?? "1 second"), ceiling),
      normal: Math.min(Duration.toMillis(settings.polling?.normal ?? "2 seconds"), ceiling),
      idle: Math.min(Duration.toMillis(settings.polling?.idle ?? "5 seconds"), ceiling)
    }
    // Every chat of this adapter is polled by one driver, each on its own copy of the cadence's state.
    const schedule = cadence(pauses)
    const polls = yield* PollScheduler.make().pipe(Effect.annotateLogs({ provider }))
    const shared: LiveChatShared = {
      client,
      licenceId: licence_id,
      retry: settings.retry,
      keepAlive,
      giveUpAfter: keepAlive - pauses.normal,
      ceiling,
      normal: pauses.normal,
      quiet: Effect.succeed({ _tag: "Answered", news: false, agentActive: false, ceiling }),
      clock: yield* Effect.clock,
      refused
    }

    const start = Effect.fn("LiveChat.start", { captureStackTrace: false })(function* (
      request: StartRequest,
      emit: Emit,
      health: Health
    ) {
      const visitor_id =
        request.visitorId ??
        `visitor-${(yield* Clock.currentTimeMillis).toString(36)}-${(yield* Random.nextIntBetween(0, 2 ** 31)).toString(36)}`
      const path = { path: { visitor_id } }
      const group = request.routing === undefined ? settings.group : Number(request.routing)
      if (group !== undefined && !Number.isInteger(group)) {
        return yield* new InvalidConfiguration({ provider, field: "routing", problem: "a LiveChat group is a number" })
      }
      const welcome = (request.firstMessage?.trim() || welcomeOf(settings, request.visitorName)).slice(0, 1024)
      const body = {
        licence_id,
        welcome_message: welcome,
        name: request.visitorName,
        ...(request.email === undefined ? {} : { email: request.email }),
        ...(group === undefined ? {} : { group })
      }
      // `start` names the visitor, so repeating it is safe (the open chat comes back, or the server closes it and
      // opens another): an answer that cannot be read is retried like a lost one. If no attempt was answered
      // readably after one that may have created the chat, that chat cannot be closed (its secret was in the lost
      // answer): counted, it ends at LiveChat's own inactivity timeout.
      let ambiguous = false
      const attempt = call("start", () =>
        client.POST("/visitors/{visitor_id}/chat/start", { params: path, body })
      ).pipe(
        Effect.mapError((failure) => {
          if (failure.maybeApplied) ambiguous = true
          return failure.repeatable()
        })
      )
      // Uninterruptible: once sent, the request may create the chat, and only its answer lets us close it again.
      const answer = yield* permits
        .withPermit(Effect.uninterruptible(retryTransient(provider, "start", attempt, settings.retry)))
        .pipe(
          Effect.tapError(() =>
            ambiguous ? Metric.update(Metric.taggedWithLabels(ambiguousStarts, providerTags(provider)), 1) : Effect.void
          ),
          Effect.mapError(refused)
        )
      const started = decodeStart(answer.data)
      if (started._tag === "Left") {
        // The chat may exist, but without its secret it cannot be closed: counted, like a lost answer.
        yield* Metric.update(Metric.taggedWithLabels(ambiguousStarts, providerTags(provider)), 1)
        return yield* new ProtocolError({ provider, operation: "start", detail: "no secured_session_id in the answer" })
      }
      if (started.right.banned === true) {
        return yield* new ChatRequestRejected({ provider, reason: "the visitor is banned" })
      }
      const chat = new LiveChatChat(shared, visitor_id, started.right.secured_session_id, welcome, emit, health)
      // One finalizer stops the polling and ends the chat (not Effect.addFinalizer: see Session.make).
      yield* Scope.addFinalizerExit(yield* Effect.scope, closeOf(chat))
      yield* emit(queued)
      yield* chat.pollWith(polls, schedule)
      return chat
    })

    return ChatProvider.of({ name: provider, title: titles.livechat, capabilities: capabilities.livechat, start })
  })

/** The adapter as a layer; its connection pool closes with the layer. */
export const layer = (settings: LiveChatSettings): Layer.Layer<ChatProvider, InvalidConfiguration> =>
  Layer.scoped(ChatProvider, make(settings))

/** Reads `LIVECHAT_BASE_URL` (optional), `LIVECHAT_LICENCE_ID` and `LIVECHAT_GROUP` (optional). */
export const layerConfig: Layer.Layer<ChatProvider, InvalidConfiguration> = Layer.scoped(
  ChatProvider,
  Config.all({
    baseUrl: Config.option(Config.string("LIVECHAT_BASE_URL")),
    licenceId: Config.integer("LIVECHAT_LICENCE_ID"),
    group: Config.option(Config.integer("LIVECHAT_GROUP"))
  }).pipe(
    Effect.mapError(
      (error) =>
        new InvalidConfiguration({ provider, field: "environment", problem: String(error).split("\n")[0] ?? "" })
    ),
    Effect.flatMap(({ baseUrl, licenceId, group }) =>
      make({
        licenceId,
        ...Option.match(baseUrl, { onNone: () => ({}), onSome: (value) => ({ baseUrl: value }) }),
        ...Option.match(group, { onNone: () => ({}), onSome: (value) => ({ group: value }) })
      })
    )
  )
)
