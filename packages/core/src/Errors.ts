/**
 * The typed failures of a chat, one class per thing a person can act on. Every message says what happened and what
 * to do, and never carries a secret (session keys, affinity tokens, app keys, secured session ids).
 *
 * They are Schema classes, so a server (the relay) can encode them for a browser.
 */
import { Schema } from "effect"

/**
 * A provider's name, as its adapter gives it (`ChatProviderService.name`): any adapter can plug into the session, the
 * Promise client and the relay, so this is not a closed list.
 */
export const ProviderName = Schema.String
export type ProviderName = typeof ProviderName.Type

/** The providers core has adapters for. */
export const BuiltInProvider = Schema.Literal("salesforce", "liveperson", "livechat")
export type BuiltInProvider = typeof BuiltInProvider.Type

/** The built-in providers' names as people know them: "Salesforce Live Agent", "LivePerson", "LiveChat". */
export const titles: Readonly<Record<BuiltInProvider, string>> = {
  salesforce: "Salesforce Live Agent",
  liveperson: "LivePerson",
  livechat: "LiveChat"
}

/**
 * A provider's name as people know it, for messages: a built-in provider's title, or another adapter's name as it
 * gave it (its `ChatProviderService.title` is what the session shows).
 */
export const titleOf = (provider: ProviderName): string =>
  Object.hasOwn(titles, provider) ? titles[provider as BuiltInProvider] : provider

/** Nobody can take the chat now (Salesforce ChatRequestFail "Unavailable", LivePerson availability false). */
export class NoAgentsAvailable extends Schema.TaggedError<NoAgentsAvailable>()(
  "NoAgentsAvailable",
  {
    provider: ProviderName,
    detail: Schema.optional(Schema.String)
  },
  {
    description:
      'Nobody can take a chat now (Salesforce ChatRequestFail "Unavailable", LivePerson availability false). Offer an offline form or try later.'
  }
) {
  override get message(): string {
    return `No ${titleOf(this.provider)} agent can take a chat right now${this.detail ? ` (${this.detail})` : ""}. Offer the visitor an offline form or try again later.`
  }
}

/** The provider refused the chat request (banned visitor, routing failure, a refused pre-chat form). */
export class ChatRequestRejected extends Schema.TaggedError<ChatRequestRejected>()(
  "ChatRequestRejected",
  {
    provider: ProviderName,
    reason: Schema.String
  },
  {
    description: "The provider refused the chat request (a banned visitor, a refused routing, a refused pre-chat form)."
  }
) {
  override get message(): string {
    return `${titleOf(this.provider)} refused the chat request: ${this.reason}.`
  }
}

/** The provider no longer knows the chat's session (expired, ended elsewhere, or never valid). */
export class SessionExpired extends Schema.TaggedError<SessionExpired>()(
  "SessionExpired",
  {
    provider: ProviderName,
    operation: Schema.String,
    status: Schema.optional(Schema.Number)
  },
  {
    description:
      "The provider no longer knows the chat's session (expired, ended elsewhere, never valid). Start a new chat."
  }
) {
  override get message(): string {
    return `The ${titleOf(this.provider)} session is gone (during ${this.operation}${this.status ? `, HTTP ${this.status}` : ""}); start a new chat.`
  }
}

/** The provider refused the credentials (LivePerson app key, a LiveChat licence, a Salesforce org or deployment). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  {
    provider: ProviderName,
    operation: Schema.String,
    status: Schema.Number,
    detail: Schema.optional(Schema.String)
  },
  {
    description:
      "The provider refused the credentials (LivePerson app key or account, LiveChat licence, Salesforce org or deployment). Check the settings; `switchboard doctor` helps."
  }
) {
  override get message(): string {
    return `${titleOf(this.provider)} refused the credentials for ${this.operation} (HTTP ${this.status}${this.detail ? `: ${this.detail}` : ""}). Check the provider settings (run \`switchboard doctor\`).`
  }
}

/** The settings cannot work (missing or malformed value); nothing was sent. */
export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()(
  "InvalidConfiguration",
  {
    provider: Schema.optional(ProviderName),
    field: Schema.String,
    problem: Schema.String
  },
  { description: "A setting cannot work (missing or malformed); nothing was sent." }
) {
  override get message(): string {
    return `Invalid ${this.provider ? `${titleOf(this.provider)} ` : ""}setting "${this.field}": ${this.problem}.`
  }
}

/** The provider kept failing (connection errors, 5xx, 429, timeouts) until the retry budget ran out. */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()(
  "ProviderUnavailable",
  {
    provider: ProviderName,
    operation: Schema.String,
    attempts: Schema.Number,
    lastStatus: Schema.optional(Schema.Number),
    detail: Schema.optional(Schema.String)
  },
  { description: "The provider kept failing (connection errors, 5xx, 429, timeouts) until the retry budget ran out." }
) {
  override get message(): string {
    const last = this.lastStatus ? `HTTP ${this.lastStatus}` : (this.detail ?? "no answer")
    return `${titleOf(this.provider)} is unavailable: ${this.operation} failed ${this.attempts} time(s), last with ${last}.`
  }
}

/** The provider answered something its protocol does not allow (malformed payload, impossible state). */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()(
  "ProtocolError",
  {
    provider: ProviderName,
    operation: Schema.String,
    detail: Schema.String
  },
  {
    description:
      "The provider answered something its protocol does not allow (a malformed payload, an impossible state)."
  }
) {
  override get message(): string {
    return `${titleOf(this.provider)} answered ${this.operation} in a way its protocol does not allow: ${this.detail}.`
  }
}

/** An action on a chat that has already ended (a message sent after the end is never silently dropped). */
export class ChatClosed extends Schema.TaggedError<ChatClosed>()(
  "ChatClosed",
  {
    provider: ProviderName,
    operation: Schema.String
  },
  { description: "An action on a chat that has already ended; it was not done (a message is never silently dropped)." }
) {
  override get message(): string {
    return `The ${titleOf(this.provider)} chat has ended; ${this.operation} was not done.`
  }
}

/** The caller passed something unusable (an empty message, a message over the provider's size limit). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()(
  "InvalidInput",
  {
    field: Schema.String,
    problem: Schema.String
  },
  {
    description:
      "The caller passed something unusable: an empty or oversized message, a feature the provider does not have."
  }
) {
  override get message(): string {
    return `Invalid ${this.field}: ${this.problem}.`
  }
}

/** Every failure a chat session can report. */
export type ChatError =
  | NoAgentsAvailable
  | ChatRequestRejected
  | SessionExpired
  | Unauthorized
  | InvalidConfiguration
  | ProviderUnavailable
  | ProtocolError
  | ChatClosed
  | InvalidInput

export const ChatError = Schema.Union(
  NoAgentsAvailable,
  ChatRequestRejected,
  SessionExpired,
  Unauthorized,
  InvalidConfiguration,
  ProviderUnavailable,
  ProtocolError,
  ChatClosed,
  InvalidInput
)
