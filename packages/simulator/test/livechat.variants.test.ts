/**
 * Every value of every LiveChat variant knob, over real loopback HTTP, with every answer checked against the spec.
 * LiveChat answers every request at once, so nothing here waits for time.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type LiveChatVariant, type RunningSimulator, startSimulator, variantValues } from "../src/index.ts"

type Json = Record<string, unknown>
interface Event {
  readonly message_id: number
  readonly type: string
  readonly user_type?: string
  readonly text?: string
  readonly agent?: Json
  readonly [key: string]: unknown
}

const running: Array<RunningSimulator> = []

const start = async (livechat: LiveChatVariant) => {
  const sim = await startSimulator({ validateResponses: true, variants: { livechat } })
  running.push(sim)
  return sim
}

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

const values = variantValues.livechat

/** A visitor with plain fetch and form bodies, as the vendor's examples send them. */
const visitor = (sim: RunningSimulator, id: string) => {
  const licence_id = String(sim.settings.livechat.licenceId)
  const url = (operation: string) => `${sim.urls.livechat}/visitors/${id}/chat/${operation}`
  const post = (operation: string, fields: Record<string, string>) =>
    fetch(url(operation), {
      method: "POST",
      headers: { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ licence_id, ...fields }).toString()
    })
  let current = ""
  const self = {
    get secret() {
      return current
    },
    start: async (welcome = "Hello, I need help"): Promise<string> => {
      const response = await post("start", { welcome_message: welcome, name: "Ada" })
      expect(response.status).toBe(200)
      current = ((await response.json()) as { secured_session_id: string }).secured_session_id
      return current
    },
    hubId: () => sim.hub.findByNativeId("livechat", id)?.id as string,
    poll: async (
      last?: number,
      secret = current
    ): Promise<{ status: number; body: { events?: Array<Event> } & Json }> => {
      const query = new URLSearchParams({ licence_id, secured_session_id: secret })
      if (last !== undefined) query.set("last_message_id", String(last))
      const response = await fetch(`${url("get_pending_messages")}?${query}`, { headers: { "X-API-Version": "2" } })
      return { status: response.status, body: (await response.json()) as { events?: Array<Event> } & Json }
    },
    events: async (last?: number): Promise<Array<Event>> => {
      const { status, body } = await self.poll(last)
      expect(status).toBe(200)
      return body.events ?? []
    },
    send: (message: string, secret = current) => post("send_message", { secured_session_id: secret, message }),
    close: (secret = current) => post("close", { secured_session_id: secret })
  }
  return self
}

const summary = (events: ReadonlyArray<Event>) =>
  events.map((event) => `${event.type}${event.text === undefined ? "" : `: ${event.text}`}`)

describe("LiveChat variants", () => {
  for (const welcomeMessage of values.welcomeMessage) {
    it(`${welcomeMessage === "echoed" ? "echoes" : "does not echo"} the welcome message`, async () => {
      const sim = await start({ welcomeMessage })
      const ada = visitor(sim, "ada")
      await ada.start("Hello there")
      sim.hub.accept(ada.hubId(), { name: "Grace" })
      const events = await ada.events()
      expect(summary(events)).toEqual([
        ...(welcomeMessage === "echoed" ? ["message: Hello there"] : []),
        "agent_details"
      ])
      // The agent sees it either way.
      expect(sim.hub.get(ada.hubId()).transcript).toContainEqual(
        expect.objectContaining({ kind: "message", from: "visitor", text: "Hello there" })
      )
    })
  }

  for (const messageIdStep of values.messageIdStep) {
    it(`numbers events ${messageIdStep} apart`, async () => {
      const sim = await start({ messageIdStep })
      const ada = visitor(sim, "ada")
      await ada.start()
      sim.hub.accept(ada.hubId(), { name: "Grace" })
      sim.hub.say(ada.hubId(), "Hi")
      expect((await ada.events()).map((event) => event.message_id)).toEqual(messageIdStep === 1 ? [1, 2, 3] : [2, 4, 6])
    })
  }

  for (const lastMessageId of values.lastMessageId) {
    it(`reads last_message_id as ${lastMessageId}`, async () => {
      const sim = await start({ lastMessageId })
      const ada = visitor(sim, "ada")
      await ada.start()
      sim.hub.accept(ada.hubId(), { name: "Grace" })
      const seen = await ada.events()
      const last = seen.at(-1)?.message_id as number
      sim.hub.say(ada.hubId(), "Hi")
      expect(summary(await ada.events(last))).toEqual([
        ...(lastMessageId === "inclusive" ? ["agent_details"] : []),
        "message: Hi"
      ])
    })
  }

  for (const restart of values.restart) {
    it(`answers a second start with ${restart === "same-chat" ? "the open chat" : "a new chat"}`, async () => {
      const sim = await start({ restart })
      const ada = visitor(sim, "ada")
      const first = await ada.start()
      const firstHub = ada.hubId()
      const second = await ada.start("Me again")
      if (restart === "same-chat") {
        expect(second).toBe(first)
        expect(ada.hubId()).toBe(firstHub)
        return
      }
      expect(second).not.toBe(first)
      expect(ada.hubId()).not.toBe(firstHub)
      expect(sim.hub.get(firstHub)).toMatchObject({ state: "ended", endedBy: "system" })
      const old = await ada.poll(undefined, first)
      expect(old.status).toBe(200)
      expect(old.body.events?.at(-1)?.type).toBe("chat_closed")
      expect(summary(await ada.events())).toEqual(["message: Me again"])
    })
  }

  for (const errorBody of values.errorBody) {
    for (const sessionErrorStatus of values.sessionErrorStatus) {
      it(`refuses a bad session with ${sessionErrorStatus} and an ${errorBody} body`, async () => {
        const sim = await start({ errorBody, sessionErrorStatus })
        const ada = visitor(sim, "ada")
        await ada.start()
        const unknown = await ada.poll(undefined, "CS1.0000")
        expect(unknown.status).toBe(sessionErrorStatus)
        expect(Object.keys(unknown.body)).toEqual([errorBody])
        if (errorBody === "errors") expect(unknown.body.errors).toEqual([expect.any(String)])
        else expect(unknown.body.error).toEqual(expect.any(String))
        expect(JSON.stringify(unknown.body)).not.toContain(ada.secret)
        // A line to a chat the visitor closed, and a chat the visitor stopped polling.
        expect((await ada.close()).status).toBe(200)
        expect((await ada.send("Hello?")).status).toBe(sessionErrorStatus)
        const bob = visitor(sim, "bob")
        await bob.start()
        sim.hub.expire(bob.hubId())
        expect((await bob.poll()).status).toBe(sessionErrorStatus)
        // A wrong licence is still 401.
        const wrongLicence = await fetch(
          `${sim.urls.livechat}/visitors/ada/chat/get_pending_messages?licence_id=1&secured_session_id=${ada.secret}`,
          { headers: { "X-API-Version": "2" } }
        )
        expect(wrongLicence.status).toBe(401)
      })
    }
  }

  for (const closeTwice of values.closeTwice) {
    it(`answers a second close with ${closeTwice}`, async () => {
      const sim = await start({ closeTwice })
      const ada = visitor(sim, "ada")
      await ada.start()
      expect((await ada.close()).status).toBe(200)
      const again = await ada.close()
      expect(again.status).toBe(closeTwice === "success" ? 200 : 404)
      expect(await again.json()).toEqual(closeTwice === "success" ? { success: true } : { error: expect.any(String) })
    })
  }

  for (const chatClosed of values.chatClosed) {
    it(`writes chat_closed events ${chatClosed}`, async () => {
      const sim = await start({ chatClosed })
      const ada = visitor(sim, "ada")
      await ada.start()
      sim.hub.accept(ada.hubId(), { name: "Grace" })
      sim.hub.end(ada.hubId())
      const closed = (await ada.events()).at(-1) as Event
      expect(closed.type).toBe("chat_closed")
      const { message_id: _, timestamp: __, ...rest } = closed
      expect(rest).toEqual(
        chatClosed === "full"
          ? { type: "chat_closed", user_type: "agent", text: "Grace closed the chat." }
          : { type: "chat_closed" }
      )
    })
  }

  for (const agentDetails of values.agentDetails) {
    for (const transfer of values.transfer) {
      it(`shows agents ${agentDetails} and a transfer as ${transfer}`, async () => {
        const sim = await start({ agentDetails, transfer })
        const ada = visitor(sim, "ada")
        await ada.start()
        sim.hub.accept(ada.hubId(), { id: "grace", name: "Grace" })
        sim.hub.transfer(ada.hubId(), { id: "linus", name: "Linus" })
        sim.hub.say(ada.hubId(), "Linus here")
        const events = await ada.events()
        const agents = events.filter((event) => event.type === "agent_details").map((event) => event.agent)
        const grace =
          agentDetails === "full"
            ? { name: "Grace", job_title: "Support Agent", avatar: expect.stringMatching(/grace\.png$/) }
            : { name: "Grace" }
        expect(agents[0]).toEqual(grace)
        expect(agents.map((agent) => agent?.name)).toEqual(
          transfer === "agent-details" ? ["Grace", "Linus"] : ["Grace"]
        )
        // A hidden transfer still uses up an id: a gap in message_id.
        expect(events.map((event) => event.message_id)).toEqual(transfer === "agent-details" ? [1, 2, 3, 4] : [1, 2, 4])
      })
    }
  }

  for (const undocumentedEvents of values.undocumentedEvents) {
    it(`shows agent typing and a dropped agent as ${undocumentedEvents === "none" ? "gaps" : "undocumented events"}`, async () => {
      const sim = await start({ undocumentedEvents })
      const ada = visitor(sim, "ada")
      await ada.start()
      sim.hub.accept(ada.hubId(), { name: "Grace" })
      sim.hub.typing(ada.hubId(), true)
      sim.hub.say(ada.hubId(), "Hi")
      sim.hub.disconnect(ada.hubId())
      const events = await ada.events()
      expect(events.map((event) => event.message_id)).toEqual(
        undocumentedEvents === "none" ? [1, 2, 4] : [1, 2, 3, 4, 5]
      )
      expect(events.map((event) => event.type)).toEqual(
        undocumentedEvents === "none"
          ? ["message", "agent_details", "message"]
          : ["message", "agent_details", "agent_typing", "message", "agent_disconnected"]
      )
      if (undocumentedEvents === "emit") expect(events[2]).toMatchObject({ user_type: "agent", typing: true })
    })
  }
})
