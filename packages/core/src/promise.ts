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
import type { ChatProvider, StartRequest } from "./ChatProvider.ts"
import { ChatClosed, type ChatError, type InvalidConfiguration, type ProviderName } from "./Errors.ts"
import * as LiveChat from "./providers/LiveChat.ts"
import * as LivePerson from "./providers/LivePerson.ts"
import * as Salesforce from "./providers/Salesforce.ts"
import * as Session from "./Session.ts"

export type { Capabilities } from "./Capabilities.ts"
export type { ChatEvent, ChatEventOf, ChatEventType } from "./ChatEvent.ts"
export type { StartRequest } from "./ChatProvider.ts"
export * from "./Errors.ts"
export type { ChatState, SessionOptions, Status } from "./Session.ts"

interface Common extends StartRequest {
  /** Session tuning (typing debounce, end timeout, message size). */
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

/** A running chat. `await using` (or `end()`) ends it at the provider. */
export interface Chat extends AsyncDisposable {
  readonly provider: ProviderName
  readonly capabilities: Capabilities
  /**
   * Every event from the start of the chat. Each `for await` loop sees the whole history, then live events, and
   * finishes after `ended`. Leaving a loop early (break, return, throw) ends that loop only, never the chat.
   */
  readonly events: AsyncIterable<ChatEvent>
  /** The state as of the latest event. */
  readonly state: Session.ChatState
  /** Resolves once the provider accepted the message; rejects with a `ChatError` (an `Error` with a `_tag`). */
  send(text: string): Promise<void>
  /** Visitor typing (debounced; no-op where the provider has no typing). */
  typing(on: boolean): Promise<void>
  /** Ends the chat at the provider; idempotent, never rejects. */
  end(): Promise<void>
}

const layerFor = (options: OpenChatOptions): Layer.Layer<ChatProvider, InvalidConfiguration> => {
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
  const run = <A>(effect: Effect.Effect<A, ChatError>) =>
    ending === undefined
      ? runtime.runPromiseExit(effect).then(settle)
      : Promise.reject(new ChatClosed({ provider: session.provider, operation: "send" }))
  return {
    provider: session.provider,
    capabilities: session.capabilities,
    events: { [Symbol.asyncIterator]: () => Stream.toAsyncIterableRuntime(session.events, rt)[Symbol.asyncIterator]() },
    get state() {
      return state
    },
    send: (text) => run(session.send(text)),
    typing: (on) => (ending === undefined ? run(session.typing(on)) : Promise.resolve()),
    end,
    [Symbol.asyncDispose]: end
  }
}
