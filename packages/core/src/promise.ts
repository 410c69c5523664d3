/**
 * `@switchboard/core/promise`: the chat session for code that does not use Effect.
 *
 * @example
 * ```ts
 * import { openChat } from "@switchboard/core/promise"
 *
 * await using chat = await openChat({ provider: "livechat", licenceId: 1520, visitorName: "Ada" })
 * for await (const event of chat.events) {
 *   if (event.type === "connected") await chat.send("Hello!")
 *   if (event.type === "message" && event.from === "agent") console.log(event.text)
 * }
 * ```
 */
import { Cause, Effect, Exit, type Layer, ManagedRuntime, Redacted, Scope, Stream, SubscriptionRef } from "effect"
import type { Capabilities } from "./Capabilities.ts"
import type { ChatEvent } from "./ChatEvent.ts"
import type { Availability, ChatProvider, StartRequest } from "./ChatProvider.ts"
import { ChatClosed, type ChatError, type InvalidConfiguration, type ProviderName } from "./Errors.ts"
import * as LiveChat from "./providers/LiveChat.ts"
import * as LivePerson from "./providers/LivePerson.ts"
import * as Salesforce from "./providers/Salesforce.ts"
import * as Session from "./Session.ts"

export type { Capabilities } from "./Capabilities.ts"
export type { ChatEvent, ChatEventOf, ChatEventType } from "./ChatEvent.ts"
export type { Availability, StartRequest } from "./ChatProvider.ts"
export * from "./Errors.ts"
export type { ChatState, ConnectionLost, SessionOptions, Status } from "./Session.ts"

interface Common extends StartRequest {
  /** Session tuning (typing debounce, end timeout, message size, give-up budget). */
  readonly session?: Session.SessionOptions
}

/** LivePerson's settings, with the app key also accepted as a plain string. */
export type LivePersonOptions = Omit<LivePerson.LivePersonSettings, "appKey"> & {
  readonly appKey: string | Redacted.Redacted<string>
}

export type OpenChatOptions =
  | ({ readonly provider: "salesforce" } & Salesforce.SalesforceSettings & Common)
  | ({ readonly provider: "liveperson" } & LivePersonOptions & Common)
  | ({ readonly provider: "livechat" } & LiveChat.LiveChatSettings & Common)

/** The settings of one provider, as `openChat` takes them (without the visitor's start request). */
export type ProviderOptions =
  | ({ readonly provider: "salesforce" } & Salesforce.SalesforceSettings)
  | ({ readonly provider: "liveperson" } & LivePersonOptions)
  | ({ readonly provider: "livechat" } & LiveChat.LiveChatSettings)

/**
 * A running chat: every operation of the Effect API's `ChatSession`, as promises. `await using` (or `end()`) ends it
 * at the provider. Operations reject with the typed `ChatError` itself (an `Error` with a `_tag`).
 */
export interface Chat extends AsyncDisposable {
  readonly provider: ProviderName
  readonly capabilities: Capabilities
  /**
   * The chat's start: `openChat` has already made it, so this resolves at once (it is here for parity with the
   * Effect session's `start`, and is idempotent).
   */
  start(): Promise<void>
  /**
   * Every event from the start of the chat. Each `for await` loop sees the whole history, then live events, and
   * finishes after `ended`. Leaving a loop early (break, return, throw) ends that loop only, never the chat.
   */
  readonly events: AsyncIterable<ChatEvent>
  /** The state as of the latest event (`state.connection` while the provider cannot be reached). */
  readonly state: Session.ChatState
  /** Resolves once the provider accepted the message; rejects with a `ChatError` (an `Error` with a `_tag`). */
  send(text: string): Promise<void>
  /** Visitor typing (debounced; no-op where the provider has no typing). */
  typing(on: boolean): Promise<void>
  /** Ends the chat at the provider; idempotent, never rejects. */
  end(): Promise<void>
  /**
   * Shows the agent the visitor's unsent draft, where `capabilities.sneakPeek` (Salesforce); waits for an agent.
   * Rejects with `InvalidInput` where the provider has none. Throttle it as you would typing.
   */
  sneakPeek(draft: string): Promise<void>
  /** Sends a custom event to the agent's console, where `capabilities.customEvents` (Salesforce). */
  customEvent(type: string, data: string): Promise<void>
  /** Emails the transcript to the visitor, where `capabilities.transcriptByEmail` (LivePerson). */
  requestTranscript(email: string): Promise<void>
  /** Poll requests per minute over the last minute. */
  pollRate(): Promise<number>
}

const layerFor = (options: ProviderOptions): Layer.Layer<ChatProvider, InvalidConfiguration> => {
  switch (options.provider) {
    case "salesforce":
      return Salesforce.layer(options)
    case "liveperson":
      return LivePerson.layer({
        ...options,
        appKey: Redacted.isRedacted(options.appKey) ? options.appKey : Redacted.make(options.appKey)
      })
    case "livechat":
      return LiveChat.layer(options)
  }
}

const requestOf = (options: OpenChatOptions): StartRequest => {
  const { visitorName, email, firstMessage, routing, visitorId, language, prechat } = options
  return {
    visitorName,
    ...(email === undefined ? {} : { email }),
    ...(firstMessage === undefined ? {} : { firstMessage }),
    ...(routing === undefined ? {} : { routing }),
    ...(visitorId === undefined ? {} : { visitorId }),
    ...(language === undefined ? {} : { language }),
    ...(prechat === undefined ? {} : { prechat })
  }
}

/** Rejects with the typed error itself (not a wrapper), so `error._tag` and `instanceof` work. */
const settle = <A>(exit: Exit.Exit<A, unknown>): Promise<A> =>
  Exit.isSuccess(exit) ? Promise.resolve(exit.value) : Promise.reject(Cause.squash(exit.cause))

/**
 * Starts a chat and resolves once the provider has it (queued for an agent). Rejects with `NoAgentsAvailable`,
 * `ChatRequestRejected`, `Unauthorized`, `InvalidConfiguration` or `ProviderUnavailable`.
 */
export const openChat = async (options: OpenChatOptions): Promise<Chat> => {
  const runtime = ManagedRuntime.make(layerFor(options))
  const scope = Effect.runSync(Scope.make())
  const opened = await runtime.runPromiseExit(
    Session.open(requestOf(options), options.session).pipe(Scope.extend(scope))
  )
  if (Exit.isFailure(opened)) {
    await runtime.runPromise(Scope.close(scope, Exit.void)).catch(() => {})
    await runtime.dispose()
    throw Cause.squash(opened.cause)
  }
  const session = opened.value
  let state = await runtime.runPromise(SubscriptionRef.get(session.state))
  runtime.runFork(
    Stream.runForEach(session.state.changes, (next) =>
      Effect.sync(() => {
        state = next
      })
    ).pipe(Effect.forkIn(scope))
  )
  const rt = await runtime.runtime()
  let ending: Promise<void> | undefined
  const end = () => {
    ending ??= (async () => {
      await runtime.runPromise(Scope.close(scope, Exit.void)).catch(() => {})
      state = await runtime.runPromise(SubscriptionRef.get(session.state)).catch(() => state)
      await runtime.dispose()
    })()
    return ending
  }
  const run = <A>(effect: Effect.Effect<A, ChatError>, operation: string) =>
    ending === undefined
      ? runtime.runPromiseExit(effect).then(settle)
      : Promise.reject(new ChatClosed({ provider: session.provider, operation }))
  return {
    provider: session.provider,
    capabilities: session.capabilities,
    start: () => run(session.start, "start"),
    events: { [Symbol.asyncIterator]: () => Stream.toAsyncIterableRuntime(session.events, rt)[Symbol.asyncIterator]() },
    get state() {
      return state
    },
    send: (text) => run(session.send(text), "send"),
    typing: (on) => (ending === undefined ? run(session.typing(on), "typing") : Promise.resolve()),
    end,
    sneakPeek: (draft) => run(session.sneakPeek(draft), "sneakPeek"),
    customEvent: (type, data) => run(session.customEvent(type, data), "customEvent"),
    requestTranscript: (email) => run(session.requestTranscript(email), "requestTranscript"),
    pollRate: () => (ending === undefined ? runtime.runPromise(session.pollRate) : Promise.resolve(0)),
    [Symbol.asyncDispose]: end
  }
}

/**
 * Whether an agent can take a chat now, and the wait estimate where the provider gives one, without starting a chat
 * (where `capabilities.availability`: Salesforce and LivePerson). `routing` asks about another button or skill
 * than the settings'. Rejects with `InvalidInput` for LiveChat, whose visitor API v2 has no such call.
 */
export const availability = async (options: ProviderOptions & { readonly routing?: string }): Promise<Availability> => {
  const runtime = ManagedRuntime.make(layerFor(options))
  try {
    return await runtime.runPromiseExit(Session.availability(options.routing)).then(settle)
  } finally {
    await runtime.dispose()
  }
}
