/**
 * The hostile proxy itself (`@switchboard/testkit`), so that a failing hostile suite means core, not the proxy: how
 * it classifies each provider's requests, that it forwards unchanged by default, and that each behaviour answers
 * what it says, after the simulator applied the request where it should.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http"
import { gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { type Classified, classify, type HostileProxy, startHostileProxy } from "@switchboard/testkit"
import { afterEach, beforeEach } from "vitest"

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

interface Sent {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Stop reading after this many bytes (the socket is destroyed). */
  readonly maxBytes?: number
  /** Give up (destroy the socket) after this long without the end; resolves with what came. */
  readonly giveUpMs?: number
}

/** One request over its own socket; resolves with what arrived (the body possibly cut by `maxBytes`/`giveUpMs`). */
const send = (url: string, options: Sent = {}): Promise<Reply & { readonly complete: boolean }> =>
  new Promise((resolve) => {
    const out = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: false })
    let status = 0
    let headers: IncomingHttpHeaders = {}
    const chunks: Array<Buffer> = []
    let length = 0
    let settled = false
    const finish = (complete: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      out.destroy()
      resolve({ status, headers, body: Buffer.concat(chunks), complete })
    }
    const timer = setTimeout(() => finish(false), options.giveUpMs ?? 10_000)
    out.on("response", (answer) => {
      status = answer.statusCode ?? 0
      headers = answer.headers
      answer.on("data", (chunk: Buffer) => {
        length += chunk.length
        if (options.maxBytes === undefined || length <= options.maxBytes) chunks.push(chunk)
        if (options.maxBytes !== undefined && length >= options.maxBytes) finish(false)
      })
      answer.on("end", () => finish(true))
      answer.on("error", () => finish(false))
    })
    // No answer, or a connection cut short: what came so far, incomplete (status 0 when nothing came).
    out.on("error", () => finish(false))
    out.end(options.body)
  })

/** Waits until `check` holds (polling every 10 ms), failing after `timeout`. */
const until = async (what: string, check: () => boolean, timeout = 5000) => {
  const deadline = Date.now() + timeout
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const lc = { "x-api-version": "2", "content-type": "application/x-www-form-urlencoded" }

describe("classify", () => {
  const cases: ReadonlyArray<readonly [string, string, string | undefined, Partial<Classified>]> = [
    ["GET", "/salesforce/chat/rest/System/SessionId", undefined, { operation: "start", name: "getSessionId" }],
    ["GET", "/salesforce/chat/rest/System/SessionId/", undefined, { operation: "start", name: "getSessionId" }],
    ["POST", "/salesforce/chat/rest/Chasitor/ChasitorInit", "{}", { operation: "start", name: "chasitorInit" }],
    ["GET", "/salesforce/chat/rest/System/Messages?ack=3", undefined, { operation: "poll", name: "getMessages" }],
    ["POST", "/salesforce/chat/rest/Chasitor/ChatMessage", undefined, { operation: "send", name: "chatMessage" }],
    ["POST", "/salesforce/chat/rest/Chasitor/ChatEnd", undefined, { operation: "end", name: "chatEnd" }],
    ["DELETE", "/salesforce/chat/rest/System/SessionId/a!b", undefined, { operation: "end", name: "deleteSession" }],
    ["POST", "/salesforce/chat/rest/Chasitor/ChasitorTyping", undefined, { operation: "other" }],
    ["GET", "/salesforce/chat/rest/System/ReconnectSession?x=1", undefined, { operation: "other" }],
    ["POST", "/liveperson/api/account/9/chat/request?v=1", undefined, { operation: "start", name: "requestChat" }],
    ["GET", "/liveperson/api/account/9/chat/availability?v=1", undefined, { operation: "other" }],
    ["GET", "/liveperson/api/account/9/chat/estimatedWaitTime?v=1", undefined, { operation: "other" }],
    ["GET", "/liveperson/api/account/9/chat/H1?v=1&from=4", undefined, { operation: "poll", chat: "H1" }],
    ["GET", "/liveperson/api/account/9/chat/H1/events?from=4", undefined, { operation: "poll", name: "getChatEvents" }],
    ["GET", "/liveperson/api/account/9/chat/H1/info?v=1", undefined, { operation: "other" }],
    ["POST", "/liveperson/api/account/9/chat/H1/info/visitorName?v=1", undefined, { operation: "other" }],
    [
      "POST",
      "/liveperson/api/account/9/chat/H1/events?v=1",
      '{"event":{"@type":"line","text":"hi","textType":"plain"}}',
      { operation: "send" }
    ],
    [
      "POST",
      "/liveperson/api/account/9/chat/H1/events?v=1",
      '{"event":{"@type":"state","state":"ended"}}',
      { operation: "end" }
    ],
    ["POST", "/livechat/visitors/v-1/chat/start", undefined, { operation: "start", chat: "v-1" }],
    ["GET", "/livechat/visitors/v-1/chat/get_pending_messages?x=1", undefined, { operation: "poll" }],
    ["POST", "/livechat/visitors/v-1/chat/send_message", undefined, { operation: "send" }],
    ["POST", "/livechat/visitors/v-1/chat/close", undefined, { operation: "end" }],
    ["GET", "/_agent/chats", undefined, { provider: undefined, operation: "other" }]
  ]
  it.each(cases)("%s %s", (method, path, body, expected) => {
    const got = classify(method, path, body)
    for (const [key, value] of Object.entries(expected)) {
      assert.strictEqual(got[key as keyof Classified], value, `${key} of ${method} ${path}`)
    }
    if (!("provider" in expected)) {
      const provider = path.split("/")[1]
      assert.strictEqual(got.provider, provider)
    }
  })
})

describe("startHostileProxy against the simulator", () => {
  let sim: RunningSimulator
  let proxy: HostileProxy
  beforeEach(async () => {
    sim = await startSimulator({ validateResponses: true })
    proxy = await startHostileProxy({ upstream: sim.url, trickleIntervalMs: 200, hugeBytes: 2 * 1024 * 1024 })
  })
  afterEach(async () => {
    await proxy.close()
    await sim.close()
  })

  const licence = () => sim.settings.livechat.licenceId
  const liveChat = async (visitor = "v-1") => {
    const started = await send(`${proxy.origin}/livechat/visitors/${visitor}/chat/start`, {
      method: "POST",
      headers: lc,
      body: `licence_id=${licence()}&welcome_message=Hello&name=Ada`
    })
    assert.strictEqual(started.status, 200)
    const secret = (JSON.parse(started.body.toString()) as { secured_session_id: string }).secured_session_id
    const poll = `${proxy.origin}/livechat/visitors/${visitor}/chat/get_pending_messages?licence_id=${licence()}&secured_session_id=${encodeURIComponent(secret)}`
    const chat = sim.hub.list({ provider: "livechat" }).at(-1)
    if (chat === undefined) throw new Error("no chat")
    return { secret, poll, chat }
  }

  it("forwards unchanged by default and records every request", async () => {
    const { poll } = await liveChat()
    const direct = await send(poll.replace(proxy.origin, sim.url), { headers: lc })
    const proxied = await send(poll, { headers: lc })
    assert.strictEqual(proxied.status, 200)
    assert.deepStrictEqual(proxied.body.toString(), direct.body.toString())
    assert.strictEqual(proxy.count({ provider: "livechat", operation: "start" }), 1)
    assert.strictEqual(proxy.count({ provider: "livechat", operation: "poll" }), 1)
  })

  it("keeps the client's Host: LivePerson's Location names the proxy", async () => {
    const { accountId, appKey, skills } = sim.settings.liveperson
    const answer = await send(`${proxy.origin}/liveperson/api/account/${accountId}/chat/request?v=1`, {
      method: "POST",
      headers: { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" },
      body: JSON.stringify({ request: { skill: skills[0] } })
    })
    assert.strictEqual(answer.status, 201)
    assert.isTrue(String(answer.headers.location).startsWith(`${proxy.origin}/liveperson/api/account/`))

    proxy.add({ provider: "liveperson", operation: "start", behaviour: "gzip", times: 1 })
    const zipped = await send(`${proxy.origin}/liveperson/api/account/${accountId}/chat/request?v=1`, {
      method: "POST",
      headers: { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" },
      body: JSON.stringify({ request: { skill: skills[0] } })
    })
    assert.strictEqual(zipped.status, 201)
    assert.strictEqual(zipped.headers["content-encoding"], "gzip")
    assert.strictEqual(gunzipSync(zipped.body).length, 0, "an empty body, gzip-encoded")
    assert.isTrue(String(zipped.headers.location).startsWith(`${proxy.origin}/liveperson/api/account/`))
  })

  it("malformed-json, html-200, html-502: forwarded first (applied), then replaced", async () => {
    const { chat, secret } = await liveChat()
    const texts = ["one", "two", "three"]
    for (const [i, behaviour] of (["malformed-json", "html-200", "html-502"] as const).entries()) {
      proxy.add({ provider: "livechat", operation: "send", behaviour, times: 1 })
      const answer = await send(`${proxy.origin}/livechat/visitors/v-1/chat/send_message`, {
        method: "POST",
        headers: lc,
        body: `licence_id=${licence()}&secured_session_id=${encodeURIComponent(secret)}&message=${texts[i]}`
      })
      if (behaviour === "malformed-json") {
        assert.strictEqual(answer.status, 200)
        assert.throws(() => JSON.parse(answer.body.toString()))
      } else {
        assert.strictEqual(answer.status, behaviour === "html-200" ? 200 : 502)
        assert.match(String(answer.headers["content-type"]), /text\/html/)
      }
    }
    const lines = sim.hub
      .get(chat.id)
      .transcript.flatMap((e) => (e.kind === "message" && e.from === "visitor" ? [e.text] : []))
    assert.deepStrictEqual(lines, ["Hello", ...texts])
    assert.strictEqual(proxy.rules().length, 0, "rules with times retire")
  })

  it("endless-body streams without end, trickle-body one byte at a time, silence never answers", async () => {
    const { poll } = await liveChat()
    proxy.add({ operation: "poll", behaviour: "endless-body", times: 1 })
    const endless = await send(poll, { headers: lc, maxBytes: 8 * 1024 * 1024 })
    assert.strictEqual(endless.status, 200)
    assert.isFalse(endless.complete)
    assert.isAtLeast(endless.body.length, 8 * 1024 * 1024 - 64 * 1024)

    proxy.add({ operation: "poll", behaviour: "trickle-body", times: 1 })
    const trickle = await send(poll, { headers: lc, giveUpMs: 700 })
    assert.strictEqual(trickle.status, 200)
    assert.isFalse(trickle.complete)
    assert.isAtLeast(trickle.body.length, 2) // 200 ms apart: about 4 in 700 ms
    assert.isAtMost(trickle.body.length, 6)

    proxy.add({ operation: "poll", behaviour: "silence", times: 1 })
    const silent = await send(poll, { headers: lc, giveUpMs: 500 })
    assert.strictEqual(silent.status, 0)
    await until("the hostile answers to end with their clients", () => proxy.hostileInFlight === 0)
  })

  it("huge-page is one valid JSON document of the configured size", async () => {
    const { poll } = await liveChat()
    proxy.add({ operation: "poll", behaviour: "huge-page", times: 1 })
    const huge = await send(poll, { headers: lc, maxBytes: 64 * 1024 * 1024 })
    assert.isTrue(huge.complete)
    assert.strictEqual(Number(huge.headers["content-length"]), huge.body.length)
    assert.isAtLeast(huge.body.length, 2 * 1024 * 1024)
    const parsed = JSON.parse(huge.body.toString()) as { events: unknown }
    assert.deepStrictEqual(parsed.events, [])
  })

  it("gzip encodes the real answer; redirect sends to the same origin, redirect-cross-origin to the second listener, which forward", async () => {
    const { poll } = await liveChat()
    const plain = await send(poll, { headers: lc })
    proxy.add({ operation: "poll", behaviour: "gzip", times: 1 })
    const zipped = await send(poll, { headers: lc })
    assert.strictEqual(zipped.headers["content-encoding"], "gzip")
    assert.strictEqual(gunzipSync(zipped.body).toString(), plain.body.toString())

    proxy.add({ operation: "poll", behaviour: "redirect", times: 1 })
    const here = await send(poll, { headers: lc })
    assert.strictEqual(here.status, 307)
    const same = new URL(String(here.headers.location), poll)
    assert.strictEqual(same.origin, proxy.origin)
    assert.notStrictEqual(same.href, poll)
    assert.strictEqual((await send(same.href, { headers: lc })).body.toString(), plain.body.toString())

    proxy.add({ operation: "poll", behaviour: "redirect-cross-origin", times: 1 })
    const moved = await send(poll, { headers: lc })
    assert.strictEqual(moved.status, 307)
    const location = String(moved.headers.location)
    assert.strictEqual(location, poll.replace(proxy.origin, proxy.redirectOrigin))
    const followed = await send(location, { headers: lc })
    assert.strictEqual(followed.body.toString(), plain.body.toString())
    assert.strictEqual(proxy.count({ operation: "poll", listener: "redirect" }), 1)
  })

  it("instant-empty answers each provider's empty answer without forwarding", async () => {
    const { poll, chat } = await liveChat()
    sim.hub.accept(chat.id, { name: "Grace" })
    proxy.add({ operation: "poll", behaviour: "instant-empty" })
    const empty = await send(poll, { headers: lc })
    assert.deepStrictEqual(JSON.parse(empty.body.toString()), { events: [] })

    const headers = { "x-liveagent-api-version": "57", "x-liveagent-affinity": "null" }
    proxy.add({ provider: "salesforce", behaviour: "instant-empty", times: 1 })
    const sf = await send(`${proxy.origin}/salesforce/chat/rest/System/SessionId`, { headers })
    assert.strictEqual(sf.status, 204)
    assert.strictEqual(sf.body.length, 0)

    const { accountId, appKey, skills } = sim.settings.liveperson
    const auth = { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" }
    const created = await send(`${proxy.origin}/liveperson/api/account/${accountId}/chat/request?v=1`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ request: { skill: skills[0] } })
    })
    const uri = String(created.headers.location)
    const real = JSON.parse((await send(`${uri}?v=1&from=0`, { headers: auth })).body.toString()) as {
      chat: { info: unknown; link: Array<{ "@rel": string; "@href": string }> }
    }
    const lpChats = sim.hub.list({ provider: "liveperson" }).length
    const polled = proxy.count({ provider: "liveperson", operation: "poll" })
    const page = JSON.parse((await send(`${uri}?v=1&from=2`, { headers: auth })).body.toString()) as {
      chat: { events: Record<string, unknown>; info: unknown; link: Array<{ "@rel": string; "@href": string }> }
    }
    assert.strictEqual(proxy.count({ provider: "liveperson", operation: "poll" }), polled + 1)
    assert.isUndefined(page.chat.events.event)
    assert.deepStrictEqual(page.chat.info, real.chat.info)
    assert.strictEqual(page.chat.link.find((link) => link["@rel"] === "next")?.["@href"], `${uri}?from=2`)
    assert.strictEqual(sim.hub.list({ provider: "liveperson" }).length, lpChats)
  })

  it("a client that gives up on a held Salesforce poll releases it at the simulator (no 409 for the next one)", async () => {
    const base = `${proxy.origin}/salesforce/chat/rest`
    const open = JSON.parse(
      (
        await send(`${base}/System/SessionId`, {
          headers: { "x-liveagent-api-version": "57", "x-liveagent-affinity": "null" }
        })
      ).body.toString()
    ) as { id: string; key: string; affinityToken: string }
    const headers = {
      "x-liveagent-api-version": "57",
      "x-liveagent-affinity": open.affinityToken,
      "x-liveagent-session-key": open.key
    }
    const { orgId, deploymentId, buttonId } = sim.settings.salesforce
    await send(`${base}/Chasitor/ChasitorInit`, {
      method: "POST",
      headers: { ...headers, "x-liveagent-sequence": "1", "content-type": "application/json" },
      body: JSON.stringify({
        organizationId: orgId,
        deploymentId,
        buttonId,
        sessionId: open.id,
        userAgent: "t",
        language: "en-US",
        screenResolution: "",
        visitorName: "Ada",
        prechatDetails: [],
        prechatEntities: [],
        receiveQueueUpdates: true,
        isPost: true
      })
    })
    const first = await send(`${base}/System/Messages?ack=-1`, { headers })
    assert.strictEqual(first.status, 200)
    const sequence = (JSON.parse(first.body.toString()) as { sequence: number }).sequence
    const abandoned = await send(`${base}/System/Messages?ack=${sequence}`, { headers, giveUpMs: 300 })
    assert.isFalse(abandoned.complete)
    const chat = sim.hub.list({ provider: "salesforce" }).at(-1)
    if (chat === undefined) throw new Error("no chat")
    const next = send(`${base}/System/Messages?ack=${sequence}`, { headers })
    setTimeout(() => sim.hub.accept(chat.id, { name: "Grace" }), 100)
    const answer = await next
    assert.strictEqual(answer.status, 200, answer.body.toString())
    assert.match(answer.body.toString(), /ChatEstablished/)
  })

  it("close destroys the sockets of held answers", async () => {
    const { poll } = await liveChat()
    proxy.add({ operation: "poll", behaviour: "silence" })
    proxy.add({ operation: "poll", behaviour: "trickle-body" })
    const held = send(poll, { headers: lc, giveUpMs: 5000 })
    await until("the silent answer to be held", () => proxy.hostileInFlight === 1)
    await proxy.close()
    const answer = await held
    assert.isFalse(answer.complete)
  })
})
