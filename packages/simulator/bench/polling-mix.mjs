/**
 * Polling-mix benchmark: requests per second on loopback for a realistic mix of the three providers' visitor
 * polling traffic, served by the simulator and, side by side in the same run, by a bare `node:http` server that
 * answers the same requests with the same recorded payloads.
 *
 * Child processes: the simulator server, the bare server, optionally a second simulator server serving another build
 * (BENCH_COMPARE_DIST), and the load generator (undici, capped pool, fixed concurrency). After a warm-up of each
 * server, rounds rotate which server goes first; the table shows medians. Everything stays on 127.0.0.1 and the run
 * stops by itself (a watchdog ends it after 100 s in any case).
 *
 *   pnpm --filter @switchboard/simulator bench
 *
 * Knobs (environment): BENCH_ROUNDS (5), BENCH_WINDOW_MS (3000), BENCH_WARMUP_MS (2500), BENCH_CONCURRENCY (64);
 * BENCH_COMPARE_DIST=/abs/path/to/dist adds a row serving another build (the previous commit's, say; the directory
 * must sit where its imports resolve, e.g. a copy of dist/ inside this package), to compare two builds in one run;
 * BENCH_PROFILE=1 runs the simulator process with `node --cpu-prof` and writes its profile to bench/profiles/ (open
 * it in Chrome DevTools).
 */
import { fork } from "node:child_process"
import { mkdirSync } from "node:fs"
import { availableParallelism, loadavg } from "node:os"
import { caller } from "./ipc.mjs"
import { mix } from "./mix.mjs"

const numberFrom = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

const config = {
  rounds: numberFrom("BENCH_ROUNDS", 5),
  windowMs: numberFrom("BENCH_WINDOW_MS", 3000),
  warmupMs: numberFrom("BENCH_WARMUP_MS", 2500),
  concurrency: numberFrom("BENCH_CONCURRENCY", 64),
  /** Salesforce Messages hold before a 204, in ms (the simulator's `pollHoldMs`; the bare server waits as long). */
  holdMs: 20,
  chats: { livechat: 64, liveperson: 64, salesforce: 32 },
  /** Another build's dist/ directory (absolute path), served in a row of its own, to compare two builds. */
  compareDist: process.env.BENCH_COMPARE_DIST,
  profile: process.env.BENCH_PROFILE === "1"
}

const loadBefore = loadavg()[0]
const children = []
const watchdog = setTimeout(() => {
  console.error("bench: still running after 100 s; stopping")
  for (const child of children) child.kill()
  process.exit(1)
}, 100_000)

const start = (file, args = [], execArgv = []) => {
  const child = fork(new URL(file, import.meta.url), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] })
  children.push(child)
  const ready = new Promise((resolve, reject) => {
    child.on("message", (message) => {
      if (message.type === "ready") resolve(message)
    })
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code} before it was ready`)))
  })
  return { child, ready, call: caller(child, file) }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const profileDir = new URL("./profiles/", import.meta.url)
if (config.profile) mkdirSync(profileDir, { recursive: true })

/** name → { server, label, plan } ; `plan` names the simulator whose chats the requests use. */
const targets = {
  bare: { label: "bare node:http, recorded answers", plan: "simulator" },
  simulator: { label: "simulator (routing, validation, state)", plan: "simulator" },
  ...(config.compareDist !== undefined
    ? { other: { label: `simulator from ${config.compareDist}`, plan: "other" } }
    : {})
}
targets.simulator.server = start(
  "./simulator-server.mjs",
  [String(config.holdMs)],
  config.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir.pathname}`] : []
)
targets.bare.server = start("./bare-server.mjs", [String(config.holdMs)])
if (targets.other !== undefined) {
  targets.other.server = start("./simulator-server.mjs", [String(config.holdMs), config.compareDist])
}
const load = start("./load-generator.mjs")

const names = Object.keys(targets)
for (const name of names) targets[name].ready = await targets[name].server.ready
for (const name of names.filter((n) => n !== "bare")) {
  await load.call("setup", {
    target: name,
    origin: targets[name].ready.origin,
    settings: targets[name].ready.settings,
    counts: config.chats,
    connections: config.concurrency
  })
}

let round = 0
/** One window against one server: the load generator's figures plus the server's CPU time over the window. */
const measure = async (name, ms, record = false) => {
  const { server, ready, plan } = targets[name]
  const before = (await server.call("cpu")).cpu
  const result = await load.call("run", {
    target: name,
    plan,
    origin: ready.origin,
    ms,
    round,
    concurrency: config.concurrency,
    record
  })
  const after = (await server.call("cpu")).cpu
  const serverCpuUs = after.user - before.user + (after.system - before.system)
  return { ...result, serverCpuUs, rps: result.completed / result.seconds }
}

// Warm-up: the simulator first, recording its answers, which become the bare server's fixtures.
const warm = await measure("simulator", config.warmupMs, true)
await targets.bare.server.call("fixtures", { fixtures: warm.fixtures })
for (const name of names.filter((n) => n !== "simulator")) await measure(name, config.warmupMs)

const results = Object.fromEntries(names.map((name) => [name, []]))
for (round = 1; round <= config.rounds; round++) {
  const order = names.map((_, index) => names[(index + round) % names.length])
  for (const name of order) results[name].push(await measure(name, config.windowMs))
}

await Promise.allSettled([...names.map((name) => targets[name].server.call("stop")), load.call("stop")])
clearTimeout(watchdog)

// ---- report --------------------------------------------------------------------------------------------------------

const summary = (list) => ({
  rps: median(list.map((r) => r.rps)),
  cpuPerRequest: median(list.map((r) => r.serverCpuUs / r.completed)),
  serverUtil: median(list.map((r) => r.serverCpuUs / 1e6 / r.seconds)),
  clientCpuPerRequest: median(list.map((r) => r.clientCpuUs / r.completed)),
  p50: median(list.map((r) => r.p50)),
  p99: median(list.map((r) => r.p99)),
  held: list.reduce((sum, r) => sum + r.held, 0),
  completed: list.reduce((sum, r) => sum + r.completed, 0),
  failures: list.reduce((sum, r) => sum + r.failures, 0)
})
const summaries = Object.fromEntries(names.map((name) => [name, summary(results[name])]))
/** Per round, req/s of `name` over req/s of the bare server in the same round; the median of those. */
const ratiosOf = (name) => results[name].map((r, index) => r.rps / results.bare[index].rps)

const int = (value) => Math.round(value).toLocaleString("en-US")
const ms = (value) => value.toFixed(2)
const pct = (value) => `${Math.round(value * 100)} %`
const row = (name) => {
  const s = summaries[name]
  const vs = name === "bare" ? "1.00" : median(ratiosOf(name)).toFixed(2)
  return `| ${targets[name].label} | ${int(s.rps)} | ${vs} | ${int(s.cpuPerRequest)} | ${pct(s.serverUtil)} | ${ms(s.p50)} | ${ms(s.p99)} | ${int(s.clientCpuPerRequest)} |`
}

const statusesOf = (list) => {
  const merged = {}
  for (const r of list) {
    for (const [kind, counts] of Object.entries(r.statuses)) {
      merged[kind] ??= {}
      for (const [status, n] of Object.entries(counts)) merged[kind][status] = (merged[kind][status] ?? 0) + n
    }
  }
  const all = list.reduce((sum, r) => sum + r.completed + r.failures, 0)
  return mix
    .map(([kind]) => kind)
    .filter((kind) => merged[kind] !== undefined)
    .map((kind) => {
      const counts = merged[kind]
      const n = Object.values(counts).reduce((a, b) => a + b, 0)
      const detail = Object.entries(counts)
        .map(([status, c]) => `${status} ×${int(c)}`)
        .join(", ")
      return `${kind} ${pct(n / all)} (${detail})`
    })
    .join("; ")
}

const simulator = summaries.simulator
const ratio = median(ratiosOf("simulator"))
const failures = names.reduce((sum, name) => sum + summaries[name].failures, 0)
const otherLine =
  targets.other === undefined
    ? ""
    : `\n- the other build: server CPU per request ${(summaries.other.cpuPerRequest / summaries.bare.cpuPerRequest).toFixed(1)}× the bare server's; req/s / bare per round: ${ratiosOf(
        "other"
      )
        .map((r) => r.toFixed(2))
        .join(", ")}.`
const now = new Date()
console.log(`
### Polling mix: simulator vs bare node:http, ${now.toISOString().slice(0, 16).replace("T", " ")} UTC

\`pnpm --filter @switchboard/simulator bench\` on Node ${process.version}, ${availableParallelism()} CPUs, 127.0.0.1. Load generator in its own
process: undici Pool of ${config.concurrency} connections, ${config.concurrency} closed-loop workers; ${config.rounds} rounds of ${config.windowMs / 1000} s per server (order rotated each
round) after a ${config.warmupMs / 1000} s warm-up each; medians. Chats: ${config.chats.livechat} LiveChat, ${config.chats.liveperson} LivePerson, ${config.chats.salesforce} Salesforce; the scripted
agent answers every visitor line after 25 ms; Salesforce polls are held ${config.holdMs} ms before a 204. Load average
(1 min) ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after it.

| server | req/s | vs bare | server CPU µs/req | server CPU | p50 ms | p99 ms | client CPU µs/req |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${names.map(row).join("\n")}

- Simulator / bare req/s per round: ${ratiosOf("simulator")
  .map((r) => r.toFixed(2))
  .join(", ")}. Target ≥ 0.50: ${ratio >= 0.5 ? "met" : "NOT met"}.
- Server CPU per request, simulator / bare: ${(simulator.cpuPerRequest / summaries.bare.cpuPerRequest).toFixed(1)}×.${otherLine}
- Mix as served by the simulator: ${statusesOf(results.simulator)}.
- p50/p99 leave out the Salesforce polls held until their 204 (${int(simulator.held)} of ${int(simulator.completed)} simulator requests).
- Failed requests (connection errors): ${failures}.`)

if (config.profile) console.log(`\nCPU profile of the simulator process written to ${profileDir.pathname}`)
process.exit(failures > 0 ? 1 : 0)
