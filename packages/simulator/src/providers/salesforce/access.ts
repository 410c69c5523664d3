/**
 * Reading the `X-LIVEAGENT-*` headers: the API version, the session a call names (checked against its affinity
 * token) and the client's sequence number.
 */
import type { SimRequest, SimResponse } from "../../module.ts"
import { minApiVersion } from "./runtime.ts"
import { type Session, sfError } from "./session.ts"

export type Found = { readonly session: Session } | { readonly response: SimResponse }

/** 403: unknown, ended or expired key, or an affinity token that is not the session's. */
export const invalid = (): SimResponse => sfError(403, "Session not valid")

/** 503: the token the session was moved away from. */
export const moved = (): SimResponse => sfError(503, "Affinity token changed: call ReconnectSession")

export const header = (request: SimRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return value === undefined ? undefined : String(value)
}

export const sessionKey = (request: SimRequest): string | undefined => header(request, "x-liveagent-session-key")

/** `X-LIVEAGENT-SEQUENCE`, or undefined where the header is optional and absent. */
export const sequenceOf = (request: SimRequest): number | undefined => {
  const raw = header(request, "x-liveagent-sequence")
  return raw === undefined ? undefined : Number(raw)
}

/** The request's API version, or the answer refusing it (versions before 29 are not served). */
export const versionOf = (request: SimRequest): number | SimResponse => {
  const version = Number.parseInt(header(request, "x-liveagent-api-version") ?? "", 10)
  return version >= minApiVersion
    ? version
    : sfError(400, `X-LIVEAGENT-API-VERSION ${version} is not served; use ${minApiVersion} or later`)
}

/**
 * The live session a call names by key, checked against its affinity: 403 for an unknown, ended or expired key or
 * a foreign token, 503 for the token a session was moved away from. Reconnect calls (`reconnect`) also take the
 * literal `null`, the old and the new token.
 */
export const authorize = (
  sessions: ReadonlyMap<string, Session>,
  request: SimRequest,
  key: string | undefined,
  reconnect = false
): Found => {
  const session = key === undefined ? undefined : sessions.get(key)
  if (session === undefined || session.gone) return { response: invalid() }
  const affinity = header(request, "x-liveagent-affinity")
  if (reconnect) {
    const ok = affinity === "null" || affinity === session.affinity || affinity === session.movedTo
    return ok ? { session } : { response: invalid() }
  }
  if (session.movedTo !== undefined && affinity === session.affinity) return { response: moved() }
  return affinity === session.affinity ? { session } : { response: invalid() }
}
