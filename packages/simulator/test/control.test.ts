/** The control API's own behaviour: handover, fault rules, availability, error shapes. */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { requestSalesforceChat } from "./support/salesforce.ts"

let sim: RunningSimulator
afterEach(async () => {
  await sim.close()
  expect(sim.violations).toEqual([])
})

const post = (path: string, body?: unknown) =>
  fetch(`${sim.urls.control}${path}`, {
    method: "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })

describe("control API", () => {
  it("hands a Salesforce session over: the old affinity answers 503 until ReconnectSession", async () => {
    sim = await startSimulator({ validateResponses: true })
    const { base, headers } = await requestSalesforceChat(sim)
    const chat = sim.hub.list({ provider: "salesforce" })[0]
    expect(chat).toBeDefined()

    const handed = await post(`/chats/${chat?.id}/handover`)
    expect(handed.status).toBe(200)
    const refused = await fetch(`${base}/System/Messages?ack=-1`, { headers })
    expect(refused.status).toBe(503)
    const reconnect = await fetch(`${base}/System/ReconnectSession?ReconnectSession.offset=0`, {
      headers: { ...headers, "X-LIVEAGENT-AFFINITY": "null" }
    })
    expect(reconnect.status).toBe(200)
    const body = (await reconnect.json()) as { messages: Array<{ message: { affinityToken: string } }> }
    const affinity = body.messages[0]?.message.affinityToken
    expect(affinity).toBeDefined()
    expect(affinity).not.toBe(headers["X-LIVEAGENT-AFFINITY"])
    const resumed = await fetch(`${base}/System/Messages?ack=-1`, {
      headers: { ...headers, "X-LIVEAGENT-AFFINITY": affinity ?? "" }
    })
    expect(resumed.status).toBe(200)
    const first = (await resumed.json()) as { messages: Array<{ type: string }> }
    expect(first.messages[0]?.type).toBe("ChasitorSessionData")
  })

  it("refuses a handover where the provider has none (409) and unknown chats (404), in its error shape", async () => {
    sim = await startSimulator({ validateResponses: true })
    const start = await fetch(`${sim.urls.livechat}/visitors/v-1/chat/start`, {
      method: "POST",
      headers: { "X-API-Version": "2", "content-type": "application/json" },
      body: JSON.stringify({ licence_id: sim.settings.livechat.licenceId, welcome_message: "hi" })
    })
    expect(start.status).toBe(200)
    const chat = sim.hub.list({ provider: "livechat" })[0]
    const conflict = await post(`/chats/${chat?.id}/handover`)
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: { code: "conflict" } })
    const missing = await post("/chats/sf_000000000000/handover")
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } })
    const malformed = await post("/chats/not-an-id/accept")
    expect(malformed.status).toBe(400)
  })

  it("adds, lists, replaces and removes fault rules, refusing malformed ones", async () => {
    sim = await startSimulator({ validateResponses: true })
    const bad = await post("/faults", { errorRate: 2 })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } })
    const unknownOption = await post("/faults", { explode: true })
    expect(unknownOption.status).toBe(400)
    const added = (await (await post("/faults", { provider: "livechat", dropRate: 0.5 })).json()) as { id: number }
    const listed = (await (await fetch(`${sim.urls.control}/faults`)).json()) as { rules: Array<{ id: number }> }
    expect(listed.rules).toEqual([{ id: added.id, fired: 0, provider: "livechat", dropRate: 0.5 }])
    const replaced = await fetch(`${sim.urls.control}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ latencyMs: [1, 2] }])
    })
    expect(replaced.status).toBe(204)
    expect(sim.faults.list()).toHaveLength(1)
    const gone = await fetch(`${sim.urls.control}/faults/${sim.faults.list()[0]?.id}`, { method: "DELETE" })
    expect(gone.status).toBe(204)
    const again = await fetch(`${sim.urls.control}/faults/999`, { method: "DELETE" })
    expect(again.status).toBe(404)
  })

  it("turns availability off and on per skill", async () => {
    sim = await startSimulator({ validateResponses: true })
    const off = await fetch(`${sim.urls.control}/availability`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ available: false, skill: "Sales" })
    })
    expect(await off.json()).toEqual({ available: false, estimatedWaitSeconds: -1 })
    expect(sim.hub.isAvailable("Sales")).toBe(false)
    expect(sim.hub.isAvailable("Support")).toBe(true)
  })
})
