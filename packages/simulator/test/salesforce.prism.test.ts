/**
 * The Salesforce lifecycle once more, through a Prism 5.14 proxy validating every request and response against
 * `specs/salesforce/openapi.yaml`: an independent check that the simulator's wire traffic matches the spec.
 */
import { specPath } from "@switchboard/specs"
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { startPrismProxy } from "./support/prism.ts"

interface Entry {
  readonly type: string
  readonly message: Record<string, unknown>
}

const running: Array<RunningSimulator> = []
afterEach(() => {
  for (const sim of running.splice(0)) expect(sim.violations).toEqual([])
})

describe("Salesforce simulator through Prism", () => {
  it("runs the whole lifecycle with zero violations", { timeout: 60_000 }, async () => {
    await using sim = await startSimulator({ validateResponses: true, salesforce: { pollHoldMs: 300 } })
    running.push(sim)
    await using prism = await startPrismProxy(specPath("salesforce"), sim.urls.salesforce)
    const { orgId, deploymentId, buttonId } = sim.settings.salesforce

    /** Sends one request through the proxy and records Prism's verdict on it. */
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${prism.url}${path}`, init)
      prism.inspect(response)
      return response
    }
    const version = { "X-LIVEAGENT-API-VERSION": "57" }

    // Pre-chat lookups.
    const query = `org_id=${orgId}&deployment_id=${deploymentId}`
    const availability = await call(
      `/Visitor/Availability?${query}&Availability.ids=${buttonId}&Availability.needEstimatedWaitTime=1`,
      {
        headers: version
      }
    )
    expect(availability.status).toBe(200)
    expect(((await availability.json()) as { messages: Array<Entry> }).messages[0]?.type).toBe("Availability")
    expect((await call(`/Visitor/Settings?${query}&Settings.buttonIds=${buttonId}`, { headers: version })).status).toBe(
      200
    )
    expect((await call(`/Visitor/VisitorId?${query}`, { headers: version })).status).toBe(200)

    // Session and chat request.
    const created = await call("/System/SessionId", { headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" } })
    expect(created.status).toBe(200)
    const session = (await created.json()) as { id: string; key: string; affinityToken: string }
    let affinity = session.affinityToken
    let sequence = 0
    let ack = -1
    let offset = 0
    const headers = () => ({ ...version, "X-LIVEAGENT-AFFINITY": affinity, "X-LIVEAGENT-SESSION-KEY": session.key })
    const post = (path: string, body: unknown, numbered = true) => {
      if (numbered) sequence += 1
      return call(path, {
        method: "POST",
        headers: {
          ...headers(),
          "content-type": "application/json",
          ...(numbered ? { "X-LIVEAGENT-SEQUENCE": String(sequence) } : {})
        },
        body: JSON.stringify(body)
      })
    }
    const poll = async (): Promise<Array<string>> => {
      const response = await call(`/System/Messages?ack=${ack}`, { headers: headers() })
      if (response.status === 204) return []
      expect(response.status).toBe(200)
      const body = (await response.json()) as { messages: Array<Entry>; sequence: number; offset: number }
      ack = body.sequence
      offset = body.offset
      return body.messages.map((entry) => entry.type)
    }

    const init = await post("/Chasitor/ChasitorInit", {
      organizationId: orgId,
      deploymentId,
      buttonId,
      sessionId: session.id,
      userAgent: "vitest",
      language: "en-US",
      screenResolution: "1920x1080",
      visitorName: "Ada",
      prechatDetails: [{ label: "E-mail", value: "ada@example.com", transcriptFields: [], displayToAgent: "true" }],
      prechatEntities: [],
      receiveQueueUpdates: true,
      isPost: true
    })
    expect(init.status).toBe(200)
    expect(await init.text()).toBe("OK")
    expect(await poll()).toEqual(["ChatRequestSuccess"])
    const chat = sim.hub.findByNativeId("salesforce", session.id)
    if (chat === undefined) throw new Error("no hub chat")

    sim.hub.accept(chat.id, { id: "005D0000001ZC3z", name: "Grace" })
    expect(await poll()).toEqual(["ChatEstablished"])
    expect(await poll()).toEqual([])

    // Both ways.
    expect((await post("/Chasitor/ChasitorTyping", {})).status).toBe(200)
    expect((await post("/Chasitor/ChasitorSneakPeek", { position: 2, text: "Hi" })).status).toBe(200)
    expect((await post("/Chasitor/ChasitorNotTyping", {})).status).toBe(200)
    expect((await post("/Chasitor/ChatMessage", { text: "Hi, my TV is broken" })).status).toBe(200)
    expect((await post("/Chasitor/CustomEvent", { type: "cart", data: "129.90" })).status).toBe(200)
    expect(
      (await post("/Chasitor/ChasitorIdleTimeoutWarningEvent", { idleTimeoutWarningEvent: "cleared" })).status
    ).toBe(200)
    expect(
      (
        await post("/System/MultiNoun", {
          nouns: [
            { prefix: "Chasitor", noun: "ChatMessage", data: JSON.stringify({ text: "It is a Bravia" }) },
            { prefix: "Chasitor", noun: "ChasitorNotTyping" }
          ]
        })
      ).status
    ).toBe(200)
    sim.hub.typing(chat.id, true)
    sim.hub.say(chat.id, "Let me check")
    expect(await poll()).toEqual(["AgentTyping", "ChatMessage", "AgentNotTyping"])
    sim.hub.transfer(chat.id, { id: "005D0000001ZC4A", name: "Linus" })
    sim.hub.disconnect(chat.id)
    expect(await poll()).toEqual(["ChatTransferred", "AgentDisconnect"])

    // A handover: an injected 503, ReconnectSession, ChasitorSessionData, ChasitorResyncState.
    sim.faults.add({ provider: "salesforce", operation: "sendChatMessage", errorRate: 1, statuses: [503], times: 1 })
    expect((await post("/Chasitor/ChatMessage", { text: "lost" })).status).toBe(503)
    expect((await call(`/System/Messages?ack=${ack}`, { headers: headers() })).status).toBe(503)
    const reconnect = await call(`/System/ReconnectSession?ReconnectSession.offset=${offset}`, {
      headers: { ...headers(), "X-LIVEAGENT-AFFINITY": "null" }
    })
    expect(reconnect.status).toBe(200)
    const reconnected = (await reconnect.json()) as { messages: Array<{ message: { affinityToken: string } }> }
    affinity = reconnected.messages[0]?.message.affinityToken ?? ""
    sequence = 0
    expect(await poll()).toEqual(["ChasitorSessionData"])
    expect((await post("/Chasitor/ChasitorResyncState", { organizationId: orgId }, false)).status).toBe(200)
    expect((await post("/Chasitor/ChatMessage", { text: "lost" })).status).toBe(200)

    // Errors the spec documents.
    expect(
      (await call(`/System/Messages?ack=${ack}`, { headers: { ...headers(), "X-LIVEAGENT-SESSION-KEY": "x!y" } }))
        .status
    ).toBe(403)
    expect((await call("/Chasitor/Nope", { headers: version })).status).toBe(404)

    // The agent ends; the final poll reads ChatEnded, the next one is refused.
    sim.hub.end(chat.id)
    expect(await poll()).toEqual(["ChatEnded"])
    expect((await call(`/System/Messages?ack=${ack}`, { headers: headers() })).status).toBe(403)

    // A second chat ended by the visitor, then a session deleted.
    const second = await call("/System/SessionId", { headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" } })
    const other = (await second.json()) as { id: string; key: string; affinityToken: string }
    Object.assign(session, other)
    affinity = other.affinityToken
    sequence = 0
    ack = -1
    expect(
      (
        await post("/Chasitor/ChasitorInit", {
          organizationId: orgId,
          deploymentId,
          buttonId,
          sessionId: other.id,
          userAgent: "vitest",
          language: "en-US",
          screenResolution: "1920x1080",
          prechatDetails: [],
          prechatEntities: [],
          receiveQueueUpdates: false,
          isPost: true
        })
      ).status
    ).toBe(200)
    const secondChat = sim.hub.findByNativeId("salesforce", other.id)
    if (secondChat === undefined) throw new Error("no second hub chat")
    sim.hub.accept(secondChat.id)
    expect(await poll()).toEqual(["ChatRequestSuccess", "ChatEstablished"])
    expect((await post("/Chasitor/ChatEnd", { ChatEndReason: { reason: "client" } })).status).toBe(200)
    expect(await poll()).toEqual(["ChatEnded"])

    const third = (await (
      await call("/System/SessionId", { headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" } })
    ).json()) as {
      key: string
      affinityToken: string
    }
    const deleted = await call(`/System/SessionId/${encodeURIComponent(third.key)}`, {
      method: "DELETE",
      headers: { ...version, "X-LIVEAGENT-AFFINITY": third.affinityToken }
    })
    expect(deleted.status).toBe(200)

    expect(prism.violations).toEqual([])
  })
})
