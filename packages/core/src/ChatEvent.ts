/**
 * Normalized chat events: what every provider's protocol is mapped to (reference §4). Plain objects with a `type`
 * field, the same in the Effect API, the Promise facade and on the wire (the relay sends them as they are).
 */
import { Schema } from "effect"

/** A struct discriminated by a literal `type` field (not Effect's `_tag`, so events read the same everywhere). */
const event = <Type extends string, Fields extends Schema.Struct.Fields>(
  type: Type,
  fields: Fields,
  description: string
) => Schema.Struct({ type: Schema.Literal(type), ...fields }).annotations({ identifier: type, description })

export const Agent = Schema.Struct({
  name: Schema.String,
  id: Schema.optional(Schema.String)
})
export type Agent = typeof Agent.Type

export const Queued = event(
  "queued",
  {
    position: Schema.optional(Schema.Number),
    estimatedWaitSeconds: Schema.optional(Schema.Number)
  },
  "Waiting for an agent. Salesforce gives a queue position; wait estimates where the provider has them."
)

export const Connected = event("connected", { agent: Agent }, "An agent took the chat.")

export const Message = event(
  "message",
  {
    id: Schema.String,
    from: Schema.Literal("agent", "visitor", "system"),
    text: Schema.String,
    at: Schema.Number
  },
  "A line of the chat, the visitor's own included, once each. `at` is milliseconds since the epoch; `id` is stable across reconnects."
)

export const Typing = event(
  "typing",
  { on: Schema.Boolean },
  "The agent started or stopped typing (where `capabilities.agentTyping`)."
)

export const Transferred = event("transferred", { agent: Agent }, "Another agent has the chat now.")

export const AgentLeft = event(
  "agent-left",
  {},
  "The agent's connection dropped; the chat stays open and another agent may pick it up."
)

export const Discontinuity = event(
  "discontinuity",
  { reason: Schema.String },
  "Events may have been missed: a Salesforce 503 handover that could not be reconciled, a LiveChat keep-alive gap, a lost LivePerson cursor, or a late subscriber joining past the session's history."
)

export const ConnectionLost = event(
  "connection-lost",
  {
    attempt: Schema.Number,
    since: Schema.Number,
    retryAt: Schema.Number,
    giveUpAt: Schema.Number,
    detail: Schema.String
  },
  "The provider cannot be reached (no answer, an error status, an unreadable answer). Emitted at each failed " +
    "attempt while it lasts: `attempt` counts them from 1; `since` is when the first one failed, `retryAt` when the " +
    "next try starts and `giveUpAt` when the session gives up and ends the chat (milliseconds since the epoch). The " +
    "chat is still open meanwhile."
)

export const ConnectionRestored = event(
  "connection-restored",
  { downForMs: Schema.Number },
  "The provider answered again after `connection-lost`; `downForMs` is how long it could not be reached."
)

export const Ended = event(
  "ended",
  {
    by: Schema.Literal("visitor", "agent", "provider"),
    reason: Schema.Literal("visitor", "agent", "no-agent", "timeout", "rejected", "conflict", "disconnected", "error"),
    detail: Schema.optional(Schema.String)
  },
  "The chat is over, exactly once per session. `by`: who ended it. `reason` (reference §4.2): `visitor`, `agent`, " +
    "`no-agent` (nobody took it), `timeout` (the provider expired the session), `rejected`, `conflict` (Salesforce: a " +
    "second long poll), `disconnected` (LivePerson dropped the chat after the agent's connection was lost), `error` " +
    "(the session failed; see `detail`)."
)

export const Unknown = event(
  "unknown",
  { raw: Schema.Unknown },
  "A provider event this version does not know, passed through untouched (never a crash)."
)

export const ChatEvent = Schema.Union(
  Queued,
  Connected,
  Message,
  Typing,
  Transferred,
  AgentLeft,
  Discontinuity,
  ConnectionLost,
  ConnectionRestored,
  Ended,
  Unknown
)
export type ChatEvent = typeof ChatEvent.Type
export type ChatEventType = ChatEvent["type"]

/** The event of one type. */
export type ChatEventOf<T extends ChatEventType> = Extract<ChatEvent, { readonly type: T }>
