/**
 * Salesforce Live Agent / Chat REST API (reference §1): header-versioned, one long poll per chat, a client-owned
 * sequence number that makes every command exactly-once, and an affinity handover (`503`) to survive.
 *
 * - `start`: `GET System/SessionId` → `POST Chasitor/ChasitorInit` (sequence 1) → polls until `ChatRequestSuccess`
 *   (emits `queued`) or `ChatRequestFail` (`NoAgentsAvailable` / `ChatRequestRejected`). Any failure after the
 *   session exists, interruption included, deletes it (`DELETE System/SessionId/{key}`).
 * - Polling, handover and exactly-once sends: see `salesforce/poller.ts` and `salesforce/chat.ts`.
 * - `end`: `POST Chasitor/ChatEnd` while an agent has the chat, then `DELETE System/SessionId/{key}`; bounded.
 *
 * The session key and affinity token stay in a `Redacted` (and the client's `SalesforceSession` prints
 * `<redacted>`); no error message carries them.
 */
import {
  type ChasitorInit,
  type CustomDetail,
  createSalesforceClient,
  DEFAULT_API_VERSION,
  newSessionHeaders,
  type SalesforceClient,
  SalesforceSession
} from "@switchboard/client-salesforce"
import { Config, Deferred, type Duration, Effect, Either, Fiber, Layer, Option, type Scope } from "effect"
import type { Agent } from "undici"
import { capabilities } from "../Capabilities.ts"
import {
  type Availability,
  ChatProvider,
  type ChatProviderService,
  type Emit,
  type Health,
  type RemoteChat,
  type StartRequest
} from "../ChatProvider.ts"
import {
  type ChatError,
  InvalidConfiguration,
  ProtocolError,
  type ProviderUnavailable,
  SessionExpired,
  titles,
  Unauthorized
} from "../Errors.ts"
import { type CallFailure, call } from "../internal/call.ts"
import type { Permits } from "../internal/gate.ts"
import { checkLimits, startPermits } from "../internal/starts.ts"
import { guardTransport, makePool, scopedTransport, transportOptions } from "../internal/transport.ts"
import { type RetryPolicy, retryTransient, untilDeadline, withinBudget } from "../Retry.ts"
import { type Chat, type ChatDeps, makeChat, provider, unavailable } from "./salesforce/chat.ts"
import { poller } from "./salesforce/poller.ts"
import { decodeAvailability, decodeSessionId, waitSeconds } from "./salesforce/wire.ts"

export interface SalesforceSettings {
  /** The org's Chat API endpoint, ending in `/chat/rest` (Setup → Chat Settings), e.g. `https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest`. */
  readonly baseUrl: string
  /** Organization id (`00D…`, 15 or 18 characters). */
  readonly orgId: string
  /** Chat deployment id (`572…`). */
  readonly deploymentId: string
  /** Chat button id (`573…`) chats are routed to, unless a chat asks for another (`StartRequest.routing`). */
  readonly buttonId: string
  /** `X-LIVEAGENT-API-VERSION`; default 57 (the client's). 37 or later: the handover needs `ReconnectSession`. */
  readonly apiVersion?: number | string
  /** The visitor's language when the chat does not say (`StartRequest.language`); default `en-US`. */
  readonly language?: string
  /** Sent as ChasitorInit's `userAgent`; default `Switchboard`. */
  readonly userAgent?: string
  /** Sent as ChasitorInit's `screenResolution`; default empty. */
  readonly screenResolution?: string
  /** Ask for QueueUpdate messages (queue position and wait estimate while queued); default true. */
  readonly receiveQueueUpdates?: boolean
  readonly retry?: RetryPolicy
  /** Most sockets for commands (everything but polls); default 128. */
  readonly connections?: number
  /** Most chat starts talking to Salesforce at once (the others wait their turn); default 32. */
  readonly startsInFlight?: number
  /** Most sockets for long polls, one held per chat; default 10,000. */
  readonly pollConnections?: number
  /**
   * Whole-request deadline of commands (connect, headers and the whole body), whatever the transport; default 15 s.
   * Polls are abandoned after the server's `clientPollTimeout`.
   */
  readonly requestTimeout?: Duration.DurationInput
  /** Largest answer read, in bytes, as received and once decoded; default 8 MiB. A larger one is a ProtocolError. */
  readonly maxResponseBytes?: number
  /** A custom fetch (tests, other runtimes); by default requests go through undici with capped pools. */
  readonly fetch?: (request: Request) => Promise<Response>
}

/** A Salesforce record id: 15 case-sensitive or 18 case-insensitive letters and digits. */
const salesforceId = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/

const checkSettings = (settings: SalesforceSettings): InvalidConfiguration | undefined => {
  const invalid = (field: string, problem: string) => new InvalidConfiguration({ provider, field, problem })
  try {
    const url = new URL(settings.baseUrl)
    if (url.protocol !== "https:" && url.protocol !== "http:") return invalid("baseUrl", "must be an http(s) URL")
    if (!/\/chat\/rest\/?$/.test(url.pathname)) {
      return invalid("baseUrl", "must be the org's Chat API endpoint, ending in /chat/rest")
    }
  } catch {
    return invalid("baseUrl", "must be an http(s) URL")
  }
  for (const field of ["orgId", "deploymentId", "buttonId"] as const) {
    if (!salesforceId.test(settings[field]))
      return invalid(field, "must be a Salesforce id (15 or 18 letters and digits)")
  }
  const version = Number(settings.apiVersion ?? DEFAULT_API_VERSION)
  if (!Number.isInteger(version) || version < 37) {
    return invalid("apiVersion", "must be a whole number, 37 or later (the handover needs ReconnectSession)")
  }
  const { pollConnections } = settings
  if (pollConnections !== undefined && (!Number.isInteger(pollConnections) || pollConnections < 1)) {
    return invalid("pollConnections", "must be a positive whole number")
  }
  return checkLimits(provider, settings)
}

/** Failures of `GET System/SessionId`, before any chat exists. */
const refusedSession = (failure: CallFailure | ProviderUnavailable): ChatError => {
  if (failure._tag === "ProviderUnavailable") return failure
  if (failure.malformed !== undefined) {
    return new ProtocolError({ provider, operation: "SessionId", detail: failure.malformed })
  }
  const { status } = failure
  if (status === 401 || status === 403) return new Unauthorized({ provider, operation: "SessionId", status })
  if (status === 400) {
    return new InvalidConfiguration({
      provider,
      field: "apiVersion",
      problem: "the server refused the request (HTTP 400)"
    })
  }
  if (status === 404 || status === 405) {
    return new InvalidConfiguration({
      provider,
      field: "baseUrl",
      problem: `no Chat REST API answers there (HTTP ${status})`
    })
  }
  return new ProtocolError({ provider, operation: "SessionId", detail: `unexpected HTTP ${status ?? "failure"}` })
}

/** Failures of ChasitorInit: the body is ours and well-formed, so a refusal is about the org, deployment or button. */
const refusedInit = (failure: CallFailure | ProviderUnavailable): ChatError => {
  if (failure._tag === "ProviderUnavailable") return failure
  if (failure.malformed !== undefined) {
    return new ProtocolError({ provider, operation: "ChasitorInit", detail: failure.malformed })
  }
  const { status } = failure
  if (status === 400 || status === 401) {
    const detail = "check orgId, deploymentId and the button id"
    return new Unauthorized({ provider, operation: "ChasitorInit", status, detail })
  }
  if (status === 403) return new SessionExpired({ provider, operation: "ChasitorInit", status })
  return new ProtocolError({ provider, operation: "ChasitorInit", detail: `unexpected HTTP ${status ?? "failure"}` })
}

const prechatDetails = (request: StartRequest): Array<CustomDetail> => {
  const detail = (label: string, value: string): CustomDetail => ({
    label,
    value,
    transcriptFields: [],
    displayToAgent: true
  })
  const details = Object.entries(request.prechat ?? {}).map(([label, value]) => detail(label, value))
  const hasEmail = details.some((entry) => entry.label.toLowerCase() === "email")
  return request.email === undefined || hasEmail ? details : [...details, detail("Email", request.email)]
}

/** Typing is a hint: a couple of quick retries, never holding up messages for long. */
const typingPolicy = (retry: RetryPolicy | undefined): RetryPolicy => ({
  ...retry,
  maxRetries: 2,
  deadline: "5 seconds"
})

/** The visitor-facing chat over one chat's machinery. */
const remoteChat = (deps: ChatDeps, chat: Chat): RemoteChat => ({
  send: ({ id, text }) =>
    chat
      .sequenced(
        "ChatMessage",
        (header) =>
          deps.commands.POST("/Chasitor/ChatMessage", { params: { header }, body: { text }, parseAs: "text" }),
        { landed: chat.visitorLanded(text), policy: untilDeadline(deps.retry, deps.health.giveUpAfter) }
      )
      .pipe(
        Effect.mapError(chat.refused("ChatMessage")),
        // Salesforce does not echo the visitor's lines: the adapter reports the accepted one itself.
        Effect.zipRight(
          Effect.suspend(() => {
            chat.state.visitorSent += 1
            return chat.now
          })
        ),
        Effect.flatMap((at) => deps.emit({ type: "message", id, from: "visitor", text, at })),
        Effect.withSpan("Salesforce.send", { captureStackTrace: false })
      ),
  typing: (on) =>
    chat
      .sequenced(
        on ? "ChasitorTyping" : "ChasitorNotTyping",
        (header) =>
          on
            ? deps.commands.POST("/Chasitor/ChasitorTyping", { params: { header }, body: {}, parseAs: "text" })
            : deps.commands.POST("/Chasitor/ChasitorNotTyping", { params: { header }, body: {}, parseAs: "text" }),
        { policy: typingPolicy(deps.retry) }
      )
      .pipe(Effect.asVoid, Effect.mapError(chat.refused(on ? "ChasitorTyping" : "ChasitorNotTyping"))),
  sneakPeek: (text) =>
    chat
      .sequenced(
        "ChasitorSneakPeek",
        (header) =>
          deps.commands.POST("/Chasitor/ChasitorSneakPeek", {
            params: { header },
            body: { position: text.length, text },
            parseAs: "text"
          }),
        { policy: typingPolicy(deps.retry) }
      )
      .pipe(
        Effect.asVoid,
        Effect.mapError(chat.refused("ChasitorSneakPeek")),
        Effect.withSpan("Salesforce.sneakPeek", { captureStackTrace: false })
      ),
  customEvent: (type, data) =>
    chat
      .sequenced("CustomEvent", (header) =>
        deps.commands.POST("/Chasitor/CustomEvent", { params: { header }, body: { type, data }, parseAs: "text" })
      )
      .pipe(
        Effect.asVoid,
        Effect.mapError(chat.refused("CustomEvent")),
        Effect.withSpan("Salesforce.customEvent", { captureStackTrace: false })
      ),
  end: chat.end,
  pollRate: chat.rate.perMinute
})

/** ChasitorInit (a start in flight until answered), the poller, and the wait for the request's outcome. */
const begin = (deps: ChatDeps, chat: Chat, init: ChasitorInit, permits: Permits) =>
  Effect.gen(function* () {
    yield* chat
      .sequenced(
        "ChasitorInit",
        (header) => deps.commands.POST("/Chasitor/ChasitorInit", { params: { header }, body: init, parseAs: "text" }),
        // A first attempt applied without an answer, then a handover that restarted the counter: the resent
        // request is refused because the session already requested its chat.
        { refusedAsApplied: (failure) => failure.status === 400 }
      )
      .pipe((effect) => permits.withPermit(effect), Effect.mapError(refusedInit))
    chat.state.pollerActive = true
    const fiber = yield* Effect.forkScoped(poller(deps, chat))
    chat.state.poller = fiber
    const outcome = Deferred.await(chat.outcome)
    // A poller that stops without an outcome was interrupted (its scope closed, possibly before it ever ran):
    // the start is interrupted too, and `release` deletes the session.
    const stopped = Fiber.await(fiber).pipe(
      Effect.zipRight(Effect.suspend(() => (chat.state.startSettled ? outcome : Effect.interrupt)))
    )
    yield* Effect.raceFirst(outcome, stopped).pipe(
      Effect.timeoutFail({
        duration: "60 seconds",
        onTimeout: () => unavailable("ChasitorInit", 1, "no answer to the chat request within 60 s")
      })
    )
    return remoteChat(deps, chat)
  })

/** Undoes a start that failed half-way: stops the poller, deletes the session. Never fails. */
const release = (chat: Chat) =>
  Effect.suspend(() => {
    const fiber = chat.state.poller
    const stop = fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    return stop.pipe(Effect.zipRight(chat.state.gone ? Effect.void : chat.deleteSession))
  })

/** Builds the adapter; its connection pools live as long as the scope. */
export const make = (
  settings: SalesforceSettings
): Effect.Effect<ChatProviderService, InvalidConfiguration, Scope.Scope> =>
  Effect.gen(function* () {
    const problem = checkSettings(settings)
    if (problem !== undefined) return yield* problem
    const apiVersion = settings.apiVersion ?? DEFAULT_API_VERSION
    const clientWith = (pool: Agent) =>
      createSalesforceClient({ baseUrl: settings.baseUrl, apiVersion, ...transportOptions(pool) })
    const permits = yield* startPermits(settings)
    const commands = createSalesforceClient({
      baseUrl: settings.baseUrl,
      apiVersion,
      ...(yield* scopedTransport(settings))
    })

    // Poll pools, one per `clientPollTimeout` the server announces (in practice one): their `headersTimeout`
    // abandons a held poll. Destroyed, not drained, with the layer: a held poll is worth nothing then.
    const pollPools: Array<Agent> = []
    const pollClients = new Map<number, SalesforceClient>()
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.all(pollPools.map((pool) => pool.destroy().catch(() => undefined))))
    )
    const pollClient = (clientPollTimeoutSeconds: number): SalesforceClient => {
      const millis = Math.ceil(clientPollTimeoutSeconds * 1000)
      const existing = pollClients.get(millis)
      if (existing !== undefined) return existing
      // A held poll's whole-request deadline is the server's clientPollTimeout, whatever the transport.
      const { maxResponseBytes } = settings
      let client: SalesforceClient
      if (settings.fetch !== undefined) {
        const fetch = settings.fetch as (request: Request) => Promise<Response>
        const transport = guardTransport(fetch, { deadlineMs: millis, maxResponseBytes })
        client = createSalesforceClient({ baseUrl: settings.baseUrl, apiVersion, ...transport })
      } else {
        const pool = makePool({ connections: settings.pollConnections ?? 10_000, deadline: millis, maxResponseBytes })
        pollPools.push(pool)
        client = clientWith(pool)
      }
      pollClients.set(millis, client)
      return client
    }

    /** The button a chat or an availability check is for: `routing`, or the settings' button. */
    const buttonFor = (routing: string | undefined) => {
      const buttonId = routing ?? settings.buttonId
      return salesforceId.test(buttonId)
        ? Effect.succeed(buttonId)
        : Effect.fail(
            new InvalidConfiguration({ provider, field: "routing", problem: "must be a Salesforce button id" })
          )
    }

    const start = Effect.fn("Salesforce.start", { captureStackTrace: false })(function* (
      request: StartRequest,
      emit: Emit,
      health: Health
    ) {
      const buttonId = yield* buttonFor(request.routing)
      // A lost answer leaves an orphan session with no chat, which the server expires: retrying is safe. The
      // session and the chat request are a start in flight each; the wait for an agent to accept is not.
      const answer = yield* retryTransient(
        provider,
        "SessionId",
        call("SessionId", () => commands.GET("/System/SessionId", { params: { header: newSessionHeaders() } })),
        settings.retry
      ).pipe((effect) => permits.withPermit(effect), Effect.mapError(refusedSession))
      const created = decodeSessionId(answer.data)
      if (Either.isLeft(created)) {
        const detail = "the answer lacks id, key, affinityToken or clientPollTimeout"
        return yield* new ProtocolError({ provider, operation: "SessionId", detail })
      }
      const { id, clientPollTimeout } = created.right
      const deps: ChatDeps = {
        orgId: settings.orgId,
        commands,
        polls: pollClient(clientPollTimeout),
        pollTimeoutMillis: settings.fetch === undefined ? undefined : clientPollTimeout * 1000,
        retry: withinBudget(settings.retry, health.giveUpAfter),
        emit,
        health
      }
      const chat = makeChat(deps, SalesforceSession.fromSessionId(created.right))
      const init: ChasitorInit = {
        organizationId: settings.orgId,
        deploymentId: settings.deploymentId,
        buttonId,
        sessionId: id,
        userAgent: settings.userAgent ?? "Switchboard",
        language: request.language ?? settings.language ?? "en-US",
        screenResolution: settings.screenResolution ?? "",
        visitorName: request.visitorName,
        prechatDetails: prechatDetails(request),
        prechatEntities: [],
        receiveQueueUpdates: settings.receiveQueueUpdates ?? true,
        isPost: true
      }
      return yield* begin(deps, chat, init, permits).pipe(Effect.onError(() => release(chat)))
    })

    /**
     * `Visitor/Availability` for the button (the settings' or `routing`), with its wait estimate (API 47+). A 503
     * here is the load balancer asking for another host: retried like any transient failure.
     */
    const availability = (routing?: string) =>
      Effect.gen(function* () {
        const buttonId = yield* buttonFor(routing)
        const answer = yield* retryTransient(
          provider,
          "Availability",
          call("Availability", () =>
            commands.GET("/Visitor/Availability", {
              params: {
                query: {
                  org_id: settings.orgId,
                  deployment_id: settings.deploymentId,
                  "Availability.ids": [buttonId],
                  ...(Number(apiVersion) >= 47 ? { "Availability.needEstimatedWaitTime": 1 as const } : {})
                }
              }
            })
          ),
          settings.retry
        ).pipe(Effect.mapError(refusedSession))
        const decoded = decodeAvailability(answer.data)
        if (Either.isLeft(decoded)) {
          return yield* new ProtocolError({ provider, operation: "Availability", detail: decoded.left })
        }
        const result = decoded.right.results.find((found) => found.id === buttonId) ?? decoded.right.results[0]
        // `isAvailable` absent means not available (reference §1.5.4).
        return { available: result?.isAvailable === true, ...waitSeconds(result?.estimatedWaitTime) } as Availability
      }).pipe(Effect.withSpan("Salesforce.availability", { captureStackTrace: false }))

    return ChatProvider.of({
      name: provider,
      title: titles.salesforce,
      capabilities: capabilities.salesforce,
      start,
      availability
    })
  })

/** The adapter as a layer; its connection pools close with the layer. */
export const layer = (settings: SalesforceSettings): Layer.Layer<ChatProvider, InvalidConfiguration> =>
  Layer.scoped(ChatProvider, make(settings))

const optional = <A, K extends string>(key: K, value: Option.Option<A>) =>
  Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as Record<K, A> })

/**
 * Reads `SALESFORCE_BASE_URL`, `SALESFORCE_ORG_ID`, `SALESFORCE_DEPLOYMENT_ID`, `SALESFORCE_BUTTON_ID`, and the
 * optional `SALESFORCE_API_VERSION`, `SALESFORCE_LANGUAGE`, `SALESFORCE_USER_AGENT`, `SALESFORCE_SCREEN_RESOLUTION`
 * and `SALESFORCE_RECEIVE_QUEUE_UPDATES`. None of them is a secret (the ids appear in every chat button's page);
 * the only secret, the session key, exists at run time only.
 */
export const layerConfig: Layer.Layer<ChatProvider, InvalidConfiguration> = Layer.scoped(
  ChatProvider,
  Config.all({
    baseUrl: Config.string("SALESFORCE_BASE_URL"),
    orgId: Config.string("SALESFORCE_ORG_ID"),
    deploymentId: Config.string("SALESFORCE_DEPLOYMENT_ID"),
    buttonId: Config.string("SALESFORCE_BUTTON_ID"),
    apiVersion: Config.option(Config.integer("SALESFORCE_API_VERSION")),
    language: Config.option(Config.string("SALESFORCE_LANGUAGE")),
    userAgent: Config.option(Config.string("SALESFORCE_USER_AGENT")),
    screenResolution: Config.option(Config.string("SALESFORCE_SCREEN_RESOLUTION")),
    receiveQueueUpdates: Config.option(Config.boolean("SALESFORCE_RECEIVE_QUEUE_UPDATES"))
  }).pipe(
    Effect.mapError(
      (error) =>
        new InvalidConfiguration({ provider, field: "environment", problem: String(error).split("\n")[0] ?? "" })
    ),
    Effect.flatMap((env) =>
      make({
        baseUrl: env.baseUrl,
        orgId: env.orgId,
        deploymentId: env.deploymentId,
        buttonId: env.buttonId,
        ...optional("apiVersion", env.apiVersion),
        ...optional("language", env.language),
        ...optional("userAgent", env.userAgent),
        ...optional("screenResolution", env.screenResolution),
        ...optional("receiveQueueUpdates", env.receiveQueueUpdates)
      })
    )
  )
)
