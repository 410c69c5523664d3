/**
 * The cadence of a short-polled chat (LiveChat, LivePerson) as a `Schedule`, fed with the outcome of each poll and
 * deciding when the next one runs (see `pollScheduler.ts`).
 *
 * Both providers close a chat nobody polled for a while (LiveChat after ~30 s, LivePerson after its `chatTimeout`),
 * so no pause, not even a retry's, goes past the `ceiling` the adapter passes with each outcome: the deadline minus
 * a safety margin. Within it, after an answer: `active` while the agent joined or wrote in the last 15 s, `normal`
 * while anything happened in the last minute, `idle` after that. After a failed poll: 500 ms, doubling up to
 * `normal`, or as long as `Retry-After` asks.
 */
import { Effect, Schedule, ScheduleDecision, ScheduleInterval } from "effect"

/** Pauses between polls, in ms. */
export interface Cadence {
  readonly active: number
  readonly normal: number
  readonly idle: number
}

/** What one poll came to, as the cadence sees it (`ceiling`: the longest pause that keeps the chat alive, ms). */
export type PollOutcome =
  | {
      readonly _tag: "Answered"
      /** The answer held new events. */
      readonly news: boolean
      /** The agent joined, wrote or was replaced. */
      readonly agentActive: boolean
      readonly ceiling: number
    }
  | { readonly _tag: "Failed"; readonly retryAfter: number; readonly ceiling: number }
  /** The chat is over: no more polls. */
  | { readonly _tag: "Over" }

export const over: PollOutcome = { _tag: "Over" }

/** The agent counts as active this long after joining or writing. */
const activeWindow = 15_000
/** A chat counts as idle after this long without news. */
const quietWindow = 60_000

interface State {
  readonly failures: number
  readonly agentAt: number
  readonly newsAt: number
}

/**
 * The pause after the `failures`-th failed poll in a row (before the outcome's ceiling): 500 ms doubling up to the
 * normal pause, or `Retry-After` when longer. Adapters use it to tell the session when the next try is.
 */
export const failedPause = (failures: number, retryAfter: number, normal: number): number =>
  Math.max(Math.min(250 * 2 ** Math.min(failures, 6), normal), retryAfter)

/** The schedule's output is the pause it chose, in ms. */
export const cadence = (pauses: Cadence): Schedule.Schedule<number, PollOutcome> =>
  Schedule.makeWithState<State | undefined, PollOutcome, number>(undefined, (now, outcome, previous) => {
    if (outcome._tag === "Over") return Effect.succeed([previous, 0, ScheduleDecision.done] as const)
    // The first outcome comes from the first poll, right after the chat started: "news" as of now.
    const state = previous ?? { failures: 0, agentAt: Number.NEGATIVE_INFINITY, newsAt: now }
    let next: State
    let pause: number
    if (outcome._tag === "Answered") {
      // A quiet answer after another keeps the state object: it lives a whole pause, long enough to be promoted.
      next =
        state.failures === 0 && !outcome.agentActive && !outcome.news
          ? state
          : {
              failures: 0,
              agentAt: outcome.agentActive ? now : state.agentAt,
              newsAt: outcome.news ? now : state.newsAt
            }
      pause =
        now - next.agentAt < activeWindow
          ? pauses.active
          : now - next.newsAt < quietWindow
            ? pauses.normal
            : pauses.idle
    } else {
      next = { ...state, failures: state.failures + 1 }
      pause = failedPause(next.failures, outcome.retryAfter, pauses.normal)
    }
    pause = Math.min(pause, outcome.ceiling)
    return Effect.succeed([next, pause, ScheduleDecision.continueWith(ScheduleInterval.after(now + pause))] as const)
  })
