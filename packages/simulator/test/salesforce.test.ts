/**
 * The Salesforce Live Agent simulator over real loopback HTTP with plain `fetch`: the lifecycle, every error path
 * of providers.md §1, every fault kind (with the 503 affinity handover), the agent over the control API and
 * programmatically, and the provider's timers on a manual clock.
 */
import { afterEach, describe, expect, it } from "vitest"
import {
  type ChatView,
  type ManualClock,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator
} from "../src/index.ts"

type Json = Record<string, unknown>
interface Entry {
  readonly type: string
  readonly message: Json
}
interface Envelope {
  readonly messages: ReadonlyArray<Entry>
  readonly sequence: number
  readonly offset: number
}
interface Poll {
  readonly status: number
  readonly body: Envelope | undefined
  readonly text: string
  readonly headers: Headers
}

const running: Array<RunningSimulator> = []

/** A simulator checking every response against the spec; the hold window is short unless a test needs more. */
const start = async (options: SimulatorOptions = {}) => {
  const sim = await startSimulator({
    validateResponses: true,
    ...options,
    salesforce: { pollHoldMs: 300, ...options.salesforce }
  })
  running.push(sim)
  return sim
}

afterEach(() => {
  for (const sim of running.splice(0)) expect(sim.violations).toEqual([])
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (in real time) until `condition` holds: e.g. until the server holds a poll on a manual clock. */
const until = async (condition: () => boolean, what = "condition") => {
  for (let i = 0; i < 400; i++) {
    if (condition()) return
    await sleep(5)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The error shape the simulator promises: `{ "error": "<reason>" }`. */
const isSalesforceError = (text: string): boolean => {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    return typeof body === "object" && body !== null && typeof body.error === "string" && Object.keys(body).length === 1
  } catch {
    return false
  }
}

/** A Live Agent visitor speaking the wire protocol with plain fetch; it owns its counters like a careful client. */
const visitor = (sim: RunningSimulator, options: { readonly version?: string; readonly base?: string } = {}) => {
  const base = options.base ?? sim.urls.salesforce
  const version = options.version ?? "57"
  const state = { id: "", key: "", affinity: "null", sequence: 0, ack: -1, offset: 0 }
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    "X-LIVEAGENT-API-VERSION": version,
    "X-LIVEAGENT-AFFINITY": state.affinity,
    ...(state.key === "" ? {} : { "X-LIVEAGENT-SESSION-KEY": state.key }),
    ...extra
  })
  const self = {
    state,
    headers,
    get: (path: string, extra: Record<string, string> = {}, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: headers(extra) }),
    /** A sequenced POST: the next number unless `sequence` says otherwise (`null`: no header at all). */
    post: (path: string, body: unknown, sequence?: number | null, extra: Record<string, string> = {}) => {
      let number = sequence
      if (number === undefined) {
        state.sequence += 1
        number = state.sequence
      }
      return fetch(`${base}${path}`, {
        method: "POST",
        headers: {
          ...headers(extra),
          "content-type": "application/json",
          ...(number === null ? {} : { "X-LIVEAGENT-SEQUENCE": String(number) })
        },
        body: body === undefined ? null : JSON.stringify(body)
      })
    },
    /** GET System/SessionId with affinity `null`; remembers id, key and token. */
    open: async () => {
      const response = await fetch(`${base}/System/SessionId`, {
        headers: { "X-LIVEAGENT-API-VERSION": version, "X-LIVEAGENT-AFFINITY": "null" }
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as {
        id: string
        key: string
        affinityToken: string
        clientPollTimeout: number
      }
      Object.assign(state, { id: body.id, key: body.key, affinity: body.affinityToken, sequence: 0, ack: -1 })
      return body
    },
    init: (fields: Json = {}, sequence?: number | null) =>
      self.post(
        "/Chasitor/ChasitorInit",
        {
          organizationId: sim.settings.salesforce.orgId,
          deploymentId: sim.settings.salesforce.deploymentId,
          buttonId: sim.settings.salesforce.buttonId,
          sessionId: state.id,
          userAgent: "vitest",
          language: "en-US",
          screenResolution: "1920x1080",
          visitorName: "Ada",
          prechatDetails: [],
          prechatEntities: [],
          receiveQueueUpdates: true,
          isPost: true,
          ...fields
        },
        sequence
      ),
    /** Opens a session and requests a chat; returns the hub's view of it. */
    start: async (fields: Json = {}): Promise<ChatView> => {
      await self.open()
      const response = await self.init(fields)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe("OK")
      const chat = sim.hub.findByNativeId("salesforce", state.id)
      if (chat === undefined) throw new Error("no hub chat for the session")
      return chat
    },
    /** One Messages poll with the current ack; a 200 moves ack and offset on. */
    poll: async (init: RequestInit = {}, ack = state.ack): Promise<Poll> => {
      const response = await self.get(`/System/Messages?ack=${ack}`, {}, init)
      const text = await response.text()
      let body: Envelope | undefined
      if (response.status === 200) {
        body = JSON.parse(text) as Envelope
        state.ack = body.sequence
        state.offset = body.offset
      }
      return { status: response.status, body, text, headers: response.headers }
    },
    /** Polls and returns the entries (expects a 200). */
    entries: async (): Promise<ReadonlyArray<Entry>> => {
      const { status, body, text } = await self.poll()
      expect(status, text).toBe(200)
      return body?.messages ?? []
    },
    /** Polls and returns `type` or `type: text` per entry. */
    types: async (): Promise<Array<string>> =>
      (await self.entries()).map((entry) =>
        entry.type === "ChatMessage" ? `ChatMessage: ${String(entry.message.text)}` : entry.type
      ),
    say: (text: string, sequence?: number | null) => self.post("/Chasitor/ChatMessage", { text }, sequence),
    end: (body: unknown = { reason: "client" }, sequence?: number | null) =>
      self.post("/Chasitor/ChatEnd", body, sequence),
    remove: () =>
      fetch(`${base}/System/SessionId/${encodeURIComponent(state.key)}`, {
        method: "DELETE",
        headers: { "X-LIVEAGENT-API-VERSION": version, "X-LIVEAGENT-AFFINITY": state.affinity }
      })
  }
  return self
}

const visitorLines = (sim: RunningSimulator, chatId: string) =>
  sim.hub
    .get(chatId)
    .transcript.filter((entry) => entry.kind === "message")
    .map((entry) => (entry.kind === "message" ? `${entry.from}: ${entry.text}` : ""))

const control = (sim: RunningSimulator, path: string, body?: unknown) =>
  fetch(`${sim.urls.control}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })

describe("Salesforce simulator: lifecycle", () => {
  it("runs SessionId, queue, accept, messages and typing both ways, transfer, to the agent's end", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const session = await ada.open()
    expect(session.key.startsWith(`${session.id}!`)).toBe(true)
    expect(session.affinityToken).toMatch(/^[0-9a-f]{8}$/)
    expect(session.clientPollTimeout).toBe(40)

    const init = await ada.init({
      visitorName: "Ada",
      prechatDetails: [{ label: "E-mail", value: "ada@example.com", transcriptFields: [] }]
    })
    expect(init.status).toBe(200)
    expect(await init.text()).toBe("OK")
    const chat = sim.hub.findByNativeId("salesforce", session.id) as ChatView
    expect(chat).toMatchObject({ state: "queued", skill: sim.settings.salesforce.buttonId, visitorName: "Ada" })

    const first = await ada.poll()
    expect(first.status).toBe(200)
    expect(first.body?.sequence).toBe(1)
    expect(typeof first.body?.offset).toBe("number")
    expect(first.body?.messages).toEqual([
      {
        type: "ChatRequestSuccess",
        message: expect.objectContaining({
          queuePosition: 1,
          estimatedWaitTime: 0,
          visitorId: session.id,
          customDetails: [{ label: "E-mail", value: "ada@example.com", transcriptFields: [] }]
        })
      }
    ])

    // A second visitor queues behind; when Ada is accepted it moves up (QueueUpdate, v47+ with the wait).
    const bob = visitor(sim)
    const bobChat = await bob.start({ visitorName: "Bob" })
    expect((await bob.entries())[0]).toMatchObject({
      type: "ChatRequestSuccess",
      message: { queuePosition: 2, estimatedWaitTime: 45 }
    })

    sim.hub.accept(chat.id, { id: "005D0000001ZC3z", name: "Grace" })
    expect(await ada.entries()).toEqual([
      {
        type: "ChatEstablished",
        message: {
          name: "Grace",
          userId: "005D0000001ZC3z",
          sneakPeekEnabled: true,
          chasitorIdleTimeout: { isEnabled: false }
        }
      }
    ])
    expect(await bob.entries()).toEqual([{ type: "QueueUpdate", message: { position: 1, estimatedWaitTime: 0 } }])

    // Visitor to agent: message, typing, sneak peek and a custom event; the message is not echoed.
    expect((await ada.post("/Chasitor/ChasitorTyping", {})).status).toBe(200)
    expect(sim.hub.get(chat.id).visitorTyping).toBe(true)
    expect((await ada.post("/Chasitor/ChasitorSneakPeek", { position: 5, text: "Hello" })).status).toBe(200)
    expect((await ada.post("/Chasitor/ChasitorNotTyping", {})).status).toBe(200)
    expect(sim.hub.get(chat.id).visitorTyping).toBe(false)
    const said = await ada.say("Hello, my TV is broken")
    expect(said.status).toBe(200)
    expect(await said.text()).toBe("")
    expect((await ada.post("/Chasitor/CustomEvent", { type: "cart", data: "129.90" })).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: Hello, my TV is broken"])
    const quiet = await ada.poll()
    expect(quiet.status).toBe(204)
    expect(quiet.text).toBe("")

    // Agent to visitor: typing, a message (typing off follows it, as in the official example), typing alone.
    sim.hub.typing(chat.id, true)
    sim.hub.say(chat.id, "Which model is it?")
    expect(await ada.types()).toEqual(["AgentTyping", "ChatMessage: Which model is it?", "AgentNotTyping"])
    sim.hub.typing(chat.id, true)
    expect(await ada.types()).toEqual(["AgentTyping"])
    sim.hub.typing(chat.id, false)
    expect(await ada.types()).toEqual(["AgentNotTyping"])
    await ada.say("A Bravia")

    sim.hub.transfer(chat.id, { id: "005D0000001ZC4A", name: "Linus" })
    sim.hub.say(chat.id, "Linus here, I know Bravias")
    const transferred = await ada.entries()
    expect(transferred[0]).toEqual({
      type: "ChatTransferred",
      message: {
        name: "Linus",
        userId: "005D0000001ZC4A",
        sneakPeekEnabled: true,
        chasitorIdleTimeout: { isEnabled: false }
      }
    })
    expect(transferred[1]).toEqual({
      type: "ChatMessage",
      message: { name: "Linus", text: "Linus here, I know Bravias", agentId: "005D0000001ZC4A" }
    })

    sim.hub.say(chat.id, "Fixed. Bye!")
    sim.hub.end(chat.id)
    expect(await ada.types()).toEqual(["ChatMessage: Fixed. Bye!", "ChatEnded"])
    const ended = sim.hub.get(chat.id)
    expect(ended).toMatchObject({ state: "ended", endedBy: "agent" })
    // The final poll acknowledged ChatEnded: the session is gone.
    const after = await ada.poll()
    expect(after.status).toBe(403)
    expect(isSalesforceError(after.text)).toBe(true)
    expect((await ada.say("still there?")).status).toBe(403)
    expect(visitorLines(sim, chat.id)).toEqual([
      "visitor: Hello, my TV is broken",
      "agent: Which model is it?",
      "visitor: A Bravia",
      "agent: Linus here, I know Bravias",
      "agent: Fixed. Bye!"
    ])
    expect(sim.hub.get(bobChat.id).state).toBe("queued")
  })

  it("sends QueueUpdate and wait estimates only to visitors who asked with receiveQueueUpdates", async () => {
    await using sim = await start()
    const first = visitor(sim)
    const firstChat = await first.start()
    const quiet = visitor(sim)
    await quiet.start({ receiveQueueUpdates: false })
    expect(await quiet.entries()).toEqual([
      { type: "ChatRequestSuccess", message: expect.not.objectContaining({ estimatedWaitTime: expect.anything() }) }
    ])
    sim.hub.accept(firstChat.id)
    expect((await quiet.poll()).status).toBe(204)
    expect(sim.hub.findByNativeId("salesforce", quiet.state.id)?.queuePosition).toBe(1)
  })

  it("lets the visitor end with ChatEnd in both body shapes: one more poll reads ChatEnded, then 403", async () => {
    await using sim = await start()
    for (const body of [{ reason: "client" }, { ChatEndReason: { reason: "client" } }]) {
      const ada = visitor(sim)
      const chat = await ada.start()
      sim.hub.accept(chat.id, { name: "Grace" })
      await ada.entries()
      const ended = await ada.end(body)
      expect(ended.status).toBe(200)
      expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
      expect((await ada.say("too late")).status).toBe(403)
      expect(await ada.entries()).toEqual([{ type: "ChatEnded", message: { reason: "client" } }])
      expect((await ada.poll()).status).toBe(403)
      const again = await ada.end(body)
      expect(again.status).toBe(403)
      expect(isSalesforceError(await again.text())).toBe(true)
    }
  })

  it("ends a chat, queued or not, with DELETE System/SessionId/{key}; the session is gone at once", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    await ada.entries()
    const deleted = await ada.remove()
    expect(deleted.status).toBe(200)
    expect(await deleted.text()).toBe("")
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect((await ada.poll()).status).toBe(403)
    expect((await ada.remove()).status).toBe(403)

    // A session without a chat can be deleted too; nothing reaches the hub.
    const bob = visitor(sim)
    await bob.open()
    expect((await bob.remove()).status).toBe(200)
    expect(sim.hub.list({ provider: "salesforce" })).toHaveLength(1)
  })

  it("answers ChatRequestFail (Unavailable) without an available agent or for a foreign button", async () => {
    await using sim = await start({ salesforce: { buttonIds: ["573D0000000002W", "573D0000000002X"] } })
    sim.hub.setAvailability(false, "573D0000000002W")
    const ada = visitor(sim)
    const chat = await ada.start({ buttonId: "573D0000000002W" })
    expect(await ada.entries()).toEqual([
      { type: "ChatRequestFail", message: { reason: "Unavailable", postChatUrl: "" } }
    ])
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "system" })
    expect((await ada.poll()).status).toBe(403)

    const stranger = visitor(sim)
    await stranger.start({ buttonId: "573D00000000ZZZ" })
    expect((await stranger.entries())[0]?.type).toBe("ChatRequestFail")

    // buttonOverrides: the first available button wins (agentId_buttonId counts for its button).
    const routed = visitor(sim)
    const routedChat = await routed.start({ buttonOverrides: ["005D0000001ZC3z_573D0000000002W", "573D0000000002X"] })
    expect(routedChat.skill).toBe("573D0000000002X")
    expect((await routed.entries())[0]?.type).toBe("ChatRequestSuccess")
  })

  it("applies each X-LIVEAGENT-SEQUENCE once: a repeated or older number is a 200 without effect", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    expect((await ada.say("one", 5)).status).toBe(200)
    expect((await ada.say("one", 5)).status).toBe(200)
    expect((await ada.say("older", 4)).status).toBe(200)
    expect((await ada.say("two", 6)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: one", "visitor: two"])
    // Where the spec makes the header optional (idle warnings), a request without it is applied, never deduplicated.
    const warning = { idleTimeoutWarningEvent: "triggered" }
    expect((await ada.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", warning, null)).status).toBe(200)
    expect((await ada.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", warning, null)).status).toBe(200)
    const log = sim.hub.nativeLog(chat.id) as Array<{ type: string }>
    expect(log.filter((line) => line.type === "ChasitorIdleTimeoutWarningEvent")).toHaveLength(2)
    // Where it is documented as required, a request without it is applied too, as real servers do (§1.2), and never
    // deduplicated: the same unnumbered line twice is two lines.
    expect((await ada.say("no number", null)).status).toBe(200)
    expect((await ada.say("no number", null)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual([
      "visitor: one",
      "visitor: two",
      "visitor: no number",
      "visitor: no number"
    ])
    // A repeated ChasitorInit (a retry) opens no second chat.
    expect((await ada.init({}, 1)).status).toBe(200)
    expect(sim.hub.list({ provider: "salesforce" })).toHaveLength(1)
  })

  it("batches requests with MultiNoun, in order, under one sequence number", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    const nouns = [
      { prefix: "Chasitor", noun: "ChasitorTyping" },
      { prefix: "Chasitor", noun: "ChatMessage", data: JSON.stringify({ text: "batched 1" }) },
      { prefix: "Chasitor", noun: "ChatMessage", data: JSON.stringify({ text: "batched 2" }) },
      { prefix: "Chasitor", noun: "ChasitorNotTyping", data: "{}" }
    ]
    expect((await ada.post("/System/MultiNoun", { nouns }, 7)).status).toBe(200)
    expect((await ada.post("/System/MultiNoun", { nouns }, 7)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: batched 1", "visitor: batched 2"])
    let sequence = 7
    for (const bad of [
      [{ prefix: "Visitor", noun: "Breadcrumb", data: "{}" }],
      [{ prefix: "Chasitor", noun: "ChatMessage", data: "{not json" }],
      [{ prefix: "Chasitor", noun: "ChatMessage", data: "{}" }],
      [{ prefix: "Chasitor", noun: "ChatEnd", data: JSON.stringify({ reason: "agent" }) }]
    ]) {
      sequence += 1
      const response = await ada.post("/System/MultiNoun", { nouns: bad }, sequence)
      expect(response.status).toBe(400)
      expect(isSalesforceError(await response.text())).toBe(true)
    }
    const ending = [
      { prefix: "Chasitor", noun: "ChatEnd", data: JSON.stringify({ reason: "client" }) },
      { prefix: "Chasitor", noun: "ChatMessage", data: JSON.stringify({ text: "after the end" }) }
    ]
    expect((await ada.post("/System/MultiNoun", { nouns: ending }, sequence + 1)).status).toBe(200)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: batched 1", "visitor: batched 2"])
  })

  it("keeps every entry above ack: an old ack re-delivers, a new one drops; 204 reuses the ack", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    const first = await ada.poll()
    expect(first.body?.sequence).toBe(1)
    sim.hub.accept(chat.id, { name: "Grace" })
    sim.hub.say(chat.id, "hello")
    // The answer to ack=1 is "lost": polling again with ack=1 gets the same entries under a new sequence.
    const lost = await ada.poll({}, 1)
    const again = await ada.poll({}, 1)
    expect(again.body?.messages).toEqual(lost.body?.messages)
    expect(again.body?.sequence).toBe(3)
    expect(again.body?.offset).toBe(lost.body?.offset)
    // Acknowledged: nothing left, the poll is held and answered 204 without a body; the ack stays.
    const empty = await ada.poll({}, 3)
    expect(empty.status).toBe(204)
    sim.hub.say(chat.id, "still here")
    const next = await ada.poll({}, 3)
    expect(next.body?.sequence).toBe(4)
    expect(next.body?.messages.map((entry) => entry.message.text)).toEqual(["still here"])
    expect(next.body?.offset).toBeGreaterThan(lost.body?.offset ?? 0)
  })

  it("serves Availability, Settings, VisitorId and Breadcrumb with only the version header", async () => {
    const other = "573D0000000002X"
    await using sim = await start({
      salesforce: {
        buttonIds: ["573D0000000002W", other],
        switchServer: { "00DD0000000MOVE": "https://d.la9.example/chat" }
      }
    })
    const { orgId, deploymentId } = sim.settings.salesforce
    sim.hub.setAvailability(false, other)
    const get = (path: string, version = "57") =>
      fetch(`${sim.urls.salesforce}${path}`, { headers: { "X-LIVEAGENT-API-VERSION": version } })
    const query = `org_id=${orgId}&deployment_id=${deploymentId}`

    const comma = await get(
      `/Visitor/Availability?${query}&Availability.ids=573D0000000002W,${other},005D0000001ZC3z&Availability.needEstimatedWaitTime=1`
    )
    expect(await comma.json()).toEqual({
      messages: [
        {
          type: "Availability",
          message: {
            results: [
              { id: "573D0000000002W", isAvailable: true, estimatedWaitTime: 0 },
              { id: other, estimatedWaitTime: -1 },
              { id: "005D0000001ZC3z", estimatedWaitTime: -1 }
            ]
          }
        }
      ]
    })
    // Repeated parameters work too; the wait estimate needs v47 and the flag.
    const repeated = await get(
      `/Visitor/Availability?${query}&Availability.ids=573D0000000002W&Availability.ids=${other}`,
      "46"
    )
    expect(await repeated.json()).toEqual({
      messages: [
        { type: "Availability", message: { results: [{ id: "573D0000000002W", isAvailable: true }, { id: other }] } }
      ]
    })
    // The 18-character form of the org id is accepted (case-insensitive).
    const long = await get(
      `/Visitor/Availability?org_id=${orgId.toLowerCase()}eao&deployment_id=${deploymentId}&Availability.ids=573D0000000002W`
    )
    expect(long.status).toBe(200)
    const wrongSuffix = await get(
      `/Visitor/Availability?org_id=${orgId}AAA&deployment_id=${deploymentId}&Availability.ids=573D0000000002W`
    )
    expect(wrongSuffix.status).toBe(400)

    const settings = await get(
      `/Visitor/Settings?${query}&Settings.buttonIds=573D0000000002W,${other},573D00000000ZZZ&Settings.needEstimatedWaitTime=1`
    )
    const body = (await settings.json()) as {
      messages: Array<{ type: string; message: { pingrate: number; buttons: Array<Json> } }>
    }
    expect(body.messages[0]?.type).toBe("Settings")
    expect(body.messages[0]?.message.pingrate).toBe(50_000)
    expect(body.messages[0]?.message.buttons).toEqual([
      { id: "573D0000000002W", type: "Standard", language: "en_US", isAvailable: true, estimatedWaitTime: 0 },
      { id: other, type: "Standard", language: "en_US", isAvailable: false, estimatedWaitTime: -1 }
    ])

    const visitorId = (await (await get(`/Visitor/VisitorId?${query}`)).json()) as { messages: Array<Entry> }
    expect(visitorId.messages[0]?.type).toBe("VisitorId")
    expect(visitorId.messages[0]?.message.sessionId).toMatch(/^[0-9a-f-]{36}$/)

    const moved = await get(
      `/Visitor/Availability?org_id=00DD0000000MOVE&deployment_id=${deploymentId}&Availability.ids=573D0000000002W`
    )
    expect(await moved.json()).toEqual({
      messages: [{ type: "SwitchServer", message: { newUrl: "https://d.la9.example/chat" } }]
    })

    const foreign = await get(`/Visitor/VisitorId?org_id=00DD0000000JVXs&deployment_id=${deploymentId}`)
    expect(foreign.status).toBe(400)
    expect(isSalesforceError(await foreign.text())).toBe(true)

    // Breadcrumb: only the version header is needed; a live session gets the page in its native log.
    const crumb = (headers: Record<string, string>) =>
      fetch(`${sim.urls.salesforce}/Visitor/Breadcrumb`, {
        method: "POST",
        headers: { "X-LIVEAGENT-API-VERSION": "57", "content-type": "application/json", ...headers },
        body: JSON.stringify({ location: "https://www.example.com/pricing" })
      })
    expect((await crumb({})).status).toBe(200)
    const ada = visitor(sim)
    const chat = await ada.start({ buttonId: "573D0000000002W" })
    expect(
      (await crumb({ "X-LIVEAGENT-AFFINITY": ada.state.affinity, "X-LIVEAGENT-SESSION-KEY": ada.state.key })).status
    ).toBe(200)
    expect((await crumb({ "X-LIVEAGENT-AFFINITY": "0000", "X-LIVEAGENT-SESSION-KEY": "nobody!nothing" })).status).toBe(
      200
    )
    const log = sim.hub.nativeLog(chat.id) as Array<{ type: string; direction: string }>
    expect(log.filter((line) => line.type === "Breadcrumb")).toHaveLength(1)
  })

  it("routes by API version: ResyncSession to 36, ReconnectSession from 37, idle warnings from 35", async () => {
    await using sim = await start()
    const old = visitor(sim, { version: "36" })
    const chat = await old.start()
    sim.hub.accept(chat.id, { name: "Grace" })
    // v36: no chasitorIdleTimeout before 35? It exists from 35, so it is there; no wait estimates before 47.
    const established = await old.entries()
    expect(established.map((entry) => entry.type)).toEqual(["ChatRequestSuccess", "ChatEstablished"])
    expect(established[0]?.message).not.toHaveProperty("estimatedWaitTime")
    expect(established[1]?.message).toHaveProperty("chasitorIdleTimeout")
    expect((await old.get("/System/ReconnectSession?ReconnectSession.offset=0")).status).toBe(404)
    const resync = await old.get(`/System/ResyncSession?SessionId=${old.state.id}`)
    expect(await resync.json()).toEqual({ isValid: true, key: old.state.key, affinityToken: old.state.affinity })
    const wrong = await old.get("/System/ResyncSession?SessionId=somebody-else")
    expect(await wrong.json()).toEqual({ isValid: false })

    const older = visitor(sim, { version: "34" })
    const olderChat = await older.start()
    sim.hub.accept(olderChat.id, { name: "Grace" })
    const entries = await older.entries()
    expect(entries[1]?.message).not.toHaveProperty("chasitorIdleTimeout")
    const warning = await older.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", {
      idleTimeoutWarningEvent: "triggered"
    })
    expect(warning.status).toBe(404)

    const current = visitor(sim)
    await current.start()
    expect((await current.get(`/System/ResyncSession?SessionId=${current.state.id}`)).status).toBe(404)

    const ancient = await fetch(`${sim.urls.salesforce}/System/SessionId`, {
      headers: { "X-LIVEAGENT-API-VERSION": "28", "X-LIVEAGENT-AFFINITY": "null" }
    })
    expect(ancient.status).toBe(400)
    expect(isSalesforceError(await ancient.text())).toBe(true)
  })
})

describe("Salesforce simulator: errors", () => {
  it("answers malformed requests with 400 in the { error } shape", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    const base = sim.urls.salesforce
    const cases: Array<[string, () => Promise<Response>]> = [
      [
        "SessionId without version",
        () => fetch(`${base}/System/SessionId`, { headers: { "X-LIVEAGENT-AFFINITY": "null" } })
      ],
      [
        "SessionId without affinity",
        () => fetch(`${base}/System/SessionId`, { headers: { "X-LIVEAGENT-API-VERSION": "57" } })
      ],
      [
        "SessionId with a token instead of null",
        () =>
          fetch(`${base}/System/SessionId`, {
            headers: { "X-LIVEAGENT-API-VERSION": "57", "X-LIVEAGENT-AFFINITY": "2c931fa0" }
          })
      ],
      ["version that is not a number", () => ada.get("/System/Messages?ack=-1", { "X-LIVEAGENT-API-VERSION": "v57" })],
      ["Messages without ack", () => ada.get("/System/Messages")],
      ["Messages with ack not a number", () => ada.get("/System/Messages?ack=latest")],
      ["Messages with ack below -1", () => ada.get("/System/Messages?ack=-2")],
      ["ChatMessage without text", () => ada.post("/Chasitor/ChatMessage", {})],
      ["ChatMessage with a number", () => ada.post("/Chasitor/ChatMessage", { text: 42 })],
      ["ChatMessage without a body", () => ada.post("/Chasitor/ChatMessage", undefined)],
      ["ChatEnd without a body", () => ada.post("/Chasitor/ChatEnd", undefined)],
      ["ChatEnd with reason agent", () => ada.end({ reason: "agent" })],
      ["sequence zero", () => ada.say("zero", 0)],
      [
        "sequence not a number",
        () => ada.post("/Chasitor/ChatMessage", { text: "x" }, null, { "X-LIVEAGENT-SEQUENCE": "abc" })
      ],
      ["sneak peek without position", () => ada.post("/Chasitor/ChasitorSneakPeek", { text: "x" })],
      ["custom event without data", () => ada.post("/Chasitor/CustomEvent", { type: "x" })],
      [
        "idle warning with another value",
        () => ada.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", { idleTimeoutWarningEvent: "maybe" })
      ],
      [
        "resync state with a bad org",
        () => ada.post("/Chasitor/ChasitorResyncState", { organizationId: "nope" }, null)
      ],
      [
        "resync state with a foreign org",
        () => ada.post("/Chasitor/ChasitorResyncState", { organizationId: "00DD0000000JVXs" }, null)
      ],
      ["MultiNoun without nouns", () => ada.post("/System/MultiNoun", { nouns: [] })],
      ["reconnect without offset", () => ada.get("/System/ReconnectSession")],
      [
        "Availability without ids",
        () =>
          fetch(`${base}/Visitor/Availability?org_id=00D5g000000SWBd&deployment_id=5725g000000SWBd`, {
            headers: { "X-LIVEAGENT-API-VERSION": "57" }
          })
      ],
      [
        "Availability with a bad id",
        () =>
          fetch(
            `${base}/Visitor/Availability?org_id=00D5g000000SWBd&deployment_id=5725g000000SWBd&Availability.ids=x`,
            { headers: { "X-LIVEAGENT-API-VERSION": "57" } }
          )
      ],
      [
        "Settings without org",
        () =>
          fetch(`${base}/Visitor/Settings?deployment_id=5725g000000SWBd&Settings.buttonIds=5735g000000SWBd`, {
            headers: { "X-LIVEAGENT-API-VERSION": "57" }
          })
      ],
      [
        "text/plain body",
        () =>
          fetch(`${base}/Chasitor/ChatMessage`, {
            method: "POST",
            headers: { ...ada.headers(), "content-type": "text/plain", "X-LIVEAGENT-SEQUENCE": "90" },
            body: "hello"
          })
      ],
      [
        "broken JSON",
        () =>
          fetch(`${base}/Chasitor/ChatMessage`, {
            method: "POST",
            headers: { ...ada.headers(), "content-type": "application/json", "X-LIVEAGENT-SEQUENCE": "91" },
            body: '{"text": "unterminated'
          })
      ]
    ]
    for (const [what, send] of cases) {
      const response = await send()
      const text = await response.text()
      expect(response.status, what).toBe(400)
      expect(isSalesforceError(text), `${what}: ${text}`).toBe(true)
      expect(text).not.toContain(ada.state.key)
    }
    expect(visitorLines(sim, chat.id)).toEqual([])
  })

  it("checks ChasitorInit against the session and the deployment", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    await ada.open()
    for (const fields of [
      { sessionId: "another-session" },
      { organizationId: "00DD0000000JVXs" },
      { deploymentId: "572D0000000002R" }
    ]) {
      const response = await ada.init(fields)
      expect(response.status).toBe(400)
      expect(isSalesforceError(await response.text())).toBe(true)
    }
    expect(sim.hub.list({ provider: "salesforce" })).toEqual([])
    expect((await ada.init()).status).toBe(200)
    const twice = await ada.init()
    expect(twice.status).toBe(400)
    expect(sim.hub.list({ provider: "salesforce" })).toHaveLength(1)
  })

  it("answers 403 'session not valid' for an unknown key or a foreign affinity, and never shows the key", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    const { key, affinity } = ada.state
    const checks: Array<[string, () => Promise<Response>]> = [
      [
        "unknown key",
        () => ada.get("/System/Messages?ack=-1", { "X-LIVEAGENT-SESSION-KEY": `${ada.state.id}!forged` })
      ],
      ["affinity of nobody", () => ada.get("/System/Messages?ack=-1", { "X-LIVEAGENT-AFFINITY": "deadbeef" })],
      [
        "affinity null on a chat call",
        () => ada.post("/Chasitor/ChatMessage", { text: "x" }, 50, { "X-LIVEAGENT-AFFINITY": "null" })
      ],
      [
        "unknown key on DELETE",
        () =>
          fetch(`${sim.urls.salesforce}/System/SessionId/${ada.state.id}!forged`, {
            method: "DELETE",
            headers: ada.headers()
          })
      ],
      [
        "unknown key on reconnect",
        () => ada.get("/System/ReconnectSession?ReconnectSession.offset=0", { "X-LIVEAGENT-SESSION-KEY": "x!y" })
      ]
    ]
    for (const [what, send] of checks) {
      const response = await send()
      const text = await response.text()
      expect(response.status, what).toBe(403)
      expect(JSON.parse(text)).toEqual({ error: "Session not valid" })
      expect(text).not.toContain(key)
    }
    // A 404 under the session key path does not echo the key either.
    const deep = await fetch(`${sim.urls.salesforce}/System/SessionId/${encodeURIComponent(key)}/extra`, {
      headers: ada.headers()
    })
    expect(deep.status).toBe(404)
    const deepText = await deep.text()
    expect(isSalesforceError(deepText)).toBe(true)
    expect(deepText).not.toContain(key.split("!")[1])

    // Secrets stay out of the control API (ChatView and native log) as well.
    sim.hub.accept(chat.id, { name: "Grace" })
    await ada.entries()
    await ada.say("hi")
    const view = await (await control(sim, `/chats/${chat.id}`)).text()
    expect(view).not.toContain(key)
    expect(view).not.toContain(key.split("!")[1])
    expect(view).not.toContain(affinity)
    expect(view).toContain("ChatEstablished")
    expect(JSON.stringify(sim.hub.list())).not.toContain(affinity)
  })

  it("answers 500 to chat requests before ChatEstablished without consuming their sequence", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    const early: Array<[string, () => Promise<Response>]> = [
      ["ChatMessage", () => ada.say("early", 2)],
      ["ChasitorTyping", () => ada.post("/Chasitor/ChasitorTyping", {}, 2)],
      ["ChasitorNotTyping", () => ada.post("/Chasitor/ChasitorNotTyping", {}, 2)],
      ["ChasitorSneakPeek", () => ada.post("/Chasitor/ChasitorSneakPeek", { position: 1, text: "e" }, 2)],
      ["CustomEvent", () => ada.post("/Chasitor/CustomEvent", { type: "t", data: "d" }, 2)],
      [
        "ChasitorIdleTimeoutWarningEvent",
        () => ada.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", { idleTimeoutWarningEvent: "triggered" }, 2)
      ],
      ["ChatEnd", () => ada.end({ reason: "client" }, 2)],
      ["MultiNoun", () => ada.post("/System/MultiNoun", { nouns: [{ prefix: "Chasitor", noun: "ChasitorTyping" }] }, 2)]
    ]
    for (const [what, send] of early) {
      const response = await send()
      expect(response.status, what).toBe(500)
      expect(isSalesforceError(await response.text())).toBe(true)
    }
    expect(sim.hub.get(chat.id).state).toBe("queued")
    sim.hub.accept(chat.id)
    expect((await ada.say("now", 2)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: now"])
  })

  it("answers 409 to a second concurrent poll and terminates the chat; the held poll gets 403", async () => {
    await using sim = await start({ salesforce: { pollHoldMs: 5000 } })
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    const held = ada.poll()
    await sleep(100)
    const second = await ada.poll()
    expect(second.status).toBe(409)
    expect(isSalesforceError(second.text)).toBe(true)
    expect((await held).status).toBe(403)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "system" })
    expect((await ada.say("anyone?")).status).toBe(403)
    expect((await ada.poll()).status).toBe(403)
  })

  it("stops holding a poll whose client went away: the next poll is no conflict", async () => {
    await using sim = await start({ salesforce: { pollHoldMs: 5000 } })
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    const abort = new AbortController()
    const abandoned = ada.poll({ signal: abort.signal }).catch((error: unknown) => error)
    await sleep(100)
    abort.abort()
    expect(await abandoned).toBeInstanceOf(Error)
    await sleep(50)
    const next = ada.poll()
    await sleep(50)
    sim.hub.say(chat.id, "still here")
    const answered = await next
    expect(answered.status).toBe(200)
    expect(answered.body?.messages.map((entry) => entry.type)).toEqual(["ChatMessage"])
    expect(sim.hub.get(chat.id).state).toBe("chatting")
  })

  it("answers unknown resources 404 and wrong methods 405 in the { error } shape", async () => {
    await using sim = await start()
    const unknown = await fetch(`${sim.urls.salesforce}/Chasitor/Nope`, {
      headers: { "X-LIVEAGENT-API-VERSION": "57" }
    })
    expect(unknown.status).toBe(404)
    expect(isSalesforceError(await unknown.text())).toBe(true)
    const wrong = await fetch(`${sim.urls.salesforce}/System/SessionId`, { method: "POST" })
    expect(wrong.status).toBe(405)
    expect(isSalesforceError(await wrong.text())).toBe(true)
  })
})

describe("Salesforce simulator: faults", () => {
  it("answers injected 500 and 429 with the { error } shape (429 with Retry-After) and changes nothing", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    for (const status of [500, 429]) {
      const rule = sim.faults.add({
        provider: "salesforce",
        operation: "sendChatMessage",
        errorRate: 1,
        statuses: [status],
        retryAfterSeconds: 7,
        times: 1
      })
      const response = await ada.say(`attempt ${status}`, 10 + status)
      expect(response.status).toBe(status)
      expect(isSalesforceError(await response.text())).toBe(true)
      expect(response.headers.get("retry-after")).toBe(status === 429 ? "7" : null)
      expect(sim.faults.list().some((active) => active.id === rule)).toBe(false)
    }
    expect(visitorLines(sim, chat.id)).toEqual([])
    // The same numbers still apply afterwards: nothing was recorded.
    expect((await ada.say("attempt 500", 510)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: attempt 500"])
  })

  it("turns an injected 503 into an affinity handover repaired by ReconnectSession, losing nothing", async () => {
    await using sim = await start({ salesforce: { pollHoldMs: 5000 } })
    const ada = visitor(sim)
    const chat = await ada.start({ visitorName: "Ada" })
    sim.hub.accept(chat.id, { id: "005D0000001ZC3z", name: "Grace" })
    await ada.entries()
    await ada.say("first words")
    sim.hub.say(chat.id, "received")
    await ada.entries()
    const offset = ada.state.offset
    const oldAffinity = ada.state.affinity

    // A poll is held when a ChatMessage meets the injected 503: both answer 503, the message is not applied.
    const held = ada.poll()
    await sleep(100)
    sim.faults.add({
      provider: "salesforce",
      operation: "sendChatMessage",
      errorRate: 1,
      statuses: [503],
      retryAfterSeconds: 2,
      times: 1
    })
    const failed = await ada.say("lost in the move")
    expect(failed.status).toBe(503)
    expect(failed.headers.get("retry-after")).toBe("2")
    expect(isSalesforceError(await failed.text())).toBe(true)
    expect((await held).status).toBe(503)
    // Meanwhile the agent keeps writing: the entries wait for the reconnected visitor.
    sim.hub.say(chat.id, "are you there?")
    sim.hub.typing(chat.id, true)
    // Every call with the old token answers 503 until the reconnect.
    expect((await ada.poll()).status).toBe(503)
    expect((await ada.say("again")).status).toBe(503)

    const reconnect = await ada.get(`/System/ReconnectSession?ReconnectSession.offset=${offset}`, {
      "X-LIVEAGENT-AFFINITY": "null"
    })
    expect(reconnect.status).toBe(200)
    const answer = (await reconnect.json()) as {
      messages: Array<{ type: string; message: { resetSequence: boolean; affinityToken: string } }>
    }
    expect(answer.messages[0]?.type).toBe("ReconnectSession")
    expect(answer.messages[0]?.message.resetSequence).toBe(true)
    const newAffinity = answer.messages[0]?.message.affinityToken ?? ""
    expect(newAffinity).toMatch(/^[0-9a-f]{8}$/)
    expect(newAffinity).not.toBe(oldAffinity)
    ada.state.affinity = newAffinity
    ada.state.sequence = 0

    const restored = await ada.entries()
    expect(restored.map((entry) => entry.type)).toEqual(["ChasitorSessionData", "ChatMessage", "AgentTyping"])
    expect(restored[0]?.message).toMatchObject({
      queuePosition: 0,
      sneakPeekEnabled: true,
      chatMessages: [
        { type: "Chasitor", name: "Ada", content: "first words", sequence: 1 },
        { type: "Agent", name: "Grace", content: "received", sequence: 2 }
      ]
    })
    expect(restored[1]?.message.text).toBe("are you there?")
    expect(
      (await ada.post("/Chasitor/ChasitorResyncState", { organizationId: sim.settings.salesforce.orgId }, null)).status
    ).toBe(200)
    // The counter restarted: sequence 1 is new again and applies.
    expect((await ada.say("lost in the move")).status).toBe(200)
    expect(ada.state.sequence).toBe(1)
    expect(visitorLines(sim, chat.id)).toEqual([
      "visitor: first words",
      "agent: received",
      "agent: are you there?",
      "visitor: lost in the move"
    ])
    // The old token is simply foreign now.
    expect((await ada.get("/System/Messages?ack=0", { "X-LIVEAGENT-AFFINITY": oldAffinity })).status).toBe(403)
    expect(sim.hub.get(chat.id).state).toBe("chatting")
  })

  it("re-sends after a reconnect what the failed poll would have carried; Visitor 503s are plain", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id, { name: "Grace" })
    const known = ada.state.offset
    // The poll carrying ChatRequestSuccess and ChatEstablished fails with 503: the visitor never saw them.
    sim.faults.add({ provider: "salesforce", operation: "getMessages", errorRate: 1, statuses: [503], times: 1 })
    expect((await ada.poll()).status).toBe(503)
    const reconnect = await ada.get(`/System/ReconnectSession?ReconnectSession.offset=${known}`, {
      "X-LIVEAGENT-AFFINITY": "null"
    })
    const { messages } = (await reconnect.json()) as { messages: Array<{ message: { affinityToken: string } }> }
    ada.state.affinity = messages[0]?.message.affinityToken ?? ""
    expect(await ada.types()).toEqual(["ChasitorSessionData", "ChatRequestSuccess", "ChatEstablished"])
    // A reconnect retried after a lost answer gives the same token and one ChasitorSessionData.
    const retried = await ada.get(`/System/ReconnectSession?ReconnectSession.offset=${ada.state.offset}`, {
      "X-LIVEAGENT-AFFINITY": "null"
    })
    expect(
      ((await retried.json()) as { messages: Array<{ message: { affinityToken: string } }> }).messages[0]?.message
        .affinityToken
    ).toBe(ada.state.affinity)
    expect(await ada.types()).toEqual(["ChasitorSessionData"])
    // An injected 503 on a Visitor resource is a plain 503 with Retry-After.
    sim.faults.add({ provider: "salesforce", operation: "getAvailability", errorRate: 1, statuses: [503], times: 1 })
    const { orgId, deploymentId, buttonId } = sim.settings.salesforce
    const availability = await fetch(
      `${sim.urls.salesforce}/Visitor/Availability?org_id=${orgId}&deployment_id=${deploymentId}&Availability.ids=${buttonId}`,
      { headers: { "X-LIVEAGENT-API-VERSION": "57" } }
    )
    expect(availability.status).toBe(503)
    expect(availability.headers.get("retry-after")).toBe("1")
  })

  it("resets the connection before applying: the request left no trace and its retry applies once", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    sim.faults.add({ provider: "salesforce", operation: "sendChatMessage", resetRate: 1, times: 1 })
    await expect(ada.say("through a bad line", 20)).rejects.toThrow()
    expect(visitorLines(sim, chat.id)).toEqual([])
    expect((await ada.say("through a bad line", 20)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: through a bad line"])
    // A reset SessionId created nothing: no session was made that could expire into the hub.
    sim.faults.add({ provider: "salesforce", operation: "getSessionId", resetRate: 1, times: 1 })
    await expect(visitor(sim).open()).rejects.toThrow()
  })

  it("drops the answer after applying: the state changed, a same-sequence retry is harmless", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    sim.faults.add({ provider: "salesforce", operation: "sendChatMessage", dropRate: 1, times: 1 })
    await expect(ada.say("did it arrive?", 30)).rejects.toThrow()
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: did it arrive?"])
    expect((await ada.say("did it arrive?", 30)).status).toBe(200)
    expect(visitorLines(sim, chat.id)).toEqual(["visitor: did it arrive?"])

    // A dropped poll: the entries it carried come again (new sequence, same offset) on a re-poll with the old ack.
    sim.hub.say(chat.id, "yes it did")
    const ack = ada.state.ack
    sim.faults.add({ provider: "salesforce", operation: "getMessages", dropRate: 1, times: 1 })
    await expect(ada.poll()).rejects.toThrow()
    expect(ada.state.ack).toBe(ack)
    const again = await ada.poll()
    expect(again.body?.sequence).toBe(ack + 2)
    expect(again.body?.messages.map((entry) => entry.message.text)).toEqual(["yes it did"])

    // A dropped ChatEnd: the chat ended, the retry with its number is a 200, the next poll reads ChatEnded.
    sim.faults.add({ provider: "salesforce", operation: "chatEnd", dropRate: 1, times: 1 })
    await expect(ada.end({ reason: "client" }, 31)).rejects.toThrow()
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect((await ada.end({ reason: "client" }, 31)).status).toBe(200)
    expect(await ada.types()).toEqual(["ChatEnded"])
  })

  it("adds latency before answering", async () => {
    await using sim = await start({ faults: [{ provider: "salesforce", operation: "getSessionId", latencyMs: 250 }] })
    const started = performance.now()
    await visitor(sim).open()
    expect(performance.now() - started).toBeGreaterThanOrEqual(240)
  })

  it("repeats an envelope with its own sequence (duplicateRate); never re-orders (documented order)", async () => {
    await using sim = await start({
      faults: [{ provider: "salesforce", operation: "getMessages", duplicateRate: 1, reorderRate: 1 }]
    })
    const ada = visitor(sim)
    const chat = await ada.start()
    const first = await ada.poll()
    const duplicate = await ada.poll()
    expect(duplicate.body).toEqual(first.body)
    // A client that drops envelopes whose sequence it already acknowledged sees everything once, in order.
    sim.hub.accept(chat.id, { name: "Grace" })
    for (let i = 1; i <= 5; i++) sim.hub.say(chat.id, `line ${i}`)
    const seen: Array<string> = []
    let last = ada.state.ack
    for (let i = 0; i < 4; i++) {
      const { status, body } = await ada.poll()
      if (status !== 200 || body === undefined || body.sequence <= last) continue
      last = body.sequence
      seen.push(
        ...body.messages.map((entry) => (entry.type === "ChatMessage" ? String(entry.message.text) : entry.type))
      )
    }
    expect(seen).toEqual(["ChatEstablished", "line 1", "line 2", "line 3", "line 4", "line 5"])
  })

  it("expires a session on demand (hub and control API): later calls 403, the chat ended by timeout", async () => {
    await using sim = await start({ salesforce: { pollHoldMs: 5000 } })
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id)
    await ada.entries()
    const held = ada.poll()
    await sleep(100)
    sim.hub.expire(chat.id)
    expect((await held).status).toBe(403)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect((await ada.say("hello?")).status).toBe(403)

    const bob = visitor(sim)
    const bobChat = await bob.start()
    const expired = await control(sim, `/chats/${bobChat.id}/expire`, {})
    expect(expired.status).toBe(200)
    expect(((await expired.json()) as ChatView).endedBy).toBe("timeout")
    expect((await bob.poll()).status).toBe(403)
  })

  it("keeps the chat when the agent drops: AgentDisconnect, then a transfer brings the next agent", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id, { name: "Grace" })
    await ada.entries()
    sim.hub.typing(chat.id, true)
    sim.hub.disconnect(chat.id)
    expect(await ada.types()).toEqual(["AgentTyping", "AgentDisconnect"])
    expect((await ada.say("hello?")).status).toBe(200)
    sim.hub.transfer(chat.id, { name: "Linus" })
    sim.hub.say(chat.id, "Sorry, Linus here")
    expect(await ada.types()).toEqual(["ChatTransferred", "ChatMessage: Sorry, Linus here"])
    expect(sim.hub.get(chat.id).state).toBe("chatting")
  })
})

describe("Salesforce simulator: the agent over the control API", () => {
  it("accepts, types, writes, transfers and ends over HTTP; the native log shows the wire entries", async () => {
    await using sim = await start()
    const ada = visitor(sim)
    const chat = await ada.start()
    const listed = (await (await control(sim, "/chats?provider=salesforce&state=queued")).json()) as {
      chats: Array<ChatView>
    }
    expect(listed.chats.map((view) => view.nativeId)).toEqual([ada.state.id])
    expect(
      (await control(sim, `/chats/${chat.id}/accept`, { agent: { id: "005D0000001ZC3z", name: "Grace" } })).status
    ).toBe(200)
    expect((await control(sim, `/chats/${chat.id}/typing`, { on: true })).status).toBe(200)
    expect((await control(sim, `/chats/${chat.id}/messages`, { text: "Hi from HTTP" })).status).toBe(200)
    expect(await ada.types()).toEqual([
      "ChatRequestSuccess",
      "ChatEstablished",
      "AgentTyping",
      "ChatMessage: Hi from HTTP",
      "AgentNotTyping"
    ])
    await ada.say("Hi back")
    expect((await control(sim, `/chats/${chat.id}/transfer`, { agent: { name: "Linus" } })).status).toBe(200)
    expect((await control(sim, `/chats/${chat.id}/disconnect`, {})).status).toBe(200)
    expect((await control(sim, `/chats/${chat.id}/end`, { reason: "resolved" })).status).toBe(200)
    expect(await ada.types()).toEqual(["ChatTransferred", "AgentDisconnect", "ChatEnded"])
    const view = (await (await control(sim, `/chats/${chat.id}`)).json()) as ChatView & {
      nativeLog: Array<{ direction: string; type: string; message: Json }>
    }
    expect(view).toMatchObject({ state: "ended", endedBy: "agent", endReason: "resolved" })
    expect(view.nativeLog.map((line) => `${line.direction} ${line.type}`)).toEqual([
      "fromVisitor ChasitorInit",
      "toVisitor ChatRequestSuccess",
      "toVisitor ChatEstablished",
      "toVisitor AgentTyping",
      "toVisitor ChatMessage",
      "toVisitor AgentNotTyping",
      "fromVisitor ChatMessage",
      "toVisitor ChatTransferred",
      "toVisitor AgentDisconnect",
      "toVisitor ChatEnded"
    ])
    expect(view.nativeLog.at(-1)?.message).toEqual({ reason: "resolved" })
    // Availability over HTTP: a new request fails.
    const unavailable = await fetch(`${sim.urls.control}/availability`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ available: false, skill: sim.settings.salesforce.buttonId })
    })
    expect(unavailable.status).toBe(200)
    const bob = visitor(sim)
    await bob.start()
    expect((await bob.entries())[0]?.type).toBe("ChatRequestFail")
  })

  it("works with the scripted agent", async () => {
    await using sim = await start({ agent: { acceptAfterMs: 20, typingMs: 20 } })
    const ada = visitor(sim)
    await ada.start()
    const seen: Array<string> = []
    for (let i = 0; i < 20 && !seen.includes("ChatMessage: Hi, I'm Grace. How can I help?"); i++) {
      seen.push(
        ...((await ada.poll()).body?.messages.map((entry) =>
          entry.type === "ChatMessage" ? `ChatMessage: ${String(entry.message.text)}` : entry.type
        ) ?? [])
      )
    }
    expect(seen).toEqual([
      "ChatRequestSuccess",
      "ChatEstablished",
      "AgentTyping",
      "ChatMessage: Hi, I'm Grace. How can I help?",
      "AgentNotTyping"
    ])
  })
})

describe("Salesforce simulator: timers on a manual clock", () => {
  const manual = (salesforce: SimulatorOptions["salesforce"] = {}) =>
    startSimulator({ validateResponses: true, clock: "manual", salesforce }).then((sim) => {
      running.push(sim)
      return sim
    })

  it("holds polls 30 s, keeps a polled chat 30 minutes, expires it 120 s after the last poll", async () => {
    await using sim = await manual()
    const clock = sim.clock as ManualClock
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id, { name: "Grace" })
    await ada.entries()
    for (let minute = 0; minute < 30; minute++) {
      for (const _ of [0, 1]) {
        const before = clock.pending
        const poll = ada.poll()
        await until(() => clock.pending > before, "the poll to be held")
        await clock.advance(29_999)
        await clock.advance(1)
        expect((await poll).status).toBe(204)
      }
    }
    sim.hub.say(chat.id, "thirty minutes later")
    expect(await ada.types()).toEqual(["ChatMessage: thirty minutes later"])
    expect(sim.hub.get(chat.id).state).toBe("chatting")
    // Left alone: ended by timeout 120 s after the last poll, not before.
    await clock.advance(119_999)
    expect(sim.hub.get(chat.id).state).toBe("chatting")
    await clock.advance(1)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect((await ada.poll()).status).toBe(403)
  })

  it("expires sessions never polled and honours sessionTimeoutMs and clientPollTimeoutSeconds", async () => {
    await using sim = await manual({ sessionTimeoutMs: 60_000, clientPollTimeoutSeconds: 25 })
    const clock = sim.clock as ManualClock
    const lonely = visitor(sim)
    const opened = await lonely.open()
    expect(opened.clientPollTimeout).toBe(25)
    const ada = visitor(sim)
    const chat = await ada.start()
    // Other requests are no keep-alive: only Messages polls are.
    await clock.advance(30_000)
    await ada.post("/Visitor/Breadcrumb", { location: "https://example.com" }, null)
    await clock.advance(30_000)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect((await lonely.poll()).status).toBe(403)

    // The hold follows clientPollTimeout - 10 s = 15 s.
    const bob = visitor(sim)
    const bobChat = await bob.start()
    await bob.entries()
    const before = clock.pending
    const poll = bob.poll()
    await until(() => clock.pending > before, "the poll to be held")
    await clock.advance(14_999)
    sim.hub.accept(bobChat.id)
    expect((await poll).body?.messages[0]?.type).toBe("ChatEstablished")
  })

  it("ends a chat whose visitor stays idle after the agent spoke (chasitorIdleTimeout)", async () => {
    await using sim = await manual({
      chasitorIdleTimeout: { warningSeconds: 60, timeoutSeconds: 120 },
      sessionTimeoutMs: 3_600_000
    })
    const clock = sim.clock as ManualClock
    const ada = visitor(sim)
    const chat = await ada.start()
    sim.hub.accept(chat.id, { name: "Grace" })
    const established = await ada.entries()
    expect(established[1]?.message.chasitorIdleTimeout).toEqual({ isEnabled: true, warningTime: 60, timeout: 120 })
    sim.hub.say(chat.id, "Anything else?")
    await ada.entries()
    await clock.advance(100_000)
    await ada.say("One moment")
    await clock.advance(100_000)
    expect(sim.hub.get(chat.id).state).toBe("chatting")
    sim.hub.say(chat.id, "Still there?")
    await ada.entries()
    expect(
      (await ada.post("/Chasitor/ChasitorIdleTimeoutWarningEvent", { idleTimeoutWarningEvent: "triggered" })).status
    ).toBe(200)
    await clock.advance(120_000)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect(await ada.entries()).toEqual([{ type: "ChatEnded", message: { reason: "chasitorIdleTimeout" } }])
  })

  it("moves the clock over the control API and cancels every timer and held poll on dispose", async () => {
    const sim = await manual()
    const clock = sim.clock as ManualClock
    const ada = visitor(sim)
    const chat = await ada.start()
    await ada.entries()
    const before = clock.pending
    const poll = ada.poll()
    await until(() => clock.pending > before, "the poll to be held")
    const moved = await control(sim, "/clock/advance", { ms: 30_000 })
    expect(moved.status).toBe(200)
    expect((await poll).status).toBe(204)
    const held = ada.poll()
    await until(() => clock.pending > before, "the poll to be held")
    sim.dispose()
    expect((await held).status).toBe(204)
    expect(clock.pending).toBe(0)
    expect(sim.hub.get(chat.id).state).toBe("queued")
    await sim.close()
  })
})
