/**
 * A Salesforce visitor over plain `fetch`, as far as a requested chat: a session, then ChasitorInit. For tests that
 * need a live Salesforce chat to act on (the handover, held polls), not for the protocol's own tests.
 */
import { expect } from "vitest"
import type { RunningSimulator } from "../../src/index.ts"

export const requestSalesforceChat = async (sim: RunningSimulator) => {
  const base = sim.urls.salesforce
  const version = { "X-LIVEAGENT-API-VERSION": "57" }
  const session = (await (
    await fetch(`${base}/System/SessionId`, { headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" } })
  ).json()) as { id: string; key: string; affinityToken: string }
  const headers = {
    ...version,
    "X-LIVEAGENT-AFFINITY": session.affinityToken,
    "X-LIVEAGENT-SESSION-KEY": session.key
  }
  const { orgId, deploymentId, buttonId } = sim.settings.salesforce
  const init = await fetch(`${base}/Chasitor/ChasitorInit`, {
    method: "POST",
    headers: { ...headers, "X-LIVEAGENT-SEQUENCE": "1", "content-type": "application/json" },
    body: JSON.stringify({
      organizationId: orgId,
      deploymentId,
      buttonId,
      sessionId: session.id,
      userAgent: "test",
      language: "en-US",
      screenResolution: "1920x1080",
      visitorName: "Ada",
      prechatDetails: [],
      prechatEntities: [],
      receiveQueueUpdates: true,
      isPost: true
    })
  })
  expect(init.status).toBe(200)
  return { base, headers }
}
