/**
 * Core's metrics: Effect `Metric`s, exported by whatever metrics layer the application installs (for example
 * `@effect/opentelemetry`'s `NodeSdk` with a metric reader), and readable with `Metric.value`. Both are tagged with
 * `provider` (the adapter's name: `salesforce`, `liveperson`, `livechat`); no tag names a session, so a process with
 * 10,000 chats still has one series per provider each.
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

const labels = new Map<ProviderName, ReadonlyArray<MetricLabel.MetricLabel>>()

/**
 * The `provider` tag of a provider's series, made once per name (pollers record without allocating): any adapter
 * gets its own series under the name it gives.
 */
export const providerTags = (provider: ProviderName): ReadonlyArray<MetricLabel.MetricLabel> => {
  let tags = labels.get(provider)
  if (tags === undefined) {
    tags = [MetricLabel.make("provider", provider)]
    labels.set(provider, tags)
  }
  return tags
}
