/**
 * The load generator, in a process of its own: undici `Pool`s with a capped number of connections and a fixed
 * number of closed-loop workers, each drawing its next request from the polling mix with a seeded generator (so
 * every server gets the same sequence of request kinds in a round).
 *
 * `setup` opens the chats on a simulator (the bare server is sent the primary simulator's URLs, ids and secrets);
 * `run` drives one server for a time window and returns counts, latencies, its own CPU time and, on request, the
 * answers recorded per request kind (the bare server's fixtures).
 */
import { createRequire } from "node:module"
import { performance } from "node:perf_hooks"
import { serve } from "./ipc.mjs"
import { mix } from "./mix.mjs"

// undici is a dependency of @switchboard/core (same catalog version); the simulator package does not list it.
const { Pool } = createRequire(new URL("../../core/package.json", import.meta.url))("undici")

const texts = ["Hi there", "Where is my order?", "It is order 48213", "Can I get a refund?", "Is this a real person?"]
const sfVersion = "57"

const mulberry32 = (seed) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pools = new Map()
let connections = 64
const poolFor = (origin) => {
  let pool = pools.get(origin)
  if (pool === undefined) {
    pool = new Pool(origin, { connections, pipelining: 1 })
    pools.set(origin, pool)
  }
  return pool
}

/** One request with its whole body as text; `kind` names the mix entry it stands for (setup requests have none). */
const call = async (origin, kind, options) => {
  const { statusCode, headers, body } = await poolFor(origin).request(options)
  return { kind, status: statusCode, headers, text: await body.text() }
}

const expectStatus = (response, ...statuses) => {
  if (!statuses.includes(response.status)) {
    throw new Error(`setup: ${response.status} ${response.text.slice(0, 200)}`)
  }
  return response
}

/** The chats of each target: ids and secrets from a simulator (the bare server reuses the primary simulator's). */
const plans = new Map()
let plan

const setup = async ({ target, origin, settings, counts }) => {
  const { livechat, liveperson, salesforce } = settings
  const form = (fields) => new URLSearchParams(fields).toString()
  const lpAuth = { authorization: `LivePerson appKey=${liveperson.appKey}`, accept: "application/json" }
  const lc = await Promise.all(
    Array.from({ length: counts.livechat }, async (_, index) => {
      const visitor = `bench-visitor-${index}`
      const response = expectStatus(
        await call(origin, undefined, {
          method: "POST",
          path: `/livechat/visitors/${visitor}/chat/start`,
          headers: { "x-api-version": "2", "content-type": "application/x-www-form-urlencoded" },
          body: form({ licence_id: livechat.licenceId, welcome_message: "Hello, I need help", name: `V${index}` })
        }),
        200
      )
      return { visitor, secret: JSON.parse(response.text).secured_session_id }
    })
  )
  const lp = await Promise.all(
    Array.from({ length: counts.liveperson }, async () => {
      const response = expectStatus(
        await call(origin, undefined, {
          method: "POST",
          path: `/liveperson/api/account/${liveperson.accountId}/chat/request?v=1&NC=true`,
          headers: { ...lpAuth, "content-type": "application/json" },
          body: JSON.stringify({ request: { skill: liveperson.skills[0] } })
        }),
        201
      )
      return { path: new URL(response.headers.location).pathname }
    })
  )
  const sf = await Promise.all(
    Array.from({ length: counts.salesforce }, async (_, index) => {
      const opened = expectStatus(
        await call(origin, undefined, {
          method: "GET",
          path: "/salesforce/chat/rest/System/SessionId",
          headers: { "x-liveagent-api-version": sfVersion, "x-liveagent-affinity": "null" }
        }),
        200
      )
      const { id, key, affinityToken } = JSON.parse(opened.text)
      const headers = {
        "x-liveagent-api-version": sfVersion,
        "x-liveagent-affinity": affinityToken,
        "x-liveagent-session-key": key
      }
      expectStatus(
        await call(origin, undefined, {
          method: "POST",
          path: "/salesforce/chat/rest/Chasitor/ChasitorInit",
          headers: { ...headers, "x-liveagent-sequence": "1", "content-type": "application/json" },
          body: JSON.stringify({
            organizationId: salesforce.orgId,
            deploymentId: salesforce.deploymentId,
            buttonId: salesforce.buttonId,
            sessionId: id,
            userAgent: "bench",
            language: "en-US",
            screenResolution: "1920x1080",
            visitorName: `V${index}`,
            prechatDetails: [],
            prechatEntities: [],
            receiveQueueUpdates: true,
            isPost: true
          })
        }),
        200
      )
      return { headers }
    })
  )
  // The scripted agent accepts every chat on its next timer tick.
  for (let attempt = 0; ; attempt++) {
    const listed = expectStatus(
      await call(origin, undefined, { method: "GET", path: "/_agent/chats?state=queued" }),
      200
    )
    if (JSON.parse(listed.text).chats.length === 0) break
    if (attempt === 100) throw new Error("setup: the scripted agent did not accept every chat")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  plans.set(target, { lc, lp, sf, licenceId: livechat.licenceId, lpAuth })
  return { chats: lc.length + lp.length + sf.length }
}

/** Cursors and counters per server: the simulator's state moves, the bare server's answers are recorded ones. */
const states = new Map()
const stateFor = (target) => {
  let state = states.get(target)
  if (state === undefined) {
    state = {
      lc: plan.lc.map(() => ({ last: undefined })),
      lp: plan.lp.map(() => ({ from: 0 })),
      sf: plan.sf.map(() => ({ ack: -1, sequence: 1, polling: false, sending: false }))
    }
    states.set(target, state)
  }
  return state
}

const nextFrom = /[?&]from=(\d+)/

/** One request of each kind of the mix, keeping the cursors a client keeps. */
const operations = {
  "lc.poll": async (origin, state, random) => {
    const index = Math.floor(random() * plan.lc.length)
    const { visitor, secret } = plan.lc[index]
    const cursor = state.lc[index]
    const after = cursor.last === undefined ? "" : `&last_message_id=${cursor.last}`
    const response = await call(origin, "lc.poll", {
      method: "GET",
      path: `/livechat/visitors/${visitor}/chat/get_pending_messages?licence_id=${plan.licenceId}&secured_session_id=${secret}${after}`,
      headers: { "x-api-version": "2" }
    })
    if (response.status === 200) {
      for (const event of JSON.parse(response.text).events) {
        if (cursor.last === undefined || event.message_id > cursor.last) cursor.last = event.message_id
      }
    }
    return response
  },
  "lp.poll": async (origin, state, random) => {
    const index = Math.floor(random() * plan.lp.length)
    const cursor = state.lp[index]
    const response = await call(origin, "lp.poll", {
      method: "GET",
      path: `${plan.lp[index].path}?v=1&NC=true&from=${cursor.from}`,
      headers: plan.lpAuth
    })
    if (response.status === 200) {
      // A client follows the `next` link (`chat.link[3]`), adding v=1 again.
      const next = JSON.parse(response.text).chat.link.find((link) => link["@rel"] === "next")
      const from = nextFrom.exec(next?.["@href"] ?? "")
      if (from !== null) cursor.from = Math.max(cursor.from, Number(from[1]))
    }
    return response
  },
  "sf.poll": async (origin, state, random) => {
    // One outstanding Messages poll per session (a second one is a 409 that ends the chat).
    const start = Math.floor(random() * plan.sf.length)
    let index = -1
    for (let i = 0; i < plan.sf.length && index === -1; i++) {
      if (!state.sf[(start + i) % plan.sf.length].polling) index = (start + i) % plan.sf.length
    }
    if (index === -1) return operations["lc.poll"](origin, state, random)
    const session = state.sf[index]
    session.polling = true
    try {
      const response = await call(origin, "sf.poll", {
        method: "GET",
        path: `/salesforce/chat/rest/System/Messages?ack=${session.ack}`,
        headers: plan.sf[index].headers
      })
      if (response.status === 200) session.ack = Math.max(session.ack, JSON.parse(response.text).sequence)
      return response
    } finally {
      session.polling = false
    }
  },
  "lc.send": async (origin, _, random) => {
    const { visitor, secret } = plan.lc[Math.floor(random() * plan.lc.length)]
    const message = texts[Math.floor(random() * texts.length)]
    return call(origin, "lc.send", {
      method: "POST",
      path: `/livechat/visitors/${visitor}/chat/send_message`,
      headers: { "x-api-version": "2", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ licence_id: plan.licenceId, secured_session_id: secret, message }).toString()
    })
  },
  "lp.send": async (origin, _, random) => {
    const chat = plan.lp[Math.floor(random() * plan.lp.length)]
    const text = texts[Math.floor(random() * texts.length)]
    return call(origin, "lp.send", {
      method: "POST",
      path: `${chat.path}/events?v=1&NC=true`,
      headers: { ...plan.lpAuth, "content-type": "application/json" },
      body: JSON.stringify({ event: { "@type": "line", text } })
    })
  },
  "sf.send": async (origin, state, random) => {
    const index = Math.floor(random() * plan.sf.length)
    const session = state.sf[index]
    // Sequenced sends of one session go one at a time, as a careful client sends them.
    if (session.sending) return operations["lp.send"](origin, state, random)
    session.sending = true
    session.sequence += 1
    try {
      return await call(origin, "sf.send", {
        method: "POST",
        path: "/salesforce/chat/rest/Chasitor/ChatMessage",
        headers: {
          ...plan.sf[index].headers,
          "x-liveagent-sequence": String(session.sequence),
          "content-type": "application/json"
        },
        body: JSON.stringify({ text: texts[Math.floor(random() * texts.length)] })
      })
    } finally {
      session.sending = false
    }
  }
}

const kinds = mix.map(([kind]) => kind)
const cumulative = []
for (const [, weight] of mix) cumulative.push((cumulative.at(-1) ?? 0) + weight)
const total = cumulative.at(-1)

const pickKind = (random) => {
  const draw = random() * total
  return kinds[cumulative.findIndex((sum) => draw < sum)]
}

const recordSize = 128

const run = async ({ target, plan: planOf, origin, ms, round, concurrency, record }) => {
  plan = plans.get(planOf)
  const state = stateFor(target)
  const latencies = new Float64Array(2_000_000)
  let measured = 0
  let completed = 0
  let held = 0
  let failures = 0
  const statuses = {}
  const recorded = {}
  const count = (kind, status) => {
    statuses[kind] ??= {}
    statuses[kind][status] = (statuses[kind][status] ?? 0) + 1
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  const stopAt = started + ms
  const worker = async (index) => {
    const random = mulberry32(round * 1000 + index + 1)
    while (performance.now() < stopAt) {
      const kind = pickKind(random)
      const begin = performance.now()
      try {
        const response = await operations[kind](origin, state, random)
        const elapsed = performance.now() - begin
        completed += 1
        // Held Salesforce polls answered 204 last the hold by design: counted, left out of the latency figures.
        if (response.status === 204) held += 1
        else if (measured < latencies.length) latencies[measured++] = elapsed
        count(response.kind, response.status)
        if (record) {
          recorded[response.kind] ??= []
          const list = recorded[response.kind]
          const entry = {
            status: response.status,
            headers: {
              ...(response.headers["content-type"] === undefined
                ? {}
                : { "content-type": response.headers["content-type"] }),
              ...(response.headers.location === undefined ? {} : { location: response.headers.location })
            },
            body: response.text
          }
          if (list.length < recordSize) list.push(entry)
          else list[completed % recordSize] = entry
        }
      } catch {
        failures += 1
        count(kind, "error")
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)))
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const sorted = latencies.subarray(0, measured).sort()
  const quantile = (q) => (measured === 0 ? Number.NaN : sorted[Math.min(measured - 1, Math.floor(q * measured))])
  return {
    seconds,
    completed,
    held,
    failures,
    statuses,
    p50: quantile(0.5),
    p99: quantile(0.99),
    clientCpuUs: used.user + used.system,
    ...(record ? { fixtures: recorded } : {})
  }
}

serve(async (message) => {
  switch (message.type) {
    case "setup":
      connections = message.connections
      return setup(message)
    case "run":
      return run(message)
    case "stop":
      await Promise.all([...pools.values()].map((pool) => pool.close()))
      setImmediate(() => process.exit(0))
      return {}
    default:
      throw new Error(`unknown message ${message.type}`)
  }
})
