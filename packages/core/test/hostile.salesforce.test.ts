/**
 * Salesforce Live Agent behind the hostile proxy: start (SessionId and ChasitorInit), the long poll, ChatMessage and
 * ChatEnd/DELETE against every hostile behaviour, over real loopback HTTP. The matrix and its contract are in
 * `support/hostile.ts`.
 *
 * The simulator holds a poll 2 s, tells the client `clientPollTimeout` 3 s, and expires a session 6 s without a poll
 * (the `connectionTimeout` of ChatRequestSuccess, which the adapter reads as the session timeout).
 */
import * as Salesforce from "../src/providers/Salesforce.ts"
import { type HostileTarget, hostileSuite, requestTimeout, retry } from "./support/hostile.ts"

const sessionTimeoutMs = 6000

const target: HostileTarget = {
  provider: "salesforce",
  simulator: { salesforce: { clientPollTimeoutSeconds: 3, pollHoldMs: 2000, sessionTimeoutMs } },
  secretsInHeaders: true,
  inactivityMs: sessionTimeoutMs,
  layer: (sim, origin) =>
    Salesforce.layer({
      baseUrl: `${origin}/salesforce/chat/rest`,
      orgId: sim.settings.salesforce.orgId,
      deploymentId: sim.settings.salesforce.deploymentId,
      buttonId: sim.settings.salesforce.buttonId,
      apiVersion: sim.settings.salesforce.apiVersion,
      retry,
      requestTimeout
    }),
  // A long poll answered at once with 204 is re-polled on a backoff: two a second on average at most.
  maxPolls: (windowMs) => Math.floor((windowMs / 1000) * 2) + 1,
  pace: "2 per second on average",
  orphansTimeOut: false,
  // The start rule meets GET System/SessionId first; these cases let it through and break ChasitorInit alone,
  // whose forwarded request creates the chat at the simulator.
  startSteps: [{ name: "chasitorInit", behaviours: ["silence", "trickle-body", "endless-body", "html-502"] }]
}

hostileSuite(target)
