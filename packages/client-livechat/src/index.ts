/**
 * Typed low-level client for the LiveChat REST API v2 visitor chat (`/visitors/{visitor_id}/chat/...`).
 *
 * The types are generated from `specs/livechat/openapi.yaml`; the only hand-written runtime code is the
 * `X-API-Version` default header and the form encoding of request bodies.
 *
 * @packageDocumentation
 */
import type { components } from "./generated/livechat.ts"

export {
  API_VERSION,
  type BodyEncoding,
  createLiveChatClient,
  LIVECHAT_BASE_URL,
  type LiveChatClient,
  type LiveChatClientOptions,
  type LiveChatPaths
} from "./client.ts"
export { FORM_CONTENT_TYPE, formBodySerializer } from "./form.ts"
/** The generated OpenAPI types: `paths` (by URL and method), `components` (schemas etc.) and `operations` (by id). */
export type { components, operations, paths } from "./generated/livechat.ts"

type Schemas = components["schemas"]

/** JSON body of `POST /visitors/{visitor_id}/chat/start`. */
export type StartChatRequest = Schemas["StartChatRequest"]
/** Answer of `start`: the secret `secured_session_id` and whether the visitor is `banned`. */
export type StartChatResponse = Schemas["StartChatResponse"]
/** JSON body of `POST /visitors/{visitor_id}/chat/send_message`. */
export type SendMessageRequest = Schemas["SendMessageRequest"]
/** JSON body of `POST /visitors/{visitor_id}/chat/close`. */
export type CloseChatRequest = Schemas["CloseChatRequest"]
/** Answer of `send_message` and `close`: `{ success: true }`. */
export type Success = Schemas["Success"]
/** Answer of `GET /visitors/{visitor_id}/chat/get_pending_messages`: `{ events }`. */
export type PendingMessages = Schemas["PendingMessages"]
/** One polled event: one of the known types, or an {@link UnknownEvent} of a type this spec does not know. */
export type LiveChatEvent = Schemas["Event"]
/** `agent_details`: an agent joined; the chat is live. */
export type AgentDetailsEvent = Schemas["AgentDetailsEvent"]
/** `message`: a chat line from the agent, or the visitor's own line echoed back. */
export type ChatMessageEvent = Schemas["MessageEvent"]
/** `chat_closed`: the agent or the system closed the chat. */
export type ChatClosedEvent = Schemas["ChatClosedEvent"]
/** The open fallback: any other event `type`. Skip it, but advance `last_message_id` past it. */
export type UnknownEvent = Schemas["UnknownEvent"]
/**
 * The evidenced event types. {@link LiveChatEvent} cannot be narrowed by `type` alone because its fallback's `type` is any
 * string; check the type, then pick the member with {@link EventOfType}.
 */
export type KnownEvent = AgentDetailsEvent | ChatMessageEvent | ChatClosedEvent
/**
 * The known event of one `type`.
 *
 * @example
 * if (event.type === "agent_details") {
 *   const { agent } = event as EventOfType<"agent_details">
 * }
 */
export type EventOfType<T extends KnownEvent["type"]> = Extract<KnownEvent, { type: T }>
/** The agent of an `agent_details` event: `name`, and `job_title`/`avatar` when LiveChat has them. */
export type Agent = Schemas["Agent"]
/** Which side produced an event: `agent` or `visitor`. */
export type UserType = Schemas["UserType"]
/** Error body of a 400/401/404/500: `{ error }` or `{ errors: [...] }`. */
export type ErrorBody = Schemas["Error"]
