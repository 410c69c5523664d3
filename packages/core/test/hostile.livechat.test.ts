/**
 * LiveChat behind the hostile proxy: chat/start, get_pending_messages, send_message and close against every hostile
 * behaviour, over real loopback HTTP. The matrix and its contract are in `support/hostile.ts`.
 *
 * The simulator closes a chat 6 s without get_pending_messages, matched in the adapter's `polling.keepAlive`.
 */
import * as LiveChat from "../src/providers/LiveChat.ts"
import { type HostileTarget, hostileSuite, requestTimeout, retry } from "./support/hostile.ts"

const inactivityTimeoutMs = 6000
const activeMs = 100

const target: HostileTarget = {
  provider: "livechat",
  simulator: { livechat: { inactivityTimeoutMs } },
  secretsInHeaders: false,
  inactivityMs: inactivityTimeoutMs,
  layer: (sim, origin) =>
    LiveChat.layer({
      baseUrl: `${origin}/livechat`,
      licenceId: sim.settings.livechat.licenceId,
      retry,
      requestTimeout,
      polling: {
        active: `${activeMs} millis`,
        normal: "150 millis",
        idle: "300 millis",
        keepAlive: `${inactivityTimeoutMs} millis`,
        safetyMargin: "2 seconds"
      }
    }),
  maxPolls: (windowMs) => Math.floor(windowMs / activeMs) + 1,
  pace: `one per ${activeMs} ms polling.active pause`,
  // start is idempotent per visitor id, so core retries it, unreadable answers included, and a later readable answer
  // settles everything. But when every start answer is unreadable (these cases), the chat's secret never arrives:
  // nobody can close it, and LiveChat's inactivity timeout does, as long as core counted it.
  orphansTimeOut: true
}

hostileSuite(target)
