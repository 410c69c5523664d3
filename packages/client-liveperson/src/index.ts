/**
 * Typed low-level client for LivePerson's legacy Chat REST API (Server Chat API, visitor side).
 *
 * The types are generated from `specs/liveperson/openapi.yaml`. The runtime is openapi-fetch, plus the few things
 * the spec cannot express: the app key, the fixed `v=1&NC=true` query, reading the chat URI from `Location`, and the
 * XML-derived JSON quirks (links in two forms, single events as objects, the `next` cursor).
 *
 * @packageDocumentation
 */
import type { components } from "./generated/liveperson.ts"

export {
  type AppKeyPlacement,
  createLivePersonClient,
  type LivePersonClient,
  type LivePersonClientOptions,
  type LivePersonPaths,
  putOverride
} from "./client.ts"
export {
  type EventContainer,
  eventsOf,
  findLink,
  isEvent,
  type KnownEvent,
  type KnownEventType,
  nextFrom
} from "./events.ts"
/**
 * The generated types: `paths` (by URL and method, with `v` required as on the wire), `operations` (by
 * operationId) and `components` (schemas, parameters, responses). Call sites use `LivePersonPaths` through the client.
 */
export type { components, operations, paths } from "./generated/liveperson.ts"
export {
  type ChatLocationError,
  type ChatLocationResult,
  type ChatUri,
  type ExpectedChatLocation,
  parseChatLocation
} from "./location.ts"

type Schemas = components["schemas"]

/** `{ "chat": ChatResource }`, the answer of `getChat`. @category models */
export type ChatResponse = Schemas["ChatResponse"]
/** The chat resource: links (in documented order), events and info. @category models */
export type ChatResource = Schemas["ChatResource"]
/** `{ "events": EventList }`, the answer of `getChatEvents`. @category models */
export type EventsResponse = Schemas["EventsResponse"]
/** A page of events: `link` (self, next) and `event` (object, array or absent; see `eventsOf`). @category models */
export type EventList = Schemas["EventList"]
/** Any chat event: the known types plus an open fallback (see `isEvent`). @category models */
export type Event = Schemas["Event"]
/** `@type: state`: `waiting`, `chatting` or `ended`. @category models */
export type StateEvent = Schemas["StateEvent"]
/** `@type: line`: chat text from the system, the agent or the visitor. @category models */
export type LineEvent = Schemas["LineEvent"]
/** `@type: url`: the visitor's page changed (fields undocumented). @category models */
export type UrlEvent = Schemas["UrlEvent"]
/** `@type: a2a-transfer`: start a new chat on another account. @category models */
export type A2aTransferEvent = Schemas["A2aTransferEvent"]
/** `@type: line-status`: delivery status of an earlier line. @category models */
export type LineStatusEvent = Schemas["LineStatusEvent"]
/** An event whose `@type` the spec does not know. @category models */
export type UnknownEvent = Schemas["UnknownEvent"]
/** `waiting`, `chatting` or `ended`. @category models */
export type ChatState = Schemas["ChatState"]
/** The chat information (state, agent, timestamps, timeout, typing, visitor name). @category models */
export type Info = Schemas["Info"]
/** A hypermedia link in the `@href`/`@rel` or the `href`/`rel` form (see `findLink`). @category models */
export type Link = Schemas["Link"]
/** Body of `requestChat`: `{ "request": ChatRequest }`. @category models */
export type ChatRequestBody = Schemas["ChatRequestBody"]
/** The fields of a chat request. @category models */
export type ChatRequest = Schemas["ChatRequest"]
/** Body of `addChatEvent`: one new line or the end of the chat. @category models */
export type AddEventRequest = Schemas["AddEventRequest"]
/** A survey structure (pre-chat, offline or exit). @category models */
export type Survey = Schemas["Survey"]
/** One question of a survey. @category models */
export type SurveyQuestion = Schemas["SurveyQuestion"]
/** Answers to a survey by question id (pre-chat answers, offline survey). @category models */
export type SurveyAnswers = Schemas["SurveyAnswers"]
/** Body of `submitOfflineSurvey`. @category models */
export type OfflineSurveySubmission = Schemas["OfflineSurveySubmission"]
/** Body of `submitExitSurvey`. @category models */
export type ExitSurveySubmission = Schemas["ExitSurveySubmission"]
/** Body of `authenticateVisitor`. @category models */
export type VisitorAuthentication = Schemas["VisitorAuthentication"]
/** The error body: `{ "error": { time, message, internalCode } }`. @category models */
export type ErrorResponse = Schemas["ErrorResponse"]
