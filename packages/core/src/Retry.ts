/**
 * Retrying transient provider failures: capped exponential backoff with jitter, `Retry-After` honoured as a floor,
 * a number of attempts and a total deadline. Only idempotent work is retried blindly; sends make themselves
 * idempotent first (see the adapters).
 */
import { Duration, Effect, Schedule } from "effect"
import { type ProviderName, ProviderUnavailable } from "./Errors.ts"
import type { CallFailure } from "./internal/call.ts"

export interface RetryPolicy {
  /** First pause; doubles each retry. Default 250 ms. */
  readonly baseDelay?: Duration.DurationInput
  /** Longest pause between attempts (a larger `Retry-After` still wins). Default 10 s. */
  readonly maxDelay?: Duration.DurationInput
  /** Retries after the first attempt. Default 6. */
  readonly maxRetries?: number
  /** No retry starts after this much time since the first attempt. Default 30 s. */
  readonly deadline?: Duration.DurationInput
}

export const defaultRetryPolicy: Required<RetryPolicy> = {
  baseDelay: "250 millis",
  maxDelay: "10 seconds",
  maxRetries: 6,
  deadline: "30 seconds"
}

const buildSchedule = (policy: RetryPolicy) => {
  const { baseDelay, maxDelay, maxRetries, deadline } = { ...defaultRetryPolicy, ...policy }
  const cap = Duration.decode(maxDelay)
  return Schedule.exponential(baseDelay).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(maxRetries)),
    Schedule.upTo(deadline),
    Schedule.whileInput((failure: CallFailure) => failure.retryable),
    Schedule.passthrough,
    Schedule.modifyDelay((failure: CallFailure, delay) =>
      Duration.max(Duration.min(delay, cap), failure.retryAfter ?? Duration.zero)
    )
  )
}

/**
 * The policy of a visitor's message: retried however many attempts it takes, until the policy's own deadline when
 * the caller set one, or else until the session's give-up budget (`SessionOptions.giveUpAfter`, default 60 s): the
 * sender honours the same budget as the pollers. An exactly-once send is a compound attempt (a look at the log, then
 * maybe the request), so under a steady fault rate it fails an attempt more often than a plain call; a count of
 * attempts would give up on messages the deadline still has time for (the soak measured one in 50,000 at 10 % faults
 * with 6 retries, and one in 17,000 with the 30 s retry deadline). Made once per policy and budget.
 */
export const untilDeadline = (policy: RetryPolicy | undefined, budgetMs: number): RetryPolicy => {
  const key = policy ?? noPolicy
  let byBudget = sendPolicies.get(key)
  if (byBudget === undefined) {
    byBudget = new Map()
    sendPolicies.set(key, byBudget)
  }
  let send = byBudget.get(budgetMs)
  if (send === undefined) {
    send = { ...policy, maxRetries: Number.MAX_SAFE_INTEGER, deadline: policy?.deadline ?? Duration.millis(budgetMs) }
    byBudget.set(budgetMs, send)
  }
  return send
}

/**
 * The policy bounded by a session's give-up budget (`SessionOptions.giveUpAfter`): no retry starts past it. The
 * policy itself when its deadline is already within the budget; made once per policy and budget.
 */
export const withinBudget = (policy: RetryPolicy | undefined, budgetMs: number): RetryPolicy | undefined => {
  const deadline = Duration.toMillis(policy?.deadline ?? defaultRetryPolicy.deadline)
  if (budgetMs >= deadline) return policy
  const key = policy ?? noPolicy
  let byBudget = budgeted.get(key)
  if (byBudget === undefined) {
    byBudget = new Map()
    budgeted.set(key, byBudget)
  }
  let bounded = byBudget.get(budgetMs)
  if (bounded === undefined) {
    bounded = { ...policy, deadline: Duration.millis(budgetMs) }
    byBudget.set(budgetMs, bounded)
  }
  return bounded
}

/**
 * The policy of the request that ends a chat: a few quick retries, within 4 s. Ending runs when the visitor leaves
 * or the session gave up on an unreachable provider; it must not hold a process (or its connection pool) open for
 * the whole retry deadline. Made once per policy.
 */
export const forEnding = (policy: RetryPolicy | undefined): RetryPolicy => {
  const key = policy ?? noPolicy
  let ending = endPolicies.get(key)
  if (ending === undefined) {
    ending = { ...policy, maxRetries: 4, deadline: "4 seconds" }
    endPolicies.set(key, ending)
  }
  return ending
}
const endPolicies = new WeakMap<RetryPolicy, RetryPolicy>()
const budgeted = new WeakMap<RetryPolicy, Map<number, RetryPolicy>>()
const sendPolicies = new WeakMap<RetryPolicy, Map<number, RetryPolicy>>()
const noPolicy: RetryPolicy = {}

const schedules = new WeakMap<RetryPolicy, ReturnType<typeof buildSchedule>>()
const defaultSchedule = buildSchedule({})

/**
 * The schedule for one policy; it stops at the first failure that is not retryable. Built once per policy object
 * (a Schedule is an immutable description): every start, send and close of every session retries with it.
 */
export const transientSchedule = (policy?: RetryPolicy) => {
  if (policy === undefined) return defaultSchedule
  let schedule = schedules.get(policy)
  if (schedule === undefined) {
    schedule = buildSchedule(policy)
    schedules.set(policy, schedule)
  }
  return schedule
}

/**
 * `Effect.retry(attempt, schedule)`, with the schedule's driver made at the first failure rather than before the
 * first attempt: most calls succeed at once, and a driver (its state ref and the frames of its loop) held for the
 * length of every start, send and close in flight measured 4 KB each (bench/). The loop is Effect's own: each
 * failure steps the driver, which sleeps as the schedule says or ends the retries.
 */
const retryLazily = <A, R>(
  attempt: Effect.Effect<A, CallFailure, R>,
  schedule: Schedule.Schedule<unknown, CallFailure>
): Effect.Effect<A, CallFailure, R> =>
  Effect.catchAll(attempt, (failure) =>
    failure.retryable
      ? Effect.flatMap(Schedule.driver(schedule), (driver) => retryWith(attempt, driver, failure))
      : Effect.fail(failure)
  )

const retryWith = <A, R>(
  attempt: Effect.Effect<A, CallFailure, R>,
  driver: Schedule.ScheduleDriver<unknown, CallFailure>,
  failure: CallFailure
): Effect.Effect<A, CallFailure, R> =>
  Effect.matchEffect(driver.next(failure), {
    onFailure: () => Effect.fail(failure), // the schedule is done: the last failure stands
    onSuccess: () => Effect.catchAll(attempt, (next) => retryWith(attempt, driver, next))
  })

/**
 * Retries `effect` on transient failures. When they run out, the failure becomes `ProviderUnavailable`; a failure
 * that is not transient is returned as it is, for the adapter to map.
 */
export const retryTransient = <A, R>(
  provider: ProviderName,
  operation: string,
  effect: Effect.Effect<A, CallFailure, R>,
  policy?: RetryPolicy
): Effect.Effect<A, CallFailure | ProviderUnavailable, R> =>
  Effect.suspend(() => {
    let attempts = 0
    const attempt = Effect.suspend(() => {
      attempts += 1
      return effect
    })
    return retryLazily(attempt, transientSchedule(policy)).pipe(
      Effect.catchAll(
        (failure): Effect.Effect<never, CallFailure | ProviderUnavailable> =>
          failure.retryable && failure.malformed === undefined
            ? Effect.fail(
                new ProviderUnavailable({
                  provider,
                  operation,
                  attempts,
                  ...(failure.status === undefined
                    ? { detail: failure.code ?? "no answer" }
                    : { lastStatus: failure.status })
                })
              )
            : Effect.fail(failure)
      )
    )
  })
