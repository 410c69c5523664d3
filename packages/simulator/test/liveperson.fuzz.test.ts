/**
 * 1,000 randomized malformed requests against every LivePerson operation: each gets a 4xx in LivePerson's error
 * shape within a second, the server stays up, no answer leaks the app key, and a chat running alongside (started
 * before, messages exchanged during and after) ends up with exactly the right transcript.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { fuzz, type Template } from "./support/fuzz.ts"

type Event = { readonly "@id": string; readonly "@type": string; readonly [key: string]: unknown }
type Page = { readonly link: ReadonlyArray<{ "@href": string; "@rel": string }>; readonly event?: Event | Array<Event> }

const started: Array<RunningSimulator> = []
afterEach(() => {
  for (const sim of started.splice(0)) expect(sim.violations).toEqual([])
})

const templatesFor = (sim: RunningSimulator, chatId: string): ReadonlyArray<Template> => {
  const { accountId, appKey } = sim.settings.liveperson
  const account = `/liveperson/api/account/${accountId}`
  const chat = `${account}/chat/${chatId}`
  const v = { v: "1", NC: "true" }
  const header = { authorization: `LivePerson appKey=${appKey}` }
  const put = { ...header, "x-http-method-override": "PUT" }
  const byHeader = {
    requiredHeaders: ["authorization"],
    secrets: { headers: ["authorization"], segments: [accountId] }
  }
  const inChat = { headers: ["authorization"], segments: [accountId, chatId] }
  const get = (operation: string, path: string, query: Record<string, string> = {}): Template => ({
    operation,
    method: "GET",
    path,
    query: { ...v, ...query },
    headers: header,
    requiredQuery: ["v"],
    requiredHeaders: ["authorization"],
    secrets: path.startsWith(chat) ? inChat : byHeader.secrets
  })
  const setter = (operation: string, path: string, value: Record<string, unknown>, typed: ReadonlyArray<string>) =>
    ({
      operation,
      method: "POST",
      path,
      query: v,
      headers: put,
      body: { type: "json", value },
      requiredQuery: ["v"],
      requiredHeaders: ["authorization", "x-http-method-override"],
      requiredFields: Object.keys(value),
      typedFields: typed,
      secrets: path.startsWith(chat) ? inChat : byHeader.secrets
    }) satisfies Template
  return [
    get("getAvailability", `${account}/chat/availability`, { skill: "Sales" }),
    get("getAvailableSlots", `${account}/chat/availableSlots`, { skill: "Sales" }),
    get("getEstimatedWaitTime", `${account}/chat/estimatedWaitTime`),
    get("getPreChatSurvey", `${account}/chat/preSurvey`),
    get("getOfflineSurvey", `${account}/chat/offlineSurvey`),
    // The app key in the query, as production clients send it.
    {
      operation: "getAvailability (query key)",
      method: "GET",
      path: `${account}/chat/availability`,
      query: { ...v, appKey },
      requiredQuery: ["v", "appKey"],
      secrets: { query: ["appKey"], segments: [accountId] }
    },
    setter(
      "submitOfflineSurvey",
      `${account}/chat/offlineSurvey`,
      {
        survey: {
          id: 52100,
          question: [
            { id: 52101, answer: "Ada" },
            { id: 52102, answer: "ada@example.com" },
            { id: 52104, answer: "Call me" }
          ]
        }
      },
      ["survey"]
    ),
    {
      operation: "authenticateVisitor",
      method: "POST",
      path: `${account}/conversation.json`,
      query: v,
      headers: header,
      body: {
        type: "json",
        value: {
          LETagSessionId: "s-1",
          LETagVisitorId: "v-1",
          LETagContextId: "1",
          authChatConnId: 1,
          engagementId: 2,
          ssoKey: "accepted-code"
        }
      },
      requiredQuery: ["v"],
      requiredHeaders: ["authorization"],
      requiredFields: [
        "LETagSessionId",
        "LETagVisitorId",
        "LETagContextId",
        "authChatConnId",
        "engagementId",
        "ssoKey"
      ],
      typedFields: ["ssoKey", "LETagSessionId", "authChatConnId", "engagementId"],
      secrets: { headers: ["authorization"], fields: ["ssoKey"], segments: [accountId] }
    },
    {
      operation: "requestChat",
      method: "POST",
      path: `${account}/chat/request`,
      query: v,
      headers: header,
      body: { type: "json", value: { request: { skill: "Sales", interactionTimeout: 600 } } },
      requiredQuery: ["v"],
      requiredHeaders: ["authorization"],
      requiredFields: ["request"],
      secrets: byHeader.secrets
    },
    get("getChat", chat, { from: "0" }),
    get("getChatEvents", `${chat}/events`, { from: "2" }),
    {
      operation: "addChatEvent",
      method: "POST",
      path: `${chat}/events`,
      query: v,
      headers: header,
      body: { type: "json", value: { event: { "@type": "line", text: "from the fuzz" } } },
      requiredQuery: ["v"],
      requiredHeaders: ["authorization"],
      requiredFields: ["event"],
      typedFields: ["event"],
      secrets: inChat
    },
    get("getChatInfo", `${chat}/info`),
    get("getVisitorName", `${chat}/info/visitorName`),
    setter("setVisitorName", `${chat}/info/visitorName`, { visitorName: "Fuzz" }, ["visitorName"]),
    get("getVisitorTyping", `${chat}/info/visitorTyping`),
    setter("setVisitorTyping", `${chat}/info/visitorTyping`, { visitorTyping: "typing" }, ["visitorTyping"]),
    get("getAgentTyping", `${chat}/info/agentTyping`),
    get("getExitSurvey", `${chat}/exitSurvey`),
    setter(
      "submitExitSurvey",
      `${chat}/exitSurvey`,
      { survey: { id: 53100, questions: { question: [{ id: 53101, answer: "4" }] } } },
      ["survey"]
    ),
    setter("requestTranscript", `${chat}/transcriptRequest`, { email: "fuzz@example.com" }, ["email"])
  ]
}

describe("LivePerson fuzz", () => {
  it("answers 1,000 malformed requests with 4xx errors in its shape while a chat runs alongside", {
    timeout: 120_000
  }, async () => {
    await using sim = await startSimulator({ validateResponses: true, liveperson: { ssoKeys: ["accepted-code"] } })
    started.push(sim)
    const { accountId, appKey } = sim.settings.liveperson
    const base = `${sim.urls.liveperson}/api/account/${accountId}`
    const headers = { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" }
    const request = async (skill: string) => {
      const response = await fetch(`${base}/chat/request?v=1&NC=true`, {
        method: "POST",
        headers,
        body: JSON.stringify({ request: { skill, interactionTimeout: 600 } })
      })
      expect(response.status).toBe(201)
      const uri = response.headers.get("location") as string
      const chatId = uri.split("/").at(-1) as string
      return { uri, chatId, hubId: sim.hub.findByNativeId("liveperson", chatId)?.id as string }
    }

    // The fuzz aims at its own chat; the one alongside must not notice anything.
    const target = await request("Support")
    sim.hub.accept(target.hubId, { name: "Target" })
    const alongside = await request("Sales")
    sim.hub.accept(alongside.hubId, { name: "Grace" })
    const expected: Array<[string, string]> = []
    const say = (text: string) => {
      sim.hub.say(alongside.hubId, text)
      expected.push(["agent", text])
    }
    const send = async (text: string) => {
      const response = await fetch(`${alongside.uri}/events?v=1&NC=true`, {
        method: "POST",
        headers,
        body: JSON.stringify({ event: { "@type": "line", text } })
      })
      expect(response.status).toBe(201)
      expected.push(["visitor", text])
    }
    const delivered: Array<Event> = []
    let from = 0
    const pollAlongside = async () => {
      const response = await fetch(`${alongside.uri}/events?v=1&NC=true&from=${from}`, { headers })
      expect(response.status).toBe(200)
      const page = ((await response.json()) as { events: Page }).events
      delivered.push(...(page.event === undefined ? [] : Array.isArray(page.event) ? page.event : [page.event]))
      from = Number(new URL(page.link[1]?.["@href"] as string).searchParams.get("from"))
    }

    say("Hi, I'm Grace.")
    await send("Hello, before the storm.")
    await pollAlongside()

    let fuzzing = true
    const conversation = (async () => {
      for (let round = 0; fuzzing && round < 200; round++) {
        say(`agent line ${round}`)
        await send(`visitor line ${round}`)
        await pollAlongside()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const outcomes = await fuzz({ origin: sim.url, templates: templatesFor(sim, target.chatId), count: 1000, seed: 7 })
    fuzzing = false
    await conversation

    expect(outcomes).toHaveLength(1000)
    const wrong = outcomes.filter((outcome) => {
      const body = outcome.json as { error?: { time?: unknown; message?: unknown; internalCode?: unknown } } | undefined
      const shaped =
        body !== undefined &&
        Object.keys(body).length === 1 &&
        typeof body.error?.time === "string" &&
        typeof body.error.message === "string" &&
        typeof body.error.internalCode === "number"
      return !(
        outcome.status >= 400 &&
        outcome.status < 500 &&
        shaped &&
        outcome.ms < 1000 &&
        !outcome.text.includes(appKey)
      )
    })
    expect(
      wrong.map(({ operation, mutation, status, ms, text }) => ({
        operation,
        mutation,
        status,
        ms,
        text: text.slice(0, 200)
      }))
    ).toEqual([])
    expect(new Set(outcomes.map((outcome) => outcome.mutation)).size).toBeGreaterThan(15)

    // Still up, and the chat alongside carries on after the fuzz.
    say("Still here after all that.")
    await send("Me too. Bye!")
    await pollAlongside()
    const chat = await fetch(`${alongside.uri}?v=1&NC=true`, { headers })
    expect(chat.status).toBe(200)

    const lines = delivered.filter((event) => event["@type"] === "line" && event.source !== "system")
    expect(lines.map((event) => [event.source, event.text])).toEqual(expected)
    expect(delivered.map((event) => Number(event["@id"]))).toEqual(delivered.map((_, index) => index))
    const transcript = sim.hub
      .get(alongside.hubId)
      .transcript.flatMap((entry) => (entry.kind === "message" ? [[entry.from, entry.text]] : []))
    expect(transcript).toEqual(expected)
    expect(sim.hub.get(alongside.hubId)).toMatchObject({ state: "chatting", visitorName: "You" })
    // No malformed request was applied to the fuzz's own chat either.
    const aimed = sim.hub.get(target.hubId)
    expect(aimed).toMatchObject({ state: "chatting", visitorName: "You", visitorTyping: false })
    expect(aimed.transcript.map((entry) => entry.kind)).toEqual(["queued", "accepted"])
    expect(sim.hub.nativeLog(target.hubId)).toMatchObject({ transcriptRequests: [], exitSurveys: [] })
    expect(sim.violations).toEqual([])
  })
})
