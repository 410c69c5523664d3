/**
 * Wire-format tests: every operation goes through a real loopback HTTP server, and the test asserts exactly what
 * arrived (method, path, query string, headers, body) and how the answer surfaces as `data`/`error`.
 */
import { inspect } from "node:util"
import { loadSpec } from "@switchboard/specs"
import { type RecordedRequest, type Reply, startRecordingServer } from "@switchboard/testkit"
import { describe, expect, it } from "vitest"
import {
  type ChatResponse,
  createLivePersonClient,
  eventsOf,
  findLink,
  isEvent,
  type LivePersonClientOptions,
  nextFrom,
  parseChatLocation,
  putOverride
} from "../src/index.ts"

const appKey = "721c180b09eb463d9f3191c41762bb68"
const accountId = "25025413"
const chatId = "H3079121553394024223-70f331aba40b4ae58fe9e1af832e31b9K8388834"
const path = { accountId, chatId }
const chatPath = `/api/account/${accountId}/chat/${chatId}`

/** A recording server plus a client pointed at it; dispose it with `await using`. */
const setup = async (reply: Reply = { status: 200, body: {} }, options: Partial<LivePersonClientOptions> = {}) => {
  const server = await startRecordingServer(() => reply)
  const lp = createLivePersonClient({ baseUrl: server.origin, appKey, ...options })
  return { server, lp, [Symbol.asyncDispose]: () => server.close() }
}

/** The headers a JSON client sends by default (with header auth); lower-cased as node:http reports them. */
const expectDefaultHeaders = (request: RecordedRequest) => {
  expect(request.headers.authorization).toBe(`LivePerson appKey=${appKey}`)
  expect(request.headers.accept).toBe("application/json")
}

const expectJsonBody = (request: RecordedRequest, body: unknown) => {
  expect(request.headers["content-type"]).toBe("application/json")
  expect(JSON.parse(request.body)).toEqual(body)
}

const specExample = (name: string): unknown =>
  (loadSpec("liveperson").components?.examples?.[name] as { value: unknown } | undefined)?.value

describe("account-level resources", () => {
  it("getAvailability sends v=1&NC=true first, then skill and maxWaitTime, with the app key header", async () => {
    await using t = await setup({ status: 200, body: { availability: true } })
    const { data, error, response } = await t.lp.GET("/api/account/{accountId}/chat/availability", {
      params: { path: { accountId }, query: { skill: "Sales", maxWaitTime: 300 } }
    })
    expect(error).toBeUndefined()
    expect(response.status).toBe(200)
    expect(data).toEqual({ availability: true })
    const request = t.server.last()
    expect(request.method).toBe("GET")
    expect(request.url.pathname).toBe(`/api/account/${accountId}/chat/availability`)
    expect(request.url.search).toBe("?v=1&NC=true&skill=Sales&maxWaitTime=300")
    expectDefaultHeaders(request)
    expect(request.headers["content-type"]).toBeUndefined()
    expect(request.body).toBe("")
  })

  it("getAvailability for one agent, and for a service queue", async () => {
    await using t = await setup({ status: 200, body: { availability: false } })
    await t.lp.GET("/api/account/{accountId}/chat/availability", {
      params: { path: { accountId }, query: { agent: "natalie.smith" } }
    })
    expect(t.server.last().url.search).toBe("?v=1&NC=true&agent=natalie.smith")
    await t.lp.GET("/api/account/{accountId}/chat/availability", {
      params: { path: { accountId }, query: { serviceQueue: "Premium", maxWaitTime: 0 } }
    })
    expect(t.server.last().url.search).toBe("?v=1&NC=true&serviceQueue=Premium&maxWaitTime=0")
  })

  it("getAvailableSlots and getEstimatedWaitTime", async () => {
    await using t = await setup({ status: 200, body: { availableSlots: -1 } })
    const slots = await t.lp.GET("/api/account/{accountId}/chat/availableSlots", {
      params: { path: { accountId }, query: { skill: "Sales", maxWaitTime: 60 } }
    })
    expect(slots.data).toEqual({ availableSlots: -1 })
    expect(t.server.last().url.pathname).toBe(`/api/account/${accountId}/chat/availableSlots`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true&skill=Sales&maxWaitTime=60")

    t.server.respondWith(() => ({ status: 200, body: { estimatedWaitTime: 120 } }))
    const wait = await t.lp.GET("/api/account/{accountId}/chat/estimatedWaitTime", {
      params: { path: { accountId }, query: { skill: "Sales", serviceQueue: "Premium" } }
    })
    expect(wait.data).toEqual({ estimatedWaitTime: 120 })
    expect(t.server.last().url.pathname).toBe(`/api/account/${accountId}/chat/estimatedWaitTime`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true&skill=Sales&serviceQueue=Premium")
  })

  it("getPreChatSurvey (single slash) and getOfflineSurvey percent-encode their parameters", async () => {
    const survey = { survey: { id: "40216", questions: { question: { id: "16314710", type: "Text Field" } } } }
    await using t = await setup({ status: 200, body: survey })
    const pre = await t.lp.GET("/api/account/{accountId}/chat/preSurvey", {
      params: {
        path: { accountId },
        query: { skill: "Sales", visitorIp: "203.0.113.24", userAgent: "Mozilla/5.0 (X11)", surveyName: "Pre chat" }
      }
    })
    expect(pre.data).toEqual(survey)
    expect(t.server.last().url.pathname).toBe(`/api/account/${accountId}/chat/preSurvey`)
    expect(t.server.last().url.search).toBe(
      "?v=1&NC=true&skill=Sales&visitorIp=203.0.113.24&userAgent=Mozilla%2F5.0%20(X11)&surveyName=Pre%20chat"
    )
    await t.lp.GET("/api/account/{accountId}/chat/offlineSurvey", {
      params: { path: { accountId }, query: { visitorProfile: "Gold", visitorId: "1214701440733986" } }
    })
    expect(t.server.last().method).toBe("GET")
    expect(t.server.last().url.pathname).toBe(`/api/account/${accountId}/chat/offlineSurvey`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true&visitorProfile=Gold&visitorId=1214701440733986")
  })

  it("submitOfflineSurvey is a POST with X-HTTP-Method-Override: PUT and a JSON body", async () => {
    await using t = await setup({ status: 200 })
    const body = {
      survey: {
        id: 361346,
        question: [
          { id: 4991310, answer: "Natalie" },
          { id: 4991311, answer: ["a", "b"] }
        ],
        skill: "Sales",
        chatRefferer: "https://www.example.com/contact"
      }
    }
    const { data, error, response } = await t.lp.POST("/api/account/{accountId}/chat/offlineSurvey", {
      params: { path: { accountId }, header: putOverride },
      body
    })
    expect([data, error, response.status]).toEqual([undefined, undefined, 200])
    const request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`/api/account/${accountId}/chat/offlineSurvey`)
    expect(request.url.search).toBe("?v=1&NC=true")
    expect(request.headers["x-http-method-override"]).toBe("PUT")
    expectDefaultHeaders(request)
    expectJsonBody(request, body)
  })

  it("authenticateVisitor posts the unwrapped body to conversation.json and exposes the 201 Location", async () => {
    const location = `https://va-a.convep.liveperson.net${chatPath}`
    await using t = await setup({ status: 201, headers: { location } })
    const body = {
      authChatConnId: 568046210,
      ssoKey: "k12197",
      engagementId: 567609310,
      LETagContextId: "2",
      LETagSessionId: "90o5l5twRUGu1rN7bzwNMA",
      LETagVisitorId: "RiM2JlOTcwOGIxZmNiNTk4"
    }
    const { data, response } = await t.lp.POST("/api/account/{accountId}/conversation.json", {
      params: { path: { accountId } },
      body
    })
    expect(data).toBeUndefined()
    expect(response.status).toBe(201)
    expect(response.headers.get("location")).toBe(location)
    expect(t.server.last().url.pathname).toBe(`/api/account/${accountId}/conversation.json`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true")
    expectJsonBody(t.server.last(), body)
  })
})

describe("chat session", () => {
  it("requestChat wraps the body in `request` and yields the chat URI from the 201 Location", async () => {
    await using t = await setup()
    t.server.respondWith(() => ({ status: 201, headers: { location: `${t.server.origin}${chatPath}` } }))
    const body = {
      request: {
        skill: "Sales",
        interactionTimeout: 40,
        preChatLines: { line: ["This is a pre-chat line 1"] },
        LETagVisitorId: "rloXnVgEQ-iQuoOytvKNqA",
        LETagSessionId: "rN82d4rATN6EuiA4cJwaPg",
        LETagContextId: "2",
        engagementId: 27469613,
        campaignId: "26948813",
        language: "en-US"
      }
    }
    const { data, error, response } = await t.lp.POST("/api/account/{accountId}/chat/request", {
      params: { path: { accountId } },
      body
    })
    expect([data, error, response.status]).toEqual([undefined, undefined, 201])
    const request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`/api/account/${accountId}/chat/request`)
    expect(request.url.search).toBe("?v=1&NC=true")
    expectDefaultHeaders(request)
    expectJsonBody(request, body)
    expect(parseChatLocation(response, { baseUrl: t.server.origin, accountId })).toEqual({
      data: { href: `${t.server.origin}${chatPath}`, accountId, chatId }
    })
  })

  it("requestChat without Location gives a clear error value, not an exception", async () => {
    await using t = await setup({ status: 201 })
    const { response } = await t.lp.POST("/api/account/{accountId}/chat/request", {
      params: { path: { accountId } },
      body: { request: { skill: "Sales" } }
    })
    const chat = parseChatLocation(response, { baseUrl: t.server.origin })
    expect(chat.data).toBeUndefined()
    expect(chat.error).toMatchObject({ _tag: "ChatLocationError", reason: "missing" })
  })

  it("getChat sends from on the chat resource and returns the typed chat (the spec's example)", async () => {
    const example = specExample("ChatChatting") as ChatResponse
    await using t = await setup({ status: 200, body: example })
    const { data } = await t.lp.GET("/api/account/{accountId}/chat/{chatId}", { params: { path, query: { from: 4 } } })
    const request = t.server.last()
    expect(request.method).toBe("GET")
    expect(request.url.pathname).toBe(chatPath)
    expect(request.url.search).toBe("?v=1&NC=true&from=4")
    expectDefaultHeaders(request)
    expect(data).toEqual(example)
    const chat = data!.chat
    expect(chat.info.state).toBe("chatting")
    expect(nextFrom(findLink(chat.link, "next"))).toBe(4)
    expect(eventsOf(chat.events).map((event) => event["@type"])).toEqual(["state", "line", "state", "line"])
  })

  it("getChat without from asks for the whole chat", async () => {
    await using t = await setup({ status: 200, body: specExample("ChatChatting") })
    await t.lp.GET("/api/account/{accountId}/chat/{chatId}", { params: { path } })
    expect(t.server.last().url.search).toBe("?v=1&NC=true")
  })

  it("getChatEvents polls with the from of the previous next link; a single event arrives as an object", async () => {
    const page = {
      events: {
        link: [
          { "@href": `https://va-a.convep.liveperson.net${chatPath}/events`, "@rel": "self" },
          { "@href": `https://va-a.convep.liveperson.net${chatPath}/events?from=6`, "@rel": "next" }
        ],
        event: {
          "@id": "5",
          "@type": "line",
          time: "2017-02-27T06:30:40.012-05:00",
          text: "hi",
          source: "agent",
          by: "Natalie"
        }
      }
    }
    await using t = await setup({ status: 200, body: page })
    const first = await t.lp.GET("/api/account/{accountId}/chat/{chatId}/events", {
      params: { path, query: { from: 5 } }
    })
    expect(t.server.last().url.pathname).toBe(`${chatPath}/events`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true&from=5")
    const events = eventsOf(first.data?.events)
    expect(events).toHaveLength(1)
    const [line] = events
    expect(line !== undefined && isEvent(line, "line") ? line.text : undefined).toBe("hi")
    const from = nextFrom(findLink(first.data?.events.link, "next"))
    expect(from).toBe(6)
    await t.lp.GET("/api/account/{accountId}/chat/{chatId}/events", {
      params: { path, query: from === undefined ? {} : { from } }
    })
    expect(t.server.last().url.search).toBe("?v=1&NC=true&from=6")
  })

  it("addChatEvent posts one line, or the end of the chat, and exposes the 201 Location of the event", async () => {
    await using t = await setup({ status: 201, headers: { location: `https://va-a.example${chatPath}/events/5` } })
    const line = { event: { "@type": "line" as const, text: "Hello, I have a question." } }
    const sent = await t.lp.POST("/api/account/{accountId}/chat/{chatId}/events", { params: { path }, body: line })
    expect([sent.data, sent.error, sent.response.status]).toEqual([undefined, undefined, 201])
    expect(sent.response.headers.get("location")).toBe(`https://va-a.example${chatPath}/events/5`)
    let request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`${chatPath}/events`)
    expect(request.url.search).toBe("?v=1&NC=true")
    expect(request.headers["x-http-method-override"]).toBeUndefined()
    expectDefaultHeaders(request)
    expectJsonBody(request, line)
    expect(request.body).toBe('{"event":{"@type":"line","text":"Hello, I have a question."}}')

    await t.lp.POST("/api/account/{accountId}/chat/{chatId}/events", {
      params: { path },
      body: { event: { "@type": "state", state: "ended" } }
    })
    request = t.server.last()
    expect(request.body).toBe('{"event":{"@type":"state","state":"ended"}}')
  })

  it("requestTranscript is PUT-tunnelled", async () => {
    await using t = await setup({ status: 200 })
    const result = await t.lp.POST("/api/account/{accountId}/chat/{chatId}/transcriptRequest", {
      params: { path, header: putOverride },
      body: { email: "visitor@example.com" }
    })
    expect([result.data, result.error, result.response.status]).toEqual([undefined, undefined, 200])
    const request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`${chatPath}/transcriptRequest`)
    expect(request.url.search).toBe("?v=1&NC=true")
    expect(request.headers["x-http-method-override"]).toBe("PUT")
    expectJsonBody(request, { email: "visitor@example.com" })
  })
})

describe("chat information", () => {
  it("getChatInfo, getVisitorName, getVisitorTyping and getAgentTyping are plain GETs", async () => {
    const info = {
      info: { state: "waiting", chatSessionKey: chatId, startTime: "x", lastUpdate: "y", chatTimeout: 40 }
    }
    await using t = await setup({ status: 200, body: info })
    const got = await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
    expect(got.data?.info.state).toBe("waiting")
    expect(t.server.last().url.pathname).toBe(`${chatPath}/info`)
    for (const [resource, body] of [
      ["visitorName", { visitorName: "You" }],
      ["visitorTyping", { visitorTyping: "not-typing" }],
      ["agentTyping", { agentTyping: "unknown" }]
    ] as const) {
      t.server.respondWith(() => ({ status: 200, body }))
      const result =
        resource === "visitorName"
          ? await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info/visitorName", { params: { path } })
          : resource === "visitorTyping"
            ? await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", { params: { path } })
            : await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info/agentTyping", { params: { path } })
      expect(result.data).toEqual(body)
      const request = t.server.last()
      expect(request.method).toBe("GET")
      expect(request.url.pathname).toBe(`${chatPath}/info/${resource}`)
      expect(request.url.search).toBe("?v=1&NC=true")
      expectDefaultHeaders(request)
    }
  })

  it.each([200, 201])("setVisitorName is PUT-tunnelled and succeeds on %i", async (status) => {
    await using t = await setup({ status })
    const result = await t.lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
      params: { path, header: putOverride },
      body: { visitorName: "Natalie" }
    })
    expect([result.data, result.error, result.response.ok]).toEqual([undefined, undefined, true])
    const request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`${chatPath}/info/visitorName`)
    expect(request.url.search).toBe("?v=1&NC=true")
    expect(request.headers["x-http-method-override"]).toBe("PUT")
    expectJsonBody(request, { visitorName: "Natalie" })
  })

  it("setVisitorTyping is PUT-tunnelled", async () => {
    await using t = await setup({ status: 200 })
    await t.lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", {
      params: { path, header: putOverride },
      body: { visitorTyping: "typing" }
    })
    const request = t.server.last()
    expect(request.url.pathname).toBe(`${chatPath}/info/visitorTyping`)
    expect(request.headers["x-http-method-override"]).toBe("PUT")
    expect(request.body).toBe('{"visitorTyping":"typing"}')
  })
})

describe("exit survey", () => {
  it("getExitSurvey sends surveyName; submitExitSurvey is PUT-tunnelled", async () => {
    await using t = await setup({ status: 200, body: specExample("ExitSurvey") })
    const got = await t.lp.GET("/api/account/{accountId}/chat/{chatId}/exitSurvey", {
      params: { path, query: { surveyName: "Exit survey" } }
    })
    expect(got.data).toEqual(specExample("ExitSurvey"))
    expect(t.server.last().url.pathname).toBe(`${chatPath}/exitSurvey`)
    expect(t.server.last().url.search).toBe("?v=1&NC=true&surveyName=Exit%20survey")

    t.server.respondWith(() => ({ status: 200 }))
    const body = { survey: { id: 361348, questions: { question: [{ id: 4991315, answer: "yes" }] } } }
    const sent = await t.lp.POST("/api/account/{accountId}/chat/{chatId}/exitSurvey", {
      params: { path, header: putOverride },
      body
    })
    expect(sent.response.status).toBe(200)
    const request = t.server.last()
    expect(request.method).toBe("POST")
    expect(request.url.pathname).toBe(`${chatPath}/exitSurvey`)
    expect(request.headers["x-http-method-override"]).toBe("PUT")
    expectJsonBody(request, body)
  })
})

describe("errors and empty answers", () => {
  it.each([
    [400, { error: { time: "2017-12-06T16:31:02.118-05:00", message: "Bad request", internalCode: 1 } }],
    [401, { error: { time: "2017-12-06T16:29:45.438-05:00", message: "Bad captcha", internalCode: 10 } }],
    [404, { error: { time: "2018-01-29T09:02:17.544-05:00", message: "Chat session not found", internalCode: 12 } }],
    [503, { error: { time: "2017-12-06T16:45:30.250-05:00", message: "Service unavailable", internalCode: 500 } }]
  ])("surfaces a %i error body as `error`", async (status, body) => {
    await using t = await setup({ status, body })
    const result = await t.lp.GET("/api/account/{accountId}/chat/{chatId}/events", { params: { path } })
    expect(result.data).toBeUndefined()
    expect(result.error).toEqual(body)
    expect(result.response.status).toBe(status)
  })

  it("surfaces a 429 with Retry-After", async () => {
    const tooMany = {
      error: { time: "2017-12-06T16:40:00.000-05:00", message: "Too many requests", internalCode: 429 }
    }
    await using t = await setup({ status: 429, headers: { "retry-after": "2" }, body: tooMany })
    const result = await t.lp.POST("/api/account/{accountId}/chat/request", {
      params: { path: { accountId } },
      body: { request: {} }
    })
    expect(result.error).toEqual(tooMany)
    expect(result.response.status).toBe(429)
    expect(result.response.headers.get("retry-after")).toBe("2")
  })

  it("keeps a non-JSON error body as text", async () => {
    await using t = await setup({ status: 502, body: "<html>Bad gateway</html>" })
    const result = await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
    expect(result.error).toBe("<html>Bad gateway</html>")
    expect(result.response.status).toBe(502)
  })

  it.each([200, 201, 204])("an empty %i answer gives data undefined and no error", async (status) => {
    await using t = await setup({ status })
    const result = await t.lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", {
      params: { path, header: putOverride },
      body: { visitorTyping: "not-typing" }
    })
    expect(result.data).toBeUndefined()
    expect(result.error).toBeUndefined()
    expect(result.response.status).toBe(status)
  })
})

describe("createLivePersonClient options", () => {
  it("appKeyIn query sends appKey in the query string and no Authorization header", async () => {
    await using t = await setup({ status: 200, body: { availability: true } }, { appKeyIn: "query" })
    await t.lp.GET("/api/account/{accountId}/chat/availability", {
      params: { path: { accountId }, query: { skill: "Sales" } }
    })
    const request = t.server.last()
    expect(request.url.search).toBe(`?v=1&NC=true&appKey=${appKey}&skill=Sales`)
    expect(request.headers.authorization).toBeUndefined()
    expect(request.headers.accept).toBe("application/json")
    await t.lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
    expect(t.server.last().url.search).toBe(`?v=1&NC=true&appKey=${appKey}`)
  })

  it("percent-encodes an app key in the query", async () => {
    await using t = await setup({ status: 200, body: { availability: true } }, { appKey: "a&b=c d", appKeyIn: "query" })
    await t.lp.GET("/api/account/{accountId}/chat/availability", { params: { path: { accountId } } })
    expect(t.server.last().url.search).toBe("?v=1&NC=true&appKey=a%26b%3Dc%20d")
    expect(t.server.last().url.searchParams.get("appKey")).toBe("a&b=c d")
  })

  it("uses a custom fetch (and Request) for every call", async () => {
    await using server = await startRecordingServer(() => ({ status: 200, body: { availability: true } }))
    const seen: Array<string> = []
    class TracedRequest extends Request {
      readonly traced = true
    }
    const lp = createLivePersonClient({
      baseUrl: server.origin,
      appKey,
      Request: TracedRequest,
      fetch: (request) => {
        seen.push(`${request instanceof TracedRequest ? "traced " : ""}${request.method} ${request.url}`)
        return globalThis.fetch(request)
      }
    })
    const { data } = await lp.GET("/api/account/{accountId}/chat/availability", { params: { path: { accountId } } })
    expect(data).toEqual({ availability: true })
    expect(seen).toEqual([`traced GET ${server.origin}/api/account/${accountId}/chat/availability?v=1&NC=true`])
    expect(server.requests).toHaveLength(1)
    expect(server.last().headers.authorization).toBe(`LivePerson appKey=${appKey}`)
  })

  it("answers from a custom fetch without any network", async () => {
    const lp = createLivePersonClient({
      baseUrl: "https://va-a.convep.liveperson.net",
      appKey,
      fetch: async (request) =>
        Response.json({ estimatedWaitTime: 0 }, { headers: { "x-url": request.url, "x-auth": "redacted" } })
    })
    const { data, response } = await lp.GET("/api/account/{accountId}/chat/estimatedWaitTime", {
      params: { path: { accountId } }
    })
    expect(data).toEqual({ estimatedWaitTime: 0 })
    expect(response.headers.get("x-url")).toBe(
      `https://va-a.convep.liveperson.net/api/account/${accountId}/chat/estimatedWaitTime?v=1&NC=true`
    )
  })

  it("lets caller headers add to and override the defaults, in any HeadersInit form", async () => {
    await using t = await setup(
      { status: 200, body: { availability: true } },
      {
        headers: new Headers({ "X-Trace": "t-1", Accept: "application/json; charset=utf-8" })
      }
    )
    await t.lp.GET("/api/account/{accountId}/chat/availability", { params: { path: { accountId } } })
    expect(t.server.last().headers["x-trace"]).toBe("t-1")
    expect(t.server.last().headers.accept).toBe("application/json; charset=utf-8")
    expect(t.server.last().headers.authorization).toBe(`LivePerson appKey=${appKey}`)

    await using u = await setup({ status: 200, body: {} }, { headers: [["User-Agent", "switchboard-test"]] })
    await u.lp.GET("/api/account/{accountId}/chat/availability", { params: { path: { accountId } } })
    expect(u.server.last().headers["user-agent"]).toBe("switchboard-test")
    expect(u.server.last().headers.accept).toBe("application/json")
  })

  it("keeps a caller's querySerializer (options or function) after the fixed query", async () => {
    await using t = await setup({ status: 200, body: {} }, { querySerializer: { allowReserved: true } })
    await t.lp.GET("/api/account/{accountId}/chat/preSurvey", {
      params: { path: { accountId }, query: { userAgent: "a/b c" } }
    })
    expect(t.server.last().url.search).toBe("?v=1&NC=true&userAgent=a/b%20c")

    await using u = await setup({ status: 200, body: {} }, { querySerializer: () => "?custom=1" })
    await u.lp.GET("/api/account/{accountId}/chat/availability", { params: { path: { accountId } } })
    expect(u.server.last().url.search).toBe("?v=1&NC=true&custom=1")
  })

  it("accepts a base URL with a path prefix and a trailing slash", async () => {
    await using server = await startRecordingServer(() => ({ status: 200, body: {} }))
    const lp = createLivePersonClient({ baseUrl: `${server.origin}/proxy/lp/`, appKey })
    await lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
    expect(server.last().url.pathname).toBe(`/proxy/lp${chatPath}/info`)
  })

  it("never shows the app key in the client, its string forms or its errors", () => {
    const secret = "s3cr3t-app-key"
    for (const appKeyIn of ["header", "query"] as const) {
      const lp = createLivePersonClient({ baseUrl: "https://va-a.convep.liveperson.net", appKey: secret, appKeyIn })
      expect(String(lp)).not.toContain(secret)
      expect(JSON.stringify(lp)).not.toContain(secret)
      expect(inspect(lp, { depth: 10, showHidden: true })).not.toContain(secret)
    }
    expect(() => createLivePersonClient({ baseUrl: "http://x", appKey: "" })).toThrow(TypeError)
    const badPlacement = () =>
      createLivePersonClient({ baseUrl: "http://x", appKey: secret, appKeyIn: "cookie" as unknown as "query" })
    expect(badPlacement).toThrow(/appKeyIn/)
    expect(badPlacement).not.toThrow(new RegExp(secret))
  })
})
