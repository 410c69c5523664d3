/**
 * Typed low-level client for the visitor side of the Salesforce Live Agent (Chat REST API).
 *
 * Types are generated from `specs/salesforce/openapi.yaml` into `./generated/salesforce.ts`; the only hand-written
 * code is the client factory and the X-LIVEAGENT-* header helpers.
 *
 * @packageDocumentation
 */
import type { components } from "./generated/salesforce.ts"

export {
  createSalesforceClient,
  DEFAULT_API_VERSION,
  type SalesforceClient,
  type SalesforceClientOptions,
  type SalesforcePaths
} from "./client.ts"
/** Generated from the spec: `paths` (per URL and method), `components` (schemas, parameters, responses), `operations` (by operationId). */
export type { components, operations, paths } from "./generated/salesforce.ts"
export {
  type AffinityHeaders,
  type EndSessionParams,
  endSessionParams,
  type NewSessionHeaders,
  NO_AFFINITY,
  newSessionHeaders,
  reconnectHeaders,
  SalesforceSession,
  type SequencedHeaders,
  type SessionHeaders,
  sequencedHeaders,
  sessionHeaders
} from "./session.ts"

type Schemas = components["schemas"]

/** Body of `GET /System/SessionId`: `id`, the secret `key`, `affinityToken` and `clientPollTimeout` (seconds). */
export type SessionId = Schemas["SessionId"]
/** Body of a `200` from `GET /System/Messages`: `{ messages, sequence, offset? }`. */
export type MessagesResponse = Schemas["MessagesResponse"]
/** One `{ type, message }` entry of the Messages envelope; a discriminated union on `type`. */
export type Message = Schemas["Message"]
/** The 22 documented message types. At run time, skip entries whose `type` is none of these. */
export type MessageType = Message["type"]
/** The entry of one message type, e.g. `MessageOf<"ChatMessage">["message"]["text"]`. */
export type MessageOf<T extends MessageType> = Extract<Message, { readonly type: T }>
/** Body of `POST /Chasitor/ChasitorInit`. */
export type ChasitorInit = Schemas["ChasitorInit"]
/** A pre-chat value of `ChasitorInit.prechatDetails`. */
export type CustomDetail = Schemas["CustomDetail"]
/** A record of `ChasitorInit.prechatEntities`. */
export type Entity = Schemas["Entity"]
/** How one field of an `Entity` is found or created. */
export type EntityFieldsMap = Schemas["EntityFieldsMap"]
/** Body of `POST /Chasitor/ChatMessage`. */
export type ChatMessageRequest = Schemas["ChatMessageRequest"]
/** Body of `POST /Chasitor/ChasitorSneakPeek`. */
export type SneakPeekRequest = Schemas["SneakPeekRequest"]
/** Body of `POST /Chasitor/ChatEnd`, in either accepted shape. */
export type ChatEndRequest = Schemas["ChatEndRequest"]
/** Body of `POST /Chasitor/CustomEvent`. */
export type CustomEventRequest = Schemas["CustomEventRequest"]
/** Body of `POST /System/MultiNoun`. */
export type MultiNounRequest = Schemas["MultiNounRequest"]
/** Body of `GET /System/ReconnectSession`: one `ReconnectSession` entry with the new affinity token. */
export type ReconnectSessionResponse = Schemas["ReconnectSessionResponse"]
/** Body of `GET /System/ResyncSession` (API versions 29–36). */
export type ResyncSessionResponse = Schemas["ResyncSessionResponse"]
/** Body of `GET /Visitor/Availability`: an `Availability` or `SwitchServer` entry in the Messages envelope. */
export type AvailabilityResponse = Schemas["AvailabilityResponse"]
/** Availability of one button or agent. */
export type AvailabilityResult = Schemas["AvailabilityResult"]
/** Body of `GET /Visitor/Settings`: a `Settings` or `SwitchServer` entry in the Messages envelope. */
export type SettingsResponse = Schemas["SettingsResponse"]
/** Settings of one chat button. */
export type ButtonSettings = Schemas["ButtonSettings"]
/** Body of `GET /Visitor/VisitorId`, bare or wrapped. */
export type VisitorIdResponse = Schemas["VisitorIdResponse"]
/** The agent of `ChatEstablished` and `ChatTransferred`. */
export type AgentAssignment = Schemas["AgentAssignment"]
/** One line of `ChasitorSessionData.chatMessages`. */
export type TranscriptEntry = Schemas["TranscriptEntry"]
/** Where the visitor appears to be. */
export type GeoLocation = Schemas["GeoLocation"]
/** The JSON form of an (undocumented) error body; errors may also be plain text. */
export type ErrorBody = Schemas["ErrorBody"]
