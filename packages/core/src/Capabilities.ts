/**
 * What a provider's visitor API can do, as data: user interfaces (and the session) branch on capabilities, never on
 * provider names. An adapter brings its own (`ChatProviderService.capabilities`); the built-in ones are below.
 */

export interface Capabilities {
  /** The visitor sees when the agent types. */
  readonly agentTyping: boolean
  /** The agent sees when the visitor types. */
  readonly visitorTyping: boolean
  /** The provider reports the visitor's place in the queue. */
  readonly queuePosition: boolean
  /** The provider estimates the wait before an agent answers. */
  readonly waitEstimate: boolean
  /** Transfers to another agent are reported as such (LiveChat: inferred from a second agent joining). */
  readonly transferEvents: boolean
  /** The agent can read what the visitor is typing before it is sent. */
  readonly sneakPeek: boolean
  /** The visitor can ask for the transcript by email. */
  readonly transcriptByEmail: boolean
  /** Custom events can be exchanged with the agent's console. */
  readonly customEvents: boolean
  /**
   * Whether an agent can take a chat now can be asked before starting one (`availability`): Salesforce
   * `Visitor/Availability`, LivePerson `chat/availability` with its estimated wait. LiveChat's visitor API v2 has no
   * such call.
   */
  readonly availability: boolean
  /**
   * The start call itself carries the visitor's first question (`StartRequest.firstMessage`): LiveChat's
   * `welcome_message`. Elsewhere the session sends it as the first message once an agent has connected.
   */
  readonly firstMessageAtStart: boolean
}

/** The built-in adapters' capabilities. */
export const capabilities = {
  salesforce: {
    agentTyping: true,
    visitorTyping: true,
    queuePosition: true,
    waitEstimate: true,
    transferEvents: true,
    sneakPeek: true,
    transcriptByEmail: false,
    customEvents: true,
    availability: true,
    firstMessageAtStart: false
  },
  liveperson: {
    agentTyping: true,
    visitorTyping: true,
    queuePosition: false,
    waitEstimate: true,
    transferEvents: true,
    sneakPeek: false,
    transcriptByEmail: true,
    customEvents: false,
    availability: true,
    firstMessageAtStart: false
  },
  livechat: {
    agentTyping: false,
    visitorTyping: false,
    queuePosition: false,
    waitEstimate: false,
    transferEvents: true,
    sneakPeek: false,
    transcriptByEmail: false,
    customEvents: false,
    availability: false,
    firstMessageAtStart: true
  }
} as const satisfies Readonly<Record<string, Capabilities>>
