/**
 * The LiveChat visitor chat simulator over real loopback HTTP with plain `fetch`: the lifecycle, every error path of
 * providers.md §3, every fault kind, the agent side over the control API and programmatically, and the keep-alive
 * timer on a manual clock.
 */
import { describe, expect, it } from "vitest"
import {
  type ChatView,
  type ManualClock,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator
} from "../src/index.ts"

type Fields = Record<string, string | number>
type Encoding = "form" | "json"
interface Event {
  readonly message_id: number
  readonly timestamp: number
  readonly type: string
  readonly user_type?: string
  readonly text?: string
  readonly agent?: { readonly name: string; readonly job_title?: string; readonly avatar?: string }
}

const start = (options: SimulatorOptions = {}) => startSimulator({ validateResponses: true, ...options })

const encode = (encoding: Encoding, fields: Fields) =>
  encoding === "json"
    ? { type: "application/json", body: JSON.stringify(fields) }
    : {
        type: "application/x-www-form-urlencoded",
        body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString()
      }

/** A visitor speaking the LiveChat wire protocol with plain fetch. */
const visitor = (sim: RunningSimulator, id: string, encoding: Encoding = "form", base = sim.urls.livechat) => {
  const licence_id = sim.settings.livechat.licenceId
  const url = (operation: string) => `${base}/visitors/${encodeURIComponent(id)}/chat/${operation}`
  const post = (operation: string, fields: Fields, headers: Record<string, string> = {}) => {
    const { type, body } = encode(encoding, fields)
    return fetch(url(operation), {
      method: "POST",
      headers: { "X-API-Version": "2", "content-type": type, ...headers },
      body
    })
  }
  let secret = ""
  const self = {
    id,
    get secret() {
      return secret
    },
    url,
    post,
    /** `start`; remembers the secured session id. */
    start: async (fields: Fields = {}) => {
      const response = await post("start", { licence_id, welcome_message: "Hello, I need help", ...fields })
      const body = (await response.clone().json()) as { secured_session_id?: string; banned?: boolean }
      if (response.status === 200 && body.banned === false) secret = body.secured_session_id ?? ""
      return { response, body }
    },
    poll: (query: Record<string, string | number> = {}) =>
      fetch(
        `${url("get_pending_messages")}?${new URLSearchParams(
          Object.entries({ licence_id, secured_session_id: secret, ...query }).map(([k, v]) => [k, String(v)])
        )}`,
        { headers: { "X-API-Version": "2" } }
      ),
    /** Polls and returns the events (expects a 200). */
    events: async (last?: number): Promise<Array<Event>> => {
      const response = await self.poll(last === undefined ? {} : { last_message_id: last })
      expect(response.status).toBe(200)
      return ((await response.json()) as { events: Array<Event> }).events
    },
    send: (message: string) => post("send_message", { licence_id, secured_session_id: secret, message }),
    close: () => post("close", { licence_id, secured_session_id: secret })
  }
  return self
}

const chatOf = (sim: RunningSimulator, visitorId: string): ChatView => {
  const chat = sim.hub.findByNativeId("livechat", visitorId)
  if (chat === undefined) throw new Error(`no hub chat for ${visitorId}`)
  return chat
}

/** Calls the control API as the agent. */
const control = async (sim: RunningSimulator, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.urls.control}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> }
}

const lines = (events: ReadonlyArray<Event>) =>
  events.map((event) =>
    event.type === "message"
      ? `${event.user_type}: ${event.text}`
      : event.type === "agent_details"
        ? `joined: ${event.agent?.name}`
        : event.type
  )

const expectError = async (response: Response, status: number) => {
  expect(response.status).toBe(status)
  expect(response.headers.get("content-type")).toContain("application/json")
  const body = (await response.json()) as { error?: unknown }
  expect(typeof body.error).toBe("string")
  return body.error as string
}

describe("LiveChat simulator: lifecycle", () => {
  it("runs a chat from start through queue, accept, messages both ways, transfer to the agent's close", async () => {
    await using sim = await start()
    const ada = visitor(sim, "visitor-ada")
    const { response, body } = await ada.start({ name: "Ada", email: "ada@example.com" })
    expect(response.status).toBe(200)
    expect(body.banned).toBe(false)
    expect(body.secured_session_id).toMatch(/^CS\d+\.[0-9a-f]{32}$/)

    // Queued: no agent yet, the welcome message is the first line of the log.
    const chat = chatOf(sim, "visitor-ada")
    expect(chat).toMatchObject({ state: "queued", visitorName: "Ada", skill: "0", queuePosition: 1 })
    const queued = await ada.events()
    expect(queued).toEqual([
      {
        message_id: 1,
        timestamp: expect.any(Number),
        type: "message",
        user_type: "visitor",
        text: "Hello, I need help"
      }
    ])
    expect(await ada.events(1)).toEqual([])

    // Accepted: agent_details with name, job title and a scheme-less avatar.
    sim.hub.accept(chat.id, { id: "grace", name: "Grace" })
    const joined = await ada.events(1)
    expect(joined).toEqual([
      {
        message_id: 2,
        timestamp: expect.any(Number),
        type: "agent_details",
        user_type: "agent",
        agent: {
          name: "Grace",
          job_title: "Support Agent",
          avatar: "livechat.s3.amazonaws.com/default/avatars/grace.png"
        }
      }
    ])

    // Typing both ways: the agent's typing is invisible here (an id is used up, so a gap); the visitor has no
    // typing call at all on this API.
    sim.hub.typing(chat.id, true)
    sim.hub.say(chat.id, "Hi Ada, how can I help?")
    const typingGap = await ada.events(2)
    expect(typingGap.map((event) => [event.message_id, event.type])).toEqual([[4, "message"]])
    expect(sim.hub.get(chat.id).agentTyping).toBe(false)
    const noTyping = await fetch(ada.url("typing"), { method: "POST", headers: { "X-API-Version": "2" } })
    await expectError(noTyping, 404)

    // Visitor to agent: accepted, echoed back with user_type visitor, and in the hub transcript.
    const sent = await ada.send("My order has not arrived")
    expect(sent.status).toBe(200)
    expect(await sent.json()).toEqual({ success: true })
    expect(lines(await ada.events(4))).toEqual(["visitor: My order has not arrived"])
    expect(
      sim.hub
        .get(chat.id)
        .transcript.filter((entry) => entry.kind === "message")
        .map((entry) => `${entry.from}: ${entry.text}`)
    ).toEqual(["visitor: Hello, I need help", "agent: Hi Ada, how can I help?", "visitor: My order has not arrived"])

    // Transfer: the new agent shows up as another agent_details.
    sim.hub.transfer(chat.id, { id: "linus", name: "Linus" })
    sim.hub.say(chat.id, "Linus here, I'll check.")
    expect(lines(await ada.events(5))).toEqual(["joined: Linus", "agent: Linus here, I'll check."])

    // Ended by the agent: chat_closed; the log stays readable, sending is refused, close still succeeds.
    sim.hub.end(chat.id, "resolved")
    const closing = await ada.events(7)
    expect(closing).toEqual([
      {
        message_id: 8,
        timestamp: expect.any(Number),
        type: "chat_closed",
        user_type: "agent",
        text: "Linus closed the chat."
      }
    ])
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "agent", endReason: "resolved" })
    expect(await expectError(await ada.send("hello?"), 404)).toBe("Chat is closed")
    expect(await (await ada.close()).json()).toEqual({ success: true })

    // The whole chat, ids increasing with one gap, timestamps in Unix seconds.
    const all = await ada.events()
    expect(lines(all)).toEqual([
      "visitor: Hello, I need help",
      "joined: Grace",
      "agent: Hi Ada, how can I help?",
      "visitor: My order has not arrived",
      "joined: Linus",
      "agent: Linus here, I'll check.",
      "chat_closed"
    ])
    expect(all.map((event) => event.message_id)).toEqual([1, 2, 4, 5, 6, 7, 8])
    for (const event of all) expect(Math.abs(event.timestamp - Date.now() / 1000)).toBeLessThan(60)
    expect(sim.hub.nativeLog(chat.id)).toEqual(all)
    expect(sim.violations).toEqual([])
  })

  it("lets the visitor close the chat with JSON bodies, and close again", async () => {
    await using sim = await start()
    const bo = visitor(sim, "visitor-bo", "json")
    expect((await bo.start({ group: 0 })).response.status).toBe(200)
    const chat = chatOf(sim, "visitor-bo")
    sim.hub.accept(chat.id, { name: "Grace" })
    expect((await bo.send("thanks, bye")).status).toBe(200)

    const closed = await bo.close()
    expect(closed.status).toBe(200)
    expect(await closed.json()).toEqual({ success: true })
    expect(sim.hub.get(chat.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    // No chat_closed is added for the visitor's own close; the log stays readable.
    expect(lines(await bo.events())).toEqual(["visitor: Hello, I need help", "joined: Grace", "visitor: thanks, bye"])

    // Closing twice is safe; sending is refused; the agent cannot act on the ended chat.
    expect(await (await bo.close()).json()).toEqual({ success: true })
    await expectError(await bo.send("still there?"), 404)
    expect(() => sim.hub.say(chat.id, "hello?")).toThrow(/ended/)
    expect(sim.hub.get(chat.id).transcript.filter((entry) => entry.kind === "ended")).toHaveLength(1)
    expect(sim.violations).toEqual([])
  })

  it("returns the open chat again on a second start, and opens a new one after it ended", async () => {
    await using sim = await start()
    const cy = visitor(sim, "visitor-cy")
    const first = await cy.start()
    const again = await cy.start({ welcome_message: "Anyone there?" })
    expect(again.body.secured_session_id).toBe(first.body.secured_session_id)
    expect(sim.hub.list({ provider: "livechat" })).toHaveLength(1)
    expect(lines(await cy.events())).toEqual(["visitor: Hello, I need help"])

    await cy.close()
    const third = await cy.start({ welcome_message: "Me again" })
    expect(third.body.secured_session_id).not.toBe(first.body.secured_session_id)
    expect(sim.hub.list({ provider: "livechat" }).map((chat) => chat.state)).toEqual(["ended", "queued"])
    expect(lines(await cy.events())).toEqual(["visitor: Me again"])
    expect(sim.violations).toEqual([])
  })

  it("serves the log after last_message_id, exclusive, and the whole chat without it", async () => {
    await using sim = await start()
    const di = visitor(sim, "visitor-di")
    await di.start()
    const chat = chatOf(sim, "visitor-di")
    sim.hub.accept(chat.id, { name: "Grace" })
    sim.hub.say(chat.id, "one")
    sim.hub.say(chat.id, "two")
    expect((await di.events()).map((event) => event.message_id)).toEqual([1, 2, 3, 4])
    expect((await di.events(2)).map((event) => event.message_id)).toEqual([3, 4])
    expect((await di.events(4)).map((event) => event.message_id)).toEqual([])
    expect((await di.events(-5)).map((event) => event.message_id)).toEqual([1, 2, 3, 4])
    expect((await di.events(1000)).map((event) => event.message_id)).toEqual([])
    expect(sim.violations).toEqual([])
  })

  it("routes by group, names the visitor Client by default, and answers banned visitors with banned: true", async () => {
    await using sim = await start({
      livechat: {
        licenceId: 777,
        groups: [
          { id: 0, name: "General" },
          { id: 3, name: "Billing" }
        ],
        bannedVisitors: ["troll"]
      }
    })
    expect(sim.settings.livechat).toEqual({
      licenceId: 777,
      groups: [
        { id: 0, name: "General" },
        { id: 3, name: "Billing" }
      ]
    })
    const ed = visitor(sim, "visitor-ed")
    expect((await ed.start({ group: 3 })).response.status).toBe(200)
    expect(chatOf(sim, "visitor-ed")).toMatchObject({ skill: "3", visitorName: "Client" })
    const fay = visitor(sim, "visitor-fay", "json")
    expect(await expectError((await fay.start({ group: 9 })).response, 400)).toBe("group 9 does not exist")

    const troll = visitor(sim, "troll")
    const refused = await troll.start()
    expect(refused.response.status).toBe(200)
    expect(refused.body).toEqual({ secured_session_id: expect.any(String), banned: true })
    expect(sim.hub.findByNativeId("livechat", "troll")).toBeUndefined()
    // The session id handed to a banned visitor opens nothing.
    const poll = await fetch(
      `${troll.url("get_pending_messages")}?licence_id=777&secured_session_id=${refused.body.secured_session_id}`,
      { headers: { "X-API-Version": "2" } }
    )
    await expectError(poll, 404)
    expect(sim.violations).toEqual([])
  })

  it("starts chats while no agent is available: they wait queued, with no agent_details", async () => {
    await using sim = await start({ livechat: { keepClosed: 1 } })
    sim.hub.setAvailability(false)
    const uma = visitor(sim, "visitor-uma")
    expect((await uma.start()).response.status).toBe(200)
    expect(chatOf(sim, "visitor-uma").state).toBe("queued")
    expect(lines(await uma.events())).toEqual(["visitor: Hello, I need help"])

    // keepClosed: only the most recent ended chat stays readable by its secret.
    const vera = visitor(sim, "visitor-vera")
    await vera.start()
    await uma.close()
    await vera.close()
    await expectError(await uma.poll(), 404)
    expect((await vera.poll()).status).toBe(200)
    expect(sim.violations).toEqual([])
  })
})

describe("LiveChat simulator: errors", () => {
  it("refuses malformed requests with 400 in the {error} shape", async () => {
    await using sim = await start()
    const gus = visitor(sim, "visitor-gus")
    await gus.start()
    const licence_id = sim.settings.livechat.licenceId
    const secured_session_id = gus.secret
    const base = { licence_id, secured_session_id }
    const form = (fields: Fields) => encode("form", fields).body

    // Version header: missing or not 2 (the vendor's spelling works too: header names are case-insensitive).
    await expectError(
      await fetch(gus.url("send_message"), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form({ ...base, message: "x" })
      }),
      400
    )
    await expectError(await gus.post("send_message", { ...base, message: "x" }, { "X-API-Version": "3" }), 400)
    const vendorSpelling = await fetch(gus.url("send_message"), {
      method: "POST",
      headers: { "X-API-VERSION": "2", "content-type": "application/x-www-form-urlencoded" },
      body: form({ ...base, message: "ok" })
    })
    expect(vendorSpelling.status).toBe(200)

    // Missing parameters, each operation.
    await expectError(await gus.post("start", { welcome_message: "hi" }), 400)
    await expectError(await gus.post("start", { licence_id }), 400)
    await expectError(await gus.post("send_message", { licence_id, secured_session_id }), 400)
    await expectError(await gus.post("send_message", { licence_id, message: "x" }), 400)
    await expectError(await gus.post("close", { licence_id }), 400)
    await expectError(await gus.post("close", { secured_session_id }), 400)
    await expectError(
      await fetch(`${gus.url("get_pending_messages")}?licence_id=${licence_id}`, {
        headers: { "X-API-Version": "2" }
      }),
      400
    )
    await expectError(await gus.poll({ last_message_id: "abc" }), 400)
    await expectError(await gus.poll({ last_message_id: "1e999" }), 400)
    await expectError(await gus.poll({ licence_id: "1.5e999" }), 400)
    await expectError(await gus.post("send_message", { licence_id: "1.5e999", secured_session_id, message: "x" }), 400)
    await expectError(await gus.post("start", { licence_id: "1.5e999", welcome_message: "hi" }), 400)
    await expectError(await gus.post("start", { licence_id, welcome_message: "hi", group: "1e999" }), 400)

    // Wrong types, limits, unknown fields, empty lines.
    await expectError(await gus.post("start", { licence_id: "12ab", welcome_message: "hi" }), 400)
    await expectError(await gus.post("start", { licence_id, welcome_message: "x".repeat(1025) }), 400)
    await expectError(await gus.post("start", { licence_id, welcome_message: "hi", email: "not-an-email" }), 400)
    await expectError(await gus.post("start", { licence_id, welcome_message: "hi", licenceId: 1 }), 400)
    await expectError(await gus.post("start", { licence_id, welcome_message: "" }), 400)
    await expectError(await gus.send(""), 400)
    const long = visitor(sim, "v".repeat(1025))
    await expectError((await long.start()).response, 400)
    const json = visitor(sim, "visitor-gus", "json")
    await expectError(
      await json.post("send_message", { licence_id: String(licence_id), secured_session_id, message: "x" }),
      400
    )

    // Bodies: unsupported media type, broken JSON, a JSON array, no body.
    const raw = (type: string, body: string) =>
      fetch(gus.url("send_message"), { method: "POST", headers: { "X-API-Version": "2", "content-type": type }, body })
    await expectError(await raw("text/plain", "hello"), 400)
    await expectError(await raw("application/json", '{"licence_id":'), 400)
    await expectError(await raw("application/json", "[1,2]"), 400)
    await expectError(await fetch(gus.url("close"), { method: "POST", headers: { "X-API-Version": "2" } }), 400)
    await expectError(await raw("application/json", JSON.stringify({ ...base, message: "x".repeat(1_100_000) })), 413)

    // Unknown resources and methods.
    await expectError(
      await fetch(`${sim.urls.livechat}/visitors/gus/chat/nope`, { headers: { "X-API-Version": "2" } }),
      404
    )
    await expectError(
      await fetch(gus.url("get_pending_messages"), { method: "POST", headers: { "X-API-Version": "2" } }),
      405
    )
    await expectError(await fetch(gus.url("start"), { method: "GET", headers: { "X-API-Version": "2" } }), 405)

    // None of this touched the chat.
    expect(lines(await gus.events())).toEqual(["visitor: Hello, I need help", "visitor: ok"])
    expect(sim.violations).toEqual([])
  })

  it("answers 401 for a wrong licence and 404 for an unknown session, another visitor's session or a closed chat", async () => {
    await using sim = await start()
    const hal = visitor(sim, "visitor-hal")
    const ivy = visitor(sim, "visitor-ivy", "json")
    await hal.start()
    await ivy.start()
    const licence_id = sim.settings.livechat.licenceId
    const wrong = licence_id + 1

    // Wrong licence_id: 401 on every operation, even with a valid session.
    expect(await expectError(await hal.post("start", { licence_id: wrong, welcome_message: "hi" }), 401)).toBe(
      "Invalid licence_id"
    )
    await expectError(await hal.poll({ licence_id: wrong }), 401)
    await expectError(
      await hal.post("send_message", { licence_id: wrong, secured_session_id: hal.secret, message: "x" }),
      401
    )
    await expectError(await hal.post("close", { licence_id: wrong, secured_session_id: hal.secret }), 401)

    // Unknown secured_session_id: 404.
    const unknown = "CS1432649054.444adb0d90"
    await expectError(await hal.poll({ secured_session_id: unknown }), 404)
    await expectError(await hal.post("send_message", { licence_id, secured_session_id: unknown, message: "x" }), 404)
    await expectError(await hal.post("close", { licence_id, secured_session_id: unknown }), 404)

    // A session is bound to its visitor: Ivy's secret under Hal's visitor id opens nothing.
    await expectError(await hal.poll({ secured_session_id: ivy.secret }), 404)
    await expectError(await hal.post("send_message", { licence_id, secured_session_id: ivy.secret, message: "x" }), 404)
    await expectError(await hal.post("close", { licence_id, secured_session_id: ivy.secret }), 404)
    expect(chatOf(sim, "visitor-ivy").state).toBe("queued")

    // Error bodies and the control API never show a secured session id.
    const bodies = await Promise.all([
      hal.poll({ secured_session_id: ivy.secret }).then((r) => r.text()),
      hal.post("send_message", { licence_id, secured_session_id: hal.secret, message: "" }).then((r) => r.text()),
      control(sim, "GET", `/chats/${chatOf(sim, "visitor-hal").id}`).then((r) => JSON.stringify(r.body)),
      control(sim, "GET", "/chats?provider=livechat").then((r) => JSON.stringify(r.body))
    ])
    for (const text of bodies) {
      expect(text).not.toContain(hal.secret)
      expect(text).not.toContain(ivy.secret)
    }
    expect(sim.violations).toEqual([])
  })
})

describe("LiveChat simulator: faults", () => {
  it("answers injected error statuses in the {error} shape, 429 and 503 with Retry-After, and changes nothing", async () => {
    await using sim = await start()
    const jo = visitor(sim, "visitor-jo")
    await jo.start()
    const chat = chatOf(sim, "visitor-jo")

    sim.faults.add({
      provider: "livechat",
      operation: "sendMessage",
      errorRate: 1,
      statuses: [429],
      retryAfterSeconds: 7,
      times: 1
    })
    const limited = await jo.send("first try")
    expect(await expectError(limited, 429)).toBe("injected fault: 429")
    expect(limited.headers.get("retry-after")).toBe("7")

    sim.faults.add({ provider: "livechat", operation: "sendMessage", errorRate: 1, statuses: [503], times: 1 })
    const unavailable = await jo.send("second try")
    await expectError(unavailable, 503)
    expect(unavailable.headers.get("retry-after")).toBe("1")

    sim.faults.add({ provider: "livechat", errorRate: 1, statuses: [500], times: 2 })
    await expectError(await jo.poll(), 500)
    await expectError(await jo.close(), 500)
    expect(sim.faults.list()).toEqual([])

    // Nothing of the refused calls was applied.
    expect(lines(await jo.events())).toEqual(["visitor: Hello, I need help"])
    expect(sim.hub.get(chat.id).state).toBe("queued")
    expect((await jo.send("third try")).status).toBe(200)
    expect(lines(await jo.events(1))).toEqual(["visitor: third try"])
    expect(sim.violations).toEqual([])
  })

  it("resets the connection before applying: the request left no trace", async () => {
    await using sim = await start()
    const kim = visitor(sim, "visitor-kim")
    sim.faults.add({ provider: "livechat", operation: "startChat", resetRate: 1, times: 1 })
    await expect(kim.start()).rejects.toThrow()
    expect(sim.hub.list({ provider: "livechat" })).toEqual([])

    await kim.start()
    sim.faults.add({ provider: "livechat", operation: "sendMessage", resetRate: 1, times: 1 })
    await expect(kim.send("lost line")).rejects.toThrow()
    sim.faults.add({ provider: "livechat", operation: "closeChat", resetRate: 1, times: 1 })
    await expect(kim.close()).rejects.toThrow()
    expect(lines(await kim.events())).toEqual(["visitor: Hello, I need help"])
    expect(chatOf(sim, "visitor-kim").state).toBe("queued")
    expect(sim.violations).toEqual([])
  })

  it("drops the response after applying: the state changed and a careful client can tell", async () => {
    await using sim = await start()
    const lu = visitor(sim, "visitor-lu")

    // A start whose answer is lost: the chat exists; asking again returns the same session, not a second chat.
    sim.faults.add({ provider: "livechat", operation: "startChat", dropRate: 1, times: 1 })
    await expect(lu.start()).rejects.toThrow()
    expect(sim.hub.list({ provider: "livechat" })).toHaveLength(1)
    await lu.start()
    expect(sim.hub.list({ provider: "livechat" })).toHaveLength(1)
    expect(lines(await lu.events())).toEqual(["visitor: Hello, I need help"])

    // A send whose answer is lost: the line is in the log; the client finds its echo instead of sending twice.
    sim.faults.add({ provider: "livechat", operation: "sendMessage", dropRate: 1, times: 1 })
    await expect(lu.send("did this arrive?")).rejects.toThrow()
    const echo = await lu.events(1)
    expect(echo).toEqual([expect.objectContaining({ type: "message", user_type: "visitor", text: "did this arrive?" })])
    expect(sim.hub.get(chatOf(sim, "visitor-lu").id).transcript.at(-1)).toMatchObject({
      kind: "message",
      from: "visitor",
      text: "did this arrive?"
    })

    // A close whose answer is lost: the chat is closed; retrying close is safe.
    sim.faults.add({ provider: "livechat", operation: "closeChat", dropRate: 1, times: 1 })
    await expect(lu.close()).rejects.toThrow()
    expect(chatOf(sim, "visitor-lu")).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect(await (await lu.close()).json()).toEqual({ success: true })
    expect(sim.violations).toEqual([])
  })

  it("adds latency before answering", async () => {
    await using sim = await start()
    const mo = visitor(sim, "visitor-mo")
    await mo.start()
    sim.faults.add({ provider: "livechat", operation: "getPendingMessages", latencyMs: 250 })
    const began = performance.now()
    expect((await mo.poll()).status).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(240)
    expect(sim.violations).toEqual([])
  })

  it("repeats already delivered events (duplicateRate); a client deduping by message_id sees each once", async () => {
    await using sim = await start()
    const nia = visitor(sim, "visitor-nia")
    await nia.start()
    const chat = chatOf(sim, "visitor-nia")
    sim.hub.accept(chat.id, { name: "Grace" })
    expect((await nia.events()).map((event) => event.message_id)).toEqual([1, 2])

    sim.faults.add({ provider: "livechat", operation: "getPendingMessages", duplicateRate: 1, times: 1 })
    sim.hub.say(chat.id, "new line")
    const page = await nia.events(2)
    expect(page.map((event) => event.message_id)).toEqual([1, 2, 3])
    expect(page.filter((event) => event.message_id <= 2)).toHaveLength(2)
    expect(sim.faults.list()).toEqual([])

    // A deduping client: the transcript is exactly right.
    const seen = new Map<number, Event>()
    for (const event of [...(await nia.events()), ...page]) seen.set(event.message_id, event)
    expect(lines([...seen.values()].sort((a, b) => a.message_id - b.message_id))).toEqual([
      "visitor: Hello, I need help",
      "joined: Grace",
      "agent: new line"
    ])
    expect(sim.violations).toEqual([])
  })

  it("shuffles a page (reorderRate); a client ordering by message_id restores it", async () => {
    await using sim = await start({ seed: 7 })
    const ola = visitor(sim, "visitor-ola", "json")
    await ola.start()
    const chat = chatOf(sim, "visitor-ola")
    sim.hub.accept(chat.id, { name: "Grace" })
    for (const text of ["a", "b", "c", "d"]) sim.hub.say(chat.id, text)
    sim.faults.add({ provider: "livechat", operation: "getPendingMessages", reorderRate: 1, times: 1 })
    const page = await ola.events()
    const ids = page.map((event) => event.message_id)
    expect(ids).not.toEqual([1, 2, 3, 4, 5, 6])
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6])
    expect(lines([...page].sort((a, b) => a.message_id - b.message_id))).toEqual([
      "visitor: Hello, I need help",
      "joined: Grace",
      "agent: a",
      "agent: b",
      "agent: c",
      "agent: d"
    ])
    expect((await ola.events()).map((event) => event.message_id)).toEqual([1, 2, 3, 4, 5, 6])
    expect(sim.violations).toEqual([])
  })

  it("expires the session on demand (control API and hub): chat_closed in the log, later calls 404, close still ok", async () => {
    await using sim = await start()
    const pam = visitor(sim, "visitor-pam")
    await pam.start()
    const chat = chatOf(sim, "visitor-pam")
    const expired = await control(sim, "POST", `/chats/${chat.id}/expire`)
    expect(expired.status).toBe(200)
    expect(expired.body).toMatchObject({ state: "ended", endedBy: "timeout" })
    await expectError(await pam.poll(), 404)
    await expectError(await pam.send("hello?"), 404)
    expect(await (await pam.close()).json()).toEqual({ success: true })
    expect(lines(sim.hub.nativeLog(chat.id) as Array<Event>)).toEqual(["visitor: Hello, I need help", "chat_closed"])

    const quinn = visitor(sim, "visitor-quinn")
    await quinn.start()
    sim.hub.accept(chatOf(sim, "visitor-quinn").id)
    sim.hub.expire(chatOf(sim, "visitor-quinn").id)
    await expectError(await quinn.poll(), 404)
    // The visitor can start over: a new chat, a new session.
    const before = quinn.secret
    await quinn.start()
    expect(quinn.secret).not.toBe(before)
    expect(chatOf(sim, "visitor-quinn").state).toBe("queued")
    expect(sim.violations).toEqual([])
  })

  it("keeps the chat when the agent's connection drops: nothing shows, a transfer brings the next agent", async () => {
    await using sim = await start()
    const rex = visitor(sim, "visitor-rex")
    await rex.start()
    const chat = chatOf(sim, "visitor-rex")
    sim.hub.accept(chat.id, { name: "Grace" })
    expect((await rex.events()).map((event) => event.message_id)).toEqual([1, 2])

    const dropped = await control(sim, "POST", `/chats/${chat.id}/disconnect`)
    expect(dropped.status).toBe(200)
    expect(await rex.events(2)).toEqual([])
    expect((await rex.send("hello?")).status).toBe(200)
    sim.hub.transfer(chat.id, { name: "Linus" })
    const after = await rex.events(2)
    expect(after.map((event) => event.message_id)).toEqual([4, 5])
    expect(lines(after)).toEqual(["visitor: hello?", "joined: Linus"])
    expect(sim.hub.get(chat.id).transcript.map((entry) => entry.kind)).toContain("agent-disconnected")
    expect(sim.violations).toEqual([])
  })
})

describe("LiveChat simulator: the agent over the control API", () => {
  it("accepts, types, writes, transfers and ends over HTTP; the visitor sees what LiveChat shows", async () => {
    await using sim = await start()
    const sal = visitor(sim, "visitor-sal")
    await sal.start({ name: "Sal" })
    const listed = await control(sim, "GET", "/chats?provider=livechat&state=queued")
    const chats = listed.body.chats as Array<ChatView>
    expect(chats.map((chat) => [chat.nativeId, chat.visitorName])).toEqual([["visitor-sal", "Sal"]])
    const id = (chats[0] as ChatView).id

    expect((await control(sim, "POST", `/chats/${id}/accept`, { agent: { name: "Grace" } })).status).toBe(200)
    expect((await control(sim, "POST", `/chats/${id}/typing`, { on: true })).body).toMatchObject({ agentTyping: true })
    expect((await control(sim, "POST", `/chats/${id}/messages`, { text: "Hello Sal" })).status).toBe(200)
    await sal.send("Hi Grace")
    expect((await control(sim, "POST", `/chats/${id}/transfer`, { agent: { name: "Linus" } })).status).toBe(200)
    expect((await control(sim, "POST", `/chats/${id}/end`, { reason: "done" })).body).toMatchObject({
      state: "ended",
      endedBy: "agent"
    })
    expect((await control(sim, "POST", `/chats/${id}/messages`, { text: "late" })).status).toBe(409)

    const events = await sal.events()
    expect(lines(events)).toEqual([
      "visitor: Hello, I need help",
      "joined: Grace",
      "agent: Hello Sal",
      "visitor: Hi Grace",
      "joined: Linus",
      "chat_closed"
    ])
    const view = await control(sim, "GET", `/chats/${id}`)
    expect(view.body.nativeLog).toEqual(events)
    expect(JSON.stringify(view.body)).not.toContain(sal.secret)
    expect(sim.violations).toEqual([])
  })

  it("works with the scripted agent, even when the visitor writes before anyone accepted", async () => {
    await using sim = await start({ clock: "manual", agent: { acceptAfterMs: 1000, typingMs: 500 } })
    const clock = sim.clock as ManualClock
    const tom = visitor(sim, "visitor-tom")
    await tom.start()
    // The scripted agent reacts to the welcome message and this line while the chat is still queued.
    expect((await tom.send("is anybody there?")).status).toBe(200)
    await clock.advance(1000)
    await tom.events()
    await clock.advance(500)
    expect(lines(await tom.events())).toEqual([
      "visitor: Hello, I need help",
      "visitor: is anybody there?",
      "joined: Grace",
      "agent: Hi, I'm Grace. How can I help?"
    ])
    expect(sim.violations).toEqual([])
  })
})

describe("LiveChat simulator: keep-alive on a manual clock", () => {
  it("keeps a chat polled every 25 s for 30 minutes, and closes one that stops polling at 30 s", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const una = visitor(sim, "visitor-una")
    const vic = visitor(sim, "visitor-vic")
    await una.start()
    await vic.start()
    const unaChat = chatOf(sim, "visitor-una")
    const vicChat = chatOf(sim, "visitor-vic")
    sim.hub.accept(unaChat.id, { name: "Grace" })
    await una.events()
    await vic.events()
    const began = clock.now()

    let last = 2
    for (let elapsed = 25_000; elapsed <= 30 * 60_000; elapsed += 25_000) {
      await clock.advance(25_000)
      if (elapsed % 300_000 === 0) sim.hub.say(unaChat.id, `minute ${elapsed / 60_000}`)
      const events = await una.events(last)
      last = events.at(-1)?.message_id ?? last
      // Vic stopped polling at the start: still there after 25 s, closed at exactly 30 s after his last poll.
      if (elapsed === 25_000) expect(sim.hub.get(vicChat.id).state).toBe("queued")
      if (elapsed === 50_000) {
        expect(sim.hub.get(vicChat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
        expect(sim.hub.get(vicChat.id).endedAt).toBe(new Date(began + 30_000).toISOString())
      }
    }
    expect(sim.hub.get(unaChat.id).state).toBe("chatting")
    expect(clock.now() - began).toBeGreaterThanOrEqual(30 * 60_000)
    const transcript = lines(await una.events())
    expect(transcript.filter((line) => line.startsWith("agent: minute"))).toHaveLength(6)
    expect(transcript).not.toContain("chat_closed")

    // Vic's chat: closed by timeout, chat_closed in the log, later calls refused, close still fine.
    expect(lines(sim.hub.nativeLog(vicChat.id) as Array<Event>)).toEqual(["visitor: Hello, I need help", "chat_closed"])
    await expectError(await vic.poll(), 404)
    await expectError(await vic.send("hello?"), 404)
    expect((await vic.close()).status).toBe(200)

    // Una stops polling now: 30 s later her chat is closed too.
    await clock.advance(29_999)
    expect(sim.hub.get(unaChat.id).state).toBe("chatting")
    await clock.advance(1)
    expect(sim.hub.get(unaChat.id)).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect(sim.violations).toEqual([])
  })

  it("closes a chat that is never polled 30 s after start; only polling counts as keep-alive", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const wes = visitor(sim, "visitor-wes")
    await wes.start()
    await clock.advance(20_000)
    // Sending a line and starting again do not keep the chat alive.
    expect((await wes.send("hello")).status).toBe(200)
    await wes.start()
    await clock.advance(10_000)
    expect(chatOf(sim, "visitor-wes")).toMatchObject({ state: "ended", endedBy: "timeout" })
    await expectError(await wes.poll(), 404)
    expect(sim.violations).toEqual([])
  })

  it("honours inactivityTimeoutMs, moves the clock over the control API and cancels every timer on dispose", async () => {
    await using sim = await start({ clock: "manual", livechat: { inactivityTimeoutMs: 120_000 } })
    const clock = sim.clock as ManualClock
    const xan = visitor(sim, "visitor-xan")
    const yul = visitor(sim, "visitor-yul")
    await xan.start()
    await yul.start()
    expect((await control(sim, "POST", "/clock/advance", { ms: 119_000 })).status).toBe(200)
    await xan.events()
    await control(sim, "POST", "/clock/advance", { ms: 1_000 })
    expect(chatOf(sim, "visitor-xan").state).toBe("queued")
    expect(chatOf(sim, "visitor-yul")).toMatchObject({ state: "ended", endedBy: "timeout" })
    expect(clock.pending).toBe(1)
    sim.dispose()
    expect(clock.pending).toBe(0)
    await clock.advance(600_000)
    expect(chatOf(sim, "visitor-xan").state).toBe("queued")
    expect(sim.violations).toEqual([])
  })
})
