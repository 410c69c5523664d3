/**
 * The LivePerson simulator over real loopback HTTP with plain `fetch`: the whole lifecycle, every error path of the
 * reference, each fault kind, agent actions through the control API and the hub, and the provider's timers on a
 * manual clock. Every response is checked against the spec (`validateResponses`).
 */
import { request as httpRequest } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import {
  type ChatView,
  type ManualClock,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator
} from "../src/index.ts"

type Json = Record<string, unknown>
type Event = {
  readonly "@id": string
  readonly "@type": string
  readonly state?: string
  readonly text?: string
  readonly source?: string
  readonly by?: string
  readonly systemMessageId?: string
}
type Link = { readonly "@href"?: string; readonly "@rel"?: string; readonly href?: string; readonly rel?: string }
type Page = { readonly link: ReadonlyArray<Link>; readonly event?: Event | ReadonlyArray<Event> }

const started: Array<RunningSimulator> = []

const start = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const sim = await startSimulator({ validateResponses: true, ...options })
  started.push(sim)
  return sim
}

afterEach(() => {
  for (const sim of started.splice(0)) expect(sim.violations).toEqual([])
})

/** A visitor-side client: plain fetch, the app key in the header (default) or the query, `v=1&NC=true` always. */
const visitor = (sim: RunningSimulator, auth: "header" | "query" | "none" = "header") => {
  const { accountId, appKey } = sim.settings.liveperson
  const base = `${sim.urls.liveperson}/api/account/${accountId}`
  const url = (path: string, query: Record<string, string> = {}) => {
    const target = new URL(path.startsWith("http") ? path : `${base}${path}`)
    target.searchParams.set("v", "1")
    target.searchParams.set("NC", "true")
    if (auth === "query") target.searchParams.set("appKey", appKey)
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value)
    return target.href
  }
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    accept: "application/json",
    ...(auth === "header" ? { authorization: `LivePerson appKey=${appKey}` } : {}),
    ...extra
  })
  return {
    base,
    url,
    get: (path: string, query: Record<string, string> = {}) => fetch(url(path, query), { headers: headers() }),
    post: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(url(path), {
        method: "POST",
        headers: headers({ "content-type": "application/json", ...extra }),
        body: JSON.stringify(body)
      }),
    put: (path: string, body: unknown) =>
      fetch(url(path), {
        method: "POST",
        headers: headers({ "content-type": "application/json", "x-http-method-override": "PUT" }),
        body: JSON.stringify(body)
      })
  }
}
type Visitor = ReturnType<typeof visitor>

const read = async <T = Json>(response: Response): Promise<T> => (await response.json()) as T

const eventsOf = (page: Page): ReadonlyArray<Event> =>
  page.event === undefined ? [] : Array.isArray(page.event) ? page.event : [page.event as Event]

const rel = (links: ReadonlyArray<Link>, name: string) =>
  links.find((link) => (link["@rel"] ?? link.rel) === name)?.["@href"] ?? links.find((link) => link.rel === name)?.href

const nextFrom = (page: Page): number => Number(new URL(rel(page.link, "next") as string).searchParams.get("from"))

/** Starts a chat and returns its URI, key and hub id. */
const startChat = async (sim: RunningSimulator, lp: Visitor, request: Json = { skill: "Sales" }) => {
  const response = await lp.post("/chat/request", { request })
  expect(response.status).toBe(201)
  expect(await response.text()).toBe("")
  const uri = response.headers.get("location") as string
  const chatId = uri.split("/").at(-1) as string
  const hubId = sim.hub.findByNativeId("liveperson", chatId)?.id as string
  return { uri, chatId, hubId }
}

const poll = async (lp: Visitor, uri: string, from?: number): Promise<Page> => {
  const response = await lp.get(`${uri}/events`, from === undefined ? {} : { from: String(from) })
  expect(response.status).toBe(200)
  return (await read<{ events: Page }>(response)).events
}

const allEvents = async (lp: Visitor, uri: string) => eventsOf(await poll(lp, uri))

const info = async (lp: Visitor, uri: string) => {
  const response = await lp.get(`${uri}/info`)
  expect(response.status).toBe(200)
  return (await read<{ info: Json }>(response)).info
}

/** An agent action through the control API over HTTP. */
const control = async (sim: RunningSimulator, path: string, body?: unknown, method = "POST") => {
  const response = await fetch(`${sim.urls.control}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  return { status: response.status, body: await read<Json>(response) }
}

const expectError = async (response: Response, status: number, internalCode: number, message?: RegExp) => {
  expect(response.status).toBe(status)
  const body = await read<{ error: { time: string; message: string; internalCode: number } }>(response)
  expect(Object.keys(body)).toEqual(["error"])
  expect(body.error.internalCode).toBe(internalCode)
  expect(body.error.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/)
  if (message !== undefined) expect(body.error.message).toMatch(message)
  return body.error
}

const system = (events: ReadonlyArray<Event>) =>
  events.filter((e) => e.source === "system").map((e) => e.systemMessageId)

describe("LivePerson lifecycle", () => {
  it("runs request, queue, accept, lines and typing both ways, transfer and the agent's end over the control API", async () => {
    await using sim = await start()
    const lp = visitor(sim)

    expect(await read(await lp.get("/chat/availability", { skill: "Sales" }))).toEqual({ availability: true })
    expect(await read(await lp.get("/chat/estimatedWaitTime", { skill: "Sales" }))).toEqual({ estimatedWaitTime: 0 })
    expect(await read(await lp.get("/chat/availableSlots", { skill: "Sales" }))).toEqual({ availableSlots: -1 })

    const { uri, chatId, hubId } = await startChat(sim, lp, {
      skill: "Sales",
      LETagVisitorId: "v-1",
      language: "en-US"
    })
    expect(uri).toBe(`${sim.urls.liveperson}/api/account/${sim.settings.liveperson.accountId}/chat/${chatId}`)
    expect(chatId).toMatch(/^H\d{19}-[0-9a-f]{32}K\d{7}$/)

    // Queued: event 0 waiting, event 1 the routing line (4); no agent fields; agent typing unknown.
    const first = (await read<{ chat: { link: Array<Link>; events: Page; info: Json } }>(await lp.get(uri))).chat
    expect(first.link.map((link) => link["@rel"])).toEqual([
      "self",
      "events",
      "info",
      "next",
      "transcript-request",
      "transcript-with-subject-request",
      "exit-survey",
      "custom-variables"
    ])
    expect(first.link[0]?.["@href"]).toBe(uri)
    expect(first.link[3]?.["@href"]).toBe(`${uri}?from=2`)
    expect(first.events.link.map((link) => link["@rel"])).toEqual(["self", "next"])
    expect(rel(first.events.link, "next")).toBe(`${uri}/events?from=2`)
    expect(eventsOf(first.events)).toMatchObject([
      { "@id": "0", "@type": "state", state: "waiting" },
      { "@id": "1", "@type": "line", source: "system", systemMessageId: "4", by: "info" }
    ])
    expect(first.info).toMatchObject({ state: "waiting", chatSessionKey: chatId, skillName: "Sales" })
    expect(first.info).toMatchObject({ agentTyping: "unknown", visitorName: "You", sharkVisitorId: "v-1" })
    expect(first.info).not.toHaveProperty("agentName")
    expect((first.info.link as Array<Link>).map((link) => link["@rel"])).toEqual([
      "self",
      "visitor-name",
      "visitor-typing",
      "agent-typing"
    ])

    const listed = await control(sim, "/chats?provider=liveperson&state=queued", undefined, "GET")
    expect((listed.body.chats as Array<ChatView>).map((chat) => chat.nativeId)).toEqual([chatId])

    expect((await control(sim, `/chats/${hubId}/accept`, { agent: { name: "Natalie" } })).status).toBe(200)
    let page = await poll(lp, uri, 2)
    expect(eventsOf(page)).toMatchObject([
      { "@id": "2", "@type": "state", state: "chatting" },
      { "@id": "3", source: "system", systemMessageId: "3", text: "You are now chatting with Natalie." }
    ])
    expect(await info(lp, uri)).toMatchObject({ state: "chatting", agentName: "Natalie", agentTyping: "not-typing" })

    // Agent typing shows in info/agentTyping only; then a line from the agent clears it.
    await control(sim, `/chats/${hubId}/typing`, { on: true })
    expect(await read(await lp.get(`${uri}/info/agentTyping`))).toEqual({ agentTyping: "typing" })
    await control(sim, `/chats/${hubId}/messages`, { text: "Hello! How can I help?" })
    expect(await read(await lp.get(`${uri}/info/agentTyping`))).toEqual({ agentTyping: "not-typing" })

    // Visitor typing and a visitor line (echoed with source visitor, 201 + Location of the event).
    expect((await lp.put(`${uri}/info/visitorTyping`, { visitorTyping: "typing" })).status).toBe(200)
    expect(sim.hub.get(hubId).visitorTyping).toBe(true)
    expect(await read(await lp.get(`${uri}/info/visitorTyping`))).toEqual({ visitorTyping: "typing" })
    const sent = await lp.post(`${uri}/events`, { event: { "@type": "line", text: "Where is my order?" } })
    expect(sent.status).toBe(201)
    expect(sent.headers.get("location")).toBe(`${uri}/events/5`)
    expect(sim.hub.get(hubId).visitorTyping).toBe(false)

    page = await poll(lp, uri, nextFrom(page))
    expect(eventsOf(page)).toMatchObject([
      { "@id": "4", source: "agent", by: "Natalie", text: "Hello! How can I help?" },
      { "@id": "5", source: "visitor", by: "You", text: "Where is my order?" }
    ])
    expect(nextFrom(page)).toBe(6)

    // Transfer: line 13, the agent's name changes.
    await control(sim, `/chats/${hubId}/transfer`, { agent: { name: "Linus" } })
    expect(await info(lp, uri)).toMatchObject({ state: "chatting", agentName: "Linus" })
    await control(sim, `/chats/${hubId}/messages`, { text: "Linus here." })

    // The agent ends: line 5, then state ended.
    await control(sim, `/chats/${hubId}/end`, { reason: "resolved" })
    page = await poll(lp, uri, nextFrom(page))
    expect(eventsOf(page)).toMatchObject([
      { "@id": "6", source: "system", systemMessageId: "13", text: "Your chat was transferred to Linus." },
      { "@id": "7", source: "agent", by: "Linus", text: "Linus here." },
      { "@id": "8", source: "system", systemMessageId: "5", text: "Linus has ended the chat." },
      { "@id": "9", "@type": "state", state: "ended" }
    ])
    expect(await info(lp, uri)).toMatchObject({ state: "ended", agentName: "Linus" })

    const view = await control(sim, `/chats/${hubId}`, undefined, "GET")
    expect(view.body).toMatchObject({ state: "ended", endedBy: "agent", endReason: "resolved", nativeId: chatId })
    const transcript = (view.body.transcript as Array<Json>).map((entry) => entry.kind)
    const kinds = ["queued", "accepted", "typing", "message", "typing", "message", "transferred", "message", "ended"]
    expect(transcript).toEqual(kinds)
    const nativeLog = view.body.nativeLog as { events: Array<Event> }
    expect(nativeLog.events).toHaveLength(10)
    expect(JSON.stringify(view.body)).not.toContain(sim.settings.liveperson.appKey)
    expect(sim.violations).toEqual([])
  })

  it("lets the visitor end the chat (hub actions programmatic); a second end is a no-op, a line after it a 400", async () => {
    await using sim = await start()
    const lp = visitor(sim, "query")
    const { uri, hubId } = await startChat(sim, lp)
    sim.hub.accept(hubId, { name: "Grace" })
    sim.hub.say(hubId, "Hi, I'm Grace.")
    expect((await lp.post(`${uri}/events`, { event: { "@type": "line", text: "Bye!" } })).status).toBe(201)

    const end = await lp.post(`${uri}/events`, { event: { "@type": "state", state: "ended" } })
    expect(end.status).toBe(201)
    expect(end.headers.get("location")).toBe(`${uri}/events/6`)
    expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "visitor" })

    const again = await lp.post(`${uri}/events`, { event: { "@type": "state", state: "ended" } })
    expect(again.status).toBe(201)
    expect(again.headers.get("location")).toBe(`${uri}/events/6`)
    await expectError(await lp.post(`${uri}/events`, { event: { "@type": "line", text: "Hello?" } }), 400, 1, /ended/)

    const events = await allEvents(lp, uri)
    expect(events.map((e) => [e["@type"], e.state ?? e.source])).toEqual([
      ["state", "waiting"],
      ["line", "system"],
      ["state", "chatting"],
      ["line", "system"],
      ["line", "agent"],
      ["line", "visitor"],
      ["state", "ended"]
    ])
    // The ended chat stays readable; setters after the end are harmless.
    expect((await lp.put(`${uri}/info/visitorTyping`, { visitorTyping: "typing" })).status).toBe(200)
    expect(await read(await lp.get(`${uri}/info/visitorTyping`))).toEqual({ visitorTyping: "not-typing" })
    expect(() => sim.hub.say(hubId, "still there?")).toThrow(/ended/)
    expect(sim.violations).toEqual([])
  })

  it("serves an append-only log: inclusive from, next = last id + 1, the same next on an empty page, one event as an object", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)

    const whole = await poll(lp, uri)
    expect(eventsOf(whole).map((e) => e["@id"])).toEqual(["0", "1"])
    expect(Array.isArray(whole.event)).toBe(true)

    const empty = await poll(lp, uri, 2)
    expect(empty.event).toBeUndefined()
    expect(rel(empty.link, "next")).toBe(`${uri}/events?from=2`)

    sim.hub.accept(hubId)
    sim.hub.say(hubId, "one")
    const tail = await poll(lp, uri, 4)
    expect(tail.event).toMatchObject({ "@id": "4", text: "one", by: "Agent" })
    expect(Array.isArray(tail.event)).toBe(false)
    expect(nextFrom(tail)).toBe(5)

    const inclusive = await poll(lp, uri, 1)
    expect(eventsOf(inclusive).map((e) => e["@id"])).toEqual(["1", "2", "3", "4"])

    // The chat resource's next link follows the same rule.
    const chat = (await read<{ chat: { link: Array<Link>; events: Page } }>(await lp.get(uri, { from: "3" }))).chat
    expect(chat.link[3]?.["@href"]).toBe(`${uri}?from=5`)
    expect(eventsOf(chat.events).map((e) => e["@id"])).toEqual(["3", "4"])
    expect(sim.violations).toEqual([])
  })

  it("keeps the visitor's name, typing, surveys and transcript requests", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const pre = await read<{ survey: Json }>(await lp.get("/chat/preSurvey", { skill: "Sales" }))
    expect(pre.survey.id).toBe("51200")
    const answers = {
      id: "51200",
      question: [
        { id: "51201", answer: "Ada" },
        { id: "51202", answer: "orders" }
      ]
    }
    const { uri, hubId } = await startChat(sim, lp, { skill: "Support", survey: answers })
    expect(await info(lp, uri)).toMatchObject({ skillName: "Support" })

    expect(await read(await lp.get(`${uri}/info/visitorName`))).toEqual({ visitorName: "You" })
    expect((await lp.put(`${uri}/info/visitorName`, { visitorName: "Ada" })).status).toBe(200)
    expect(await read(await lp.get(`${uri}/info/visitorName`))).toEqual({ visitorName: "Ada" })
    expect(sim.hub.get(hubId).visitorName).toBe("Ada")
    await lp.post(`${uri}/events`, { event: { "@type": "line", text: "hello" } })
    expect((await allEvents(lp, uri)).at(-1)).toMatchObject({ source: "visitor", by: "Ada", text: "hello" })

    expect((await lp.put(`${uri}/transcriptRequest`, { email: "ada@example.com" })).status).toBe(200)
    const exit = await read<{ survey: { id: number } }>(await lp.get(`${uri}/exitSurvey`))
    expect(exit.survey.id).toBe(53100)
    const submitted = {
      survey: {
        id: 53100,
        questions: {
          question: [
            { id: 53101, answer: "5" },
            { id: 53102, answer: "yes" },
            { id: 53103, answer: "ada@example.com" }
          ]
        }
      }
    }
    expect((await lp.put(`${uri}/exitSurvey`, submitted)).status).toBe(200)
    const withoutEmail = { survey: { id: 53100, questions: { question: [{ id: 53102, answer: "yes" }] } } }
    await expectError(await lp.put(`${uri}/exitSurvey`, withoutEmail), 400, 1, /53103/)
    const badChoice = { survey: { id: 53100, questions: { question: { id: 53101, answer: "11" } } } }
    await expectError(await lp.put(`${uri}/exitSurvey`, badChoice), 400, 1, /no choice/)

    const offline = await read<{ survey: Json }>(await lp.get("/chat/offlineSurvey"))
    expect(offline.survey.id).toBe(52100)
    const message = (email: string) => ({
      survey: {
        id: 52100,
        question: [
          { id: 52101, answer: "Ada" },
          { id: 52102, answer: email },
          { id: 52104, answer: "Call me back" }
        ],
        skill: "Sales"
      }
    })
    expect((await lp.put("/chat/offlineSurvey", message("ada@example.com"))).status).toBe(200)
    await expectError(await lp.put("/chat/offlineSurvey", message("not-an-email")), 400, 1, /email/)
    const missing = { survey: { id: 52100, question: { id: 52101, answer: "Ada" } } }
    await expectError(await lp.put("/chat/offlineSurvey", missing), 400, 1, /must be answered/)

    const log = sim.hub.nativeLog(hubId) as { transcriptRequests: Array<Json>; exitSurveys: Array<Json> }
    expect(log.transcriptRequests).toMatchObject([{ email: "ada@example.com" }])
    expect(log.exitSurveys).toHaveLength(1)
    expect(sim.violations).toEqual([])
  })

  it("transfers to another skill with system line 15 and links a returning visitor by visitorId", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)
    sim.hub.accept(hubId, { name: "Ann" })
    sim.hub.transfer(hubId, { id: "skill:Billing", name: "Bo" })
    const events = await allEvents(lp, uri)
    expect(events.at(-1)).toMatchObject({ systemMessageId: "15", source: "system" })
    const details = await info(lp, uri)
    expect(details).toMatchObject({ skillName: "Billing", agentName: "Bo" })

    const again = await startChat(sim, lp, { skill: "Sales", visitorId: details.visitorId })
    expect((await info(lp, again.uri)).visitorId).toBe(details.visitorId)
    expect(sim.violations).toEqual([])
  })

  it("runs the visitor-authentication flow (conversation.json) into an authenticated chat", async () => {
    await using sim = await start({ liveperson: { ssoKeys: ["good-code"] } })
    const lp = visitor(sim)
    const auth = {
      LETagSessionId: "s-1",
      LETagVisitorId: "v-1",
      LETagContextId: "2",
      authChatConnId: 568046210,
      engagementId: 567609310,
      ssoKey: "good-code"
    }
    const refused = await lp.post("/conversation.json", { ...auth, ssoKey: "bad-code" })
    await expectError(refused, 401, 10, /customer authentication/)
    const accepted = await lp.post("/conversation.json", auth)
    expect(accepted.status).toBe(201)
    const location = accepted.headers.get("location") as string
    const chatKey = location.split("/").at(-1) as string

    const unknown = await lp.post("/chat/request", { request: { participantId: "p-1", conversationId: "H1-nope" } })
    await expectError(unknown, 401, 10, /Invalid User/)
    const half = await lp.post("/chat/request", { request: { conversationId: chatKey } })
    await expectError(half, 400, 1, /together/)
    const chat = await lp.post("/chat/request", { request: { participantId: "p-1", conversationId: chatKey } })
    expect(chat.status).toBe(201)
    expect(chat.headers.get("location")).toBe(location)
    const reused = await lp.post("/chat/request", { request: { participantId: "p-1", conversationId: chatKey } })
    await expectError(reused, 401, 10)
    expect(sim.violations).toEqual([])
  })
})

describe("LivePerson errors", () => {
  it("refuses a missing or wrong app key and another account with 401 Invalid User, without echoing the key", async () => {
    await using sim = await start()
    const { appKey, accountId } = sim.settings.liveperson
    const lp = visitor(sim)
    const { uri } = await startChat(sim, lp)
    const none = visitor(sim, "none")
    const messages: Array<string> = []
    messages.push((await expectError(await none.get(uri), 401, 10, /Invalid User/)).message)
    messages.push((await expectError(await none.get(`${uri}/events`, { appKey: "0".repeat(32) }), 401, 10)).message)
    const wrongHeader = await fetch(lp.url(`${uri}/info`), { headers: { authorization: "LivePerson appKey=nope" } })
    messages.push((await expectError(wrongHeader, 401, 10)).message)
    const badScheme = await fetch(lp.url(`${uri}/info`), { headers: { authorization: `Bearer ${appKey}` } })
    messages.push((await expectError(badScheme, 401, 10)).message)
    // A right query key does not rescue a wrong header.
    const mixed = await fetch(`${lp.url(`${uri}/info`)}&appKey=${appKey}`, {
      headers: { authorization: "LivePerson appKey=x" }
    })
    messages.push((await expectError(mixed, 401, 10)).message)
    const otherAccount = await lp.get(`${sim.urls.liveperson}/api/account/1${accountId}/chat/availability`)
    messages.push((await expectError(otherAccount, 401, 10, /account/)).message)
    expect((await visitor(sim, "query").get(`${uri}/info`)).status).toBe(200)
    for (const message of messages) expect(message).not.toContain(appKey)
    expect(sim.violations).toEqual([])
  })

  it("answers 404 internalCode 12 for an unknown chat, and 400 for malformed requests", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri } = await startChat(sim, lp)
    await expectError(await lp.get(`${lp.base}/chat/H1-0K1`), 404, 12, /^Chat session not found$/)
    await expectError(
      await lp.post(`${lp.base}/chat/H1-0K1/events`, { event: { "@type": "line", text: "x" } }),
      404,
      12
    )

    const noVersion = await fetch(uri, {
      headers: { authorization: `LivePerson appKey=${sim.settings.liveperson.appKey}` }
    })
    await expectError(noVersion, 400, 1, /v/)
    await expectError(await lp.get(uri, { from: "-1" }), 400, 1)
    await expectError(await lp.get(uri, { from: "abc" }), 400, 1)
    await expectError(await lp.post(`${uri}/events`, { event: [{ "@type": "line", text: "a" }] }), 400, 1)
    await expectError(
      await lp.post(`${uri}/events`, {
        event: { "@type": "line", text: "a" },
        another: { "@type": "line", text: "b" }
      }),
      400,
      1
    )
    await expectError(await lp.post(`${uri}/events`, { event: { "@type": "line", text: "" } }), 400, 1)
    await expectError(await lp.post(`${uri}/events`, { event: { "@type": "state", state: "chatting" } }), 400, 1)
    await expectError(
      await lp.post(`${uri}/info/visitorName`, { visitorName: "Ada" }),
      400,
      1,
      /x-http-method-override/
    )
    await expectError(await lp.put(`${uri}/info/visitorTyping`, { visitorTyping: "maybe" }), 400, 1)
    await expectError(await lp.put(`${uri}/transcriptRequest`, { email: "nope" }), 400, 1)
    await expectError(await lp.post("/chat/request", { skill: "Sales" }), 400, 1)
    await expectError(await lp.post("/chat/request", { request: { skill: "Nope" } }), 400, 1, /skill/)
    await expectError(await lp.post("/chat/request", { request: { maxWaitTime: 86401 } }), 400, 1)
    const survey = { id: "51200", question: [{ id: "51201", answer: "Ada" }] }
    await expectError(await lp.post("/chat/request", { request: { survey } }), 400, 1, /51202/)
    await expectError(await lp.get("/chat/availability", { serviceQueue: "Premium" }), 400, 1, /maxWaitTime/)
    await expectError(await lp.get("/chat/availableSlots", { agent: "ann", skill: "Sales" }), 400, 1, /alone/)
    const notJson = await fetch(lp.url("/chat/request"), {
      method: "POST",
      headers: {
        authorization: `LivePerson appKey=${sim.settings.liveperson.appKey}`,
        "content-type": "application/json"
      },
      body: "{"
    })
    await expectError(notJson, 400, 1)
    await expectError(await lp.get(`${lp.base}/chat/nothing/here/at/all`), 404, 12)
    const wrongMethod = await fetch(lp.url(`${uri}/info`), { method: "DELETE" })
    await expectError(wrongMethod, 405, 405, /GET/)
    expect(sim.violations).toEqual([])
  })

  it("refuses chat requests the account rejects: captcha, missing monitoring ids, an unknown visitorId", async () => {
    await using captcha = await start({ liveperson: { captcha: true } })
    await expectError(await visitor(captcha).post("/chat/request", { request: {} }), 401, 10, /^Bad captcha$/)

    await using strict = await start({ liveperson: { requireMonitoringIds: true } })
    const lp = visitor(strict)
    await expectError(await lp.post("/chat/request", { request: { skill: "Sales" } }), 401, 10, /^Invalid User$/)
    const ids = { skill: "Sales", LETagVisitorId: "v", LETagSessionId: "s", LETagContextId: "1" }
    expect((await lp.post("/chat/request", { request: ids })).status).toBe(201)
    await expectError(await lp.post("/chat/request", { request: { ...ids, visitorId: 1 } }), 401, 10)
    expect(strict.hub.list({ provider: "liveperson" })).toHaveLength(1)
  })

  it("creates a chat nobody can take: busy line 2, ended at once for maxWaitTime 0", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    expect((await control(sim, "/availability", { available: false, skill: "Sales" }, "PUT")).status).toBe(200)
    expect(await read(await lp.get("/chat/availability", { skill: "Sales" }))).toEqual({ availability: false })
    expect(await read(await lp.get("/chat/availability", { skill: "Support" }))).toEqual({ availability: true })
    expect(await read(await lp.get("/chat/estimatedWaitTime", { skill: "Sales" }))).toEqual({ estimatedWaitTime: -1 })
    expect(await read(await lp.get("/chat/availableSlots", { skill: "Sales" }))).toEqual({ availableSlots: 0 })

    const { uri, hubId } = await startChat(sim, lp, { skill: "Sales", maxWaitTime: 0 })
    const events = await allEvents(lp, uri)
    expect(system(events)).toEqual(["4", "2"])
    expect(events.at(-1)).toMatchObject({ "@type": "state", state: "ended" })
    expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "system" })

    // Without maxWaitTime it waits (busy) until someone accepts.
    const waiting = await startChat(sim, lp, { skill: "Sales" })
    expect(system(await allEvents(lp, waiting.uri))).toEqual(["4", "2"])
    sim.hub.accept(waiting.hubId, { name: "Late" })
    expect((await info(lp, waiting.uri)).state).toBe("chatting")

    await control(sim, "/availability", { available: false }, "PUT")
    expect(await read(await lp.get("/chat/availability"))).toEqual({ availability: false })
    expect(await read(await lp.get("/chat/estimatedWaitTime"))).toEqual({ estimatedWaitTime: -1 })
    expect(sim.violations).toEqual([])
  })

  it("counts slots and estimates waits from the queue", async () => {
    await using sim = await start({ liveperson: { slotsPerSkill: 2 } })
    const lp = visitor(sim)
    expect(await read(await lp.get("/chat/availableSlots", { skill: "Sales" }))).toEqual({ availableSlots: 2 })
    await startChat(sim, lp)
    await startChat(sim, lp)
    expect(await read(await lp.get("/chat/availableSlots", { skill: "Sales" }))).toEqual({ availableSlots: 0 })
    expect(await read(await lp.get("/chat/estimatedWaitTime", { skill: "Sales" }))).toEqual({ estimatedWaitTime: 90 })
    expect(await read(await lp.get("/chat/availability", { skill: "Sales", maxWaitTime: "60" }))).toEqual({
      availability: false
    })
    expect(await read(await lp.get("/chat/availability", { serviceQueue: "Support", maxWaitTime: "0" }))).toEqual({
      availability: true
    })
    expect(await read(await lp.get("/chat/availability", { agent: "natalie" }))).toEqual({ availability: true })
    expect(sim.violations).toEqual([])
  })
})

describe("LivePerson faults", () => {
  it("answers injected 429 and 503 with Retry-After in the error shape, and 500 without", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri } = await startChat(sim, lp)
    sim.faults.add({
      provider: "liveperson",
      operation: "getChatEvents",
      errorRate: 1,
      statuses: [429],
      retryAfterSeconds: 2,
      times: 1
    })
    const limited = await lp.get(`${uri}/events`)
    expect(limited.headers.get("retry-after")).toBe("2")
    await expectError(limited, 429, 429)
    await control(sim, "/faults", {
      provider: "liveperson",
      operation: "getChat",
      errorRate: 1,
      statuses: [503],
      times: 1
    })
    const down = await lp.get(uri)
    expect(down.headers.get("retry-after")).toBe("1")
    await expectError(down, 503, 503)
    sim.faults.add({ provider: "liveperson", operation: "getChatInfo", errorRate: 1, statuses: [500], times: 1 })
    const failed = await lp.get(`${uri}/info`)
    expect(failed.headers.get("retry-after")).toBeNull()
    await expectError(failed, 500, 500)
    expect((await lp.get(`${uri}/events`)).status).toBe(200)
    expect(sim.violations).toEqual([])
  })

  it("resets the connection before applying a line (state unchanged) and drops the answer after applying one (state changed)", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)
    sim.hub.accept(hubId)

    sim.faults.add({ provider: "liveperson", operation: "addChatEvent", resetRate: 1, times: 1 })
    await expect(lp.post(`${uri}/events`, { event: { "@type": "line", text: "lost" } })).rejects.toThrow()
    expect((await allEvents(lp, uri)).some((e) => e.text === "lost")).toBe(false)
    expect(sim.hub.get(hubId).transcript.some((entry) => entry.kind === "message")).toBe(false)

    sim.faults.add({ provider: "liveperson", operation: "addChatEvent", dropRate: 1, times: 1 })
    await expect(lp.post(`${uri}/events`, { event: { "@type": "line", text: "applied" } })).rejects.toThrow()
    // A careful client looks for its own echo before sending again.
    const echoed = (await allEvents(lp, uri)).filter((e) => e.source === "visitor" && e.text === "applied")
    expect(echoed).toHaveLength(1)
    expect(sim.hub.get(hubId).transcript.filter((entry) => entry.kind === "message")).toHaveLength(1)

    sim.faults.add({ provider: "liveperson", operation: "requestChat", dropRate: 1, times: 1 })
    await expect(lp.post("/chat/request", { request: { skill: "Support" } })).rejects.toThrow()
    expect(sim.hub.list({ provider: "liveperson" }).filter((chat) => chat.skill === "Support")).toHaveLength(1)
    expect(sim.violations).toEqual([])
  })

  it("adds latency", async () => {
    await using sim = await start({
      faults: [{ provider: "liveperson", operation: "getAvailability", latencyMs: 150 }]
    })
    const began = performance.now()
    expect((await visitor(sim).get("/chat/availability")).status).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(140)
    expect(sim.violations).toEqual([])
  })

  it("repeats already-delivered events and shuffles a page; ids and next stay right, so a client deduping by id is fine", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)
    sim.hub.accept(hubId)
    for (const text of ["a", "b", "c"]) sim.hub.say(hubId, text)
    const first = await poll(lp, uri, 2)
    expect(nextFrom(first)).toBe(7)

    sim.faults.add({ provider: "liveperson", operation: "getChatEvents", duplicateRate: 1, times: 1 })
    sim.hub.say(hubId, "d")
    const repeated = await poll(lp, uri, 7)
    const ids = eventsOf(repeated).map((e) => Number(e["@id"]))
    expect(ids.at(-1)).toBe(7)
    expect(ids.filter((id) => id < 7).length).toBeGreaterThan(0)
    expect(nextFrom(repeated)).toBe(8)

    sim.faults.add({ provider: "liveperson", operation: "getChat", reorderRate: 1, times: 1 })
    const shuffled = (await read<{ chat: { events: Page; link: Array<Link> } }>(await lp.get(uri))).chat
    const order = eventsOf(shuffled.events).map((e) => Number(e["@id"]))
    expect(order).not.toEqual([...order].sort((a, b) => a - b))
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(nextFrom(shuffled.events)).toBe(8)

    // Duplicates on an empty page keep next where it was.
    sim.faults.add({ provider: "liveperson", operation: "getChatEvents", duplicateRate: 1, times: 1 })
    const quiet = await poll(lp, uri, 8)
    expect(eventsOf(quiet).every((e) => Number(e["@id"]) < 8)).toBe(true)
    expect(nextFrom(quiet)).toBe(8)
    expect(sim.violations).toEqual([])
  })

  it("ends the chat with line 6 when the agent is disconnected, and 404s it after an expiry", async () => {
    await using sim = await start()
    const lp = visitor(sim)
    const one = await startChat(sim, lp)
    await control(sim, `/chats/${one.hubId}/accept`, { agent: { name: "Ann" } })
    expect((await control(sim, `/chats/${one.hubId}/disconnect`)).status).toBe(200)
    const events = await allEvents(lp, one.uri)
    expect(events.slice(-2)).toMatchObject([
      { source: "system", systemMessageId: "6", text: "Ann was disconnected unexpectedly. The chat has ended." },
      { "@type": "state", state: "ended" }
    ])
    expect(sim.hub.get(one.hubId)).toMatchObject({ state: "ended", endedBy: "system" })

    const two = await startChat(sim, lp)
    expect((await control(sim, `/chats/${two.hubId}/expire`)).status).toBe(200)
    expect(sim.hub.get(two.hubId)).toMatchObject({ state: "ended", endedBy: "timeout" })
    await expectError(await lp.get(two.uri), 404, 12)
    await expectError(await lp.post(`${two.uri}/events`, { event: { "@type": "state", state: "ended" } }), 404, 12)
    const log = (await control(sim, `/chats/${two.hubId}`, undefined, "GET")).body.nativeLog as Json
    expect(log).toMatchObject({ purged: true, state: "ended" })
    expect(sim.violations).toEqual([])
  })
})

describe("LivePerson timers", () => {
  it("holds a chat whose interactionTimeout is longer than a runtime timer can wait (wall clock)", async () => {
    const warnings: Array<string> = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on("warning", onWarning)
    await using sim = await start()
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp, { skill: "Sales", interactionTimeout: 3_000_000 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    process.off("warning", onWarning)
    expect(warnings).not.toContain("TimeoutOverflowWarning")
    expect(sim.hub.get(hubId).state).toBe("queued")
    expect((await info(lp, uri)).chatTimeout).toBe(3_000_000)
    expect(sim.violations).toEqual([])
  })

  it("times a chat out after chatTimeout without requests, then purges it after the retention window", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)
    sim.hub.accept(hubId)
    await clock.advance(39_000)
    expect((await info(lp, uri)).state).toBe("chatting") // this request moves the deadline to 39 s + 40 s
    await clock.advance(39_000)
    expect(sim.hub.get(hubId).state).toBe("chatting")
    await clock.advance(1_000)
    expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "timeout" })
    const events = await allEvents(lp, uri)
    expect(events.slice(-2)).toMatchObject([{ systemMessageId: "6" }, { state: "ended" }])
    const details = await info(lp, uri)
    expect(details).toMatchObject({ state: "ended", duration: 79 })

    await clock.advance(299_000)
    expect((await lp.get(uri)).status).toBe(200)
    await clock.advance(1_000)
    await expectError(await lp.get(uri), 404, 12, /^Chat session not found$/)
    expect(sim.violations).toEqual([])
  })

  it("uses the request's interactionTimeout and ends a waiting chat when maxWaitTime passes", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const lp = visitor(sim)
    const slow = await startChat(sim, lp, { skill: "Sales", interactionTimeout: 120 })
    expect((await info(lp, slow.uri)).chatTimeout).toBe(120)
    const impatient = await startChat(sim, lp, { skill: "Sales", maxWaitTime: 30, interactionTimeout: 120 })
    await clock.advance(29_000)
    expect(sim.hub.get(impatient.hubId).state).toBe("queued")
    await clock.advance(1_000)
    expect(sim.hub.get(impatient.hubId)).toMatchObject({ state: "ended", endedBy: "system" })
    expect(system(await allEvents(lp, impatient.uri))).toEqual(["4", "2"])
    await clock.advance(89_000)
    expect(sim.hub.get(slow.hubId).state).toBe("queued")
    await clock.advance(1_000)
    expect(sim.hub.get(slow.hubId).state).toBe("ended")
    expect(sim.violations).toEqual([])
  })

  it("keeps a 30-minute chat alive while the visitor polls every 5 s, and ends it 40 s after the polling stops", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const lp = visitor(sim)
    const { uri, hubId } = await startChat(sim, lp)
    await clock.advance(20_000)
    sim.hub.accept(hubId, { name: "Grace" })
    let from = 0
    const seen: Array<Event> = []
    for (let second = 0; second < 30 * 60; second += 5) {
      if (second % 60 === 0) sim.hub.say(hubId, `minute ${second / 60}`)
      if (second % 300 === 150)
        await lp.post(`${uri}/events`, { event: { "@type": "line", text: `visitor ${second}` } })
      const page = await poll(lp, uri, from)
      seen.push(...eventsOf(page))
      from = nextFrom(page)
      await clock.advance(5_000)
    }
    expect(sim.hub.get(hubId).state).toBe("chatting")
    expect(seen.map((e) => Number(e["@id"]))).toEqual(seen.map((_, index) => index))
    expect(seen.filter((e) => e.source === "agent")).toHaveLength(30)
    expect(seen.filter((e) => e.source === "visitor")).toHaveLength(6)
    await clock.advance(35_000)
    expect(sim.hub.get(hubId).state).toBe("ended")
    expect(sim.hub.get(hubId).endedBy).toBe("timeout")
    expect(sim.violations).toEqual([])
  })
})

describe("LivePerson module", () => {
  it("cancels every timer on close (keep-alive, maxWaitTime, retention)", async () => {
    await using sim = await start({ clock: "manual" })
    const clock = sim.clock as ManualClock
    const lp = visitor(sim)
    await startChat(sim, lp, { skill: "Sales", maxWaitTime: 600 })
    const ended = await startChat(sim, lp)
    await lp.post(`${ended.uri}/events`, { event: { "@type": "state", state: "ended" } })
    expect(clock.pending).toBeGreaterThanOrEqual(3)
    await sim.close()
    expect(clock.pending).toBe(0)
    expect(sim.violations).toEqual([])
  })

  it("chats with the scripted demo agent", async () => {
    await using sim = await start({ agent: { name: "Grace", acceptAfterMs: 20, typingMs: 20 } })
    const lp = visitor(sim)
    const { uri } = await startChat(sim, lp)
    const until = async (check: (events: ReadonlyArray<Event>) => boolean) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const events = await allEvents(lp, uri)
        if (check(events)) return events
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error("the scripted agent did not answer")
    }
    await until((events) => events.some((e) => e.source === "agent"))
    await lp.post(`${uri}/events`, { event: { "@type": "line", text: "Hello, where is my order?" } })
    const events = await until((events) => events.filter((e) => e.source === "agent").length >= 2)
    expect(events.filter((e) => e.source === "agent").map((e) => e.by)).toEqual(["Grace", "Grace"])
    expect(system(events)).toEqual(["4", "3"])
    expect(sim.violations).toEqual([])
  })
})

describe("LivePerson Location", () => {
  const raw = (sim: RunningSimulator, headers: Record<string, string>) =>
    new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      const { accountId, appKey } = sim.settings.liveperson
      const body = JSON.stringify({ request: { skill: "Sales" } })
      const outgoing = httpRequest(
        {
          host: "127.0.0.1",
          port: sim.port,
          method: "POST",
          path: `/liveperson/api/account/${accountId}/chat/request?v=1&NC=true`,
          headers: {
            authorization: `LivePerson appKey=${appKey}`,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            ...headers
          }
        },
        (response) => {
          response.resume()
          response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }))
        }
      )
      outgoing.on("error", reject)
      outgoing.end(body)
    })

  it("builds the chat URI from the origin the request arrived with (Host, or a proxy's X-Forwarded-*)", async () => {
    await using sim = await start()
    const { accountId } = sim.settings.liveperson
    const byHost = await raw(sim, { host: "chat.example.test:8443" })
    expect(byHost.status).toBe(201)
    expect(byHost.location).toMatch(
      new RegExp(`^http://chat\\.example\\.test:8443/liveperson/api/account/${accountId}/chat/H[0-9a-zA-Z-]+$`)
    )
    const proxied = await raw(sim, {
      "x-forwarded-host": "proxy.example.test",
      "x-forwarded-proto": "https",
      "x-forwarded-prefix": "/lp/"
    })
    expect(proxied.location).toMatch(new RegExp(`^https://proxy\\.example\\.test/lp/api/account/${accountId}/chat/H`))
    const garbage = await raw(sim, { "x-forwarded-host": "evil.test/<x>", "x-forwarded-prefix": "/../x y" })
    expect(garbage.location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${sim.port}/liveperson/api/account/`))
    expect(sim.violations).toEqual([])
  })
})
