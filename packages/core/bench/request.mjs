// Part 1, one process per concurrency: the cost of one poll request, core's path against plain fetch and
// undici.request, interleaved (rounds with the order rotated, warm-up first), medians of the rounds.
// Usage (from run.mjs): node bench/request.mjs <port> <concurrency> [rounds] [perRound] [warmup]
const [port, concurrency, rounds = 5, perRound = 4000, warmup = 2000] = process.argv.slice(2).map(Number)
const BASE = `http://127.0.0.1:${port}`
const VISITOR = "v1"
const SECRET = "CSv1.a1b2c3d4e5"
const URL = `${BASE}/visitors/${VISITOR}/chat/get_pending_messages?licence_id=1&secured_session_id=${SECRET}`
const HEADERS = { "X-API-Version": "2" }

// Plain fetch must run on Node's own (bundled undici 6) dispatcher, as in a process without the SDK: importing
// npm undici 7 first would install its Agent as the shared global dispatcher. So fetch goes first.
await (await fetch(URL, { headers: HEADERS })).text()
const { createLiveChatClient } = await import("@switchboard/client-livechat")
const { Effect } = await import("effect")
const { Agent, request } = await import("undici")
const { makePool, transportOptions } = await import("../dist/internal/transport.js")
const { readPending } = await import("../dist/providers/livechat/wire.js")
const { retryTransient } = await import("../dist/Retry.js")

let bad = 0
const check = (page) => {
  if (!Array.isArray(page?.events)) bad += 1
}

// Core, built as LiveChat.make builds it: the generated client over the undici transport and capped pool whose
// headersTimeout/bodyTimeout are the per-request timeout (15 s), and the poll request the poller makes.
const pool = makePool({ connections: 128, headersTimeout: 15_000 })
const client = createLiveChatClient({ baseUrl: BASE, bodyEncoding: "form", ...transportOptions(pool) })
const floorAgent = new Agent({ keepAliveTimeout: 60_000 })
const target = { visitorId: VISITOR, licenceId: 1, secret: () => SECRET }

let remaining = 0
const promiseWorkers = (one) => async () => {
  const worker = async () => {
    while (remaining > 0) {
      remaining -= 1
      await one()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
// One long-lived fiber per worker, like a session's poller: `Effect.either` per poll, as the poller does.
const effectWorkers = (poll) => () =>
  Effect.runPromise(
    Effect.all(
      Array.from({ length: concurrency }, () =>
        Effect.gen(function* () {
          while (remaining > 0) {
            remaining -= 1
            const outcome = yield* Effect.either(poll())
            if (outcome._tag === "Left") bad += 1
            else check({ events: outcome.right })
          }
        })
      ),
      { concurrency: "unbounded", discard: true }
    )
  )

const variants = [
  [
    "undici.request (floor)",
    promiseWorkers(async () => {
      const { body } = await request(URL, { headers: HEADERS, dispatcher: floorAgent })
      check(await body.json())
    })
  ],
  [
    "fetch + JSON.parse",
    promiseWorkers(async () => {
      const response = await fetch(URL, { headers: HEADERS })
      check(JSON.parse(await response.text()))
    })
  ],
  ["core: the adapter's poll request", effectWorkers(() => readPending(client, target, undefined))],
  [
    "core: poll request + retryTransient",
    effectWorkers(() => retryTransient("livechat", "get_pending_messages", readPending(client, target, undefined)))
  ]
]

const measure = async (run, n) => {
  remaining = n
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  await run()
  const wall = performance.now() - t0
  const used = process.cpuUsage(cpu)
  return { cpuMicros: (used.user + used.system) / n, rps: (n * 1000) / wall }
}

for (const [, run] of variants) await measure(run, warmup)
const samples = variants.map(() => [])
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < variants.length; k++) {
    const index = (k + round) % variants.length
    samples[index].push(await measure(variants[index][1], perRound))
  }
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const result = {
  concurrency,
  requests: rounds * perRound,
  bad,
  variants: variants.map(([name], i) => ({
    name,
    cpuMicros: median(samples[i].map((s) => s.cpuMicros)),
    rps: median(samples[i].map((s) => s.rps)),
    cpuRounds: samples[i].map((s) => Math.round(s.cpuMicros))
  }))
}
await Promise.all([pool.close(), floorAgent.close()])
process.send({ type: "result", result }, () => process.exit(0))
