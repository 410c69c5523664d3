/**
 * A Salesforce Live Agent visitor over plain `fetch` for the variant tests: it keeps its own counters (sequence,
 * ack, offset), polls only when the server has something queued (so no poll is ever held), and hands every envelope
 * back whole.
 */
import { expect } from "vitest"
import type { ChatView, RunningSimulator } from "../../src/index.ts"

export type Json = Record<string, unknown>
export interface Entry {
  readonly type: string
  readonly message: Json
}
export interface Envelope {
  readonly messages: ReadonlyArray<Entry>
  readonly sequence: number
  readonly offset: number
}

export const sfVisitor = (sim: RunningSimulator, version = "57") => {
  const base = sim.urls.salesforce
  const state = { id: "", key: "", affinity: "null", sequence: 0, ack: -1, offset: 0 }
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    "X-LIVEAGENT-API-VERSION": version,
    "X-LIVEAGENT-AFFINITY": state.affinity,
    ...(state.key === "" ? {} : { "X-LIVEAGENT-SESSION-KEY": state.key }),
    ...extra
  })
  const self = {
    state,
    base,
    headers,
    get: (path: string, extra: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: headers(extra) }),
    /** A POST numbered with the next sequence, a given one, or none at all (`null`). */
    post: (path: string, body: unknown, sequence?: number | null) => {
      let number = sequence
      if (number === undefined) {
        state.sequence += 1
        number = state.sequence
      }
      return fetch(`${base}${path}`, {
        method: "POST",
        headers: {
          ...headers(),
          "content-type": "application/json",
          ...(number === null ? {} : { "X-LIVEAGENT-SEQUENCE": String(number) })
        },
        body: JSON.stringify(body)
      })
    },
    open: async () => {
      const response = await fetch(`${base}/System/SessionId`, {
        headers: { "X-LIVEAGENT-API-VERSION": version, "X-LIVEAGENT-AFFINITY": "null" }
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { id: string; key: string; affinityToken: string }
      Object.assign(state, { id: body.id, key: body.key, affinity: body.affinityToken, sequence: 0, ack: -1 })
    },
    init: () => {
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      return self.post("/Chasitor/ChasitorInit", {
        organizationId: orgId,
        deploymentId,
        buttonId,
        sessionId: state.id,
        userAgent: "vitest",
        language: "en-US",
        screenResolution: "1920x1080",
        visitorName: "Ada",
        prechatDetails: [],
        prechatEntities: [],
        receiveQueueUpdates: true,
        isPost: true
      })
    },
    /** Opens a session and requests a chat; returns the hub's view of it. */
    start: async (): Promise<ChatView> => {
      await self.open()
      const response = await self.init()
      expect(response.status).toBeLessThan(300)
      const chat = sim.hub.findByNativeId("salesforce", state.id)
      if (chat === undefined) throw new Error("no hub chat for the session")
      return chat
    },
    /** One poll that the server answers at once (something is queued); a 200 moves ack and offset on. */
    poll: async (ack = state.ack): Promise<Envelope> => {
      const response = await self.get(`/System/Messages?ack=${ack}`)
      const text = await response.text()
      expect(response.status, text).toBe(200)
      const body = JSON.parse(text) as Envelope
      state.ack = body.sequence
      state.offset = body.offset
      return body
    },
    /** `type` or `type: text` per entry of one envelope. */
    types: async (ack?: number) =>
      (await self.poll(ack)).messages.map((entry) =>
        entry.type === "ChatMessage" ? `ChatMessage: ${String(entry.message.text)}` : entry.type
      ),
    /** ReconnectSession with `offset` (affinity `null`, as the doc's example); adopts the new token. */
    reconnect: async (offset: number): Promise<Json> => {
      const response = await self.get(`/System/ReconnectSession?ReconnectSession.offset=${offset}`, {
        "X-LIVEAGENT-AFFINITY": "null"
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { messages: Array<{ type: string; message: Json }> }
      expect(body.messages[0]?.type).toBe("ReconnectSession")
      const message = body.messages[0]?.message ?? {}
      state.affinity = String(message.affinityToken)
      return message
    },
    say: (text: string, sequence?: number | null) => self.post("/Chasitor/ChatMessage", { text }, sequence)
  }
  return self
}

/** The hub's transcript lines of a chat as `from: text`. */
export const hubLines = (sim: RunningSimulator, chatId: string): Array<string> =>
  sim.hub.get(chatId).transcript.flatMap((entry) => (entry.kind === "message" ? [`${entry.from}: ${entry.text}`] : []))
