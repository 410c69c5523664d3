import { type RecordedRequest, startRecordingServer } from "@switchboard/testkit"
import { describe, expect, it } from "vitest"
import { createLiveChatClient, FORM_CONTENT_TYPE, type PendingMessages } from "../src/index.ts"

const visitor_id = "5863759023"
const licence_id = 123
const secured_session_id = "26132406c42c96ba61ed42689b70f719"
const params = { path: { visitor_id } }

const start = "/visitors/{visitor_id}/chat/start"
const poll = "/visitors/{visitor_id}/chat/get_pending_messages"
const send = "/visitors/{visitor_id}/chat/send_message"
const close = "/visitors/{visitor_id}/chat/close"

const pending: PendingMessages = {
  events: [
    {
      agent: {
        avatar: "livechat.s3.amazonaws.com/default/avatars/female_6.jpg",
        job_title: "Support Agent",
        name: "agent4"
      },
      message_id: 1,
      timestamp: 1432902625,
      type: "agent_details",
      user_type: "agent"
    },
    {
      message_id: 3,
      text: "Hi, I need some help with entering my discount code.",
      timestamp: 1432902626,
      type: "message",
      user_type: "visitor"
    }
  ]
}

/** The request line and the headers that matter, with the body, as the server saw them. */
const wire = (request: RecordedRequest) => ({
  method: request.method,
  path: request.url.pathname,
  query: request.url.search,
  apiVersion: request.headers["x-api-version"],
  contentType: request.headers["content-type"],
  body: request.body
})

describe("createLiveChatClient, form bodies (default)", () => {
  it("starts a chat with a form body and returns the session", async () => {
    await using server = await startRecordingServer(() => ({
      body: { secured_session_id: "CS1432649054.444adb0d90", banned: false }
    }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data, error, response } = await client.POST(start, {
      params,
      body: { licence_id, welcome_message: "Hi" }
    })
    expect(wire(server.last())).toEqual({
      method: "POST",
      path: "/visitors/5863759023/chat/start",
      query: "",
      apiVersion: "2",
      contentType: FORM_CONTENT_TYPE,
      body: "licence_id=123&welcome_message=Hi"
    })
    expect(response.status).toBe(200)
    expect(error).toBeUndefined()
    expect(data).toEqual({ secured_session_id: "CS1432649054.444adb0d90", banned: false })
  })

  it("sends every optional start field, in the order given, and leaves undefined ones out", async () => {
    await using server = await startRecordingServer(() => ({ body: { secured_session_id: "CS1", banned: true } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data } = await client.POST(start, {
      params,
      body: {
        licence_id,
        welcome_message: "Hi, I need help!",
        name: "Jane Doe",
        email: "jane+chat@example.com",
        group: 2
      }
    })
    expect(server.last().body).toBe(
      "licence_id=123&welcome_message=Hi%2C+I+need+help%21&name=Jane+Doe&email=jane%2Bchat%40example.com&group=2"
    )
    expect(data?.banned).toBe(true)
  })

  it("escapes &, =, +, spaces, newlines and unicode in a message", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const message = "a&b=c+d e\r\nzweite Zeile: grüße 😀 %20"
    const { data } = await client.POST(send, { params, body: { licence_id, secured_session_id, message } })
    const request = server.last()
    expect(wire(request)).toEqual({
      method: "POST",
      path: "/visitors/5863759023/chat/send_message",
      query: "",
      apiVersion: "2",
      contentType: FORM_CONTENT_TYPE,
      body:
        "licence_id=123&secured_session_id=26132406c42c96ba61ed42689b70f719" +
        "&message=a%26b%3Dc%2Bd+e%0D%0Azweite+Zeile%3A+gr%C3%BC%C3%9Fe+%F0%9F%98%80+%2520"
    })
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      licence_id: "123",
      secured_session_id,
      message
    })
    expect(data).toEqual({ success: true })
  })

  it("closes a chat with a form body", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data } = await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(wire(server.last())).toEqual({
      method: "POST",
      path: "/visitors/5863759023/chat/close",
      query: "",
      apiVersion: "2",
      contentType: FORM_CONTENT_TYPE,
      body: "licence_id=123&secured_session_id=26132406c42c96ba61ed42689b70f719"
    })
    expect(data).toEqual({ success: true })
  })
})

describe("get_pending_messages", () => {
  it("puts licence_id, secured_session_id and last_message_id in the query string and sends no body", async () => {
    await using server = await startRecordingServer(() => ({ body: pending }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data } = await client.GET(poll, {
      params: { ...params, query: { licence_id, secured_session_id, last_message_id: 3 } }
    })
    const request = server.last()
    expect(request.method).toBe("GET")
    expect(request.url.pathname).toBe("/visitors/5863759023/chat/get_pending_messages")
    expect(request.url.search).toBe(
      "?licence_id=123&secured_session_id=26132406c42c96ba61ed42689b70f719&last_message_id=3"
    )
    expect(request.headers["x-api-version"]).toBe("2")
    // The form Content-Type is a default header, so it is on the GET too; with no body it means nothing.
    expect(request.headers["content-type"]).toBe(FORM_CONTENT_TYPE)
    expect(request.headers["content-length"]).toBeUndefined()
    expect(request.body).toBe("")
    expect(data).toEqual(pending)
  })

  it("leaves last_message_id out when it is not given, and percent-encodes query values", async () => {
    await using server = await startRecordingServer(() => ({ body: { events: [] } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data } = await client.GET(poll, {
      params: { ...params, query: { licence_id, secured_session_id: "CS14 32+64/90=&x" } }
    })
    expect(server.last().url.search).toBe("?licence_id=123&secured_session_id=CS14%2032%2B64%2F90%3D%26x")
    expect(server.last().url.searchParams.get("secured_session_id")).toBe("CS14 32+64/90=&x")
    expect(data).toEqual({ events: [] })
  })

  it("passes events of unknown types through untouched", async () => {
    const future = { message_id: 6, timestamp: 1432902710, type: "chat_transferred", user_type: "agent", to: "agent7" }
    await using server = await startRecordingServer(() => ({ body: { events: [future] } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data } = await client.GET(poll, { params: { ...params, query: { licence_id, secured_session_id } } })
    expect(data?.events).toEqual([future])
  })
})

describe("paths and base URLs", () => {
  it("percent-encodes the visitor_id path segment", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    await client.POST(close, {
      params: { path: { visitor_id: "a/b c?d#é" } },
      body: { licence_id, secured_session_id }
    })
    expect(server.last().url.pathname).toBe("/visitors/a%2Fb%20c%3Fd%23%C3%A9/chat/close")
  })

  it("accepts a base URL with a trailing slash and a path prefix", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({ baseUrl: `${server.origin}/livechat/` })
    await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(server.last().url.pathname).toBe("/livechat/visitors/5863759023/chat/close")
  })
})

describe("createLiveChatClient, JSON bodies", () => {
  it("sends every POST body as JSON with application/json", async () => {
    await using server = await startRecordingServer((request) => ({
      body: request.url.pathname.endsWith("/start") ? { secured_session_id: "CS1", banned: false } : { success: true }
    }))
    const client = createLiveChatClient({ baseUrl: server.origin, bodyEncoding: "json" })
    await client.POST(start, { params, body: { licence_id, welcome_message: "Hi", group: 0 } })
    await client.POST(send, { params, body: { licence_id, secured_session_id, message: "a&b=c+d e\nü 😀" } })
    await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(server.requests.map(wire)).toEqual([
      {
        method: "POST",
        path: "/visitors/5863759023/chat/start",
        query: "",
        apiVersion: "2",
        contentType: "application/json",
        body: '{"licence_id":123,"welcome_message":"Hi","group":0}'
      },
      {
        method: "POST",
        path: "/visitors/5863759023/chat/send_message",
        query: "",
        apiVersion: "2",
        contentType: "application/json",
        body: `{"licence_id":123,"secured_session_id":"${secured_session_id}","message":"a&b=c+d e\\nü 😀"}`
      },
      {
        method: "POST",
        path: "/visitors/5863759023/chat/close",
        query: "",
        apiVersion: "2",
        contentType: "application/json",
        body: `{"licence_id":123,"secured_session_id":"${secured_session_id}"}`
      }
    ])
  })

  it("sends no Content-Type on the body-less GET", async () => {
    await using server = await startRecordingServer(() => ({ body: { events: [] } }))
    const client = createLiveChatClient({ baseUrl: server.origin, bodyEncoding: "json" })
    await client.GET(poll, { params: { ...params, query: { licence_id, secured_session_id } } })
    expect(server.last().headers["content-type"]).toBeUndefined()
    expect(server.last().headers["x-api-version"]).toBe("2")
  })
})

describe("responses without a body and errors", () => {
  it("resolves a 204 to no data and no error", async () => {
    await using server = await startRecordingServer(() => ({ status: 204 }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data, error, response } = await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(response.status).toBe(204)
    expect(data).toBeUndefined()
    expect(error).toBeUndefined()
  })

  it("resolves a 200 with an empty body to no data", async () => {
    await using server = await startRecordingServer(() => ({ status: 200, body: "" }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const { data, response } = await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(response.status).toBe(200)
    expect(data).toBeUndefined()
  })

  it.each([
    [400, { error: "Missing required parameter: welcome_message" }],
    [401, { errors: ["Authorization failed", "Invalid licence"] }],
    [404, { error: "Chat not found" }],
    [500, { errors: ["Internal server error"] }]
  ])("surfaces a %i error body as `error`", async (status, body) => {
    await using server = await startRecordingServer(() => ({ status, body }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const result = await client.POST(send, { params, body: { licence_id, secured_session_id, message: "Hello!" } })
    expect(result.response.status).toBe(status)
    expect(result.data).toBeUndefined()
    expect(result.error).toEqual(body)
  })

  it("surfaces a non-JSON error body as text", async () => {
    await using server = await startRecordingServer(() => ({ status: 500, body: "Bad Gateway" }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const result = await client.GET(poll, { params: { ...params, query: { licence_id, secured_session_id } } })
    expect(result.response.status).toBe(500)
    expect(result.error).toBe("Bad Gateway")
  })
})

describe("options passed through to openapi-fetch", () => {
  it("uses a custom fetch, Request and requestInitExt", async () => {
    await using server = await startRecordingServer(() => ({ body: { events: [] } }))
    const seen: Array<{ url: string; ext: unknown; isCustom: boolean }> = []
    class TracingRequest extends Request {}
    const ext = { dispatcherHint: "fast" }
    const client = createLiveChatClient({
      baseUrl: server.origin,
      Request: TracingRequest,
      requestInitExt: ext,
      fetch: (request: Request, ...rest: Array<unknown>) => {
        seen.push({ url: request.url, ext: rest[0], isCustom: request instanceof TracingRequest })
        return globalThis.fetch(request)
      }
    })
    const { data } = await client.GET(poll, { params: { ...params, query: { licence_id, secured_session_id } } })
    expect(data).toEqual({ events: [] })
    expect(seen).toEqual([
      {
        url: `${server.origin}/visitors/5863759023/chat/get_pending_messages?licence_id=123&secured_session_id=${secured_session_id}`,
        ext,
        isCustom: true
      }
    ])
    expect(server.requests).toHaveLength(1)
  })

  it("merges custom headers over the defaults", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({
      baseUrl: server.origin,
      headers: { Authorization: "Basic bG9naW46a2V5", "X-Region": "fra" }
    })
    await client.POST(close, { params, body: { licence_id, secured_session_id }, headers: { "X-Trace": "t1" } })
    const { headers } = server.last()
    expect([headers["x-api-version"], headers["content-type"], headers.authorization]).toEqual([
      "2",
      FORM_CONTENT_TYPE,
      "Basic bG9naW46a2V5"
    ])
    expect([headers["x-region"], headers["x-trace"]]).toEqual(["fra", "t1"])
  })

  it("accepts headers given as a Headers object or as tuples", async () => {
    await using server = await startRecordingServer(() => ({ body: { events: [] } }))
    const query = { licence_id, secured_session_id }
    await createLiveChatClient({ baseUrl: server.origin, headers: new Headers({ "X-A": "1" }) }).GET(poll, {
      params: { ...params, query }
    })
    await createLiveChatClient({ baseUrl: server.origin, headers: [["X-B", "2"]] }).GET(poll, {
      params: { ...params, query }
    })
    const [first, second] = server.requests
    expect([first?.headers["x-a"], first?.headers["x-api-version"]]).toEqual(["1", "2"])
    expect([second?.headers["x-b"], second?.headers["x-api-version"]]).toEqual(["2", "2"])
  })

  it("lets an explicit bodySerializer replace the form encoder", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({
      baseUrl: server.origin,
      bodySerializer: (body: unknown) => `custom:${Object.keys(body as object).join(",")}`
    })
    await client.POST(close, { params, body: { licence_id, secured_session_id } })
    expect(server.last().body).toBe("custom:licence_id,secured_session_id")
    expect(server.last().headers["content-type"]).toBe(FORM_CONTENT_TYPE)
  })
})

describe("secrets", () => {
  it("never puts secured_session_id into an error message", async () => {
    await using server = await startRecordingServer(() => ({ body: { success: true } }))
    const client = createLiveChatClient({ baseUrl: server.origin })
    const body = { licence_id, secured_session_id, message: { nested: secured_session_id } }
    // @ts-expect-error message must be a string; this reaches the encoder at run time only
    const failure = await client.POST(send, { params, body }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(failure).toBeInstanceOf(TypeError)
    expect(String(failure)).toContain('"message"')
    expect(String(failure)).not.toContain(secured_session_id)
    expect(server.requests).toHaveLength(0)
  })
})
