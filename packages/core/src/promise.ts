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
import {
  Cause,
  Context,
  Effect,
  Exit,
  type Layer,
  ManagedRuntime,
  Redacted,
  type Runtime,
  Scope,
  Stream,
  SubscriptionRef
} from "effect"
import type { Capabilities } from "./Capabilities.ts"
import type { ChatEvent } from "./ChatEvent.ts"
import { type Availability, ChatProvider, type StartRequest } from "./ChatProvider.ts"
import { ChatClosed, type ChatError, type ProviderName } from "./Errors.ts"
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

/**
 * Another provider's adapter, as a layer (`Layer<ChatProvider>`): it plugs in as the built-in ones do. A layer that
 * fails to build rejects `createChatClient` (or `openChat`) with its error.
 */
export interface AdapterOptions {
  readonly layer: Layer.Layer<ChatProvider, unknown>
}

/** The settings of one provider, as `openChat` takes them (without the visitor's start request). */
export type ProviderOptions =
  | ({ readonly provider: "salesforce" } & Salesforce.SalesforceSettings)
  | ({ readonly provider: "liveperson" } & LivePersonOptions)
  | ({ readonly provider: "livechat" } & LiveChat.LiveChatSettings)
  | AdapterOptions

export type OpenChatOptions = ProviderOptions & Common

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

const layerFor = (options: ProviderOptions): Layer.Layer<ChatProvider, unknown> => {
  if ("layer" in options) return options.layer
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

const requestOf = (options: StartRequest): StartRequest => {
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

/** A visitor's chat request, with its own session tuning if it needs one. */
export interface OpenOptions extends StartRequest {
  /** Session tuning for this chat; default the client's `session`. */
  readonly session?: Session.SessionOptions
}

export type ChatClientOptions = ProviderOptions & {
  /** Session tuning for every chat of this client (typing debounce, end timeout, message size, give-up budget). */
  readonly session?: Session.SessionOptions
}

/**
 * Many chats with one provider: one Effect runtime, one connection pool and one poll driver, shared by every chat it
 * opens (a chat costs its session only, about what it costs through the Effect API). `close()` (or `await using`)
 * ends every open chat at the provider, then frees the pool.
 */
export interface ChatClient extends AsyncDisposable {
  readonly provider: ProviderName
  readonly capabilities: Capabilities
  /**
   * Starts a chat and resolves once the provider has it (queued for an agent). Rejects with `NoAgentsAvailable`,
   * `ChatRequestRejected`, `Unauthorized`, `ProviderUnavailable`, or `ChatClosed` once the client is closing.
   */
  open(request: OpenOptions): Promise<Chat>
  /** Whether an agent can take a chat now (see `availability`); `routing` asks about another button or skill. */
  availability(routing?: string): Promise<Availability>
  /**
   * Chats opened and not yet ended here (`end()`, `await using` or `close()`). A chat the agent or the provider ended
   * counts until then (its `state.status` is `ended`): end it to let it go.
   */
  readonly size: number
  /** Ends every open chat at the provider, in parallel, then frees the pool; idempotent. */
  close(): Promise<void>
}

/**
 * A client for many chats with one provider. Rejects with `InvalidConfiguration` when the settings cannot work,
 * before any chat is opened.
 */
export const createChatClient = async (options: ChatClientOptions): Promise<ChatClient> =>
  (await makeClient(options)).client

/** The client, and its `open` with a step to run once the chat has ended (after the chat leaves the client). */
const makeClient = async (options: ChatClientOptions) => {
  const runtime = ManagedRuntime.make(layerFor(options))
  // The layer is built here, so that settings that cannot work reject now, with the typed error itself.
  const built = await runtime.runPromiseExit(Effect.runtime<ChatProvider>())
  if (Exit.isFailure(built)) {
    await runtime.dispose()
    throw Cause.squash(built.cause)
  }
  const services = built.value
  const port = Context.get(services.context, ChatProvider)
  const chats = new Set<Chat>()
  const shared: Shared = { runtime, services, chats }
  const starting = new Set<Promise<unknown>>()
  let closing: Promise<void> | undefined
  const refused = () => new ChatClosed({ provider: port.name, operation: "start" })

  const open = (request: OpenOptions, afterEnd?: () => Promise<void>): Promise<Chat> => {
    if (closing !== undefined) return Promise.reject(refused())
    const started = start(request, afterEnd)
    starting.add(started)
    return started.finally(() => starting.delete(started))
  }

  const start = async (request: OpenOptions, afterEnd?: () => Promise<void>): Promise<Chat> => {
    const scope = Effect.runSync(Scope.make())
    const opened = await runtime.runPromiseExit(
      Session.open(requestOf(request), request.session ?? options.session).pipe(Scope.extend(scope))
    )
    if (Exit.isFailure(opened)) {
      await runtime.runPromise(Scope.close(scope, Exit.void)).catch(() => {})
      throw Cause.squash(opened.cause)
    }
    const chat = new PromiseChat(opened.value, scope, shared, afterEnd)
    chats.add(chat)
    if (closing !== undefined) {
      await chat.end() // the client began closing while this chat was starting
      throw refused()
    }
    return chat
  }

  const close = () => {
    closing ??= (async () => {
      await Promise.allSettled([...starting]) // each ends its chat itself, seeing `closing`
      await Promise.all([...chats].map((chat) => chat.end()))
      await runtime.dispose()
    })()
    return closing
  }

  const client: ChatClient = {
    provider: port.name,
    capabilities: port.capabilities,
    open: (request) => open(request),
    availability: (routing) => runtime.runPromiseExit(Session.availability(routing)).then(settle),
    get size() {
      return chats.size
    },
    close,
    [Symbol.asyncDispose]: close
  }
  return { client, open }
}

/** What the chats of one client share. */
interface Shared {
  readonly runtime: ManagedRuntime.ManagedRuntime<ChatProvider, unknown>
  readonly services: Runtime.Runtime<ChatProvider>
  readonly chats: Set<Chat>
}

/**
 * The Promise face of an open session: a small class with its operations on the prototype (a chat of a client with
 * 10,000 of them costs about what its session costs through the Effect API). The operations are getters returning
 * functions bound to the chat, so `const { send } = chat` works as on a plain object.
 */
class PromiseChat implements Chat {
  readonly #session: Session.ChatSession
  readonly #scope: Scope.CloseableScope
  readonly #shared: Shared
  /** `openChat`'s own client, closed once its one chat has ended. */
  readonly #afterEnd: (() => Promise<void>) | undefined
  #ending: Promise<void> | undefined

  constructor(
    session: Session.ChatSession,
    scope: Scope.CloseableScope,
    shared: Shared,
    afterEnd: (() => Promise<void>) | undefined
  ) {
    this.#session = session
    this.#scope = scope
    this.#shared = shared
    this.#afterEnd = afterEnd
  }

  get provider(): ProviderName {
    return this.#session.provider
  }

  get capabilities(): Capabilities {
    return this.#session.capabilities
  }

  get state(): Session.ChatState {
    return Effect.runSync(SubscriptionRef.get(this.#session.state)) // a plain read of the session's own state
  }

  get events(): AsyncIterable<ChatEvent> {
    const { events } = this.#session
    const { services } = this.#shared
    return { [Symbol.asyncIterator]: () => Stream.toAsyncIterableRuntime(events, services)[Symbol.asyncIterator]() }
  }

  get start(): () => Promise<void> {
    return () => this.#run(this.#session.start, "start")
  }

  get send(): (text: string) => Promise<void> {
    return (text) => this.#run(this.#session.send(text), "send")
  }

  get typing(): (on: boolean) => Promise<void> {
    return (on) => (this.#ending === undefined ? this.#run(this.#session.typing(on), "typing") : Promise.resolve())
  }

  get end(): () => Promise<void> {
    return () => this.#end()
  }

  get sneakPeek(): (draft: string) => Promise<void> {
    return (draft) => this.#run(this.#session.sneakPeek(draft), "sneakPeek")
  }

  get customEvent(): (type: string, data: string) => Promise<void> {
    return (type, data) => this.#run(this.#session.customEvent(type, data), "customEvent")
  }

  get requestTranscript(): (email: string) => Promise<void> {
    return (email) => this.#run(this.#session.requestTranscript(email), "requestTranscript")
  }

  get pollRate(): () => Promise<number> {
    return () =>
      this.#ending === undefined ? this.#shared.runtime.runPromise(this.#session.pollRate) : Promise.resolve(0)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#end()
  }

  #end(): Promise<void> {
    this.#ending ??= this.#shared.runtime
      .runPromise(Scope.close(this.#scope, Exit.void))
      .catch(() => {})
      .then(() => {
        this.#shared.chats.delete(this)
        return this.#afterEnd?.()
      })
    return this.#ending
  }

  #run<A>(effect: Effect.Effect<A, ChatError>, operation: string): Promise<A> {
    return this.#ending === undefined
      ? this.#shared.runtime.runPromiseExit(effect).then(settle)
      : Promise.reject(new ChatClosed({ provider: this.#session.provider, operation }))
  }
}

/**
 * Starts a chat and resolves once the provider has it (queued for an agent). Rejects with `NoAgentsAvailable`,
 * `ChatRequestRejected`, `Unauthorized`, `InvalidConfiguration` or `ProviderUnavailable`. A client of its own for
 * one chat, closed when the chat ends: for many chats, `createChatClient` shares one.
 */
export const openChat = async (options: OpenChatOptions): Promise<Chat> => {
  const { client, open } = await makeClient(options)
  try {
    return await open(options, client.close) // the chat has left the client by then: close() has nothing to end
  } catch (error) {
    await client.close()
    throw error
  }
}

/**
 * Whether an agent can take a chat now, and the wait estimate where the provider gives one, without starting a chat
 * (where `capabilities.availability`: Salesforce and LivePerson). `routing` asks about another button or skill
 * than the settings'. Rejects with `InvalidInput` for LiveChat, whose visitor API v2 has no such call.
 */
export const availability = async (options: ProviderOptions & { readonly routing?: string }): Promise<Availability> => {
  const client = await createChatClient(options)
  try {
    return await client.availability(options.routing)
  } finally {
    await client.close()
  }
}
