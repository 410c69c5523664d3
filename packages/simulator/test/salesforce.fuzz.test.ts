/**
 * 1,000 randomized malformed Salesforce requests: each gets a 4xx in the `{ "error": "..." }` shape within a
 * second, no secret shows in any answer, the server stays up, and a chat running alongside (whose very session key
 * and affinity token the templates carry) keeps exactly its own transcript.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { fuzz, type Outcome, type Template } from "./support/fuzz.ts"

interface Entry {
  readonly type: string
  readonly message: Record<string, unknown>
}

const prefix = "/salesforce/chat/rest"

const running: Array<RunningSimulator> = []
afterEach(() => {
  for (const sim of running.splice(0)) expect(sim.violations).toEqual([])
})

interface Credentials {
  readonly id: string
  readonly key: string
  readonly affinity: string
}

/** Valid requests for each operation, and what in them the simulator must refuse when broken or unknown. */
const templates = (sim: RunningSimulator, chat: Credentials, fresh: Credentials): Array<Template> => {
  const { orgId, deploymentId, buttonId } = sim.settings.salesforce
  const version = { "x-liveagent-api-version": "57" }
  const session = (of: Credentials) => ({
    ...version,
    "x-liveagent-affinity": of.affinity,
    "x-liveagent-session-key": of.key
  })
  const sessionRequired = ["x-liveagent-api-version", "x-liveagent-affinity", "x-liveagent-session-key"]
  const sessionSecrets = { headers: ["x-liveagent-session-key", "x-liveagent-affinity"] }
  // A number far ahead of the alongside chat's own counter: a mutation that slipped through would swallow its
  // later messages as duplicates, and the transcript check would notice.
  const numbered = (of: Credentials) => ({ ...session(of), "x-liveagent-sequence": "900000" })
  // The sequence header is documented as required but real servers apply a request without it (providers.md
  // §1.2), as the simulator does: dropping it is no malformation.
  const numberedRequired = sessionRequired
  const chatPost = (
    operation: string,
    path: string,
    value: Record<string, unknown>,
    fields: { required?: Array<string>; typed?: Array<string> } = {}
  ): Template => ({
    operation,
    method: "POST",
    path: `${prefix}${path}`,
    headers: numbered(chat),
    requiredHeaders: numberedRequired,
    body: { type: "json", value },
    ...(fields.required === undefined ? {} : { requiredFields: fields.required }),
    ...(fields.typed === undefined ? {} : { typedFields: fields.typed }),
    secrets: sessionSecrets
  })
  const deployment = { org_id: orgId, deployment_id: deploymentId }
  return [
    {
      operation: "getSessionId",
      method: "GET",
      path: `${prefix}/System/SessionId`,
      headers: { ...version, "x-liveagent-affinity": "null" },
      requiredHeaders: ["x-liveagent-api-version", "x-liveagent-affinity"],
      secrets: { headers: ["x-liveagent-affinity"] }
    },
    {
      operation: "deleteSession",
      method: "DELETE",
      path: `${prefix}/System/SessionId/${encodeURIComponent(chat.key)}`,
      headers: { ...version, "x-liveagent-affinity": chat.affinity },
      requiredHeaders: ["x-liveagent-api-version", "x-liveagent-affinity"],
      secrets: { headers: ["x-liveagent-affinity"], segments: [encodeURIComponent(chat.key)] }
    },
    {
      operation: "chasitorInit",
      method: "POST",
      path: `${prefix}/Chasitor/ChasitorInit`,
      headers: { ...session(fresh), "x-liveagent-sequence": "1" },
      requiredHeaders: numberedRequired,
      body: {
        type: "json",
        value: {
          organizationId: orgId,
          deploymentId,
          buttonId,
          sessionId: fresh.id,
          userAgent: "fuzz",
          language: "en-US",
          screenResolution: "1x1",
          visitorName: "Fuzz",
          prechatDetails: [],
          prechatEntities: [],
          receiveQueueUpdates: true,
          isPost: true
        }
      },
      requiredFields: ["organizationId", "deploymentId", "buttonId", "sessionId", "prechatDetails", "isPost"],
      typedFields: ["organizationId", "buttonId", "visitorName", "receiveQueueUpdates", "isPost"],
      secrets: { ...sessionSecrets, fields: ["sessionId", "organizationId", "deploymentId"] }
    },
    {
      operation: "getMessages",
      method: "GET",
      path: `${prefix}/System/Messages`,
      query: { ack: "0" },
      headers: session(chat),
      requiredHeaders: sessionRequired,
      requiredQuery: ["ack"],
      secrets: sessionSecrets
    },
    chatPost("sendChatMessage", "/Chasitor/ChatMessage", { text: "FUZZ" }, { required: ["text"], typed: ["text"] }),
    chatPost("chasitorTyping", "/Chasitor/ChasitorTyping", {}),
    chatPost("chasitorNotTyping", "/Chasitor/ChasitorNotTyping", {}),
    chatPost(
      "chasitorSneakPeek",
      "/Chasitor/ChasitorSneakPeek",
      { position: 1, text: "F" },
      { required: ["position", "text"], typed: ["position", "text"] }
    ),
    chatPost("chatEnd", "/Chasitor/ChatEnd", { reason: "client" }, { required: ["reason"], typed: ["reason"] }),
    chatPost(
      "sendCustomEvent",
      "/Chasitor/CustomEvent",
      { type: "fuzz", data: "1" },
      { required: ["type", "data"], typed: ["type", "data"] }
    ),
    {
      ...chatPost(
        "chasitorIdleTimeoutWarning",
        "/Chasitor/ChasitorIdleTimeoutWarningEvent",
        { idleTimeoutWarningEvent: "triggered" },
        { required: ["idleTimeoutWarningEvent"], typed: ["idleTimeoutWarningEvent"] }
      ),
      requiredHeaders: sessionRequired
    },
    {
      ...chatPost(
        "multiNoun",
        "/System/MultiNoun",
        { nouns: [{ prefix: "Chasitor", noun: "ChatMessage", data: '{"text":"FUZZ"}' }] },
        { required: ["nouns"], typed: ["nouns"] }
      )
    },
    {
      operation: "chasitorResyncState",
      method: "POST",
      path: `${prefix}/Chasitor/ChasitorResyncState`,
      headers: session(chat),
      requiredHeaders: sessionRequired,
      body: { type: "json", value: { organizationId: orgId } },
      requiredFields: ["organizationId"],
      typedFields: ["organizationId"],
      secrets: { ...sessionSecrets, fields: ["organizationId"] }
    },
    {
      operation: "reconnectSession",
      method: "GET",
      path: `${prefix}/System/ReconnectSession`,
      query: { "ReconnectSession.offset": "0" },
      headers: { ...session(chat), "x-liveagent-affinity": "null" },
      requiredHeaders: sessionRequired,
      requiredQuery: ["ReconnectSession.offset"],
      secrets: sessionSecrets
    },
    {
      operation: "resyncSession",
      method: "GET",
      path: `${prefix}/System/ResyncSession`,
      query: { SessionId: chat.id },
      headers: { ...session(chat), "x-liveagent-api-version": "36" },
      requiredHeaders: sessionRequired,
      requiredQuery: ["SessionId"],
      secrets: sessionSecrets
    },
    {
      operation: "getAvailability",
      method: "GET",
      path: `${prefix}/Visitor/Availability`,
      query: { ...deployment, "Availability.ids": buttonId },
      headers: version,
      requiredHeaders: ["x-liveagent-api-version"],
      requiredQuery: ["org_id", "deployment_id", "Availability.ids"],
      secrets: { query: ["org_id", "deployment_id"] }
    },
    {
      operation: "getSettings",
      method: "GET",
      path: `${prefix}/Visitor/Settings`,
      query: { ...deployment, "Settings.buttonIds": buttonId },
      headers: version,
      requiredHeaders: ["x-liveagent-api-version"],
      requiredQuery: ["org_id", "deployment_id", "Settings.buttonIds"],
      secrets: { query: ["org_id", "deployment_id"] }
    },
    {
      operation: "getVisitorId",
      method: "GET",
      path: `${prefix}/Visitor/VisitorId`,
      query: deployment,
      headers: version,
      requiredHeaders: ["x-liveagent-api-version"],
      requiredQuery: ["org_id", "deployment_id"],
      secrets: { query: ["org_id", "deployment_id"] }
    },
    {
      operation: "postBreadcrumb",
      method: "POST",
      path: `${prefix}/Visitor/Breadcrumb`,
      headers: version,
      requiredHeaders: ["x-liveagent-api-version"],
      body: { type: "json", value: { location: "https://example.com/fuzz" } },
      requiredFields: ["location"],
      typedFields: ["location"]
    }
  ]
}

/** The simulator's Salesforce error body: exactly `{ "error": "<reason>" }`. */
const isSalesforceError = (json: unknown): boolean =>
  typeof json === "object" &&
  json !== null &&
  !Array.isArray(json) &&
  typeof (json as { error?: unknown }).error === "string" &&
  Object.keys(json).length === 1

describe("Salesforce simulator under fuzzing", () => {
  it("answers 1,000 malformed requests with a 4xx in its error shape within a second each", {
    timeout: 120_000
  }, async () => {
    await using sim = await startSimulator({ validateResponses: true })
    running.push(sim)
    const base = sim.urls.salesforce
    const version = { "X-LIVEAGENT-API-VERSION": "57" }
    const open = async (): Promise<Credentials> => {
      const response = await fetch(`${base}/System/SessionId`, {
        headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" }
      })
      const body = (await response.json()) as { id: string; key: string; affinityToken: string }
      return { id: body.id, key: body.key, affinity: body.affinityToken }
    }

    // The chat running alongside: opened, accepted and talking before the fuzz.
    const chat = await open()
    const fresh = await open()
    let sequence = 0
    let ack = -1
    const headers = { ...version, "X-LIVEAGENT-AFFINITY": chat.affinity, "X-LIVEAGENT-SESSION-KEY": chat.key }
    const post = async (path: string, body: unknown) => {
      sequence += 1
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "X-LIVEAGENT-SEQUENCE": String(sequence) },
        body: JSON.stringify(body)
      })
      expect(response.status).toBe(200)
    }
    const seen: Array<string> = []
    const poll = async () => {
      const response = await fetch(`${base}/System/Messages?ack=${ack}`, { headers })
      if (response.status === 204) return
      expect(response.status).toBe(200)
      const body = (await response.json()) as { messages: Array<Entry>; sequence: number }
      ack = body.sequence
      for (const entry of body.messages) {
        seen.push(entry.type === "ChatMessage" ? `agent: ${String(entry.message.text)}` : entry.type)
      }
    }
    await post("/Chasitor/ChasitorInit", {
      organizationId: sim.settings.salesforce.orgId,
      deploymentId: sim.settings.salesforce.deploymentId,
      buttonId: sim.settings.salesforce.buttonId,
      sessionId: chat.id,
      userAgent: "vitest",
      language: "en-US",
      screenResolution: "1920x1080",
      visitorName: "Amy",
      prechatDetails: [],
      prechatEntities: [],
      receiveQueueUpdates: true,
      isPost: true
    })
    const hubChat = sim.hub.findByNativeId("salesforce", chat.id)
    if (hubChat === undefined) throw new Error("the alongside chat is missing")
    sim.hub.accept(hubChat.id, { name: "Grace" })
    sim.hub.say(hubChat.id, "before 1")
    await poll()
    await post("/Chasitor/ChatMessage", { text: "before 2" })

    // During the fuzz: both sides keep talking and the visitor keeps polling.
    let fuzzing = true
    const alongside = (async () => {
      let n = 0
      while (fuzzing) {
        n += 1
        await post("/Chasitor/ChatMessage", { text: `during ${n} visitor` })
        sim.hub.say(hubChat.id, `during ${n} agent`)
        await poll()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return n
    })()
    const outcomes: Array<Outcome> = await fuzz({
      origin: sim.url,
      templates: templates(sim, chat, fresh),
      count: 1000,
      seed: 20260105
    }).finally(() => {
      fuzzing = false
    })
    const rounds = await alongside

    // Every answer, path tricks included (even those a URL parser would normalise out of the prefix), is a fast 4xx
    // in Salesforce's error shape.
    const failures = outcomes.filter(
      (outcome) =>
        !(outcome.status >= 400 && outcome.status < 500 && isSalesforceError(outcome.json) && outcome.ms < 1000)
    )
    const report = failures.map(({ operation, mutation, status, ms, text }) => ({
      operation,
      mutation,
      status,
      ms: Math.round(ms),
      text: text.slice(0, 200)
    }))
    expect(report, JSON.stringify(report, null, 1)).toEqual([])
    expect(outcomes).toHaveLength(1000)
    for (const outcome of outcomes) {
      expect(outcome.status).toBeGreaterThanOrEqual(400)
      expect(outcome.status).toBeLessThan(500)
      expect(isSalesforceError(outcome.json)).toBe(true)
      expect(outcome.ms).toBeLessThan(1000)
    }
    // No answer shows a secret of either session.
    for (const outcome of outcomes) {
      for (const secret of [chat.key, fresh.key, chat.key.split("!")[1] as string, fresh.key.split("!")[1] as string]) {
        expect(outcome.text).not.toContain(secret)
      }
      expect(outcome.text).not.toContain(`"${chat.affinity}"`)
    }
    // Every operation was exercised with many kinds of mutation.
    expect(new Set(outcomes.map((outcome) => outcome.operation)).size).toBe(19)
    expect(new Set(outcomes.map((outcome) => outcome.mutation)).size).toBeGreaterThan(30)

    // After the fuzz: the server is up and the chat goes on, with exactly its own transcript.
    sim.hub.say(hubChat.id, "after 1")
    await post("/Chasitor/ChatMessage", { text: "after 2" })
    await poll()
    const visitorSaid = ["before 2", ...Array.from({ length: rounds }, (_, i) => `during ${i + 1} visitor`), "after 2"]
    const agentSaid = ["before 1", ...Array.from({ length: rounds }, (_, i) => `during ${i + 1} agent`), "after 1"]
    expect(seen).toEqual(["ChatRequestSuccess", "ChatEstablished", ...agentSaid.map((text) => `agent: ${text}`)])
    expect(
      sim.hub
        .get(hubChat.id)
        .transcript.filter((entry) => entry.kind === "message")
        .map((entry) => (entry.kind === "message" ? `${entry.from}: ${entry.text}` : ""))
    ).toEqual([
      "agent: before 1",
      "visitor: before 2",
      ...Array.from({ length: rounds }, (_, i) => [
        `visitor: during ${i + 1} visitor`,
        `agent: during ${i + 1} agent`
      ]).flat(),
      "agent: after 1",
      "visitor: after 2"
    ])
    expect(visitorSaid).toHaveLength(rounds + 2)
    expect(sim.hub.get(hubChat.id).state).toBe("chatting")
    // The fresh session never got a chat: no mutated ChasitorInit went through.
    expect(sim.hub.list({ provider: "salesforce" })).toHaveLength(1)
  })
})
