/**
 * How requests reach the pipeline and answers leave it: over HTTP the simulator reads Node's request and writes Node's
 * response itself, in-process (`sim.fetch`) it takes and gives standard `Request`/`Response` objects. Both must answer
 * the same, and the HTTP side must keep the wire details clients meet: Content-Length, HEAD, repeated headers,
 * request targets refused before routing, bodies (chunked, too large), and held polls released when the client goes.
 */
import { connect } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { createSimulator, type RunningSimulator, type Simulator, startSimulator } from "../src/index.ts"
import { requestSalesforceChat } from "./support/salesforce.ts"

const started: Array<RunningSimulator> = []
afterEach(async () => {
  for (const sim of started.splice(0)) {
    await sim.close()
    expect(sim.violations).toEqual([])
  }
})

const start = async (options: Parameters<typeof startSimulator>[0] = {}) => {
  const sim = await startSimulator({ validateResponses: true, ...options })
  started.push(sim)
  return sim
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a client can tell apart in an answer (the transport's own headers left out). */
const seen = async (response: Response) => ({
  status: response.status,
  contentType: response.headers.get("content-type"),
  location: response.headers.get("location"),
  retryAfter: response.headers.get("retry-after"),
  body: await response.text()
})

/** Sends raw bytes and resolves with everything the server sent back until it closed the connection. */
const raw = (port: number, text: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", reject)
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")))
    socket.end(text)
  })

/** Status line, lower-cased headers (a repeated one joined) and body of a raw HTTP answer. */
const parse = (answer: string) => {
  const end = answer.indexOf("\r\n\r\n")
  const [status = "", ...lines] = answer.slice(0, end).split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers, body: answer.slice(end + 4) }
}

describe("serving over HTTP and in-process", () => {
  it("answers the same requests the same way over HTTP and through sim.fetch", async () => {
    const options = { seed: 11, clock: "manual", validateResponses: true } as const
    const http = await start(options)
    const local: Simulator = createSimulator(options)
    // In-process requests use the HTTP server's origin, so the links LivePerson builds from it match too.
    const both = async (path: string, init: RequestInit = {}) => {
      const overHttp = await seen(await fetch(`${http.url}${path}`, init))
      const inProcess = await seen(await local.fetch(`${http.url}${path}`, init))
      expect(inProcess).toEqual(overHttp)
      return overHttp
    }
    const form = { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" }
    const { licenceId } = http.settings.livechat
    const startChat = await both("/livechat/visitors/ada/chat/start", {
      method: "POST",
      headers: form,
      body: `licence_id=${licenceId}&welcome_message=Hello&name=Ada`
    })
    const secret = (JSON.parse(startChat.body) as { secured_session_id: string }).secured_session_id
    const poll = `/livechat/visitors/ada/chat/get_pending_messages?licence_id=${licenceId}&secured_session_id=${secret}`
    await both(poll, { headers: { "X-API-Version": "2" } })
    await both(poll, { method: "HEAD", headers: { "X-API-Version": "2" } })
    await both("/livechat/visitors/ada/chat/send_message", {
      method: "POST",
      headers: form,
      body: `licence_id=${licenceId}&secured_session_id=${secret}&message=${"é".repeat(10)}`
    })
    await both(`${poll}&last_message_id=1`, { headers: { "X-API-Version": "2" } })
    await both(`${poll}&last_message_id=x+y%zz`, { headers: { "X-API-Version": "2" } })

    const { accountId, appKey } = http.settings.liveperson
    const lp = { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" }
    const requested = await both(`/liveperson/api/account/${accountId}/chat/request?v=1&NC=true`, {
      method: "POST",
      headers: lp,
      body: JSON.stringify({ request: { skill: "Sales", LETagVisitorId: "v1", engagementId: 12 } })
    })
    expect(requested.status).toBe(201)
    const chat = new URL(requested.location ?? "").pathname
    await both(`${chat}?v=1&NC=true&from=0`, { headers: lp })
    await both(`${chat}/events?v=1&from=1`, { headers: lp })
    await both(`${chat}/info?v=1`, {
      headers: { ...lp, "x-forwarded-host": "chat.example", "x-forwarded-proto": "https" }
    })

    await both("/salesforce/chat/rest/System/SessionId", {
      headers: { "X-LIVEAGENT-API-VERSION": "57", "X-LIVEAGENT-AFFINITY": "null" }
    })
    await both("/salesforce/chat/rest/System/SessionId", { method: "POST" })
    await both("/salesforce/chat/Nope")
    await both("/nowhere")
    await both("/_agent/chats?provider=livechat&provider=liveperson")
    await both("/_agent/chats", { method: "PATCH" })

    // Faults: an injected 503 with its Retry-After, then a reset, which rejects in-process like a network error.
    for (const sim of [http, local]) {
      sim.faults.add({ provider: "livechat", errorRate: 1, statuses: [503], retryAfterSeconds: 3, times: 1 })
    }
    expect((await both(poll, { headers: { "X-API-Version": "2" } })).retryAfter).toBe("3")
    for (const sim of [http, local]) sim.faults.add({ provider: "livechat", resetRate: 1, times: 1 })
    await expect(fetch(`${http.url}${poll}`, { headers: { "X-API-Version": "2" } })).rejects.toThrow(TypeError)
    await expect(local.fetch(`${http.url}${poll}`, { headers: { "X-API-Version": "2" } })).rejects.toThrow(TypeError)

    expect(local.violations).toEqual([])
    local.dispose()
  })

  it("writes a body with its Content-Length, answers HEAD without one, and keeps the connection", async () => {
    const sim = await start()
    const request = (method: string) =>
      `${method} /_agent/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`
    const get = parse(await raw(sim.port, request("GET")))
    expect(get.status).toBe("HTTP/1.1 200 OK")
    expect(get.headers["content-type"]).toBe("application/json")
    expect(get.headers["content-length"]).toBe(String(Buffer.byteLength(get.body)))
    expect(JSON.parse(get.body)).toEqual({ chats: [] })
    const head = parse(await raw(sim.port, request("HEAD")))
    expect(head.status).toBe("HTTP/1.1 200 OK")
    expect(head.headers["content-type"]).toBe("application/json")
    expect(head.body).toBe("")

    // Two requests on one kept-alive connection: both answered, in order.
    const twice = await raw(
      sim.port,
      "GET /_agent/availability HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    expect(twice.match(/HTTP\/1\.1 \d+/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 404"])
  })

  it("refuses a request target that makes no URL with a bare 400, and follows dot segments as URLs do", async () => {
    const sim = await start()
    const backslash = parse(await raw(sim.port, "GET /_agent\\chats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    expect(backslash.status).toBe("HTTP/1.1 400 Bad Request")
    expect(backslash.headers["content-type"]).toBeUndefined()
    const dots = parse(
      await raw(sim.port, "GET /livechat/../_agent/chats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    )
    expect(dots.status).toBe("HTTP/1.1 200 OK")
    expect(JSON.parse(dots.body)).toEqual({ chats: [] })
  })

  it("joins a repeated header as a standard Headers does: two app keys are one wrong key", async () => {
    const sim = await start()
    const { accountId, appKey } = sim.settings.liveperson
    const ask = (authorization: ReadonlyArray<string>) =>
      raw(
        sim.port,
        `GET /liveperson/api/account/${accountId}/chat/availability?v=1 HTTP/1.1\r\nHost: x\r\n${authorization
          .map((value) => `Authorization: ${value}\r\n`)
          .join("")}Connection: close\r\n\r\n`
      )
    expect(parse(await ask([`LivePerson appKey=${appKey}`])).status).toBe("HTTP/1.1 200 OK")
    const twice = parse(await ask([`LivePerson appKey=${appKey}`, `LivePerson appKey=${appKey}`]))
    expect(twice.status).toBe("HTTP/1.1 401 Unauthorized")
    expect(twice.body).not.toContain(appKey)
  })

  it("reads a chunked body, and refuses one over 1 MB (declared or streamed) with a 413 that closes", async () => {
    const sim = await start()
    const { licenceId } = sim.settings.livechat
    const chunked = (chunks: ReadonlyArray<string>) =>
      `POST /livechat/visitors/cy/chat/start HTTP/1.1\r\nHost: x\r\nX-API-Version: 2\r\n` +
      "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunks.map((chunk) => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`).join("") +
      "0\r\n\r\n"
    const fields = `licence_id=${licenceId}&welcome_message=Hi&name=Cy`
    const opened = parse(await raw(sim.port, chunked([fields.slice(0, 9), fields.slice(9)])))
    expect(opened.status).toBe("HTTP/1.1 200 OK")
    expect(JSON.parse(opened.body)).toMatchObject({ banned: false })

    const big = "x".repeat(400_000)
    const streamed = parse(await raw(sim.port, chunked([fields, `&name=${big}`, big, big])))
    expect(streamed.status).toBe("HTTP/1.1 413 Payload Too Large")
    expect(streamed.headers.connection).toBe("close")
    expect(JSON.parse(streamed.body)).toEqual({ error: "the request body is larger than 1 MB" })

    const declared = await fetch(`${sim.urls.livechat}/visitors/cy/chat/send_message`, {
      method: "POST",
      headers: { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" },
      body: `message=${"y".repeat(1_100_000)}`
    })
    expect(declared.status).toBe(413)
    expect(declared.headers.get("connection")).toBe("close")
  })

  it("releases a held poll whose client left during an injected latency, before the poll was held", async () => {
    const sim = await start({ salesforce: { pollHoldMs: 5000 } })
    const { base, headers } = await requestSalesforceChat(sim)
    const first = await fetch(`${base}/System/Messages?ack=-1`, { headers })
    expect(first.status).toBe(200)
    const { sequence } = (await first.json()) as { sequence: number }

    // The client gives up while the poll waits out its latency: the poll must not be held for a client that is gone.
    sim.faults.add({ provider: "salesforce", operation: "getMessages", latencyMs: 200, times: 1 })
    const abort = new AbortController()
    const abandoned = fetch(`${base}/System/Messages?ack=${sequence}`, { headers, signal: abort.signal }).catch(
      (error: unknown) => error
    )
    await sleep(50)
    abort.abort()
    expect(await abandoned).toBeInstanceOf(Error)
    await sleep(300)
    const chat = sim.hub.list({ provider: "salesforce" })[0]
    sim.hub.accept(chat?.id ?? "")
    const next = await fetch(`${base}/System/Messages?ack=${sequence}`, { headers })
    expect(next.status).toBe(200)
    expect(sim.hub.get(chat?.id ?? "").state).toBe("chatting")
  })
})
