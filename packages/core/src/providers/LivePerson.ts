/**
 * LivePerson legacy Chat REST API, visitor side (reference §2): an app key, a chat URI from the `Location` of the
 * chat request, a log of events read with a `from` cursor, and a chat that times out after `chatTimeout` (about
 * 40 s) without any request.
 *
 * - `start` checks availability (nothing is created when no agent can take the chat), requests the chat and sets
 *   the visitor's name. The chat request has no dedupe key, so it is repeated only when it certainly did not reach
 *   LivePerson (connection refused, 429, 503). A failure once the chat exists ends it before the error returns.
 * - The poller reads `{chat}?from=N` every `interval` (2 s), never slower than the chat timeout minus a safety
 *   margin, follows the `next` link, orders events by id and drops repeats.
 * - Sends are exactly-once: `POST events` has no dedupe key, so after an ambiguous failure (no answer, 5xx) the
 *   adapter counts the visitor's own lines in the log (LivePerson echoes them) before sending again.
 * - `end` posts `state: ended` unless the chat has already ended; bounded, never fails.
 */
import {
  createLivePersonClient,
  type LivePersonClient,
  parseChatLocation,
  putOverride
} from "@switchboard/client-liveperson"
import { Config, Duration, Effect, Either, Exit, Layer, Metric, Option, Redacted, Scope } from "effect"
import { capabilities } from "../Capabilities.ts"
import {
  type Availability,
  ChatProvider,
  type ChatProviderService,
  type Emit,
  type Health,
  type StartRequest
} from "../ChatProvider.ts"
import {
  ChatClosed,
  type ChatError,
  ChatRequestRejected,
  InvalidConfiguration,
  NoAgentsAvailable,
  ProtocolError,
  ProviderUnavailable,
  titles,
  Unauthorized
} from "../Errors.ts"
import { type Answer, type CallFailure, call } from "../internal/call.ts"
import * as PollScheduler from "../internal/pollScheduler.ts"
import { checkLimits, startPermits } from "../internal/starts.ts"
import { scopedTransport } from "../internal/transport.ts"
import { ambiguousStarts, providerTags } from "../Metrics.ts"
import { type RetryPolicy, retryTransient, transientSchedule, withinBudget } from "../Retry.ts"
import { type Cadence, type ChatPath, ceilingFor, Ender, runChat, scheduleFor } from "./liveperson/chat.ts"
import { errorMessage, provider } from "./liveperson/errors.ts"
import { decodeAvailability, decodeWaitTime } from "./liveperson/wire.ts"

export interface LivePersonSettings {
  /** Origin of the account's conversationVep domain (LivePerson's Domain API), e.g. `https://va-a.convep.liveperson.net`. */
  readonly baseUrl: string
  /** The LivePerson account (site) id. */
  readonly accountId: string
  /** The application key. A secret: it never appears in errors or logs. */
  readonly appKey: Redacted.Redacted<string>
  /** `header` (default): `Authorization: LivePerson appKey=…`, as documented; `query`: `appKey=…`, as production clients do. */
  readonly appKeyIn?: "header" | "query"
  /** Skill to route chats to, unless a chat asks for another (`StartRequest.routing`). */
  readonly skill: string
  /** Longest wait in seconds (0-86400) before the chat must start; sent with availability and the chat request. */
  readonly maxWaitTime?: number
  /** Per-interaction timeout in seconds, sent with the chat request; it becomes the chat's `chatTimeout`. */
  readonly interactionTimeout?: number
  readonly polling?: {
    /** Pause between two polls; default 2 s. */
    readonly interval?: Duration.DurationInput
    /** A chat with no request for this long times out; default `interactionTimeout` or 40 s (the server's value wins when smaller). */
    readonly chatTimeout?: Duration.DurationInput
    /** No pause between polls or retries ever comes closer than this to the chat timeout; default 10 s. */
    readonly safetyMargin?: Duration.DurationInput
  }
  readonly retry?: RetryPolicy
  /** Most sockets to the API; default 128. */
  readonly connections?: number
  /** Most chat starts talking to LivePerson at once (the others wait their turn); default 32. */
  readonly startsInFlight?: number
  /** Whole-request deadline (connect, headers and the whole body), whatever the transport; default 15 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Largest answer read, in bytes, as received and once decoded; default 8 MiB. A larger one is a ProtocolError. */
  readonly maxResponseBytes?: number
  /** A custom fetch (tests, other runtimes); by default requests go through undici with a capped pool. */
  readonly fetch?: (request: Request) => Promise<Response>
}

const accountPattern = /^[A-Za-z0-9]+$/

const invalid = (field: string, problem: string) => new InvalidConfiguration({ provider, field, problem })

const cadenceOf = (settings: LivePersonSettings): Cadence => ({
  interval: Duration.toMillis(settings.polling?.interval ?? "2 seconds"),
  chatTimeout: Duration.toMillis(settings.polling?.chatTimeout ?? Duration.seconds(settings.interactionTimeout ?? 40)),
  safetyMargin: Duration.toMillis(settings.polling?.safetyMargin ?? "10 seconds")
})

const checkSettings = (settings: LivePersonSettings): InvalidConfiguration | undefined => {
  try {
    const url = new URL(settings.baseUrl)
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme")
  } catch {
    return invalid("baseUrl", "must be an http(s) URL (the account's conversationVep domain)")
  }
  if (typeof settings.accountId !== "string" || !accountPattern.test(settings.accountId)) {
    return invalid("accountId", "must be the account's alphanumeric id")
  }
  if (!Redacted.isRedacted(settings.appKey) || Redacted.value(settings.appKey).trim() === "") {
    return invalid("appKey", "must be a non-empty Redacted string")
  }
  if (settings.appKeyIn !== undefined && settings.appKeyIn !== "header" && settings.appKeyIn !== "query") {
    return invalid("appKeyIn", 'must be "header" or "query"')
  }
  if (typeof settings.skill !== "string" || settings.skill.trim() === "") return invalid("skill", "must not be empty")
  const { maxWaitTime, interactionTimeout } = settings
  if (maxWaitTime !== undefined && (!Number.isInteger(maxWaitTime) || maxWaitTime < 0 || maxWaitTime > 86_400)) {
    return invalid("maxWaitTime", "must be a whole number of seconds from 0 to 86400")
  }
  if (interactionTimeout !== undefined && (!Number.isInteger(interactionTimeout) || interactionTimeout <= 0)) {
    return invalid("interactionTimeout", "must be a positive whole number of seconds")
  }
  const cadence = cadenceOf(settings)
  if (!(cadence.interval > 0) || !(cadence.chatTimeout > 0) || !(cadence.safetyMargin >= 0)) {
    return invalid("polling", "interval and chatTimeout must be positive, safetyMargin not negative")
  }
  if (cadence.interval > ceilingFor(cadence.chatTimeout, cadence.safetyMargin)) {
    return invalid(
      "polling.interval",
      "must leave the safety margin before the chat timeout (the poll is the keep-alive)"
    )
  }
  return checkLimits(provider, settings)
}

/** Whether the scope of a start has closed. */
interface ScopeWatch {
  closed: boolean
}

const markClosed = (watch: ScopeWatch) => () =>
  Effect.sync(() => {
    watch.closed = true
  })

const endOf = (ender: Ender) => () => ender.end

/** Builds the adapter; its connection pool lives as long as the scope. */
export const make = (
  settings: LivePersonSettings
): Effect.Effect<ChatProviderService, InvalidConfiguration, Scope.Scope> =>
  Effect.gen(function* () {
    const problem = checkSettings(settings)
    if (problem !== undefined) return yield* problem
    const transport = yield* scopedTransport(settings)
    const permits = yield* startPermits(settings)
    const appKey = Redacted.value(settings.appKey)
    const client: LivePersonClient = createLivePersonClient({
      baseUrl: settings.baseUrl,
      appKey,
      appKeyIn: settings.appKeyIn ?? "header",
      ...transport
    })
    const scrub = (text: string) => text.replaceAll(appKey, "<app key>")
    const accountId = settings.accountId
    const account = { path: { accountId } }
    const cadence = cadenceOf(settings)
    // Every chat of this adapter is polled by one driver, each on its own copy of the cadence's state.
    const polls = yield* PollScheduler.make().pipe(Effect.annotateLogs({ provider }))
    const schedule = scheduleFor(cadence)

    /** Before a chat exists: what a refusal means for the caller. */
    const refused = (failure: CallFailure | ProviderUnavailable): ChatError => {
      if (failure._tag === "ProviderUnavailable") return failure
      const { status, operation } = failure
      if (failure.malformed !== undefined) return new ProtocolError({ provider, operation, detail: failure.malformed })
      const message = errorMessage(failure.body, scrub)
      if (status === 401 || status === 403) {
        return new Unauthorized({
          provider,
          operation,
          status,
          detail: message === undefined ? "check the app key" : `${message}; check the app key and the account`
        })
      }
      if (status === 404)
        return invalid("accountId", `LivePerson does not know this account at ${settings.baseUrl} (HTTP 404)`)
      if (status === 400 && operation === "requestChat") {
        return new ChatRequestRejected({ provider, reason: message ?? "the chat request was refused (HTTP 400)" })
      }
      if (status === 400)
        return invalid("skill", `LivePerson refused the ${operation} query${message ? `: ${message}` : ""}`)
      return new ProtocolError({
        provider,
        operation,
        detail: `unexpected HTTP ${status}${message ? ` (${message})` : ""}`
      })
    }

    const availability = (skill: string) =>
      retryTransient(
        provider,
        "getAvailability",
        call("getAvailability", () =>
          client.GET("/api/account/{accountId}/chat/availability", {
            params: {
              ...account,
              query: { skill, ...(settings.maxWaitTime === undefined ? {} : { maxWaitTime: settings.maxWaitTime }) }
            }
          })
        ),
        settings.retry
      ).pipe(
        Effect.mapError(refused),
        Effect.flatMap((answer) =>
          Either.match(decodeAvailability(answer.data), {
            onLeft: () =>
              Effect.fail(
                new ProtocolError({ provider, operation: "getAvailability", detail: "no availability boolean" })
              ),
            onRight: (decoded) => Effect.succeed(decoded.availability)
          })
        )
      )

    /** Account-level estimate for a new chat on the skill, in seconds; none when unknown (-1, -2) or unreadable. */
    const estimate = (skill: string) =>
      call("getEstimatedWaitTime", () =>
        client.GET("/api/account/{accountId}/chat/estimatedWaitTime", { params: { ...account, query: { skill } } })
      ).pipe(
        Effect.map((answer) => {
          const decoded = decodeWaitTime(answer.data)
          return Either.isRight(decoded) && decoded.right.estimatedWaitTime >= 0
            ? Option.some(decoded.right.estimatedWaitTime)
            : Option.none()
        }),
        Effect.orElseSucceed(() => Option.none<number>())
      )

    /**
     * `POST chat/request` creates a chat per call and has no idempotency key, so an attempt whose answer was lost
     * may have left a chat at LivePerson that nobody can end (its URI was in the lost answer). The visitor is served
     * first: the request is retried like any other call, and each retry after such an attempt is counted in
     * `switchboard_ambiguous_starts_total` (the orphan, if any, times out after LivePerson's `chatTimeout`). Each
     * attempt runs uninterruptibly, so a chat it created is always known to `created` (and ended when the start
     * fails).
     */
    const requestChat = <R>(
      body: { readonly request: Record<string, unknown> },
      created: (chat: ChatPath) => Effect.Effect<void, never, R>
    ) => {
      let attempts = 0
      const attempt = Effect.uninterruptible(
        Effect.suspend(() => {
          attempts += 1
          return call("requestChat", () =>
            client.POST("/api/account/{accountId}/chat/request", { params: account, body })
          )
        }).pipe(
          Effect.flatMap((answer: Answer<unknown>): Effect.Effect<Either.Either<ChatPath, string>, never, R> => {
            const location = parseChatLocation(
              { headers: answer.response.headers as Headers },
              { baseUrl: settings.baseUrl, accountId }
            )
            // Only the reason: the URI holds the chat id, which grants access to the chat.
            if (location.error !== undefined) {
              return Effect.succeed(
                Either.left(`the Location of the answer is ${location.error.reason}, not this account's chat URI`)
              )
            }
            const chat = { accountId: location.data.accountId, chatId: location.data.chatId }
            return Effect.as(created(chat), Either.right(chat))
          })
        )
      )
      const ambiguous = Metric.update(Metric.taggedWithLabels(ambiguousStarts, providerTags(provider)), 1)
      // Every attempt that may have created a chat whose URI core never read is counted: a lost answer (retried),
      // or one that cannot be read (not retried: a proxy that mangles answers would make a chat per attempt).
      const counted = attempt.pipe(Effect.tapError((failure) => (failure.maybeApplied ? ambiguous : Effect.void)))
      return Effect.retry(counted, transientSchedule(settings.retry)).pipe(
        Effect.catchAll((failure) =>
          Effect.fail(
            failure.retryable
              ? new ProviderUnavailable({
                  provider,
                  operation: "requestChat",
                  attempts,
                  ...(failure.status === undefined ? {} : { lastStatus: failure.status }),
                  ...(failure.status === undefined ? { detail: failure.code ?? "no answer" } : {})
                })
              : refused(failure)
          )
        ),
        Effect.flatMap((result) =>
          Either.match(result, {
            // The chat may exist, but without a usable URI it cannot be ended: it times out at LivePerson (counted).
            onLeft: (detail) =>
              Effect.zipRight(
                ambiguous,
                Effect.fail(new ProtocolError({ provider, operation: "requestChat", detail }))
              ),
            onRight: (chat) => Effect.succeed(chat)
          })
        )
      )
    }

    const setVisitorName = (path: ChatPath, visitorName: string) =>
      retryTransient(
        provider,
        "setVisitorName",
        call("setVisitorName", () =>
          client.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
            params: { path, header: putOverride },
            body: { visitorName }
          })
        ),
        settings.retry
      ).pipe(Effect.mapError(refused))

    const starting = Effect.fn("LivePerson.start", { captureStackTrace: false })(function* (
      request: StartRequest,
      emit: Emit,
      health: Health
    ) {
      const skill = request.routing?.trim() || settings.skill
      const [available, wait] = yield* Effect.all([availability(skill), estimate(skill)], { concurrency: 2 })
      if (!available) return yield* new NoAgentsAvailable({ provider, detail: `skill "${skill}"` })

      const preChatLines = [
        ...(request.email === undefined ? [] : [`Email: ${request.email}`]),
        ...Object.entries(request.prechat ?? {}).map(([label, value]) => `${label}: ${value}`)
      ]
      const body = {
        request: {
          skill,
          ...(settings.maxWaitTime === undefined ? {} : { maxWaitTime: settings.maxWaitTime }),
          ...(settings.interactionTimeout === undefined ? {} : { interactionTimeout: settings.interactionTimeout }),
          ...(request.language === undefined ? {} : { language: request.language }),
          ...(preChatLines.length === 0 ? {} : { preChatLines: { line: preChatLines } })
        }
      }

      // Once the scope closes, the session is ending (perhaps without knowing of this start yet): the start stops at
      // its next step. A finalizer added to a closed scope runs at once, so this also tells whether it was closed
      // already. The chat itself is ended by the finalizer added the moment it exists. (Finalizers made by helpers
      // out here: not Effect.addFinalizer, which keeps the caller's fiber refs, nor a closure of this function,
      // which would keep its locals, for the chat's whole life.)
      const scope = yield* Effect.scope
      const watch: ScopeWatch = { closed: false }
      yield* Scope.addFinalizerExit(scope, markClosed(watch))
      const abandoned = Effect.suspend(() =>
        watch.closed ? Effect.fail(new ChatClosed({ provider, operation: "start" })) : Effect.void
      )
      yield* abandoned

      let ender: Ender | undefined
      return yield* Effect.gen(function* () {
        // Still inside the uninterruptible call: the chat exists, and from now on closing the scope ends it.
        const path = yield* requestChat(body, (chat) =>
          Effect.suspend(() => {
            const created = new Ender(client, chat, settings.retry)
            ender = created
            return Scope.addFinalizerExit(scope, endOf(created))
          })
        )
        yield* abandoned
        const name = request.visitorName.trim()
        if (name !== "") yield* setVisitorName(path, name)
        yield* emit({
          type: "queued",
          ...Option.match(wait, { onNone: () => ({}), onSome: (s) => ({ estimatedWaitSeconds: s }) })
        })
        const remote = yield* runChat({
          client,
          path,
          ender: ender as Ender,
          emit,
          health,
          cadence,
          retry: withinBudget(settings.retry, health.giveUpAfter),
          scrub,
          polls,
          schedule
        })
        yield* abandoned
        return remote
      }).pipe(
        // Whatever fails (or is interrupted) once the chat exists ends it at LivePerson at once, not only when the
        // scope closes.
        Effect.onExit((exit) => (Exit.isFailure(exit) && ender !== undefined ? ender.end : Effect.void))
      )
    })

    // Every request of a start (availability, chat request, visitor name) counts as one start in flight.
    const start = (request: StartRequest, emit: Emit, health: Health) =>
      permits.withPermit(starting(request, emit, health))

    /** Availability and the estimated wait of the skill, asked side by side (the same calls a start makes first). */
    const availabilityNow = (routing?: string) => {
      const skill = routing?.trim() || settings.skill
      return Effect.all([availability(skill), estimate(skill)], { concurrency: 2 }).pipe(
        Effect.map(
          ([available, wait]): Availability =>
            Option.match(wait, {
              onNone: () => ({ available }),
              onSome: (estimatedWaitSeconds) => ({ available, estimatedWaitSeconds })
            })
        ),
        Effect.withSpan("LivePerson.availability", { captureStackTrace: false })
      )
    }

    return ChatProvider.of({
      name: provider,
      title: titles.liveperson,
      capabilities: capabilities.liveperson,
      start,
      availability: availabilityNow
    })
  })

/** The adapter as a layer; its connection pool closes with the layer. */
export const layer = (settings: LivePersonSettings): Layer.Layer<ChatProvider, InvalidConfiguration> =>
  Layer.scoped(ChatProvider, make(settings))

/**
 * Reads `LIVEPERSON_BASE_URL`, `LIVEPERSON_ACCOUNT_ID`, `LIVEPERSON_APP_KEY` (secret), `LIVEPERSON_SKILL`, and
 * optionally `LIVEPERSON_APP_KEY_IN` (`header`|`query`), `LIVEPERSON_MAX_WAIT_TIME` and
 * `LIVEPERSON_INTERACTION_TIMEOUT` (seconds) and `LIVEPERSON_POLL_INTERVAL` (a duration, e.g. `2 seconds`).
 */
export const layerConfig: Layer.Layer<ChatProvider, InvalidConfiguration> = Layer.scoped(
  ChatProvider,
  Config.all({
    baseUrl: Config.string("LIVEPERSON_BASE_URL"),
    accountId: Config.string("LIVEPERSON_ACCOUNT_ID"),
    appKey: Config.redacted("LIVEPERSON_APP_KEY"),
    appKeyIn: Config.option(Config.literal("header", "query")("LIVEPERSON_APP_KEY_IN")),
    skill: Config.string("LIVEPERSON_SKILL"),
    maxWaitTime: Config.option(Config.integer("LIVEPERSON_MAX_WAIT_TIME")),
    interactionTimeout: Config.option(Config.integer("LIVEPERSON_INTERACTION_TIMEOUT")),
    interval: Config.option(Config.duration("LIVEPERSON_POLL_INTERVAL"))
  }).pipe(
    Effect.mapError((error) => invalid("environment", String(error).split("\n")[0] ?? "")),
    Effect.flatMap(({ appKeyIn, maxWaitTime, interactionTimeout, interval, ...required }) =>
      make({
        ...required,
        ...Option.match(appKeyIn, { onNone: () => ({}), onSome: (value) => ({ appKeyIn: value }) }),
        ...Option.match(maxWaitTime, { onNone: () => ({}), onSome: (value) => ({ maxWaitTime: value }) }),
        ...Option.match(interactionTimeout, { onNone: () => ({}), onSome: (value) => ({ interactionTimeout: value }) }),
        ...Option.match(interval, { onNone: () => ({}), onSome: (value) => ({ polling: { interval: value } }) })
      })
    )
  )
)
