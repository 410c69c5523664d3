/**
 * The hand-written half of the client: the X-LIVEAGENT-* session headers. The spec declares them as header
 * parameters; these helpers build them so that callers never spell a header name and never print a session key.
 */
import type { operations } from "./generated/salesforce.ts"

type HeaderOf<Operation extends keyof operations> = NonNullable<operations[Operation]["parameters"]["header"]>
type WithoutVersion<H> = Omit<H, "X-LIVEAGENT-API-VERSION">

/** Headers of the first `GET /System/SessionId`, before any affinity token exists. */
export type NewSessionHeaders = WithoutVersion<HeaderOf<"getSessionId">>
/** Affinity only: `DELETE /System/SessionId/{sessionKey}` (the key travels in the path). */
export type AffinityHeaders = WithoutVersion<HeaderOf<"deleteSession">>
/** Affinity and session key: `System/Messages`, `ChasitorResyncState`, `ResyncSession`, `ReconnectSession`. */
export type SessionHeaders = WithoutVersion<HeaderOf<"getMessages">>
/** Affinity, session key and the caller's sequence number: every sequenced Chasitor call and `MultiNoun`. */
export type SequencedHeaders = WithoutVersion<HeaderOf<"sendChatMessage">>
/** Path and headers of `DELETE /System/SessionId/{sessionKey}`. */
export interface EndSessionParams {
  readonly header: AffinityHeaders
  readonly path: operations["deleteSession"]["parameters"]["path"]
}

/** The affinity value clients send before they have a token (first SessionId call, ReconnectSession). */
export const NO_AFFINITY = "null"

const REDACTED = "<redacted>"
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

// Set once by the class's static block: lets the helpers below read a session's cached headers without making
// them a public (and printable) property.
let headersOf: (session: SalesforceSession) => SessionHeaders

/**
 * An open Live Agent session as the client needs it on the wire: the secret `key` (sent as
 * `X-LIVEAGENT-SESSION-KEY`) and the `affinityToken` (sent as `X-LIVEAGENT-AFFINITY`). Immutable: a new affinity
 * token after `ReconnectSession` gives a new value through {@link SalesforceSession.withAffinityToken}.
 *
 * The key is kept in a private field: `toString`, `JSON.stringify` and `util.inspect` show `<redacted>`, and no
 * error thrown by this package contains it.
 *
 * @example
 * const { data } = await client.GET("/System/SessionId", { params: { header: newSessionHeaders() } })
 * const session = SalesforceSession.fromSessionId(data!)
 */
export class SalesforceSession {
  readonly #key: string
  readonly #headers: SessionHeaders
  /** The routing token, sent as `X-LIVEAGENT-AFFINITY`. Not a secret. */
  readonly affinityToken: string

  private constructor(key: string, affinityToken: string) {
    if (typeof key !== "string" || key.length === 0)
      throw new TypeError("A Salesforce session key must be a non-empty string")
    if (typeof affinityToken !== "string" || affinityToken.length === 0) {
      throw new TypeError("A Salesforce affinity token must be a non-empty string")
    }
    this.#key = key
    this.affinityToken = affinityToken
    this.#headers = Object.freeze({ "X-LIVEAGENT-AFFINITY": affinityToken, "X-LIVEAGENT-SESSION-KEY": key })
    Object.freeze(this)
  }

  /** Builds a session from its key and affinity token, e.g. restored from storage. Throws a `TypeError` on empty values. */
  static make(fields: { readonly key: string; readonly affinityToken: string }): SalesforceSession {
    return new SalesforceSession(fields.key, fields.affinityToken)
  }

  /** Builds a session from the body of `GET /System/SessionId` (extra fields such as `id` are ignored). */
  static fromSessionId(body: { readonly key: string; readonly affinityToken: string }): SalesforceSession {
    return new SalesforceSession(body.key, body.affinityToken)
  }

  /** The secret session key, sent as `X-LIVEAGENT-SESSION-KEY`. Never log it. */
  get key(): string {
    return this.#key
  }

  /** The same session with the affinity token of a `ReconnectSession` (or `ResyncSession`) answer. */
  withAffinityToken(affinityToken: string): SalesforceSession {
    return new SalesforceSession(this.#key, affinityToken)
  }

  /** `SalesforceSession(affinityToken=…, key=<redacted>)`: safe to log. */
  toString(): string {
    return `SalesforceSession(affinityToken=${this.affinityToken}, key=${REDACTED})`
  }

  /** `{ affinityToken, key: "<redacted>" }`: what `JSON.stringify` shows. */
  toJSON(): { readonly affinityToken: string; readonly key: string } {
    return { affinityToken: this.affinityToken, key: REDACTED }
  }

  /** What Node's `util.inspect` (and so `console.log`) shows. */
  [inspectSymbol](): string {
    return this.toString()
  }

  static {
    headersOf = (session) => session.#headers
  }
}

const newSession: NewSessionHeaders = Object.freeze({ "X-LIVEAGENT-AFFINITY": NO_AFFINITY })

/**
 * Headers of the first `GET /System/SessionId`: `X-LIVEAGENT-AFFINITY: null`, because no token exists yet.
 * The API version comes from the client.
 */
export const newSessionHeaders = (): NewSessionHeaders => newSession

/**
 * `X-LIVEAGENT-AFFINITY` and `X-LIVEAGENT-SESSION-KEY` of a session, for the calls without a sequence number:
 * `GET /System/Messages`, `POST /Chasitor/ChasitorResyncState`, `GET /System/ResyncSession`, and optionally
 * `POST /Visitor/Breadcrumb`. Returns the same frozen object for a session every time (no allocation).
 */
export const sessionHeaders = (session: SalesforceSession): SessionHeaders => headersOf(session)

/**
 * Session headers plus `X-LIVEAGENT-SEQUENCE`, for ChasitorInit, ChatMessage, ChasitorTyping, ChasitorNotTyping,
 * ChasitorSneakPeek, ChatEnd, CustomEvent, ChasitorIdleTimeoutWarningEvent and MultiNoun.
 *
 * The caller owns the counter: 1 for the first sequenced request of a session, one more for each new request,
 * the SAME number when retrying a request (that is how the server drops the duplicate), and back to 1 after a
 * `ReconnectSession` answer with `resetSequence: true`. Throws a `RangeError` unless it is a positive integer.
 */
export const sequencedHeaders = (session: SalesforceSession, sequence: number): SequencedHeaders => {
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`X-LIVEAGENT-SEQUENCE must be a positive integer, got ${String(sequence)}`)
  }
  const { "X-LIVEAGENT-AFFINITY": affinity, "X-LIVEAGENT-SESSION-KEY": key } = headersOf(session)
  return { "X-LIVEAGENT-AFFINITY": affinity, "X-LIVEAGENT-SESSION-KEY": key, "X-LIVEAGENT-SEQUENCE": sequence }
}

/**
 * Headers of `GET /System/ReconnectSession` after a `503`: the session key with `X-LIVEAGENT-AFFINITY: null`, as in
 * the documented example (the old token is what stopped working).
 */
export const reconnectHeaders = (session: SalesforceSession): SessionHeaders => ({
  "X-LIVEAGENT-AFFINITY": NO_AFFINITY,
  "X-LIVEAGENT-SESSION-KEY": session.key
})

/**
 * Path and headers of `DELETE /System/SessionId/{sessionKey}`, which carries the secret key in the URL path
 * (keep such URLs out of logs): `client.DELETE("/System/SessionId/{sessionKey}", { params: endSessionParams(s) })`.
 */
export const endSessionParams = (session: SalesforceSession): EndSessionParams => ({
  header: { "X-LIVEAGENT-AFFINITY": session.affinityToken },
  path: { sessionKey: session.key }
})
