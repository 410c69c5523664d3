/**
 * Every value of every Salesforce variant knob, over real loopback HTTP, with every answer checked against the spec.
 * Polls are only sent when the server has something queued, except where a test waits for the server to arm its
 * hold timer (a latch on the manual clock): nothing here sleeps.
 */
import { afterEach, describe, expect, it } from "vitest"
import {
  type RunningSimulator,
  type SalesforceVariant,
  type SimulatorOptions,
  startSimulator,
  variantValues
} from "../src/index.ts"
import { LatchedClock } from "./support/latched-clock.ts"
import { type Envelope, hubLines, type Json, sfVisitor } from "./support/salesforce-visitor.ts"

const running: Array<RunningSimulator> = []

const start = async (salesforce: SalesforceVariant, options: SimulatorOptions = {}) => {
  const sim = await startSimulator({ validateResponses: true, ...options, variants: { salesforce } })
  running.push(sim)
  return sim
}

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

const values = variantValues.salesforce

/** `type` or `ChatMessage: text` per entry. */
const typesOf = (envelope: Envelope) =>
  envelope.messages.map((entry) =>
    entry.type === "ChatMessage" ? `ChatMessage: ${String(entry.message.text)}` : entry.type
  )

const transcriptOf = (envelope: Envelope) => {
  const data = envelope.messages.find((entry) => entry.type === "ChasitorSessionData")
  return ((data?.message.chatMessages ?? []) as Array<{ type: string; content: string }>).map(
    (line) => `${line.type}: ${line.content}`
  )
}

/**
 * A chat that goes through a handover: the visitor said "first words", received "received" (acknowledged by the
 * reconnect's offset), got "unacked" in an answer it lost, and the agent wrote "during" while the session moved.
 */
const handedOver = async (sim: RunningSimulator) => {
  const ada = sfVisitor(sim)
  const chat = await ada.start()
  await ada.poll()
  sim.hub.accept(chat.id, { id: "005D0000001ZC3z", name: "Grace" })
  expect((await ada.say("first words")).status).toBe(200)
  sim.hub.say(chat.id, "received")
  const known = await ada.poll()
  expect(typesOf(known)).toEqual(["ChatEstablished", "ChatMessage: received"])
  sim.hub.say(chat.id, "unacked")
  expect(typesOf(await ada.poll())).toEqual(["ChatMessage: unacked"])
  // That answer was lost: the visitor still stands at the known envelope.
  ada.state.ack = known.sequence
  ada.state.offset = known.offset
  const moved = await fetch(`${sim.urls.control}/chats/${chat.id}/handover`, { method: "POST" })
  expect(moved.status).toBe(200)
  expect((await ada.get(`/System/Messages?ack=${ada.state.ack}`)).status).toBe(503)
  sim.hub.say(chat.id, "during")
  const reconnected = await ada.reconnect(known.offset)
  return { ada, chat, reconnected }
}

describe("Salesforce variants: the handover", () => {
  const layouts: Record<NonNullable<SalesforceVariant["redelivery"]>, ReadonlyArray<ReadonlyArray<string>>> = {
    after: [["ChasitorSessionData", "ChatMessage: unacked", "ChatMessage: during"]],
    "after-separately": [["ChasitorSessionData"], ["ChatMessage: unacked", "ChatMessage: during"]],
    before: [["ChatMessage: unacked", "ChatMessage: during", "ChasitorSessionData"]],
    "before-separately": [["ChatMessage: unacked", "ChatMessage: during"], ["ChasitorSessionData"]],
    none: [["ChasitorSessionData"]]
  }

  for (const redelivery of values.redelivery) {
    for (const transcript of values.transcript) {
      it(`re-delivers ${redelivery}, with a transcript of ${transcript} lines`, async () => {
        const sim = await start({ redelivery, transcript })
        const { ada, chat } = await handedOver(sim)
        const envelopes: Array<Envelope> = []
        for (const _ of layouts[redelivery]) envelopes.push(await ada.poll())
        expect(envelopes.map(typesOf)).toEqual(layouts[redelivery])
        const known = ["Chasitor: first words", "Agent: received"]
        const all = [...known, "Agent: unacked", "Agent: during"]
        const snapshot = envelopes.find((envelope) => transcriptOf(envelope).length > 0) as Envelope
        expect(transcriptOf(snapshot)).toEqual(transcript === "overlapping" ? all : known)
        const redelivered = envelopes.flatMap(typesOf).filter((type) => type.startsWith("ChatMessage"))
        if (transcript === "overlapping" && redelivery !== "none") {
          // The line the agent wrote during the handover reaches the visitor twice: in the transcript and again.
          expect(transcriptOf(snapshot)).toContain("Agent: during")
          expect(redelivered).toContain("ChatMessage: during")
        }
        expect(sim.hub.get(chat.id).state).toBe("chatting")
        expect(hubLines(sim, chat.id)).toEqual([
          "visitor: first words",
          "agent: received",
          "agent: unacked",
          "agent: during"
        ])
      })
    }
  }

  for (const resetSequence of values.resetSequence) {
    it(`answers ReconnectSession with resetSequence ${String(resetSequence)} and de-duplicates accordingly`, async () => {
      const sim = await start({ resetSequence })
      const { ada, chat, reconnected } = await handedOver(sim)
      expect(Object.hasOwn(reconnected, "resetSequence")).toBe(resetSequence !== "absent")
      if (resetSequence !== "absent") expect(reconnected.resetSequence).toBe(resetSequence)
      await ada.poll()
      // Number 1 again: new after a reset; already seen (ChasitorInit) for a server that kept its counter.
      expect((await ada.say("numbered one", 1)).status).toBe(200)
      expect(hubLines(sim, chat.id).includes("visitor: numbered one")).toBe(resetSequence === true)
      expect((await ada.say("numbered three", 3)).status).toBe(200)
      expect(hubLines(sim, chat.id).at(-1)).toBe("visitor: numbered three")
    })
  }
})

describe("Salesforce variants: requests and answers", () => {
  for (const sequenceDedupe of values.sequenceDedupe) {
    it(`${sequenceDedupe}s a repeated X-LIVEAGENT-SEQUENCE`, async () => {
      const sim = await start({ sequenceDedupe })
      const ada = sfVisitor(sim)
      const chat = await ada.start()
      sim.hub.accept(chat.id)
      for (const number of [5, 5, 4]) expect((await ada.say(`number ${number}`, number)).status).toBe(200)
      expect(hubLines(sim, chat.id)).toEqual(
        sequenceDedupe === "drop"
          ? ["visitor: number 5"]
          : ["visitor: number 5", "visitor: number 5", "visitor: number 4"]
      )
    })
  }

  for (const pollHold of values.pollHold) {
    it(`holds an empty poll ${pollHold === "long" ? "30 s" : "1 s"}, then answers 204`, async () => {
      const clock = new LatchedClock()
      const sim = await start({ pollHold }, { clock })
      const ada = sfVisitor(sim)
      await ada.start()
      await ada.poll()
      const holdMs = pollHold === "long" ? 30_000 : 1000
      const held = clock.scheduled(holdMs)
      const polling = ada.get(`/System/Messages?ack=${ada.state.ack}`)
      await held
      let answered = false
      void polling.then(() => {
        answered = true
      })
      await clock.advance(holdMs - 1)
      expect(answered).toBe(false)
      await clock.advance(1)
      const response = await polling
      expect(response.status).toBe(204)
      expect(await response.text()).toBe("")
    })
  }

  for (const chasitorInitBody of values.chasitorInitBody) {
    for (const postStatus of values.postStatus) {
      it(`answers ChasitorInit ${postStatus} ${chasitorInitBody} and every other POST ${postStatus}`, async () => {
        const sim = await start({ chasitorInitBody, postStatus })
        const ada = sfVisitor(sim)
        await ada.open()
        const init = await ada.init()
        expect(init.status).toBe(postStatus)
        expect(await init.text()).toBe(postStatus === 200 && chasitorInitBody === "OK" ? "OK" : "")
        const chat = sim.hub.findByNativeId("salesforce", ada.state.id)?.id as string
        sim.hub.accept(chat)
        expect((await ada.say("hello")).status).toBe(postStatus)
        expect((await ada.post("/Chasitor/ChasitorTyping", {})).status).toBe(postStatus)
        const resync = await ada.post(
          "/Chasitor/ChasitorResyncState",
          { organizationId: sim.settings.salesforce.orgId },
          null
        )
        expect(resync.status).toBe(postStatus)
        const crumb = await ada.post("/Visitor/Breadcrumb", { location: "https://example.com/pricing" }, null)
        expect(crumb.status).toBe(postStatus)
        // A repeated number is answered like the first time, without effect.
        expect((await ada.say("hello", ada.state.sequence - 1)).status).toBe(postStatus)
        expect(hubLines(sim, chat)).toEqual(["visitor: hello"])
      })
    }
  }

  for (const visitorEnvelope of values.visitorEnvelope) {
    it(`answers the Visitor resources ${visitorEnvelope}`, async () => {
      const moved = "00D5g000000MOVd"
      const sim = await start(
        { visitorEnvelope },
        { salesforce: { switchServer: { [moved]: "https://moved.example" } } }
      )
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      const get = async (path: string, org = orgId) => {
        const separator = path.includes("?") ? "&" : "?"
        const response = await fetch(
          `${sim.urls.salesforce}${path}${separator}org_id=${org}&deployment_id=${deploymentId}`,
          { headers: { "X-LIVEAGENT-API-VERSION": "57" } }
        )
        expect(response.status).toBe(200)
        return (await response.json()) as Json
      }
      const wrap = (type: string, message: Json) =>
        visitorEnvelope === "wrapped" ? { messages: [{ type, message }] } : message
      expect(await get(`/Visitor/Availability?Availability.ids=${buttonId}`)).toEqual(
        wrap("Availability", { results: [{ id: buttonId, isAvailable: true }] })
      )
      const settings = await get(`/Visitor/Settings?Settings.buttonIds=${buttonId}`)
      expect(settings).toMatchObject(
        wrap("Settings", { pingrate: 50_000, buttons: [{ id: buttonId, type: "Standard", isAvailable: true }] })
      )
      const visitorId = await get("/Visitor/VisitorId")
      const sessionId =
        visitorEnvelope === "wrapped" ? (visitorId.messages as Array<{ message: Json }>)[0]?.message : visitorId
      expect(sessionId).toEqual({ sessionId: expect.any(String) })
      for (const path of [`/Visitor/Availability?Availability.ids=${buttonId}`, "/Visitor/VisitorId"]) {
        expect(await get(path, moved)).toEqual(wrap("SwitchServer", { newUrl: "https://moved.example" }))
      }
    })
  }
})

describe("Salesforce variants: agent messages and the end", () => {
  for (const chatEndedReason of values.chatEndedReason) {
    it(`says ${chatEndedReason} in ChatEnded`, async () => {
      const sim = await start({ chatEndedReason })
      const byAgent = sfVisitor(sim)
      const chat = await byAgent.start()
      sim.hub.accept(chat.id)
      sim.hub.end(chat.id)
      const agentEnd = (await byAgent.poll()).messages.find((entry) => entry.type === "ChatEnded")?.message
      const expected = { "as-given": "agent", agent: "agent", other: "The agent ended the chat", absent: undefined }
      expect(agentEnd?.reason).toBe(expected[chatEndedReason])
      expect(Object.hasOwn(agentEnd ?? {}, "reason")).toBe(chatEndedReason !== "absent")
      // An agent's own reason is passed on only as given.
      const resolved = sfVisitor(sim)
      const second = await resolved.start()
      sim.hub.accept(second.id)
      sim.hub.end(second.id, "resolved")
      const resolvedEnd = (await resolved.poll()).messages.find((entry) => entry.type === "ChatEnded")?.message
      expect(resolvedEnd?.reason).toBe(chatEndedReason === "as-given" ? "resolved" : expected[chatEndedReason])
      // The visitor's own end says client, unless no reason is ever given.
      const byVisitor = sfVisitor(sim)
      const third = await byVisitor.start()
      sim.hub.accept(third.id)
      await byVisitor.poll()
      expect((await byVisitor.post("/Chasitor/ChatEnd", { reason: "client" })).status).toBe(200)
      const visitorEnd = (await byVisitor.poll()).messages.find((entry) => entry.type === "ChatEnded")?.message
      expect(visitorEnd?.reason).toBe(chatEndedReason === "absent" ? undefined : "client")
    })
  }

  for (const afterChatEnd of values.afterChatEnd) {
    it(`after the visitor's ChatEnd: ${afterChatEnd}`, async () => {
      const sim = await start({ afterChatEnd })
      const ada = sfVisitor(sim)
      const chat = await ada.start()
      sim.hub.accept(chat.id)
      await ada.poll()
      expect((await ada.post("/Chasitor/ChatEnd", { ChatEndReason: { reason: "client" } })).status).toBe(200)
      expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
      if (afterChatEnd === "chat-ended") expect(await ada.types()).toEqual(["ChatEnded"])
      expect((await ada.get(`/System/Messages?ack=${ada.state.ack}`)).status).toBe(403)
    })
  }

  for (const agentRef of values.agentRef) {
    it(`names the agent in typing and disconnect entries: ${agentRef}`, async () => {
      const sim = await start({ agentRef })
      const ada = sfVisitor(sim)
      const chat = await ada.start()
      sim.hub.accept(chat.id, { id: "005D0000001ZC3z", name: "Grace" })
      await ada.poll()
      sim.hub.typing(chat.id, true)
      sim.hub.typing(chat.id, false)
      sim.hub.disconnect(chat.id)
      const envelope = await ada.poll()
      expect(envelope.messages.map((entry) => entry.type)).toEqual(["AgentTyping", "AgentNotTyping", "AgentDisconnect"])
      const ref = agentRef === "named" ? { name: "Grace", agentId: "005D0000001ZC3z" } : {}
      for (const entry of envelope.messages) expect(entry.message).toEqual(ref)
    })
  }

  for (const errorBody of values.errorBody) {
    it(`writes error bodies as ${errorBody}`, async () => {
      const sim = await start({ errorBody })
      const ada = sfVisitor(sim)
      await ada.start()
      const foreign = await ada.get("/System/Messages?ack=-1", { "X-LIVEAGENT-SESSION-KEY": "unknown!key" })
      const malformed = await ada.get("/System/Messages?ack=soon")
      const early = await ada.say("before the agent")
      for (const [response, status, reason] of [
        [foreign, 403, "Session not valid"],
        [malformed, 400, "query/ack"],
        [early, 500, "Chat not established"]
      ] as const) {
        expect(response.status).toBe(status)
        const body = await response.text()
        if (errorBody === "json") {
          expect(response.headers.get("content-type")).toBe("application/json")
          expect((JSON.parse(body) as { error: string }).error).toContain(reason)
        } else {
          expect(response.headers.get("content-type")).toBe("text/plain")
          expect(body.startsWith(`${status} `)).toBe(true)
          expect(body).toContain(reason)
        }
        expect(body).not.toContain(ada.state.key)
      }
    })
  }
})
