/**
 * The only bridge from openapi-fetch to Effect. A call either succeeds with the parsed data and the response, or
 * fails with a `CallFailure` that says whether it is worth retrying and whether the provider may have applied it.
 */
import { Data, Duration, Effect } from "effect"

/** A provider call that did not succeed: an HTTP error status, or no answer at all (`status` undefined). */
export class CallFailure extends Data.TaggedError("CallFailure")<{
  readonly operation: string
  readonly status?: number
  /** The parsed error body, for the adapter to read the provider's error code. */
  readonly body?: unknown
  readonly retryAfter?: Duration.Duration
  /** The transport's error code when there was no answer (never the URL: it may carry a secret). */
  readonly code?: string
}> {
  /** Connection failures, timeouts, 408, 425, 429 and 5xx may succeed on a later attempt. */
  get retryable(): boolean {
    const status = this.status
    return status === undefined || status === 408 || status === 425 || status === 429 || status >= 500
  }

  /** Whether the provider may have applied the request even though the caller saw a failure. */
  get maybeApplied(): boolean {
    if (this.status === undefined) return this.code !== "ECONNREFUSED"
    return this.status >= 500 && this.status !== 503
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

const codeOf = (cause: unknown): string => {
  const error = cause as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | undefined
  const code = error?.code ?? error?.cause?.code ?? error?.name
  return typeof code === "string" ? code : "UNKNOWN"
}

export interface Answer<A> {
  readonly data: A | undefined
  readonly response: { readonly status: number; readonly headers: { get(name: string): string | null } }
}

type Result<A> = Promise<{ readonly data?: A; readonly error?: unknown; readonly response: Response }>

/** A call that got no answer (refused, reset, timed out): the failure, with the transport's error code only. */
export const unanswered = (operation: string, cause: unknown): CallFailure =>
  new CallFailure({ operation, code: codeOf(cause) })

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
