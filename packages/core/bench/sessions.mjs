// Part 2, one process per variant: N concurrent LiveChat sessions polling every `interval` ms against the bare
// server, measured over a steady window. Variants:
//   core    real `Session.open` + `LiveChat.layer` (polling fixed at the interval), all sessions in one runtime
//   client  the same sessions through the Promise API: one `createChatClient`, `client.open(...)` per session
//   hand  a minimal hand-written loop: fetch(start), then setTimeout + fetch(get_pending_messages) + JSON.parse,
//         on a capped undici Agent ({ connections: 128, keepAliveTimeout: 60 s }, as in PERF-NOTES)
// Both are measured the same way, from undici's diagnostics channels (fetch and undici share them): a poll starts
// when its request is created and ends when its response is complete; lateness = start − (previous end + interval).
// Both open their sessions the same way: paced over `openSpread` ms, at most `openConcurrency` starts in flight
// (a gateway ramping up; an unbounded burst of 10,000 starts measures the start path, not polling).
// Usage: node --expose-gc bench/sessions.mjs <port> <core|client|hand> <N> [interval] [window] [warmup] [openSpread]
//        [openConcurrency]
import diagnostics from "node:diagnostics_channel"
import { loadavg } from "node:os"

const hardStop = setTimeout(() => {
  console.error(`sessions.mjs: hard stop at ${Math.round(performance.now())} ms (process time)`)
  process.exit(3)
}, 69_500)
hardStop.unref()
const args = process.argv.slice(2)
const port = Number(args[0])
const variant = args[1]
const [N, interval = 2000, windowMs = 60_000, warmup = 4000, openSpread = 2000, openConcurrency = 256] = args
  .slice(2)
  .map(Number)
const BASE = `http://127.0.0.1:${port}`
const LICENCE = 1

const gc = globalThis.gc
if (typeof gc !== "function") throw new Error("run with --expose-gc")
const settledHeap = async () => {
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

// SESSIONS_HEAP_PROFILE=setup|window: V8's sampling heap profile (objects alive or freed by a major GC, i.e. what
// reached the old generation) over the setup or the first 15 s of the window, top allocation sites on stderr.
// SESSIONS_HEAP_PROFILE_ALL=1 samples every allocation instead, young garbage included.
const heapProfile = async () => {
  const { Session } = await import("node:inspector/promises")
  const inspector = new Session()
  inspector.connect()
  await inspector.post("HeapProfiler.enable")
  await inspector.post("HeapProfiler.startSampling", {
    samplingInterval: 8192,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.SESSIONS_HEAP_PROFILE_ALL === "1"
  })
  return async () => {
    const { profile } = await inspector.post("HeapProfiler.stopSampling")
    const bySite = new Map()
    const walk = (node, stack) => {
      const frame = `${node.callFrame.functionName || "(anon)"} ${node.callFrame.url.split("/").slice(-2).join("/")}:${node.callFrame.lineNumber + 1}`
      const path = [frame, ...stack].slice(0, 4).join(" < ")
      if (node.selfSize > 0) bySite.set(path, (bySite.get(path) ?? 0) + node.selfSize)
      for (const child of node.children) walk(child, [frame, ...stack])
    }
    walk(profile.head, [])
    const total = [...bySite.values()].reduce((a, b) => a + b, 0)
    console.error(`heap profile: ${(total / 1e6).toFixed(1)} MB sampled`)
    for (const [site, size] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
      console.error(`${(size / 1e6).toFixed(2).padStart(7)} MB  ${site}`)
    }
  }
}

// --- measurement -------------------------------------------------------------------------------------------
const lastEnd = new Float64Array(N)
const startedAt = new Float64Array(N)
const capacity = Math.ceil((N * (windowMs + 5000)) / interval) + 10_000
const lateness = new Float64Array(capacity)
const latency = new Float64Array(capacity)
let latenessCount = 0
let latencyCount = 0
let polls = 0
let errors = 0
let appErrors = 0
let measuring = false

const POLL = "/chat/get_pending_messages"
const sessionOf = (path) => {
  const at = path.indexOf("/visitors/v")
  if (at === -1 || path.indexOf(POLL, at) === -1) return -1
  return Number(path.slice(at + 11, path.indexOf("/", at + 11)))
}
diagnostics.subscribe("undici:request:create", ({ request }) => {
  const i = sessionOf(request.path)
  if (i < 0) return
  const now = performance.now()
  startedAt[i] = now
  if (measuring && lastEnd[i] > 0 && latenessCount < capacity) lateness[latenessCount++] = now - lastEnd[i] - interval
})
diagnostics.subscribe("undici:request:trailers", ({ request }) => {
  const i = sessionOf(request.path)
  if (i < 0) return
  const now = performance.now()
  lastEnd[i] = now
  if (measuring) {
    polls += 1
    if (latencyCount < capacity) latency[latencyCount++] = now - startedAt[i]
  }
})
diagnostics.subscribe("undici:request:error", () => {
  if (measuring) errors += 1
})

// SESSIONS_TRACE=1: one line a second on stderr (RSS, heap, polls and worst lateness of that second), to see when
// memory grows and polls fall behind.
let secondPolls = 0
let secondWorst = 0
let startsInFlight = 0
if (process.env.SESSIONS_TRACE) {
  diagnostics.subscribe("undici:request:create", ({ request }) => {
    const i = sessionOf(request.path)
    if (i < 0 || lastEnd[i] === 0) return
    secondPolls += 1
    secondWorst = Math.max(secondWorst, performance.now() - lastEnd[i] - interval)
  })
  const origin = performance.now()
  setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage()
    console.error(
      `  [${variant}] t=${((performance.now() - origin) / 1000).toFixed(0)} s rss ${(rss / 1e6).toFixed(0)} MB heap ${(heapUsed / 1e6).toFixed(0)} MB starts in flight ${startsInFlight} polls ${secondPolls} worst lateness ${secondWorst.toFixed(0)} ms`
    )
    secondPolls = 0
    secondWorst = 0
  }, 1000).unref()
}

/** Runs `open(i)` (a promise that never rejects) for every session, paced, at most `openConcurrency` at a time. */
const openAll = async (open) => {
  let next = 0
  let active = 0
  let wake
  const release = () => {
    active -= 1
    startsInFlight = active
    wake?.()
  }
  const batches = 200
  const size = Math.ceil(N / batches)
  for (let b = 0; b < batches; b++) {
    const end = Math.min(N, (b + 1) * size)
    while (next < end) {
      if (active >= openConcurrency) {
        await new Promise((resolve) => {
          wake = resolve
        })
        wake = undefined
        continue
      }
      active += 1
      startsInFlight = active
      open(next++).finally(release)
    }
    await new Promise((resolve) => setTimeout(resolve, openSpread / batches))
  }
}

// --- variants ------------------------------------------------------------------------------------------------
const variants = {
  async core() {
    const { Effect, Exit, ManagedRuntime, Scope } = effect
    const { LiveChat, Session } = core
    const every = `${interval} millis`
    // One runtime for every session, each session in its own scope held by the application (as core's Promise
    // facade and a gateway do): no fiber per session beyond the session's own.
    const runtime = ManagedRuntime.make(
      LiveChat.layer({ baseUrl: BASE, licenceId: LICENCE, polling: { active: every, normal: every, idle: every } })
    )
    await runtime.runPromise(Effect.void)
    const scopes = []
    const sessions = []
    let opened = 0
    let failed = 0
    const open = (i) =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        scopes.push(scope)
        sessions.push(yield* Session.open({ visitorName: "Ada", visitorId: `v${i}` }).pipe(Scope.extend(scope)))
        opened += 1
      }).pipe(
        Effect.catchAllCause(() =>
          Effect.sync(() => {
            failed += 1
          })
        )
      )
    await openAll((i) => runtime.runPromise(open(i)))
    return {
      counts: () => ({ opened, failed }),
      close: async () => {
        await runtime.runPromise(
          Effect.forEach(scopes, (scope) => Scope.close(scope, Exit.void), { concurrency: 512, discard: true })
        )
        sessions.length = 0
        await runtime.dispose()
      }
    }
  },

  async client() {
    const every = `${interval} millis`
    const support = await promise.createChatClient({
      provider: "livechat",
      baseUrl: BASE,
      licenceId: LICENCE,
      polling: { active: every, normal: every, idle: every }
    })
    const chats = []
    let opened = 0
    let failed = 0
    await openAll((i) =>
      support.open({ visitorName: "Ada", visitorId: `v${i}` }).then(
        (chat) => {
          chats.push(chat)
          opened += 1
        },
        () => {
          failed += 1
        }
      )
    )
    return {
      counts: () => ({ opened, failed }),
      close: async () => {
        await support.close()
        chats.length = 0
      }
    }
  },

  async hand() {
    const { Agent } = undici
    const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
    const headers = { "X-API-Version": "2" }
    const form = { "X-API-Version": "2", "Content-Type": "application/x-www-form-urlencoded" }
    const sessions = []
    let opened = 0
    let failed = 0
    let stopped = false
    const open = async (i) => {
      const visitor = `v${i}`
      const started = await fetch(`${BASE}/visitors/${visitor}/chat/start`, {
        method: "POST",
        headers: form,
        body: `licence_id=${LICENCE}&welcome_message=Hello%2C+this+is+Ada.&name=Ada`,
        dispatcher
      })
      const { secured_session_id: secret } = await started.json()
      const auth = `licence_id=${LICENCE}&secured_session_id=${encodeURIComponent(secret)}`
      const url = `${BASE}/visitors/${visitor}/chat/get_pending_messages?${auth}`
      const state = { visitor, auth, timer: undefined }
      const tick = async () => {
        try {
          const response = await fetch(url, { headers, dispatcher })
          const page = JSON.parse(await response.text())
          if (!Array.isArray(page.events)) throw new Error("no events")
        } catch {
          appErrors += 1
        }
        if (!stopped) state.timer = setTimeout(tick, interval)
      }
      sessions.push(state)
      opened += 1
      tick()
    }
    await openAll((i) =>
      open(i).catch(() => {
        failed += 1
      })
    )
    return {
      counts: () => ({ opened, failed }),
      close: async () => {
        stopped = true
        await Promise.all(
          sessions.map(async (s) => {
            clearTimeout(s.timer)
            const r = await fetch(`${BASE}/visitors/${s.visitor}/chat/close`, {
              method: "POST",
              headers: form,
              body: s.auth,
              dispatcher
            })
            await r.text()
          })
        )
        await dispatcher.close()
      }
    }
  }
}

// --- run -----------------------------------------------------------------------------------------------------
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
// Modules load before the baseline: heap per session counts the sessions only.
const undici = await import("undici")
const effect = variant === "core" ? await import("effect") : undefined
const core = variant === "core" ? await import("../dist/index.js") : undefined
const promise = variant === "client" ? await import("../dist/promise.js") : undefined
await (await fetch(`${BASE}/warm-up`)).text() // loads Node's fetch too
const baseline = await settledHeap()
const stopSetupProfile = process.env.SESSIONS_HEAP_PROFILE === "setup" ? await heapProfile() : undefined
const phase = (what) => console.error(`  [${variant}] ${what} at ${(performance.now() / 1000).toFixed(1)} s`)
const t0 = performance.now()
const run = await variants[variant]()
// The window measures the steady state (as PERF-NOTES does): it starts `warmup` ms after every session's start
// has settled, so neither variant is measured while it is still opening chats.
while (run.counts().opened + run.counts().failed < N && performance.now() - t0 < 20_000) await sleep(50)
phase(`all ${N} starts settled (${run.counts().failed} failed)`)
await sleep(warmup)
await stopSetupProfile?.()
phase("window starts")
if (process.env.SESSIONS_HEAP_PROFILE === "window") {
  const stop = await heapProfile()
  setTimeout(stop, 15_000)
}

process.send({ type: "window-start" })
measuring = true
const cpu = process.cpuUsage()
const w0 = performance.now()
// The process must end within 70 s, heap measurement and closing included: on a loaded machine a slow setup
// shortens the window (the table reports the window actually measured).
await sleep(Math.max(10_000, Math.min(windowMs, 62_000 - w0)))
measuring = false
const used = process.cpuUsage(cpu)
const elapsed = performance.now() - w0
process.send({ type: "window-end" })
phase("window ends")
const maxRss = process.resourceUsage().maxRSS * 1024
const heap = await settledHeap()
const sorted = (a, n) => a.subarray(0, n).sort()
const q = (a, n, p) => (n === 0 ? Number.NaN : a[Math.min(n - 1, Math.floor(p * n))])
const late = sorted(lateness, latenessCount)
const lat = sorted(latency, latencyCount)
const intended = (N * elapsed) / interval
const result = {
  variant,
  N,
  interval,
  windowMs: elapsed,
  ...run.counts(),
  polls,
  intended,
  achieved: polls / intended,
  errors,
  appErrors,
  latenessP50: q(late, latenessCount, 0.5),
  latenessP99: q(late, latenessCount, 0.99),
  latenessMax: latenessCount ? late[latenessCount - 1] : Number.NaN,
  latencyP50: q(lat, latencyCount, 0.5),
  latencyP99: q(lat, latencyCount, 0.99),
  cpuSeconds: (used.user + used.system) / 1e6,
  cpuMicrosPerPoll: (used.user + used.system) / Math.max(1, polls),
  maxRss,
  heapBaseline: baseline,
  heap,
  heapPerSession: (heap - baseline) / N,
  loadavg: loadavg()
}
process.send({ type: "result", result })
phase("result sent")
await Promise.race([run.close(), sleep(Math.max(500, 68_500 - performance.now()))])
process.exit(0)
