/**
 * The contract between the simulator's HTTP pipeline and a provider module (or the control API): handlers keyed by
 * operationId, and how the provider spells its errors.
 */
import type { Provider } from "@switchboard/specs"
import type { SimClock } from "./clock.ts"
import type { Faults } from "./faults.ts"
import type { ChatHub } from "./hub.ts"
import type { RequestInput } from "./openapi.ts"
import type { Random } from "./random.ts"

/** A validated request, as a handler receives it. */
export interface SimRequest extends RequestInput {
  readonly operationId: string
  readonly url: URL
  /** Aborted when the client goes away (a long poll must then stop holding). */
  readonly signal: AbortSignal
}

export type Handler = (request: SimRequest) => Response | Promise<Response>

/** What every module is built with. */
export interface SimContext {
  readonly hub: ChatHub
  readonly clock: SimClock
  readonly random: Random
  readonly faults: Faults
}

export interface OperationModule {
  /** Mount point under the simulator's origin, e.g. `/salesforce/chat/rest`. */
  readonly prefix: string
  /** One handler per operationId of the module's OpenAPI document. */
  readonly handlers: Readonly<Record<string, Handler>>
  /** An error answer in the module's documented error shape. */
  error(status: number, message: string): Response
}

export interface ProviderModule extends OperationModule {
  readonly provider: Provider
  /**
   * How an injected error status is answered. Defaults to `error(status)` (with `Retry-After` for 429/503);
   * Salesforce turns a 503 into an affinity handover that the client must repair with ReconnectSession.
   */
  fault?(status: number, request: SimRequest): Response | undefined
  /**
   * Moves the chat's session to another server as a real deployment's handover does (Salesforce: a new affinity
   * token; calls with the old one answer 503 until the client reconnects). Returns false where the chat cannot.
   * Absent for providers without such a mechanism.
   */
  handover?(chatId: string): boolean
  /** Cancels the module's timers and releases held requests. */
  close(): void
}

/** A JSON response with the given status. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

/** A response with no body. */
export const empty = (status = 204, headers: Record<string, string> = {}): Response =>
  new Response(null, { status, headers })

/** A plain-text response. */
export const text = (body: string, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { "content-type": "text/plain", ...headers } })
