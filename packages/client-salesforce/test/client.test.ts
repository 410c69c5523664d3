import { startRecordingServer } from "@switchboard/testkit"
import { describe, expect, it } from "vitest"
import {
  createSalesforceClient,
  endSessionParams,
  newSessionHeaders,
  reconnectHeaders,
  SalesforceSession,
  sequencedHeaders,
  sessionHeaders
} from "../src/index.ts"
import { chasitorInitBody, messagesBody, sessionIdBody, wire } from "./fixtures.ts"

const session = SalesforceSession.fromSessionId(sessionIdBody)
const versionOnly = { "X-LIVEAGENT-API-VERSION": "57" }
const sessionOnly = { ...versionOnly, "X-LIVEAGENT-AFFINITY": "2c931fa0", "X-LIVEAGENT-SESSION-KEY": sessionIdBody.key }
const sequenced = (sequence: number) => ({ ...sessionOnly, "X-LIVEAGENT-SEQUENCE": String(sequence) })
const clientFor = (origin: string) => createSalesforceClient({ baseUrl: `${origin}/chat/rest` })
const get = (path: string, search: string, headers: Record<string, string>) => ({
  method: "GET",
  path: `/chat/rest${path}`,
  search,
  headers,
  contentType: undefined,
  body: ""
})
const post = (path: string, headers: Record<string, string>, body: unknown) => ({
  method: "POST",
  path: `/chat/rest${path}`,
  search: "",
  headers,
  contentType: body === undefined ? undefined : "application/json",
  body: body === undefined ? "" : JSON.stringify(body)
})

describe("createSalesforceClient", () => {
  it("creates a session with X-LIVEAGENT-AFFINITY: null and the default API version", async () => {
    await using server = await startRecordingServer(() => ({ body: sessionIdBody }))
    const { data, error, response } = await clientFor(server.origin).GET("/System/SessionId", {
      params: { header: newSessionHeaders() }
    })
    expect(error).toBeUndefined()
    expect(response.status).toBe(200)
    expect(data).toEqual(sessionIdBody)
    expect(wire(server.last())).toEqual(
      get("/System/SessionId", "", { ...versionOnly, "X-LIVEAGENT-AFFINITY": "null" })
    )
  })

  it("sends the configured API version, given as a number or a string, over a header of the same name", async () => {
    await using server = await startRecordingServer(() => ({ body: sessionIdBody }))
    const header = newSessionHeaders()
    await createSalesforceClient({ baseUrl: server.origin, apiVersion: 42 }).GET("/System/SessionId", {
      params: { header }
    })
    expect(server.last().headers["x-liveagent-api-version"]).toBe("42")
    await createSalesforceClient({
      baseUrl: server.origin,
      apiVersion: "47",
      headers: { "x-liveagent-api-version": "30" }
    }).GET("/System/SessionId", { params: { header } })
    expect(server.last().headers["x-liveagent-api-version"]).toBe("47")
  })

  it("lets one call override the API version", async () => {
    await using server = await startRecordingServer(() => ({ body: { isValid: false } }))
    await clientFor(server.origin).GET("/System/ResyncSession", {
      params: { header: { ...sessionHeaders(session), "X-LIVEAGENT-API-VERSION": "36" }, query: { SessionId: "s" } }
    })
    expect(server.last().headers["x-liveagent-api-version"]).toBe("36")
  })

  it("rejects an API version that is not a positive whole number", () => {
    for (const apiVersion of ["", "v57", "0", "57.5", -1, 1.5]) {
      expect(() => createSalesforceClient({ baseUrl: "http://127.0.0.1", apiVersion })).toThrow(TypeError)
    }
  })

  it("passes headers through, whatever their form, and ignores a trailing slash in baseUrl", async () => {
    await using server = await startRecordingServer(() => ({ body: sessionIdBody }))
    for (const headers of [
      { "X-Trace": "t-1" },
      new Headers({ "X-Trace": "t-1" }),
      [["X-Trace", "t-1"]] as [string, string][]
    ]) {
      await createSalesforceClient({ baseUrl: `${server.origin}/chat/rest/`, headers }).GET("/System/SessionId", {
        params: { header: newSessionHeaders() }
      })
      expect(server.last().url.pathname).toBe("/chat/rest/System/SessionId")
      expect(server.last().headers["x-trace"]).toBe("t-1")
      expect(server.last().headers["x-liveagent-api-version"]).toBe("57")
    }
  })

  it("sends every request through a custom fetch", async () => {
    await using server = await startRecordingServer(() => ({ body: sessionIdBody }))
    const seen: Array<string> = []
    const client = createSalesforceClient({
      baseUrl: `${server.origin}/chat/rest`,
      fetch: (request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-liveagent-affinity")}`)
        return globalThis.fetch(request)
      }
    })
    const { data } = await client.GET("/System/SessionId", { params: { header: newSessionHeaders() } })
    expect(data?.key).toBe(sessionIdBody.key)
    expect(seen).toEqual(["GET /chat/rest/System/SessionId null"])
    expect(server.requests).toHaveLength(1)
  })

  it("answers from a custom fetch alone, without any server", async () => {
    const client = createSalesforceClient({
      baseUrl: "http://127.0.0.1:9/chat/rest",
      fetch: async () => new Response(null, { status: 204 })
    })
    const { data, error, response } = await client.GET("/System/Messages", {
      params: { header: sessionHeaders(session), query: { ack: 4 } }
    })
    expect(response.status).toBe(204)
    expect(data).toBeUndefined()
    expect(error).toBeUndefined()
  })
})

describe("System resources", () => {
  it("ends a session with DELETE, the key percent-encoded as a path segment", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const signed = SalesforceSession.make({
      key: "3a5c9d1e-7b2f-4c8a-9e6d-1f0b2c3d4e5f!1700000000000!Zm9vYmFy=",
      affinityToken: "2c931fa0"
    })
    const { data, error, response } = await clientFor(server.origin).DELETE("/System/SessionId/{sessionKey}", {
      params: endSessionParams(signed)
    })
    expect([data, error, response.status]).toEqual([undefined, undefined, 200])
    expect(wire(server.last())).toEqual({
      method: "DELETE",
      path: "/chat/rest/System/SessionId/3a5c9d1e-7b2f-4c8a-9e6d-1f0b2c3d4e5f!1700000000000!Zm9vYmFy%3D",
      search: "",
      headers: { ...versionOnly, "X-LIVEAGENT-AFFINITY": "2c931fa0" },
      contentType: undefined,
      body: ""
    })
  })

  it("surfaces a plain-text 403 on DELETE as error", async () => {
    await using server = await startRecordingServer(() => ({ status: 403, body: "Session not valid" }))
    const { data, error, response } = await clientFor(server.origin).DELETE("/System/SessionId/{sessionKey}", {
      params: endSessionParams(session)
    })
    expect(data).toBeUndefined()
    expect(error).toBe("Session not valid")
    expect(response.status).toBe(403)
  })

  it("polls Messages with ack=-1 first, session headers and no sequence", async () => {
    await using server = await startRecordingServer(() => ({ body: messagesBody }))
    const { data } = await clientFor(server.origin).GET("/System/Messages", {
      params: { header: sessionHeaders(session), query: { ack: -1 } }
    })
    expect(wire(server.last())).toEqual(get("/System/Messages", "?ack=-1", sessionOnly))
    expect(data).toEqual(messagesBody)
    const texts = (data?.messages ?? []).flatMap((entry) => (entry.type === "ChatMessage" ? [entry.message.text] : []))
    expect(texts).toEqual(["hello json"])
  })

  it("acknowledges the last sequence on the next poll", async () => {
    await using server = await startRecordingServer(() => ({ body: { messages: [], sequence: 5 } }))
    const { data } = await clientFor(server.origin).GET("/System/Messages", {
      params: { header: sessionHeaders(session), query: { ack: messagesBody.sequence } }
    })
    expect(wire(server.last())).toEqual(get("/System/Messages", "?ack=4", sessionOnly))
    expect(data?.sequence).toBe(5)
  })

  it("returns no data and no error for a 204 poll", async () => {
    await using server = await startRecordingServer(() => ({ status: 204 }))
    const { data, error, response } = await clientFor(server.origin).GET("/System/Messages", {
      params: { header: sessionHeaders(session), query: { ack: 4 } }
    })
    expect([data, error, response.status, response.ok]).toEqual([undefined, undefined, 204, true])
  })

  it("surfaces JSON and text error bodies of a poll with their status", async () => {
    await using server = await startRecordingServer(() => ({ status: 409, body: { error: "Concurrent long poll" } }))
    const client = clientFor(server.origin)
    const init = { params: { header: sessionHeaders(session), query: { ack: 4 } } }
    const conflict = await client.GET("/System/Messages", init)
    expect(conflict.error).toEqual({ error: "Concurrent long poll" })
    expect(conflict.response.status).toBe(409)
    server.respondWith(() => ({
      status: 503,
      headers: { "content-type": "text/plain" },
      body: "503 Service Unavailable"
    }))
    const handover = await client.GET("/System/Messages", init)
    expect(handover.data).toBeUndefined()
    expect(handover.error).toBe("503 Service Unavailable")
    expect(handover.response.status).toBe(503)
  })

  it("reconnects with ReconnectSession.offset, affinity null and the session key", async () => {
    await using server = await startRecordingServer(() => ({
      body: { messages: [{ type: "ReconnectSession", message: { resetSequence: true, affinityToken: "878a1fa0" } }] }
    }))
    const { data } = await clientFor(server.origin).GET("/System/ReconnectSession", {
      params: { header: reconnectHeaders(session), query: { "ReconnectSession.offset": 54647226 } }
    })
    expect(wire(server.last())).toEqual(
      get("/System/ReconnectSession", "?ReconnectSession.offset=54647226", {
        ...sessionOnly,
        "X-LIVEAGENT-AFFINITY": "null"
      })
    )
    const reconnected = session.withAffinityToken(data?.messages[0]?.message.affinityToken ?? "")
    expect(sessionHeaders(reconnected)).toEqual({
      "X-LIVEAGENT-AFFINITY": "878a1fa0",
      "X-LIVEAGENT-SESSION-KEY": sessionIdBody.key
    })
  })

  it("resyncs a pre-37 session with the SessionId query parameter", async () => {
    await using server = await startRecordingServer(() => ({
      body: { isValid: true, key: sessionIdBody.key, affinityToken: "878a1fa0" }
    }))
    const { data } = await clientFor(server.origin).GET("/System/ResyncSession", {
      params: { header: sessionHeaders(session), query: { SessionId: sessionIdBody.id } }
    })
    expect(wire(server.last())).toEqual(get("/System/ResyncSession", `?SessionId=${sessionIdBody.id}`, sessionOnly))
    expect(data?.isValid).toBe(true)
  })

  it("batches nouns with MultiNoun as JSON, sequenced", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const body = {
      nouns: [
        { prefix: "Chasitor", noun: "ChatMessage", data: JSON.stringify({ text: "Is anyone there?" }) },
        { prefix: "Chasitor", noun: "ChasitorNotTyping" }
      ]
    }
    await clientFor(server.origin).POST("/System/MultiNoun", {
      params: { header: sequencedHeaders(session, 6) },
      body,
      parseAs: "text"
    })
    expect(wire(server.last())).toEqual(post("/System/MultiNoun", sequenced(6), body))
  })
})

describe("Chasitor resources", () => {
  it("requests a chat with the ChasitorInit JSON body and reads the OK text", async () => {
    await using server = await startRecordingServer(() => ({
      headers: { "content-type": "text/plain" },
      body: "OK"
    }))
    const { data, error } = await clientFor(server.origin).POST("/Chasitor/ChasitorInit", {
      params: { header: sequencedHeaders(session, 1) },
      body: chasitorInitBody,
      parseAs: "text"
    })
    expect([data, error]).toEqual(["OK", undefined])
    expect(wire(server.last())).toEqual(post("/Chasitor/ChasitorInit", sequenced(1), chasitorInitBody))
  })

  it("fails to parse a text body as JSON unless the call asks for text (documented trap)", async () => {
    await using server = await startRecordingServer(() => ({ headers: { "content-type": "text/plain" }, body: "OK" }))
    await expect(
      clientFor(server.origin).POST("/Chasitor/ChasitorInit", {
        params: { header: sequencedHeaders(session, 1) },
        body: chasitorInitBody
      })
    ).rejects.toThrow(SyntaxError)
  })

  it("sends a chat message as { text } with the caller's sequence, the same one on a retry", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const client = clientFor(server.origin)
    const send = () =>
      client.POST("/Chasitor/ChatMessage", {
        params: { header: sequencedHeaders(session, 2) },
        body: { text: "Hi, I need help with my TV settings." },
        parseAs: "text"
      })
    const first = await send()
    const retry = await send()
    expect([first.error, retry.error, first.response.status]).toEqual([undefined, undefined, 200])
    const expected = post("/Chasitor/ChatMessage", sequenced(2), { text: "Hi, I need help with my TV settings." })
    expect(server.requests.map(wire)).toEqual([expected, expected])
    expect(server.last().body).toBe('{"text":"Hi, I need help with my TV settings."}')
  })

  it("sends typing signals with {} or with no body at all", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const client = clientFor(server.origin)
    await client.POST("/Chasitor/ChasitorTyping", { params: { header: sequencedHeaders(session, 3) }, body: {} })
    expect(wire(server.last())).toEqual(post("/Chasitor/ChasitorTyping", sequenced(3), {}))
    expect(server.last().body).toBe("{}")
    await client.POST("/Chasitor/ChasitorNotTyping", { params: { header: sequencedHeaders(session, 4) } })
    expect(wire(server.last())).toEqual(post("/Chasitor/ChasitorNotTyping", sequenced(4), undefined))
  })

  it("sends a sneak peek as { position, text }", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    await clientFor(server.origin).POST("/Chasitor/ChasitorSneakPeek", {
      params: { header: sequencedHeaders(session, 5) },
      body: { position: 13, text: "My TV shows a" }
    })
    expect(wire(server.last())).toEqual(
      post("/Chasitor/ChasitorSneakPeek", sequenced(5), { position: 13, text: "My TV shows a" })
    )
    expect(server.last().body).toBe('{"position":13,"text":"My TV shows a"}')
  })

  it("ends a chat with either accepted ChatEnd body", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const client = clientFor(server.origin)
    await client.POST("/Chasitor/ChatEnd", {
      params: { header: sequencedHeaders(session, 7) },
      body: { reason: "client" }
    })
    expect(server.last().body).toBe('{"reason":"client"}')
    await client.POST("/Chasitor/ChatEnd", {
      params: { header: sequencedHeaders(session, 8) },
      body: { ChatEndReason: { reason: "client" } }
    })
    expect(server.last().body).toBe('{"ChatEndReason":{"reason":"client"}}')
    expect(server.requests.map(wire)).toEqual([
      post("/Chasitor/ChatEnd", sequenced(7), { reason: "client" }),
      post("/Chasitor/ChatEnd", sequenced(8), { ChatEndReason: { reason: "client" } })
    ])
  })

  it("sends a custom event as { type, data }", async () => {
    await using server = await startRecordingServer(() => ({ status: 202 }))
    const { error, response } = await clientFor(server.origin).POST("/Chasitor/CustomEvent", {
      params: { header: sequencedHeaders(session, 9) },
      body: { type: "cartValue", data: "129.90" }
    })
    expect([error, response.status]).toEqual([undefined, 202])
    expect(wire(server.last())).toEqual(
      post("/Chasitor/CustomEvent", sequenced(9), { type: "cartValue", data: "129.90" })
    )
  })

  it("reports the idle-timeout warning state, with or without a sequence", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const client = clientFor(server.origin)
    await client.POST("/Chasitor/ChasitorIdleTimeoutWarningEvent", {
      params: { header: sequencedHeaders(session, 10) },
      body: { idleTimeoutWarningEvent: "triggered" }
    })
    await client.POST("/Chasitor/ChasitorIdleTimeoutWarningEvent", {
      params: { header: sessionHeaders(session) },
      body: { idleTimeoutWarningEvent: "cleared" }
    })
    expect(server.requests.map(wire)).toEqual([
      post("/Chasitor/ChasitorIdleTimeoutWarningEvent", sequenced(10), { idleTimeoutWarningEvent: "triggered" }),
      post("/Chasitor/ChasitorIdleTimeoutWarningEvent", sessionOnly, { idleTimeoutWarningEvent: "cleared" })
    ])
  })

  it("resyncs the chat state with { organizationId } and no sequence", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    await clientFor(server.origin).POST("/Chasitor/ChasitorResyncState", {
      params: { header: sessionHeaders(session) },
      body: { organizationId: "00DD0000000JVXs" }
    })
    expect(wire(server.last())).toEqual(
      post("/Chasitor/ChasitorResyncState", sessionOnly, { organizationId: "00DD0000000JVXs" })
    )
  })

  it("surfaces the 500 of a message sent before ChatEstablished", async () => {
    await using server = await startRecordingServer(() => ({ status: 500, body: "500 Internal Server Error" }))
    const { data, error, response } = await clientFor(server.origin).POST("/Chasitor/ChatMessage", {
      params: { header: sequencedHeaders(session, 1) },
      body: { text: "too early" }
    })
    expect([data, error, response.status]).toEqual([undefined, "500 Internal Server Error", 500])
  })
})

describe("Visitor resources", () => {
  it("checks availability with dotted parameters and a comma-separated id list, version header only", async () => {
    await using server = await startRecordingServer(() => ({
      body: {
        messages: [
          {
            type: "Availability",
            message: { results: [{ id: "573D0000000002W", isAvailable: true, estimatedWaitTime: 30 }] }
          }
        ]
      }
    }))
    const { data } = await clientFor(server.origin).GET("/Visitor/Availability", {
      params: {
        query: {
          org_id: "00DD0000000JVXs",
          deployment_id: "572D0000000002R",
          "Availability.ids": ["573D0000000002W", "573D0000000002X"],
          "Availability.needEstimatedWaitTime": 1
        }
      }
    })
    expect(wire(server.last())).toEqual(
      get(
        "/Visitor/Availability",
        "?org_id=00DD0000000JVXs&deployment_id=572D0000000002R" +
          "&Availability.ids=573D0000000002W,573D0000000002X&Availability.needEstimatedWaitTime=1",
        versionOnly
      )
    )
    const entry = data?.messages[0]
    expect(entry?.type === "Availability" ? entry.message.results[0]?.isAvailable : undefined).toBe(true)
  })

  it("repeats array parameters when the caller brings its own querySerializer", async () => {
    await using server = await startRecordingServer(() => ({ body: { messages: [] } }))
    const client = createSalesforceClient({
      baseUrl: server.origin,
      querySerializer: { array: { style: "form", explode: true } }
    })
    await client.GET("/Visitor/Availability", {
      params: {
        query: {
          org_id: "00DD0000000JVXs",
          deployment_id: "572D0000000002R",
          "Availability.ids": ["573D0000000002W", "005D0000001ZC3z"]
        }
      }
    })
    expect(server.last().url.search).toBe(
      "?org_id=00DD0000000JVXs&deployment_id=572D0000000002R&Availability.ids=573D0000000002W&Availability.ids=005D0000001ZC3z"
    )
  })

  it("reads settings with Settings.buttonIds as a comma-separated list", async () => {
    await using server = await startRecordingServer(() => ({
      body: {
        messages: [
          {
            type: "Settings",
            message: { pingrate: 50000, buttons: [{ id: "573D0000000002W", type: "Standard", isAvailable: true }] }
          }
        ]
      }
    }))
    const { data } = await clientFor(server.origin).GET("/Visitor/Settings", {
      params: {
        query: {
          org_id: "00DD0000000JVXs",
          deployment_id: "572D0000000002R",
          "Settings.buttonIds": ["573D0000000002W", "573D0000000002X"],
          "Settings.updateBreadcrumb": true,
          "Settings.needEstimatedWaitTime": 1
        }
      }
    })
    expect(wire(server.last())).toEqual(
      get(
        "/Visitor/Settings",
        "?org_id=00DD0000000JVXs&deployment_id=572D0000000002R&Settings.buttonIds=573D0000000002W,573D0000000002X" +
          "&Settings.updateBreadcrumb=true&Settings.needEstimatedWaitTime=1",
        versionOnly
      )
    )
    const entry = data?.messages[0]
    expect(entry?.type === "Settings" ? entry.message.pingrate : undefined).toBe(50000)
  })

  it("posts a breadcrumb with the version header only, or with optional session headers", async () => {
    await using server = await startRecordingServer(() => ({ status: 200 }))
    const client = clientFor(server.origin)
    await client.POST("/Visitor/Breadcrumb", { body: { location: "https://www.example.com/pricing" } })
    expect(wire(server.last())).toEqual(
      post("/Visitor/Breadcrumb", versionOnly, { location: "https://www.example.com/pricing" })
    )
    await client.POST("/Visitor/Breadcrumb", {
      params: { header: sessionHeaders(session) },
      body: { location: "https://www.example.com/support" }
    })
    expect(wire(server.last())).toEqual(
      post("/Visitor/Breadcrumb", sessionOnly, { location: "https://www.example.com/support" })
    )
  })

  it("gets a visitor id in either the bare or the wrapped shape", async () => {
    await using server = await startRecordingServer(() => ({ body: { sessionId: "3e3b0a1c" } }))
    const client = clientFor(server.origin)
    const query = { org_id: "00DD0000000JVXs", deployment_id: "572D0000000002R" }
    const bare = await client.GET("/Visitor/VisitorId", { params: { query } })
    expect(wire(server.last())).toEqual(
      get("/Visitor/VisitorId", "?org_id=00DD0000000JVXs&deployment_id=572D0000000002R", versionOnly)
    )
    server.respondWith(() => ({
      body: { messages: [{ type: "VisitorId", message: { sessionId: "3e3b0a1c" } }] }
    }))
    const wrapped = await client.GET("/Visitor/VisitorId", { params: { query } })
    const idOf = (data: typeof bare.data) =>
      data === undefined
        ? undefined
        : "sessionId" in data
          ? data.sessionId
          : data.messages.flatMap((entry) => (entry.type === "VisitorId" ? [entry.message.sessionId] : []))[0]
    expect([idOf(bare.data), idOf(wrapped.data)]).toEqual(["3e3b0a1c", "3e3b0a1c"])
  })
})
