// `pnpm --filter @switchboard/core bench`: core's performance beside hand-written baselines, side by side in one
// run, every process bounded (< 70 s), all traffic on 127.0.0.1, one process measured at a time.
//   node bench/run.mjs [--parts=1,2,3] [--sessions=10000] [--window=60000] [--semi-space=64] [--core-heap=MB]
//                      [--open-spread=2000] [--open-concurrency=256]
// Prints markdown tables (the README's "Performance" section is a copy of one run).
import { loadavg } from "node:os"
import { fmt, runClient, startServer, table } from "./lib.mjs"

const option = (name, fallback) => {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  return found === undefined ? fallback : found.slice(name.length + 3)
}
const parts = option("parts", "1,2,3").split(",").map(Number)
const sessions = Number(option("sessions", "10000"))
const windowMs = Number(option("window", "60000"))
// How both variants of part 2 open their sessions: over --open-spread ms, at most --open-concurrency starts in flight.
const openSpread = Number(option("open-spread", "2000"))
const openConcurrency = Number(option("open-concurrency", "256"))
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ")

const ratio = (a, b) => `${(a / b).toFixed(2)}x`
const verdict = (ok) => (ok ? "met" : "NOT met")
const mb = (bytes) => `${fmt(bytes / 1e6)} MB`
const out = (text = "") => console.log(text)

out(`# @switchboard/core bench (${new Date().toISOString()})`)
out()
out(
  `Node ${process.versions.node} (fetch: bundled undici ${process.versions.undici}), 2-core box shared with other work;`
)
out(`load average (1/5/15 min) at start: ${load()}. Compare ratios within one table, not absolute numbers across runs.`)

if (parts.includes(1)) {
  out()
  out("## 1. Per-request cost: one LiveChat poll request (empty page), client process only")
  out()
  out("Loopback server in its own process. Interleaved: 5 rounds × 4,000 requests per variant, order rotated each")
  out("round, 2,000-request warm-up; medians of the rounds. CPU is the client's user+sys per request.")
  const rows = []
  const checks = []
  for (const concurrency of [1, 64]) {
    const server = await startServer()
    const result = await runClient("request.mjs", [String(server.port), String(concurrency)])
    await server.stop()
    const byName = (prefix) => result.variants.find((v) => v.name.startsWith(prefix))
    const fetchRow = byName("fetch")
    const floor = byName("undici")
    for (const v of result.variants) {
      rows.push([
        String(concurrency),
        v.name,
        fmt(v.rps),
        fmt(v.cpuMicros),
        ratio(v.cpuMicros, fetchRow.cpuMicros),
        ratio(v.cpuMicros, floor.cpuMicros),
        v.cpuRounds.join(" ")
      ])
      if (v.name.startsWith("core")) {
        const r = v.cpuMicros / fetchRow.cpuMicros
        checks.push(`c=${concurrency} ${v.name}: ${r.toFixed(2)}x fetch's CPU (target <= 0.9x): ${verdict(r <= 0.9)}`)
      }
    }
    if (result.bad > 0) checks.push(`c=${concurrency}: ${result.bad} requests failed or answered unexpectedly`)
  }
  out()
  out(table(["c", "variant", "req/s", "CPU µs/req", "CPU vs fetch", "CPU vs undici", "CPU µs/req per round"], rows))
  out()
  for (const line of checks) out(`- ${line}`)
}

if (parts.includes(2)) {
  out()
  out(`## 2. Many sessions: ${fmt(sessions)} concurrent LiveChat sessions polling every 2 s`)
  out()
  out("One client process per variant (`--expose-gc`), the same bare loopback server (own process, fresh each run).")
  out(
    `Both open their sessions over ${openSpread / 1000} s with at most ${openConcurrency} starts in flight; once every start has settled, a 4 s warm-up, then a window of up to ${windowMs / 1000} s (it ends by 62 s of process time, so a slow setup shortens it: the process stays < 70 s). Lateness = poll start − (previous`
  )
  out("poll end + 2,000 ms), taken for both variants from undici's diagnostics channels. Heap per session: settled")
  out("heapUsed after gc() minus the baseline taken after module loading, / N. The hand-written loop pauses 2 s after")
  out("each answer; core keeps 2 s from poll start to poll start (what LiveChat's keep-alive counts), so its lateness")
  out("can be slightly negative and its share of polls made reach 100 %.")
  // --core-heap=MB adds a run of core with --max-old-space-size=MB (the README's advice on peak RSS).
  // Both variants run again with a young generation of --semi-space=MB (default 64, the README's tuning for
  // gateways; --semi-space= skips those runs).
  const coreHeap = option("core-heap", "")
  const semiSpace = option("semi-space", "64")
  const young = [`--max-semi-space-size=${semiSpace}`, `--min-semi-space-size=${semiSpace}`]
  const wanted = option("variants", "hand,core,client,core-capped,hand-young,core-young").split(",")
  const runs = [
    ["hand", "hand", []],
    ["core", "core", []],
    ["client", "client", []],
    ...(coreHeap ? [["core-capped", "core", [`--max-old-space-size=${coreHeap}`]]] : []),
    ...(semiSpace
      ? [
          ["hand-young", "hand", young],
          ["core-young", "core", young]
        ]
      : [])
  ].filter(([key]) => wanted.includes(key))
  const results = {}
  for (const [key, variant, flags] of runs) {
    const server = await startServer()
    let serverStats
    const result = await runClient(
      "sessions.mjs",
      [
        String(server.port),
        variant,
        String(sessions),
        "2000",
        String(windowMs),
        "4000",
        String(openSpread),
        String(openConcurrency)
      ],
      {
        timeoutMs: 71_000,
        execArgv: ["--expose-gc", ...flags],
        onMessage: async (message) => {
          if (message.type === "window-start") await server.mark()
          if (message.type === "window-end") serverStats = await server.stats()
        }
      }
    ).catch((error) => ({ key, variant, failedRun: error.message }))
    await server.stop()
    results[key] = { ...result, key, server: serverStats }
  }
  const name = {
    hand: "hand-written setTimeout + fetch (capped Agent)",
    core: "core: Session.open + LiveChat.layer",
    client: "core's Promise API: createChatClient + open",
    "core-capped": `core, node --max-old-space-size=${coreHeap}`,
    "hand-young": `hand-written, node --max-semi-space-size=${semiSpace}`,
    "core-young": `core, node --max-semi-space-size=${semiSpace}`
  }
  const rows = Object.values(results).map((r) =>
    r.failedRun
      ? [name[r.key], `could not run: ${r.failedRun}`]
      : [
          name[r.key],
          `${(r.achieved * 100).toFixed(1)} %`,
          `${fmt(r.latenessP50, 1)} / ${fmt(r.latenessP99, 1)} ms`,
          `${fmt(r.cpuSeconds, 1)} s (${fmt((r.cpuSeconds / (r.windowMs / 1000)) * 100)} %)`,
          fmt(r.cpuMicrosPerPoll),
          mb(r.maxRss),
          `${fmt(r.heapPerSession / 1000, 1)} KB`,
          `${fmt(r.latencyP50, 1)} / ${fmt(r.latencyP99, 1)} ms`,
          `${fmt((r.server?.cpuMicros ?? Number.NaN) / 1e6, 1)} s / ${r.server?.peakSockets ?? "–"}`,
          `${fmt(r.windowMs / 1000, 1)} s`,
          `${r.opened}/${r.N}${r.errors + r.appErrors + r.failed ? ` (${r.errors + r.appErrors + r.failed} errors)` : ""}`
        ]
  )
  out()
  out(
    table(
      [
        "variant",
        "polls made",
        "lateness p50 / p99",
        "CPU (% of a core)",
        "CPU µs/poll",
        "peak RSS",
        "heap/session",
        "request p50 / p99",
        "server CPU / sockets",
        "window",
        "sessions open"
      ],
      rows
    )
  )
  const ok = (r) => (r && !r.failedRun ? r : undefined)
  const hand = ok(results.hand)
  const core = ok(results.core)
  out()
  if (core && hand) {
    // CPU over the same time (utilization) and per poll made; the verdict takes the worse of the two.
    const use = (r) => r.cpuSeconds / r.windowMs
    const utilization = use(core) / use(hand)
    const perPoll = core.cpuMicrosPerPoll / hand.cpuMicrosPerPoll
    const cpu = Math.max(utilization, perPoll)
    const rss = core.maxRss / hand.maxRss
    out(`- polls made: ${(core.achieved * 100).toFixed(1)} % (target >= 99 %): ${verdict(core.achieved >= 0.99)}`)
    out(`- p99 lateness: ${fmt(core.latenessP99, 1)} ms (target <= 50 ms): ${verdict(core.latenessP99 <= 50)}`)
    out(
      `- CPU: ${utilization.toFixed(2)}x the hand-written poller's utilization, ${perPoll.toFixed(2)}x its CPU per poll (target <= 1.0x): ${verdict(cpu <= 1)}`
    )
    out(`- peak RSS: ${rss.toFixed(2)}x the hand-written poller's (target <= 1.5x): ${verdict(rss <= 1.5)}`)
    const client = ok(results.client)
    if (client) {
      const clientCpu = client.cpuMicrosPerPoll / core.cpuMicrosPerPoll
      const clientHeap = client.heapPerSession / core.heapPerSession
      out(
        `- through createChatClient: ${clientCpu.toFixed(2)}x the Effect API's CPU per poll (target <= 1.2x): ${verdict(clientCpu <= 1.2)}; ${clientHeap.toFixed(2)}x its heap per session (target <= 1.2x): ${verdict(clientHeap <= 1.2)}; polls made ${(client.achieved * 100).toFixed(1)} %`
      )
    }
    const capped = ok(results["core-capped"])
    if (capped) out(`- with --max-old-space-size=${coreHeap}: peak RSS ${(capped.maxRss / hand.maxRss).toFixed(2)}x`)
    const handYoung = ok(results["hand-young"])
    const coreYoung = ok(results["core-young"])
    if (handYoung && coreYoung) {
      out(
        `- both with --max-semi-space-size=${semiSpace}: polls made ${(coreYoung.achieved * 100).toFixed(1)} %, p99 lateness ${fmt(coreYoung.latenessP99, 1)} ms, CPU ${(coreYoung.cpuMicrosPerPoll / handYoung.cpuMicrosPerPoll).toFixed(2)}x per poll, peak RSS ${(coreYoung.maxRss / handYoung.maxRss).toFixed(2)}x the hand-written poller's`
      )
    }
    for (const r of Object.values(results).filter(ok)) {
      out(`- load average at the end of the ${r.key} run: ${r.loadavg.map((x) => x.toFixed(1)).join(" / ")}`)
    }
  }
}

if (parts.includes(3)) {
  const chats = Number(option("chats", "1000"))
  const rate = Number(option("rate", "200"))
  const postMs = Number(option("post", "30000"))
  out()
  out(`## 3. Delivery latency: ${fmt(chats)} Salesforce chats long-polling the simulator`)
  out()
  out("The Switchboard simulator in its own process holds each `GET System/Messages` until something happens. Once")
  out(`every chat has its agent, the agent side posts ${rate} messages/s to random chats for ${postMs / 1000} s, each`)
  out("stamped with process.hrtime (CLOCK_MONOTONIC, shared by the processes); latency = the visitor seeing it − the")
  out("stamp. core: `Session.open` + `Salesforce.layer`, measured at the session's `message` event. raw: a")
  out("hand-written global-fetch long-poll loop (SessionId, ChasitorInit, Messages?ack=...) measured when it parses")
  out("the ChatMessage. One client process per variant, a fresh simulator for each.")
  const results = []
  for (const variant of option("longpoll-variants", "raw,core").split(",")) {
    const sim = await startServer("sfsim.mjs")
    let posted = 0
    try {
      const result = await runClient(
        "longpoll.mjs",
        [JSON.stringify({ url: sim.info.url, settings: sim.info.settings }), variant, String(chats)],
        {
          // LONGPOLL_FLAGS="--trace-gc ...": Node flags for the client processes (to see what their tail is made of).
          execArgv: (process.env.LONGPOLL_FLAGS ?? "").split(" ").filter(Boolean),
          onMessage: async (message, child) => {
            if (message.type === "ready") await sim.ask("accept", "accepted")
            if (message.type === "connected") {
              child.send("window")
              posted = (await sim.ask({ type: "post", rate, durationMs: postMs }, "posted")).posted
              child.send({ type: "report", posted }) // it waits (10 s at most) for the last of them
            }
          }
        }
      )
      results.push({ ...result, posted })
    } catch (error) {
      results.push({ variant, error: error.message })
    }
    await sim.stop()
  }
  const name = { raw: "raw fetch long-poll loop", core: "core: Session.open + Salesforce.layer" }
  out()
  out(
    table(
      ["variant", "delivered / posted", "latency p50 / p90 / p99 / max", "client CPU (µs per delivery)", "peak RSS"],
      results.map((r) =>
        r.error
          ? [name[r.variant], `could not run: ${r.error}`, "–", "–", "–"]
          : [
              name[r.variant],
              `${fmt(r.delivered)} / ${fmt(r.posted)}${r.failures ? ` (${r.failures} failures)` : ""}`,
              `${fmt(r.p50, 2)} / ${fmt(r.p90, 2)} / ${fmt(r.p99, 2)} / ${fmt(r.max, 1)} ms`,
              `${fmt(r.cpuSeconds, 2)} s (${fmt(r.cpuMicrosPerDelivery)})`,
              mb(r.maxRss)
            ]
      )
    )
  )
  const raw = results.find((r) => r.variant === "raw" && !r.error)
  const core = results.find((r) => r.variant === "core" && !r.error)
  out()
  if (raw && core) {
    const r = core.p99 / raw.p99
    out(`- p99: ${r.toFixed(2)}x the raw loop's (target <= 1.2x): ${verdict(r <= 1.2)}`)
  } else {
    out("- p99 target: could not be evaluated (see the table)")
  }
}

out()
out(`Load average at the end: ${load()}.`)
