/**
 * The provider port: what the session needs from a live-chat provider. The built-in adapters (Salesforce, LivePerson,
 * LiveChat) live in `providers/*`, each a `Layer` built from that provider's settings. Another adapter plugs in the
 * same way: a `Layer<ChatProvider>` with its own name, title and capabilities, and the session, the Promise client and
 * the relay take it as they are.
 */
import { Context, type Effect, type Scope } from "effect"
import type { Capabilities } from "./Capabilities.ts"
import type { ChatEvent } from "./ChatEvent.ts"
import type { ChatError, ProviderName } from "./Errors.ts"

/** What the visitor filled in before the chat. */
export interface StartRequest {
  readonly visitorName: string
  readonly email?: string
  /**
   * The visitor's first question. Where `capabilities.firstMessageAtStart` (LiveChat) the adapter carries it in the
   * start call; elsewhere the session sends it as the first message once an agent has connected.
   */
  readonly firstMessage?: string
  /** Routing for this chat, overriding the settings: Salesforce button id, LivePerson skill, LiveChat group. */
  readonly routing?: string
  /** LiveChat's `visitor_id` (generated when absent). */
  readonly visitorId?: string
  /** Language of automatic messages, e.g. `en-US`. */
  readonly language?: string
  /** Pre-chat answers shown to the agent (Salesforce prechatDetails, LivePerson preChatLines). */
  readonly prechat?: Readonly<Record<string, string>>
}

/** One visitor message, with the session's own id for it. */
export interface OutgoingMessage {
  readonly id: string
  readonly text: string
}

/**
 * Where an adapter's poller delivers normalized events, in provider order: the event is recorded when the effect
 * runs, never when it is made.
 */
export type Emit = (event: ChatEvent) => Effect.Effect<void>

/**
 * The session's view of the provider's reachability, fed by the adapter's pollers, and its give-up budget. The same
 * for every provider: the adapter says when a request got no usable answer and when one did, the session emits
 * `connection-lost` / `connection-restored` and decides when to give up.
 */
export interface Health {
  /**
   * A request got no usable answer (no connection, its deadline, a 5xx or 429, an answer that cannot be read); the
   * adapter would try again in `retryIn` ms. Emits `connection-lost` and succeeds with the pause to wait: `retryIn`,
   * shortened so that the last try starts when the give-up budget (counted from the first failure of this outage)
   * runs out. Once it has run out, succeeds with `undefined`: the session has ended the chat (`ended` with reason
   * "error", and an end request to the provider), and the adapter stops trying.
   */
  readonly unreachable: (detail: string, retryIn: number) => Effect.Effect<number | undefined>
  /** A request got a usable answer: emits `connection-restored` when the provider had been unreachable. */
  readonly reachable: () => Effect.Effect<void>
  /** The give-up budget in ms: an adapter retries nothing (a visitor's message included) for longer. */
  readonly giveUpAfter: number
}

/** Whether an agent can take a chat now, as the provider says before one is requested. */
export interface Availability {
  /** An agent (of the routing asked about) can take a chat now. */
  readonly available: boolean
  /** The provider's estimate of the wait before an agent answers, in seconds, where it gives one. */
  readonly estimatedWaitSeconds?: number
}

/** A chat running at the provider, as its adapter drives it. */
export interface RemoteChat {
  /**
   * Delivers one visitor message and succeeds once the provider accepted it. The session calls it one message at a
   * time, in order, and only once an agent is connected. Transient failures are retried without ever duplicating
   * the message (Salesforce reuses its sequence number; LivePerson and LiveChat look for their own echo first).
   */
  readonly send: (message: OutgoingMessage) => Effect.Effect<void, ChatError>
  /** Tells the provider the visitor started or stopped typing (no-op where the provider has no such call). */
  readonly typing: (on: boolean) => Effect.Effect<void, ChatError>
  /**
   * Ends the chat at the provider. Never fails and never hangs (bounded retries); does nothing when the chat has
   * already ended there. Called after the poller has stopped.
   */
  readonly end: Effect.Effect<void>
  /** Salesforce: shows the agent the visitor's unsent draft (ChasitorSneakPeek). Absent where there is none. */
  readonly sneakPeek?: (text: string) => Effect.Effect<void, ChatError>
  /** Salesforce: a custom event for the agent's console (CustomEvent). */
  readonly customEvent?: (type: string, data: string) => Effect.Effect<void, ChatError>
  /** LivePerson: emails the chat's transcript to the visitor (transcriptRequest). */
  readonly requestTranscript?: (email: string) => Effect.Effect<void, ChatError>
  /** Poll requests per minute over the last minute: the session's polling budget. */
  readonly pollRate: Effect.Effect<number>
}

export interface ChatProviderService {
  /** Short and stable (`salesforce`): in errors, logs and the `provider` attribute of core's metrics. */
  readonly name: ProviderName
  /** As people know it (`Salesforce Live Agent`): in messages meant for them. */
  readonly title: string
  readonly capabilities: Capabilities
  /**
   * Requests a chat and forks the poller into the current scope; the poller emits events until the chat ends or
   * the scope closes. The call that creates the chat at the provider is uninterruptible, and the moment the chat
   * exists the adapter adds a finalizer that ends it: so a start that fails or is interrupted half-way, like a
   * closed scope, never leaves a chat open at the provider. (The session still calls `end` explicitly first.)
   */
  readonly start: (
    request: StartRequest,
    emit: Emit,
    health: Health
  ) => Effect.Effect<RemoteChat, ChatError, Scope.Scope>
  /**
   * Asks the provider whether an agent can take a chat now, for the settings' routing or `routing` (a Salesforce
   * button id, a LivePerson skill). Present where `capabilities.availability`. Read-only: no chat is created.
   */
  readonly availability?: (routing?: string) => Effect.Effect<Availability, ChatError>
}

export class ChatProvider extends Context.Tag("@switchboard/core/ChatProvider")<ChatProvider, ChatProviderService>() {}
