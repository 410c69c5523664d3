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
  /** The scheme of the request's URL with its colon, as `url.protocol` has it (`http:`), without building the URL. */
  readonly protocol: string
  /** Aborted when the client goes away (a long poll must then stop holding). */
  readonly signal: AbortSignal
}

/**
 * A handler's answer: status, headers (lower-case names) and the body as text (null for none). The pipeline writes
 * it straight to Node's response when serving over HTTP, and makes a standard `Response` of it only in-process.
 */
export interface SimResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | null
}

export type Handler = (request: SimRequest) => SimResponse | Promise<SimResponse>

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
  error(status: number, message: string): SimResponse
  /**
   * Another spelling of a path that real servers accept for the path returned (LivePerson's `.json` suffix), or
   * undefined. Asked for every request under any prefix, so it must be cheap.
   */
  alias?(path: string): string | undefined
}

export interface ProviderModule extends OperationModule {
  readonly provider: Provider
  /**
   * How an injected error status is answered. Defaults to `error(status)` (with `Retry-After` for 429/503);
   * Salesforce turns a 503 into an affinity handover that the client must repair with ReconnectSession.
   */
  fault?(status: number, request: SimRequest): SimResponse | undefined
  /**
   * Moves the chat's session to another server as a real deployment's handover does (Salesforce: a new affinity
   * token; calls with the old one answer 503 until the client reconnects). Returns false where the chat cannot.
   * Absent for providers without such a mechanism.
   */
  handover?(chatId: string): boolean
  /** Cancels the module's timers and releases held requests. */
  close(): void
}

const noHeaders: Readonly<Record<string, string>> = Object.freeze({})
const jsonType: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json" })
const textType: Readonly<Record<string, string>> = Object.freeze({ "content-type": "text/plain" })

/** A JSON response with the given status. */
export const json = (body: unknown, status = 200, headers?: Readonly<Record<string, string>>): SimResponse => ({
  status,
  headers: headers === undefined ? jsonType : { ...jsonType, ...headers },
  // `JSON.stringify(undefined)` is undefined: no body, as `new Response(undefined)` had it.
  body: (JSON.stringify(body) as string | undefined) ?? null
})

/** A JSON response whose body is already JSON text. */
export const jsonText = (body: string, status = 200): SimResponse => ({ status, headers: jsonType, body })

/** A response with no body. */
export const empty = (status = 204, headers: Readonly<Record<string, string>> = noHeaders): SimResponse => ({
  status,
  headers,
  body: null
})

/** A plain-text response. */
export const text = (body: string, status = 200, headers?: Readonly<Record<string, string>>): SimResponse => ({
  status,
  headers: headers === undefined ? textType : { ...textType, ...headers },
  body
})
