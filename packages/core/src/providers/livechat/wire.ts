/**
 * The LiveChat payloads the adapter reads, and its poll request (`get_pending_messages`): one function that the
 * adapter's poller and `bench/` both run, so the benchmark measures the request exactly as the adapter makes it.
 */
import type { LiveChatClient } from "@switchboard/client-livechat"
import { Effect, Schema } from "effect"
import { ProtocolError } from "../../Errors.ts"
import { type Answer, type CallFailure, call } from "../../internal/call.ts"

const AgentDetails = Schema.Struct({
  message_id: Schema.Number,
  timestamp: Schema.Number,
  type: Schema.Literal("agent_details"),
  agent: Schema.Struct({ name: Schema.String })
})
const Message = Schema.Struct({
  message_id: Schema.Number,
  timestamp: Schema.Number,
  type: Schema.Literal("message"),
  user_type: Schema.Literal("agent", "visitor"),
  text: Schema.String
})
const Closed = Schema.Struct({ message_id: Schema.Number, type: Schema.Literal("chat_closed") })
const Known = Schema.Union(AgentDetails, Message, Closed)

/** One event of the log as the adapter maps it: a known type with a readable body, or none. */
export const decodeKnown = Schema.decodeUnknownOption(Known)

const StartAnswer = Schema.Struct({ secured_session_id: Schema.String, banned: Schema.optional(Schema.Boolean) })

/** Body of `start`. */
export const decodeStart = Schema.decodeUnknownEither(StartAnswer)

/** One raw event of `get_pending_messages`: all that is checked before `decodeKnown` is its id. */
export interface RawEvent {
  readonly message_id: number
}

/**
 * The events of a `get_pending_messages` answer, or undefined when it has no events list: an object whose `events`
 * is an array of objects, each with a numeric `message_id` (what the Schema
 * `Struct({ events: Array(Struct({ message_id: Number }, { key: String, value: Unknown })) })` accepts, checked
 * by hand: a poll, usually an empty page, must cost next to nothing). The events are the parsed objects themselves.
 */
export const eventsOf = (data: unknown): ReadonlyArray<RawEvent> | undefined => {
  if (typeof data !== "object" || data === null) return undefined
  const events: unknown = (data as { readonly events?: unknown }).events
  if (!Array.isArray(events)) return undefined
  for (const event of events) {
    if (typeof event !== "object" || event === null || typeof event.message_id !== "number") return undefined
  }
  return events as ReadonlyArray<RawEvent>
}

/** Who is polling: the visitor and the credentials of one chat. */
export interface PollTarget {
  readonly visitorId: string
  readonly licenceId: number
  /** The chat's secured_session_id (a method: the secret is no field of the chat). */
  secret(): string
}

/**
 * The `get_pending_messages` request after `after` (the whole log when undefined), as openapi-fetch makes it: the
 * poll driver starts it outside any fiber (see `pollScheduler.ts`).
 */
export const requestPending = (client: LiveChatClient, target: PollTarget, after: number | undefined) =>
  client.GET("/visitors/{visitor_id}/chat/get_pending_messages", {
    params: {
      path: { visitor_id: target.visitorId },
      query: {
        licence_id: target.licenceId,
        secured_session_id: target.secret(),
        ...(after === undefined ? {} : { last_message_id: after })
      }
    }
  })

/**
 * `get_pending_messages` after `after` (the whole log when undefined): the events, oldest first. An answer without
 * an events list fails with `ProtocolError`.
 */
export const readPending = (
  client: LiveChatClient,
  target: PollTarget,
  after: number | undefined
): Effect.Effect<Array<RawEvent>, CallFailure | ProtocolError> =>
  Effect.flatMap(
    call("get_pending_messages", () => requestPending(client, target, after)),
    (answer) => {
      const outcome = pendingOf(answer)
      return Array.isArray(outcome) ? Effect.succeed(outcome) : Effect.fail(outcome)
    }
  )

/** The events of a `get_pending_messages` answer, oldest first; `ProtocolError` without an events list. */
export const pendingOf = (answer: Answer<unknown>): Array<RawEvent> | ProtocolError => {
  const events = eventsOf(answer.data)
  if (events === undefined) {
    return new ProtocolError({
      provider: "livechat",
      operation: "get_pending_messages",
      detail: "the answer has no events list"
    })
  }
  // The array is the freshly parsed answer's own, so it is handed on as it is when there is nothing to sort.
  return events.length < 2 ? (events as Array<RawEvent>) : [...events].sort((a, b) => a.message_id - b.message_id)
}
