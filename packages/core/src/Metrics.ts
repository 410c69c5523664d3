/**
 * Core's metrics: Effect `Metric`s, exported by whatever metrics layer the application installs (for example
 * `@effect/opentelemetry`'s `NodeSdk` with a metric reader), and readable with `Metric.value`. Both are tagged with
 * `provider` (`salesforce`, `liveperson`, `livechat`); no tag names a session, so a process with 10,000 chats
 * still has three series each.
 *
 * - `switchboard_poll_requests_total`: poll requests made (`GET System/Messages`, the LivePerson chat resource,
 *   `get_pending_messages`), whatever their outcome.
 * - `switchboard_session_poll_rate`: each session's poll budget in requests per minute, one sample per session and
 *   minute (the same figure `ChatSession.pollRate` gives). A LiveChat chat polls 12–60 times a minute; a Salesforce
 *   long poll about once per `clientPollTimeout` while nothing happens.
 * - `switchboard_ambiguous_starts_total`: chat requests that may have created a chat whose answer core never read
 *   (lost after it may have reached the provider, or unreadable), so that core cannot end that chat: each may be
 *   left at the provider until its own inactivity timeout ends it. LivePerson (no idempotency key on `chat/request`)
 *   counts every such attempt, retried or not; LiveChat counts a start that failed after one (a repeated `start`
 *   returns the same chat, so a later readable answer settles it).
 *
 * @example
 * ```ts
 * const requests = yield* Metric.value(Metrics.pollRequests.pipe(Metric.tagged("provider", "livechat")))
 * ```
 */
import { Metric, MetricBoundaries, MetricLabel } from "effect"
import type { ProviderName } from "./Errors.ts"

export const pollRequests = Metric.counter("switchboard_poll_requests_total", {
  description: "Poll requests made to the chat provider",
  incremental: true
})

export const ambiguousStarts = Metric.counter("switchboard_ambiguous_starts_total", {
  description: "Chat requests that may have created a chat core cannot end (its answer was lost or unreadable)",
  incremental: true
})

export const sessionPollRate = Metric.histogram(
  "switchboard_session_poll_rate",
  MetricBoundaries.fromIterable([1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 240]),
  "Poll requests per minute of one chat session, sampled once a minute per session"
)

/** The `provider` tag of each provider, made once (the pollers record without allocating). */
export const providerTags: Readonly<Record<ProviderName, ReadonlyArray<MetricLabel.MetricLabel>>> = {
  salesforce: [MetricLabel.make("provider", "salesforce")],
  liveperson: [MetricLabel.make("provider", "liveperson")],
  livechat: [MetricLabel.make("provider", "livechat")]
}
