/**
 * LivePerson behind the hostile proxy: the chat request, the chat resource poll (`next` link), line events and the
 * `state: ended` event against every hostile behaviour, over real loopback HTTP. The matrix and its contract are in
 * `support/hostile.ts`.
 *
 * The simulator gives every chat `info.chatTimeout` 6 s, matched in the adapter's `polling.chatTimeout`.
 *
 * LivePerson only: `POST chat/request` has no idempotency key, so a chat whose creating answer was lost (the proxy
 * forwarded the request, then broke the answer) cannot be ended by core, which never learns its URI; such a chat
 * is left to LivePerson's own timeout, and core counts each in `switchboard_ambiguous_starts_total`. The start cases
 * accept that: every chat must be gone once the chat timeout has passed, and each one not ended by core must have
 * been counted.
 */
import { Redacted } from "effect"
import * as LivePerson from "../src/providers/LivePerson.ts"
import { type HostileTarget, hostileSuite, requestTimeout, retry } from "./support/hostile.ts"

const chatTimeoutSeconds = 6
const intervalMs = 200

const target: HostileTarget = {
  provider: "liveperson",
  simulator: { liveperson: { chatTimeoutSeconds } },
  secretsInHeaders: true,
  inactivityMs: chatTimeoutSeconds * 1000,
  layer: (sim, origin) =>
    LivePerson.layer({
      baseUrl: `${origin}/liveperson`,
      accountId: sim.settings.liveperson.accountId,
      appKey: Redacted.make(sim.settings.liveperson.appKey),
      skill: sim.settings.liveperson.skills[0] ?? "Sales",
      retry,
      requestTimeout,
      polling: {
        interval: `${intervalMs} millis`,
        chatTimeout: `${chatTimeoutSeconds} seconds`,
        safetyMargin: "2 seconds"
      }
    }),
  maxPolls: (windowMs) => Math.floor(windowMs / intervalMs) + 1,
  pace: `one per ${intervalMs} ms poll interval`,
  orphansTimeOut: true
}

hostileSuite(target)
