/**
 * The Salesforce simulator is as lenient as the reference records real servers to be (providers.md §1.2–§1.4,
 * §1.10): requests shaped as real public clients send them are served, and every answer still matches the spec.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { hubLines, type Json } from "./support/salesforce-visitor.ts"

const running: Array<RunningSimulator> = []

const start = async () => {
  const sim = await startSimulator({ validateResponses: true })
  running.push(sim)
  return sim
}

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

/**
 * Requests as the public TypeScript client `rx-sfliveagent-client` makes them with axios: API version 42, `Accept:
 * content/json` and `Content-Type: application/json` on every call, `X-LIVEAGENT-AFFINITY: null` on Visitor calls,
 * array parameters as axios writes them (`Settings.buttonIds[]=...`), and no `X-LIVEAGENT-SEQUENCE` header at all
 * (its `sequence: true` flag never becomes a header). The chat is ended with the wrapped `ChatEndReason` body.
 */
const rxClient = (sim: RunningSimulator) => {
  const base = sim.urls.salesforce
  const session = { id: "", key: "", affinityToken: "" }
  const headers = (): Record<string, string> => ({
    "X-LIVEAGENT-API-VERSION": "42",
    Accept: "content/json",
    "Content-Type": "application/json",
    "X-LIVEAGENT-AFFINITY": session.affinityToken === "" ? "null" : session.affinityToken,
    ...(session.key === "" ? {} : { "X-LIVEAGENT-SESSION-KEY": session.key })
  })
  const request = async (method: "GET" | "POST", path: string, data?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: headers(),
      ...(data === undefined ? {} : { body: JSON.stringify(data) })
    })
    const text = await response.text()
    return { status: response.status, text, json: () => JSON.parse(text) as Json }
  }
  return { session, request }
}

describe("Salesforce leniency", () => {
  it("serves a whole chat to requests shaped as rx-sfliveagent-client sends them", async () => {
    const sim = await start()
    const { orgId, deploymentId, buttonId } = sim.settings.salesforce
    const rx = rxClient(sim)
    const deployment = `org_id=${orgId}&deployment_id=${deploymentId}`

    const settings = await rx.request(
      "GET",
      `/Visitor/Settings?${deployment}&Settings.buttonIds[]=${buttonId}&Settings.updateBreadcrumb=true`
    )
    expect(settings.status).toBe(200)
    expect(settings.json()).toMatchObject({
      messages: [{ type: "Settings", message: { buttons: [{ id: buttonId }] } }]
    })
    const availability = await rx.request("GET", `/Visitor/Availability?${deployment}&Availability.ids[]=${buttonId}`)
    expect(availability.json()).toEqual({
      messages: [{ type: "Availability", message: { results: [{ id: buttonId, isAvailable: true }] } }]
    })

    const created = await rx.request("GET", "/System/SessionId")
    expect(created.status).toBe(200)
    Object.assign(rx.session, created.json())

    const init = await rx.request("POST", "/Chasitor/ChasitorInit", {
      buttonId,
      deploymentId,
      organizationId: orgId,
      sessionId: rx.session.id,
      language: "en",
      userAgent: "Test",
      visitorName: "Blip Blapperton",
      prechatDetails: [
        { label: "Email", value: "blip@example.com", transcriptFields: ["Email__c"], displayToAgent: "true" }
      ],
      prechatEntities: [
        {
          entityName: "Contact",
          showOnCreate: "true",
          saveToTranscript: "Contact",
          entityFieldsMaps: [
            { fieldName: "Email", label: "Email", doFind: "true", isExactMatch: "true", doCreate: "false" }
          ]
        }
      ],
      receiveQueueUpdates: true,
      screenResolution: "1900x1200",
      isPost: true
    })
    expect(init.status).toBe(200)
    const chat = sim.hub.findByNativeId("salesforce", rx.session.id)
    expect(chat?.visitorName).toBe("Blip Blapperton")
    const chatId = chat?.id as string

    let ack = -1
    const poll = async () => {
      const answer = await rx.request("GET", `/System/Messages?ack=${ack}`)
      expect(answer.status, answer.text).toBe(200)
      const envelope = answer.json() as { messages: Array<{ type: string; message: Json }>; sequence: number }
      ack = envelope.sequence
      return envelope.messages.map((entry) =>
        entry.type === "ChatMessage" ? `ChatMessage: ${String(entry.message.text)}` : entry.type
      )
    }
    expect(await poll()).toEqual(["ChatRequestSuccess"])
    sim.hub.accept(chatId, { name: "Grace" })
    expect(await poll()).toEqual(["ChatEstablished"])

    expect((await rx.request("POST", "/Chasitor/ChasitorTyping", {})).status).toBe(200)
    expect((await rx.request("POST", "/Chasitor/ChasitorNotTyping", {})).status).toBe(200)
    expect((await rx.request("POST", "/Chasitor/ChatMessage", { text: "Hello" })).status).toBe(200)
    // Without a sequence nothing is de-duplicated: the same text twice is two messages.
    expect((await rx.request("POST", "/Chasitor/ChatMessage", { text: "Hello" })).status).toBe(200)
    sim.hub.say(chatId, "Hi Blip, how can I help?")
    expect(await poll()).toEqual(["ChatMessage: Hi Blip, how can I help?"])

    expect((await rx.request("POST", "/Chasitor/ChatEnd", { ChatEndReason: { reason: "client" } })).status).toBe(200)
    expect(await poll()).toEqual(["ChatEnded"])
    expect((await rx.request("GET", `/System/Messages?ack=${ack}`)).status).toBe(403)
    expect(hubLines(sim, chatId)).toEqual(["visitor: Hello", "visitor: Hello", "agent: Hi Blip, how can I help?"])
    expect(sim.hub.get(chatId)).toMatchObject({ state: "ended", endedBy: "visitor" })
  })

  it("reads Availability.ids and Settings.buttonIds as a comma list, repeated, bracketed or indexed", async () => {
    const sim = await start()
    const { orgId, deploymentId, buttonId } = sim.settings.salesforce
    const other = "573D0000000002X"
    const deployment = `org_id=${orgId}&deployment_id=${deploymentId}`
    const ids = async (query: string) => {
      const response = await fetch(`${sim.urls.salesforce}/Visitor/Availability?${deployment}&${query}`, {
        headers: { "X-LIVEAGENT-API-VERSION": "57" }
      })
      expect(response.status, query).toBe(200)
      const body = (await response.json()) as { messages: Array<{ message: { results: Array<{ id: string }> } }> }
      return body.messages[0]?.message.results.map((result) => result.id)
    }
    for (const query of [
      `Availability.ids=${buttonId},${other}`,
      `Availability.ids=${buttonId}&Availability.ids=${other}`,
      `Availability.ids[]=${buttonId}&Availability.ids[]=${other}`,
      `Availability.ids%5B%5D=${buttonId}&Availability.ids%5B%5D=${other}`,
      `Availability.ids[0]=${buttonId}&Availability.ids[1]=${other}`,
      `Availability.ids[]=${buttonId}&Availability.ids=${other}`
    ]) {
      expect(await ids(query), query).toEqual([buttonId, other])
    }
    for (const query of [
      `Settings.buttonIds=${buttonId},${other}`,
      `Settings.buttonIds=${buttonId}&Settings.buttonIds=${other}`,
      `Settings.buttonIds[]=${buttonId}&Settings.buttonIds[]=${other}`,
      `Settings.buttonIds%5B%5D=${buttonId}&Settings.buttonIds%5B%5D=${other}`
    ]) {
      const response = await fetch(`${sim.urls.salesforce}/Visitor/Settings?${deployment}&${query}`, {
        headers: { "X-LIVEAGENT-API-VERSION": "57" }
      })
      expect(response.status, query).toBe(200)
      const body = (await response.json()) as { messages: Array<{ message: { buttons: Array<{ id: string }> } }> }
      // Only the deployment's own button has settings.
      expect(body.messages[0]?.message.buttons.map((button) => button.id)).toEqual([buttonId])
    }
    // A bracket on a parameter that is not a list is not read as that parameter.
    const single = await fetch(
      `${sim.urls.salesforce}/Visitor/Availability?org_id[]=${orgId}&deployment_id=${deploymentId}&Availability.ids=${buttonId}`,
      { headers: { "X-LIVEAGENT-API-VERSION": "57" } }
    )
    expect(single.status).toBe(400)
  })

  it("applies every sequenced request without X-LIVEAGENT-SEQUENCE, MultiNoun too, and both ChatEnd shapes", async () => {
    const sim = await start()
    const base = sim.urls.salesforce
    const open = async () => {
      const session = (await (
        await fetch(`${base}/System/SessionId`, {
          headers: { "X-LIVEAGENT-API-VERSION": "57", "X-LIVEAGENT-AFFINITY": "null" }
        })
      ).json()) as { id: string; key: string; affinityToken: string }
      const headers = {
        "X-LIVEAGENT-API-VERSION": "57",
        "X-LIVEAGENT-AFFINITY": session.affinityToken,
        "X-LIVEAGENT-SESSION-KEY": session.key,
        "content-type": "application/json"
      }
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) })
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      const init = await post("/Chasitor/ChasitorInit", {
        organizationId: orgId,
        deploymentId,
        buttonId,
        sessionId: session.id,
        userAgent: "curl",
        language: "en-US",
        screenResolution: "1920x1080",
        prechatDetails: [],
        prechatEntities: [],
        receiveQueueUpdates: false,
        isPost: true
      })
      expect(init.status).toBe(200)
      expect(await init.text()).toBe("OK")
      const chatId = sim.hub.findByNativeId("salesforce", session.id)?.id as string
      sim.hub.accept(chatId)
      return { post, chatId }
    }
    const first = await open()
    for (const [path, body] of [
      ["/Chasitor/ChatMessage", { text: "one" }],
      ["/Chasitor/ChasitorSneakPeek", { position: 3, text: "two" }],
      ["/Chasitor/CustomEvent", { type: "page", data: "/cart" }],
      ["/Chasitor/ChasitorIdleTimeoutWarningEvent", { idleTimeoutWarningEvent: "triggered" }],
      ["/System/MultiNoun", { nouns: [{ prefix: "Chasitor", noun: "ChatMessage", data: '{"text":"batched"}' }] }]
    ] as const) {
      expect((await first.post(path, body)).status, path).toBe(200)
    }
    expect(hubLines(sim, first.chatId)).toEqual(["visitor: one", "visitor: batched"])
    // The wrapped form with the reason names some clients send (Botpress: VISITOR_ENDED) ends the chat too.
    expect((await first.post("/Chasitor/ChatEnd", { ChatEndReason: { reason: "VISITOR_ENDED" } })).status).toBe(200)
    expect(sim.hub.get(first.chatId)).toMatchObject({ state: "ended", endedBy: "visitor" })
    const second = await open()
    // The documented form still takes only "client".
    expect((await second.post("/Chasitor/ChatEnd", { reason: "agent" })).status).toBe(400)
    expect((await second.post("/Chasitor/ChatEnd", { reason: "client" })).status).toBe(200)
    expect(sim.hub.get(second.chatId).state).toBe("ended")
  })

  it("opens a session on System/SessionId/ with its trailing slash", async () => {
    const sim = await start()
    const response = await fetch(`${sim.urls.salesforce}/System/SessionId/`, {
      headers: { "X-LIVEAGENT-API-VERSION": "57", "X-LIVEAGENT-AFFINITY": "null" }
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ clientPollTimeout: 40 })
  })
})
