/**
 * The LiveChat lifecycle once more, through Prism 5.14 in proxy mode: an independent check that every request and
 * response the simulator exchanges matches `specs/livechat/openapi.yaml`.
 */
import { specPath } from "@switchboard/specs"
import { describe, expect, it } from "vitest"
import { type ChatView, type RunningSimulator, startSimulator } from "../src/index.ts"
import { type PrismProxy, startPrismProxy } from "./support/prism.ts"

type Fields = Record<string, string | number>
interface Event {
  readonly message_id: number
  readonly type: string
  readonly user_type?: string
  readonly text?: string
  readonly agent?: { readonly name: string }
}

/** A visitor talking to the simulator through the proxy, inspecting every response. */
const visitor = (sim: RunningSimulator, prism: PrismProxy, id: string, encoding: "form" | "json") => {
  const licence_id = sim.settings.livechat.licenceId
  const url = (operation: string) => `${prism.url}/visitors/${encodeURIComponent(id)}/chat/${operation}`
  const seen = async (request: Promise<Response>) => {
    const response = await request
    prism.inspect(response)
    return response
  }
  const post = (operation: string, fields: Fields) =>
    seen(
      fetch(url(operation), {
        method: "POST",
        headers:
          encoding === "json"
            ? { "X-API-Version": "2", "content-type": "application/json" }
            : { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" },
        body:
          encoding === "json"
            ? JSON.stringify(fields)
            : new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString()
      })
    )
  let secret = ""
  return {
    start: async (fields: Fields = {}) => {
      const response = await post("start", { licence_id, welcome_message: "Hi, I need some help", ...fields })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { secured_session_id: string; banned: boolean }
      expect(body.banned).toBe(false)
      secret = body.secured_session_id
    },
    events: async (last?: number) => {
      const query = new URLSearchParams({ licence_id: String(licence_id), secured_session_id: secret })
      if (last !== undefined) query.set("last_message_id", String(last))
      const response = await seen(
        fetch(`${url("get_pending_messages")}?${query}`, { headers: { "X-API-Version": "2" } })
      )
      expect(response.status).toBe(200)
      return ((await response.json()) as { events: Array<Event> }).events
    },
    send: (message: string) => post("send_message", { licence_id, secured_session_id: secret, message }),
    close: () => post("close", { licence_id, secured_session_id: secret }),
    post
  }
}

const chatOf = (sim: RunningSimulator, visitorId: string): ChatView => {
  const chat = sim.hub.findByNativeId("livechat", visitorId)
  if (chat === undefined) throw new Error(`no hub chat for ${visitorId}`)
  return chat
}

const lines = (events: ReadonlyArray<Event>) =>
  events.map((event) =>
    event.type === "message"
      ? `${event.user_type}: ${event.text}`
      : event.type === "agent_details"
        ? `joined: ${event.agent?.name}`
        : event.type
  )

describe("LiveChat simulator through Prism", () => {
  it("runs a form-encoded chat from start to the agent's close without a violation", { timeout: 60_000 }, async () => {
    await using sim = await startSimulator({ validateResponses: true })
    await using prism = await startPrismProxy(specPath("livechat"), sim.urls.livechat)
    const ada = visitor(sim, prism, "visitor-ada", "form")
    await ada.start({ name: "Ada", email: "ada@example.com", group: 0 })
    expect(lines(await ada.events())).toEqual(["visitor: Hi, I need some help"])

    const chat = chatOf(sim, "visitor-ada")
    sim.hub.accept(chat.id, { name: "Grace" })
    sim.hub.typing(chat.id, true)
    sim.hub.say(chat.id, "Hello Ada!")
    expect(lines(await ada.events(1))).toEqual(["joined: Grace", "agent: Hello Ada!"])
    expect((await ada.send("Where is my parcel?")).status).toBe(200)
    sim.hub.transfer(chat.id, { name: "Linus" })
    sim.hub.say(chat.id, "Linus here.")
    sim.hub.end(chat.id)
    const rest = await ada.events(4)
    expect(lines(rest)).toEqual(["visitor: Where is my parcel?", "joined: Linus", "agent: Linus here.", "chat_closed"])
    expect(await ada.events(rest.at(-1)?.message_id)).toEqual([])

    // Documented refusals pass the proxy too.
    expect((await ada.send("anyone?")).status).toBe(404)
    expect((await ada.post("close", { licence_id: 1, secured_session_id: "CS1.00" })).status).toBe(401)
    expect((await ada.close()).status).toBe(200)

    expect(prism.violations).toEqual([])
    expect(sim.violations).toEqual([])
  })

  it("runs a JSON chat closed by the visitor without a violation", { timeout: 60_000 }, async () => {
    await using sim = await startSimulator({ validateResponses: true })
    await using prism = await startPrismProxy(specPath("livechat"), sim.urls.livechat)
    const bo = visitor(sim, prism, "visitor-bo", "json")
    await bo.start()
    await bo.start()
    const chat = chatOf(sim, "visitor-bo")
    sim.hub.accept(chat.id, { name: "Grace" })
    expect((await bo.send("Thanks, bye")).status).toBe(200)
    expect(lines(await bo.events())).toEqual(["visitor: Hi, I need some help", "joined: Grace", "visitor: Thanks, bye"])
    const closed = await bo.close()
    expect(await closed.json()).toEqual({ success: true })
    expect((await bo.close()).status).toBe(200)
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })

    expect(prism.violations).toEqual([])
    expect(sim.violations).toEqual([])
  })
})
