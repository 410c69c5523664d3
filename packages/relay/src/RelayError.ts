/**
 * The relay's own refusals, each with an HTTP status and a stable `code`; sent as `{ error: { code, message } }`.
 */
import { Data } from "effect"

export type RelayErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "unsupported_media_type"
  | "too_large"
  | "message_too_large"
  | "unauthorized"
  | "forbidden"
  | "origin_not_allowed"
  | "not_found"
  | "chat_ended"
  | "message_id_reused"
  | "availability_unsupported"
  | "rate_limited"
  | "too_many_streams"
  | "capacity"
  | "shutting_down"

export class RelayError extends Data.TaggedError("RelayError")<{
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 501 | 503
  readonly code: RelayErrorCode
  readonly message: string
  /** Sent as `Retry-After` (seconds). */
  readonly retryAfterSeconds?: number
}> {}

export const notFound = (id: string) =>
  new RelayError({
    status: 404,
    code: "not_found",
    message: `No chat ${id} (ended chats are forgotten after a while).`
  })

export const unauthorized = () =>
  new RelayError({
    status: 401,
    code: "unauthorized",
    message: "This request carries no visitor token (the chat's cookie or an Authorization: Bearer header)."
  })

export const forbidden = () =>
  new RelayError({ status: 403, code: "forbidden", message: "This visitor token does not belong to this chat." })

export const rateLimited = (what: string, retryAfterMs: number) =>
  new RelayError({
    status: 429,
    code: "rate_limited",
    message: `Too many ${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000))
  })
