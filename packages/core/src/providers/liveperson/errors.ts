/** How LivePerson's failures on an existing chat map to the errors a person can act on (reference §2.6). */
import { type ChatError, ProtocolError, type ProviderUnavailable, SessionExpired, Unauthorized } from "../../Errors.ts"
import type { CallFailure } from "../../internal/call.ts"
import { errorOf } from "./wire.ts"

export const provider = "liveperson" as const

/** Removes anything that could be the app key from text LivePerson wrote. */
export type Scrub = (text: string) => string

/** The `message` of LivePerson's error body, scrubbed, when the answer had one. */
export const errorMessage = (body: unknown, scrub: Scrub): string | undefined => {
  const { message } = errorOf(body)
  return message === undefined ? undefined : scrub(message)
}

/** Maps a failure that retries cannot fix, on an existing chat. */
export const chatError = (failure: CallFailure | ProviderUnavailable, scrub: Scrub): ChatError => {
  if (failure._tag === "ProviderUnavailable") return failure
  const { status, operation } = failure
  if (failure.malformed !== undefined) return new ProtocolError({ provider, operation, detail: failure.malformed })
  const message = errorMessage(failure.body, scrub)
  if (status === 401 || status === 403) {
    return new Unauthorized({ provider, operation, status, detail: message ?? "check the app key" })
  }
  // 404 with internalCode 12: the chat service no longer holds the chat.
  if (status === 404 || status === 410) return new SessionExpired({ provider, operation, status })
  return new ProtocolError({
    provider,
    operation,
    detail: `unexpected HTTP ${status}${message ? ` (${message})` : ""}`
  })
}
