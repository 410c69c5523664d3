/**
 * The only bridge from openapi-fetch to Effect. A call either succeeds with the parsed data and the response, or
 * fails with a `CallFailure` that says whether it is worth retrying and whether the provider may have applied it.
 */
import { Data, Duration, Effect } from "effect"
import { TransportError } from "./transport.ts"

/**
 * A provider call that did not succeed: an HTTP error status, no answer at all (`status` undefined), or an answer
 * that could not be used (`malformed` set: too large, badly encoded, a 2xx that is not JSON, a redirect loop).
 *
 * The transport's codes (`code`): `DEADLINE` (the whole request outlived its deadline: retryable, maybe applied),
 * and the malformed ones, `TOO_LARGE`, `BAD_ENCODING`, `REDIRECT_LOOP`, `BAD_REDIRECT` and `NOT_JSON`, which are
 * not retried unless the caller marks the request safe to repeat (`repeatable()`; never `TOO_LARGE`), and which
 * adapters report as a `ProtocolError`; they carry the answer's `status` when it had one, so check `malformed`
 * before mapping a status.
 */
export class CallFailure extends Data.TaggedError("CallFailure")<{
  readonly operation: string
  readonly status?: number
  /** The parsed error body, for the adapter to read the provider's error code. */
  readonly body?: unknown
  readonly retryAfter?: Duration.Duration
  /** The transport's error code when there was no usable answer (never the URL: it may carry a secret). */
  readonly code?: string
  /**
   * What was wrong with an answer that could not be used, in a few words (never its body or a URL), e.g. "the
   * answer is not JSON". Adapters map it to `ProtocolError` with this as its detail.
   */
  readonly malformed?: string
  /** Set by `repeatable()`: the request is safe to repeat, so an answer that could not be used is retried too. */
  readonly safeToRepeat?: boolean
}> {
  /**
   * Connection failures, timeouts, 408, 425, 429 and 5xx may succeed on a later attempt; a malformed answer only
   * where the request is safe to repeat (`repeatable()`).
   */
  get retryable(): boolean {
    if (this.malformed !== undefined) return this.safeToRepeat === true
    const status = this.status
    return status === undefined || status === 408 || status === 425 || status === 429 || status >= 500
  }

  /**
   * Whether the provider may have applied the request even though the caller saw a failure. A malformed answer
   * came from something that handled the request: applied unless its status says it refused (4xx, 503).
   */
  get maybeApplied(): boolean {
    const status = this.status
    if (this.malformed !== undefined) return status === undefined || status < 400 || (status >= 500 && status !== 503)
    if (status === undefined) return this.code !== "ECONNREFUSED"
    return status >= 500 && status !== 503
  }

  /**
   * This failure, for a request that is safe to repeat (idempotent, sequenced, or checked against the log before it
   * is sent again): an answer that could not be used is then retried like a lost one. When the retries run out on
   * it, it stays a malformed failure (a `ProtocolError`), not an unavailable provider. A too large answer is never
   * retried.
   */
  repeatable(): CallFailure {
    // An answer over the size limit is not retried: a provider that answers too much will do so again, and each
    // attempt costs a full buffer.
    return this.malformed === undefined || this.safeToRepeat === true || this.code === "TOO_LARGE"
      ? this
      : new CallFailure({
          operation: this.operation,
          ...(this.status === undefined ? {} : { status: this.status }),
          ...(this.body === undefined ? {} : { body: this.body }),
          ...(this.retryAfter === undefined ? {} : { retryAfter: this.retryAfter }),
          ...(this.code === undefined ? {} : { code: this.code }),
          malformed: this.malformed,
          safeToRepeat: true
        })
  }
}

const retryAfter = (response: { headers: { get(name: string): string | null } }) => {
  const raw = response.headers.get("retry-after")
  if (raw === null) return {}
  const seconds = Number(raw)
  if (Number.isFinite(seconds) && seconds >= 0) return { retryAfter: Duration.seconds(Math.min(seconds, 300)) }
  const date = Date.parse(raw)
  return Number.isNaN(date) ? {} : { retryAfter: Duration.millis(Math.min(Math.max(0, date - Date.now()), 300_000)) }
}

/** The first string among the error's `code`, its cause's `code` and its `name` (a DOMException's `code` is a number). */
const codeOf = (cause: unknown): string => {
  const error = cause as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | undefined
  for (const code of [error?.code, error?.cause?.code, error?.name]) if (typeof code === "string") return code
  return "UNKNOWN"
}

/**
 * A failed request in a few words, for `connection-lost` and error details: the malformed answer's description,
 * the HTTP status or the network's code. Never a secret (no headers, no bodies). A `ProtocolError` gives its detail.
 */
export const describeFailure = (failure: CallFailure | { readonly _tag: "ProtocolError"; readonly detail: string }) => {
  if (failure._tag === "ProtocolError") return failure.detail
  if (failure.malformed !== undefined) return failure.malformed
  return failure.status === undefined ? (failure.code ?? "no answer") : `HTTP ${failure.status}`
}

export interface Answer<A> {
  readonly data: A | undefined
  readonly response: { readonly status: number; readonly headers: { get(name: string): string | null } }
}

type Result<A> = Promise<{ readonly data?: A; readonly error?: unknown; readonly response: Response }>

/**
 * A call whose promise rejected: no answer (refused, reset, past its deadline: the transport's error code only), or
 * an answer that could not be used (a `TransportError` with `malformed`, or a `SyntaxError` from parsing a 2xx
 * answer outside the transport's `json()`).
 */
export const unanswered = (operation: string, cause: unknown): CallFailure => {
  const error =
    cause instanceof TransportError
      ? cause
      : (cause as { cause?: unknown } | undefined)?.cause instanceof TransportError
        ? ((cause as { cause: TransportError }).cause as TransportError)
        : undefined
  if (error !== undefined) {
    return new CallFailure({
      operation,
      code: error.code,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.malformed === undefined ? {} : { malformed: error.malformed })
    })
  }
  if (cause instanceof SyntaxError)
    return new CallFailure({ operation, code: "NOT_JSON", malformed: "the answer is not JSON" })
  return new CallFailure({ operation, code: codeOf(cause) })
}

/**
 * What an openapi-fetch call that got an answer comes to, outside Effect: the answer when its status is 2xx, the
 * failure otherwise. `call` is this within Effect; the poll driver uses it as it is (see `pollScheduler.ts`).
 */
export const answered = <A>(operation: string, result: Awaited<Result<A>>): Answer<A> | CallFailure =>
  result.response.ok
    ? { data: result.data, response: result.response }
    : new CallFailure({
        operation,
        status: result.response.status,
        body: result.error,
        ...retryAfter(result.response)
      })

/**
 * Runs one openapi-fetch call. Interruption does not abort the request (no AbortSignal is made: it costs more
 * than a short request); a request that may be held for long (Salesforce's long poll) passes its own signal.
 */
export const call = <A>(operation: string, run: () => Result<A>): Effect.Effect<Answer<A>, CallFailure> =>
  Effect.flatMap(Effect.tryPromise({ try: run, catch: (cause) => unanswered(operation, cause) }), settle(operation))

const settle =
  (operation: string) =>
  <A>(result: Awaited<Result<A>>): Effect.Effect<Answer<A>, CallFailure> => {
    const outcome = answered(operation, result)
    return outcome instanceof CallFailure ? Effect.fail(outcome) : Effect.succeed(outcome)
  }
