// The soak's server (bench/soak.mjs): the Switchboard simulator playing one provider under one server-variant profile,
// in its own process, with a share of its requests failing (error statuses, resets before apply, answers dropped after
// apply, added latency), and the agent side of every chat driven here, in the simulator's own process:
//   - a chat whose visitor name is `s<i>` is accepted 0.3-1.5 s after it was queued (a chat without such a name, a
//     LivePerson orphan of an ambiguous start, is never accepted: it waits for the provider's timeout);
//   - the agent then says `s<i> a1` ... `s<i> a<M>`, one every `pace` ms; on Salesforce the chat is also handed over
//     (the affinity 503) once, after line M/2;
//   - for even i the agent ends the chat once it has said everything and heard every visitor line (`s<i> v0` to
//     `s<i> v<M>`); for odd i the visitor ends it.
// With `trace`, the visitors talk to a recording proxy in front of the simulator (same process): every exchange of
// every chat (request, status or cut connection, answer body) is kept, and `{ type: "chat", id }` returns them.
// Driven over IPC by soak.mjs: "listening" first, then { type: "report" } and { type: "chat", id } on demand, "stop".
// Usage: node bench/soak-sim.mjs <config JSON: provider, profile, faultRate, messages, pace, seed, lifetimeMs, trace>
import { Agent, createServer, request as forward } from "node:http"
import { startSimulator, variantProfiles } from "@switchboard/simulator"

const config = JSON.parse(process.argv[2])
const { provider, profile, faultRate, messages: M, pace, seed } = config
setTimeout(() => process.exit(0), config.lifetimeMs).unref()
process.on("disconnect", () => process.exit(0))

const found = variantProfiles[provider].find((candidate) => candidate.name === profile)
if (found === undefined) throw new Error(`no ${provider} profile ${profile}`)

// `faultRate` of the requests fail: 40 % of them with an error status (Retry-After 0 on 429 and 503; a Salesforce 503
// is the affinity handover), 30 % with a reset before the request is applied, 30 % applied with the answer dropped.
// Every request also waits 0-25 ms.
const rules =
  faultRate > 0
    ? [
        { provider, errorRate: faultRate * 0.4, statuses: [500, 502, 503, 429], retryAfterSeconds: 0 },
        { provider, resetRate: faultRate * 0.3 },
        { provider, dropRate: faultRate * 0.3 },
        { provider, latencyMs: [0, 25] }
      ]
    : []
const sim = await startSimulator({ port: 0, host: "127.0.0.1", seed, variants: found.variants, faults: rules })
const { hub } = sim

// ---- the agent side -------------------------------------------------------------------------------------------
const named = /^s(\d+)$/
/** Conversations by hub chat id. */
const chats = new Map()
const stats = { accepted: 0, said: 0, sayRefused: 0, agentEnds: 0, handovers: 0, handoversRefused: 0, unnamed: 0 }
const timers = new Set()
const later = (ms, action) => {
  const timer = setTimeout(() => {
    timers.delete(timer)
    action()
  }, ms)
  timers.add(timer)
}

const tryAccept = (id, attempt) => {
  let view
  try {
    view = hub.get(id)
  } catch {
    return
  }
  if (view.state !== "queued") return
  const match = named.exec(view.visitorName)
  if (match === null) {
    // LivePerson names the chat in a second request; a chat nobody names is an orphan: left to its timeout.
    if (attempt < 120) later(500, () => tryAccept(id, attempt + 1))
    else stats.unnamed += 1
    return
  }
  try {
    hub.accept(id, { name: "Grace" })
  } catch {
    return
  }
  stats.accepted += 1
  const chat = { id, index: Number(match[1]), said: 0, ended: false, ending: false }
  chats.set(id, chat)
  later(pace, () => say(chat))
}

const handover = async (chat) => {
  try {
    const response = await sim.fetch(`${sim.urls.control}/chats/${chat.id}/handover`, { method: "POST" })
    await response.arrayBuffer()
    if (response.status === 200) stats.handovers += 1
    else stats.handoversRefused += 1
  } catch {
    stats.handoversRefused += 1
  }
}

const say = (chat) => {
  if (chat.ended) return
  chat.said += 1
  try {
    hub.say(chat.id, `s${chat.index} a${chat.said}`)
    stats.said += 1
  } catch {
    stats.sayRefused += 1
    chat.ended = true
    return
  }
  if (provider === "salesforce" && chat.said === Math.ceil(M / 2)) handover(chat)
  if (chat.said < M) later(pace, () => say(chat))
  else maybeEnd(chat)
}

/** Every visitor line `s<i> v0` ... `s<i> v<M>` is in the chat's transcript. */
const heardAll = (chat) => {
  const prefix = `s${chat.index} v`
  const heard = new Set()
  for (const entry of hub.get(chat.id).transcript) {
    if (entry.kind === "message" && entry.from === "visitor" && entry.text.startsWith(prefix)) heard.add(entry.text)
  }
  return heard.size >= M + 1
}

const maybeEnd = (chat) => {
  if (chat.ended || chat.ending || chat.index % 2 !== 0 || chat.said < M || !heardAll(chat)) return
  chat.ending = true
  later(50, () => {
    if (chat.ended) return
    try {
      hub.end(chat.id, "agent")
      stats.agentEnds += 1
    } catch {
      // Ended meanwhile.
    }
  })
}

hub.on((event) => {
  if (event.chat.provider !== provider) return
  if (event.type === "queued") {
    const id = event.chat.id
    later(300 + Math.floor(Math.random() * 1200), () => tryAccept(id, 0))
    return
  }
  const chat = chats.get(event.chat.id)
  if (chat === undefined) return
  if (event.type === "visitor-message") maybeEnd(chat)
  else if (event.type === "ended") {
    chat.ended = true
  }
})

// ---- the recording proxy (--trace) ------------------------------------------------------------------------------
/** Exchanges by the provider's id of the chat (Salesforce session id, LivePerson chat id, LiveChat visitor id). */
const traces = new Map()
/** Salesforce session keys (request header) to session ids (the chat's native id). */
const sessionIds = new Map()
const traceKey = (url, headers) => {
  if (provider === "salesforce") return sessionIds.get(headers["x-liveagent-session-key"]) ?? "(no session)"
  const match = provider === "liveperson" ? /\/chat\/([^/?]+)/.exec(url) : /\/visitors\/([^/]+)\//.exec(url)
  return match?.[1] ?? "(account)"
}
const record = (key, exchange) => {
  const list = traces.get(key) ?? []
  list.push(exchange)
  traces.set(key, list)
}

const startProxy = () =>
  new Promise((resolve) => {
    const upstream = new Agent({ keepAlive: true, maxSockets: 20_000 })
    const origin = new URL(sim.url)
    const server = createServer((incoming, outgoing) => {
      const began = Date.now()
      const headers = incoming.headers
      const exchange = {
        t: began,
        request: `${incoming.method} ${incoming.url.replace(/appKey=[^&]*/, "appKey=…")}`,
        ...(headers["x-liveagent-sequence"] === undefined ? {} : { sequence: headers["x-liveagent-sequence"] }),
        ...(headers["x-liveagent-affinity"] === undefined ? {} : { affinity: headers["x-liveagent-affinity"] })
      }
      const body = []
      incoming.on("data", (chunk) => body.push(chunk))
      const out = forward(
        {
          host: origin.hostname,
          port: origin.port,
          method: incoming.method,
          path: incoming.url,
          headers,
          agent: upstream
        },
        (answer) => {
          const chunks = []
          answer.on("data", (chunk) => chunks.push(chunk))
          answer.on("error", () => outgoing.destroy())
          answer.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8")
            exchange.status = answer.statusCode
            exchange.ms = Date.now() - began
            if (text) exchange.answer = text.length > 4000 ? `${text.slice(0, 4000)}…` : text
            if (provider === "salesforce" && incoming.url.includes("/System/SessionId") && answer.statusCode === 200) {
              try {
                const { id, key } = JSON.parse(text)
                sessionIds.set(key, id)
              } catch {}
            }
            record(traceKey(incoming.url, headers), exchange)
            outgoing.writeHead(answer.statusCode, answer.headers)
            outgoing.end(text)
          })
        }
      )
      out.on("error", () => {
        exchange.status = "connection cut"
        exchange.ms = Date.now() - began
        record(traceKey(incoming.url, headers), exchange)
        outgoing.destroy()
      })
      incoming.on("end", () => {
        const text = Buffer.concat(body).toString("utf8")
        if (text) exchange.body = text.length > 1000 ? `${text.slice(0, 1000)}…` : text
        out.end(Buffer.concat(body))
      })
      // The visitor gave up (a held poll it abandoned): so does the proxy.
      outgoing.on("close", () => {
        if (!outgoing.writableFinished) out.destroy()
      })
    })
    server.keepAliveTimeout = 65_000
    server.listen(0, "127.0.0.1", () => resolve(server.address().port))
  })
const proxyPort = config.trace ? await startProxy() : undefined

// ---- reports ------------------------------------------------------------------------------------------------------
const messagesOf = (transcript, from) =>
  transcript.flatMap((entry) => (entry.kind === "message" && entry.from === from ? [entry.text] : []))

const report = () => {
  const list = hub.list({ provider }).map((chat) => ({
    id: chat.id,
    name: chat.visitorName,
    state: chat.state,
    endedBy: chat.endedBy,
    endReason: chat.endReason,
    created: Date.parse(chat.createdAt),
    accepted: chat.acceptedAt === undefined ? undefined : Date.parse(chat.acceptedAt),
    visitor: messagesOf(chat.transcript, "visitor"),
    agent: messagesOf(chat.transcript, "agent")
  }))
  return { chats: list, faults: sim.faults.list(), stats, now: Date.now() }
}

process.on("message", async (message) => {
  if (message?.type === "report") {
    process.send({ type: "report", report: report() })
  } else if (message?.type === "chat") {
    let detail
    try {
      const view = hub.get(message.id)
      detail = { view, nativeLog: hub.nativeLog(message.id), trace: traces.get(view.nativeId) }
    } catch (error) {
      detail = { error: String(error) }
    }
    process.send({ type: "chat", detail })
  } else if (message === "stop") {
    for (const timer of timers) clearTimeout(timer)
    await sim.close()
    process.exit(0)
  }
})

const url = proxyPort === undefined ? sim.urls[provider] : sim.urls[provider].replace(`:${sim.port}`, `:${proxyPort}`)
process.send({ type: "listening", url, settings: sim.settings[provider] })
