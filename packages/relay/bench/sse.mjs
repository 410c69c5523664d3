// `pnpm --filter @switchboard/relay bench`: Server-Sent Events in a reconnect storm. The relay runs in a child process
// of its own (on the built packages), on LiveChat's embedded simulator in another (the scripted agent on, so every
// chat has a few events to replay), and this process plays the browsers: it opens the chats, then opens every stream
// at once and times each one's first byte. Beside the relay, the same storm hits a bare node:http server in a child
// process that answers every stream with a fixed head and replay: the floor of this machine at that moment.
//   node bench/sse.mjs [--chats=250] [--streams-per-chat=4] [--runs=3] [--target-ms=500] [--profile=<file>]
//                      [--relay-dist=<dir>]
// --relay-dist runs another build of the relay (its dist/ folder, e.g. an older commit's compiled to a folder inside
// this package, so it finds the package's dependencies), for a before-and-after on the same machine.
// All traffic is on 127.0.0.1. Each run starts a fresh simulator and relay. Prints markdown, the verdict last.
import { fork } from "node:child_process"
import { createServer, request } from "node:http"
import { connect } from "node:net"
import { availableParallelism, loadavg } from "node:os"
import { performance } from "node:perf_hooks"
import { fileURLToPath, pathToFileURL } from "node:url"

const option = (name, fallback) => {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  return found === undefined ? fallback : found.slice(name.length + 3)
}
const role = option("role", "bench")
// What the bench process asks its children over IPC, whatever their role.
const answering = (handlers) =>
  process.on("message", async (message) => {
    if (message.type === "cpu") process.send({ type: "cpu", id: message.id, usage: process.cpuUsage() })
    await handlers[message.type]?.(message)
  })

// ---- the simulator's process -----------------------------------------------------------------------------------

if (role === "simulator") {
  const { startSimulator } = await import("@switchboard/simulator")
  const sim = await startSimulator({ agent: { acceptAfterMs: 200, typingMs: 100 } })
  process.send({ type: "ready", livechat: sim.urls.livechat, licenceId: sim.settings.livechat.licenceId })
  answering({ close: () => sim.close().then(() => process.disconnect()) })
}

// ---- the relay's process -----------------------------------------------------------------------------------------

if (role === "relay") {
  const { LiveChat } = await import("@switchboard/core")
  const dist = option("relay-dist", "")
  const { createRelay } = await import(dist === "" ? "@switchboard/relay" : pathToFileURL(`${dist}/index.js`).href)
  const relay = await createRelay({
    provider: LiveChat.layer({ baseUrl: option("livechat", ""), licenceId: Number(option("licence", "0")) }),
    // One address opens every chat here: its new-chat limit would stop the bench, not a browser.
    rateLimits: { starts: { burst: 100_000, perMinute: 100_000 } }
  })
  const server = await relay.listen()
  let profiler
  process.send({ type: "ready", url: server.url })
  answering({
    // --profile=<file>: a V8 CPU profile of the relay's process during the storm (open it in Chrome's DevTools).
    "profile-start": async () => {
      const { Session } = await import("node:inspector/promises")
      profiler = new Session()
      profiler.connect()
      await profiler.post("Profiler.enable")
      await profiler.post("Profiler.setSamplingInterval", { interval: 500 })
      await profiler.post("Profiler.start")
      process.send({ type: "profile-started" })
    },
    "profile-stop": async (message) => {
      const { profile } = await profiler.post("Profiler.stop")
      const { writeFileSync } = await import("node:fs")
      writeFileSync(message.file, JSON.stringify(profile))
      process.send({ type: "profile-stopped" })
    },
    close: () => relay.close().then(() => process.disconnect())
  })
}

// ---- the floor: a bare node:http server ------------------------------------------------------------------------

if (role === "floor") {
  const replay = [
    { type: "queued" },
    { type: "message", id: "1", from: "visitor", text: "Where is my parcel?", at: Date.now() },
    { type: "connected", agent: { name: "Grace", id: "agent-1" } },
    { type: "message", id: "2", from: "agent", text: "Hi, I'm Grace. How can I help?", at: Date.now() }
  ]
    .map((event, index) => `id: ${index + 1}\ndata: ${JSON.stringify(event)}\n\n`)
    .join("")
  const server = createServer((_, response) => {
    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-store, no-transform"
    })
    response.write("retry: 1000\n\n")
    response.write(replay)
  })
  server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () =>
    process.send({ type: "ready", url: `http://127.0.0.1:${server.address().port}` })
  )
  answering({
    close: () => {
      server.close(() => process.disconnect())
      server.closeAllConnections()
    }
  })
}

// ---- the bench: the browsers -------------------------------------------------------------------------------------

if (role === "bench") {
  const chats = Number(option("chats", "250"))
  const perChat = Number(option("streams-per-chat", "4"))
  const runs = Number(option("runs", "3"))
  const targetMs = Number(option("target-ms", "500"))
  const profile = option("profile", "")
  const self = fileURLToPath(import.meta.url)
  const out = (text = "") => console.log(text)
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

  /** Forks this file in another role; resolves with the child once it is ready. */
  const child = (name, args = []) =>
    new Promise((resolve, reject) => {
      const process_ = fork(self, [`--role=${name}`, ...args], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
      process_.once("error", reject)
      process_.once("exit", (code) => reject(new Error(`the ${name} process exited (${code}) before it was ready`)))
      process_.once("message", (ready) => resolve({ process: process_, ready }))
    })

  /** Sends `message` to the child and waits for its answer of type `answer`. */
  const ask = ({ process: process_ }, message, answer) =>
    new Promise((resolve) => {
      const heard = (reply) => {
        if (reply.type !== answer || (message.id !== undefined && reply.id !== message.id)) return
        process_.off("message", heard)
        resolve(reply)
      }
      process_.on("message", heard)
      process_.send(message)
    })

  const closeChild = ({ process: process_ }) =>
    new Promise((resolve) => {
      process_.removeAllListeners("exit")
      process_.once("exit", () => resolve())
      process_.send({ type: "close" })
    })

  let asked = 0
  /** The child's CPU time so far (user + system, ms). */
  const cpuOf = async (target) => {
    const { usage } = await ask(target, { type: "cpu", id: ++asked }, "cpu")
    return (usage.user + usage.system) / 1000
  }

  /** One HTTP exchange on a connection of its own; resolves with the status, headers and body. */
  const call = (url, { method = "GET", headers = {}, body } = {}) =>
    new Promise((resolve, reject) => {
      const outgoing = request(url, { method, headers, agent: false }, (incoming) => {
        let text = ""
        incoming.setEncoding("utf8")
        incoming.on("data", (chunk) => {
          text += chunk
        })
        incoming.on("end", () => resolve({ status: incoming.statusCode, headers: incoming.headers, body: text }))
      })
      outgoing.on("error", reject)
      outgoing.end(body)
    })

  const startChat = async (base, n) => {
    const body = JSON.stringify({ name: `Visitor ${n}`, question: "Where is my parcel?" })
    const answer = await call(`${base}/chats`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      body
    })
    if (answer.status !== 201) throw new Error(`POST /chats answered ${answer.status}: ${answer.body}`)
    const cookie = String(answer.headers["set-cookie"]).split(";")[0]
    return { id: JSON.parse(answer.body).chat.id, cookie }
  }

  /** Runs `task` over `items`, `width` at a time. */
  const pool = async (items, width, task) => {
    const results = new Array(items.length)
    let next = 0
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < items.length) {
          const index = next++
          results[index] = await task(items[index], index)
        }
      })
    )
    return results
  }

  /** Polls until every chat has its agent's greeting in the relay's log (so each stream replays a few events). */
  const untilGreeted = async (base, opened) => {
    const deadline = Date.now() + 60_000
    let waiting = opened
    while (waiting.length > 0) {
      if (Date.now() > deadline) throw new Error(`${waiting.length} chats never got their agent's greeting`)
      const states = await pool(waiting, 25, async (chat) => {
        const answer = await call(`${base}/chats/${chat.id}`, { headers: { cookie: chat.cookie } })
        return JSON.parse(answer.body).chat.lastEventId
      })
      waiting = waiting.filter((_, index) => states[index] < 4) // queued, the question, connected, the greeting
      if (waiting.length > 0) await sleep(100)
    }
  }

  /**
   * Opens one stream per entry of `targets`, all in the same tick, each on a connection of its own: plain sockets and
   * a written-out request, so the measure is the server's, not this process's HTTP client (its parser and objects
   * would delay every reading here while a thousand answers come in). Resolves when every stream has its first
   * event (a replayed one: every chat has some), or failed. The sockets stay open until `close`.
   */
  const storm = (base, targets) =>
    new Promise((resolve) => {
      const { hostname, port } = new URL(base)
      const results = []
      const sockets = []
      let pending = targets.length
      const settle = (result) => {
        results.push(result)
        pending -= 1
        if (pending > 0) return
        resolve({
          results,
          close: () => {
            for (const socket of sockets) socket.destroy()
          }
        })
      }
      for (const chat of targets) {
        const began = performance.now()
        const text =
          `GET /chats/${chat.id}/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n` +
          `Cookie: ${chat.cookie}\r\n\r\n`
        const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(text))
        sockets.push(socket)
        let head
        let received = ""
        const reading = (chunk) => {
          const now = performance.now() - began
          head ??= now
          received += chunk
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1])
          if (status !== 200 && received.includes("\r\n\r\n")) {
            socket.off("data", reading)
            return settle({ status, head })
          }
          if (/^data: /m.test(received)) {
            socket.off("data", reading)
            settle({ status, head, firstEvent: now, events: (received.match(/^data: /gm) ?? []).length })
          }
        }
        socket.setEncoding("latin1")
        socket.on("data", reading)
        socket.on("error", (error) => {
          if (head === undefined) settle({ status: 0, head: performance.now() - began, error: error.message })
        })
      }
    })

  /** The storm against `server` (a child), with its CPU time over it. */
  const measure = async (server, targets) => {
    const before = await cpuOf(server)
    const { results, close } = await storm(server.ready.url, targets)
    const cpu = (await cpuOf(server)) - before
    close()
    const ok = results.filter((result) => result.status === 200)
    const sorted = (values) => values.sort((a, b) => a - b)
    const events = ok.map((result) => result.events)
    return {
      heads: sorted(ok.map((result) => result.head)),
      firstEvents: sorted(ok.map((result) => result.firstEvent)),
      failed: results.filter((result) => result.status !== 200),
      events: `${Math.min(...events)} to ${Math.max(...events)}`,
      cpu
    }
  }

  const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
  const ms = (value) => (value === undefined ? "" : `${value.toFixed(0)} ms`)
  const row = (cells) => `| ${cells.map((cell, index) => cell.padEnd([31, 9, 14, 10][index])).join(" | ")} |`

  out(`# @switchboard/relay SSE bench (${new Date().toISOString()})`)
  out()
  out(`Node ${process.versions.node}, ${availableParallelism()} CPUs; load average (1/5/15 min) at start: ${load()}.`)
  out(`The relay: ${option("relay-dist", "") || "this package's dist/"}.`)
  out(`${chats} chats (LiveChat on the embedded simulator, scripted agent), then ${chats * perChat} SSE streams opened`)
  out(
    `at once (${perChat} per chat), each on a connection of its own. Time to first byte (TTFB): from the connection's`
  )
  out("creation to the answer's first byte. First event: to its first `data:` line (a replayed event). CPU: user +")
  out("system of the server's process over the storm. The bare node:http server answers the same storm with a fixed")
  out("head and replay (the floor of this machine at that moment); the relay's CPU also pays for its chats' polling.")

  const verdicts = []
  for (let run = 1; run <= runs; run++) {
    const sim = await child("simulator")
    const relay = await child("relay", [
      `--livechat=${sim.ready.livechat}`,
      `--licence=${sim.ready.licenceId}`,
      `--relay-dist=${option("relay-dist", "")}`
    ])
    const opened = await pool(
      Array.from({ length: chats }, (_, n) => n),
      25,
      (n) => startChat(relay.ready.url, n)
    )
    await untilGreeted(relay.ready.url, opened)
    const targets = opened.flatMap((chat) => Array.from({ length: perChat }, () => chat))

    const floorServer = await child("floor")
    const floor = await measure(floorServer, targets)
    await closeChild(floorServer)

    // The relay's own pace before its storm (its chats' polling of the provider), over one second.
    const idleBefore = await cpuOf(relay)
    await sleep(1000)
    const polling = (await cpuOf(relay)) - idleBefore
    const loadAtStorm = load()
    if (profile !== "") await ask(relay, { type: "profile-start" }, "profile-started")
    const measured = await measure(relay, targets)
    if (profile !== "") {
      const file = profile.replace(/(\.cpuprofile)?$/, `-${run}.cpuprofile`)
      await ask(relay, { type: "profile-stop", file }, "profile-stopped")
    }
    await closeChild(relay) // ends every chat at the simulator
    await closeChild(sim)

    const p99 = percentile(measured.heads, 99)
    verdicts.push({ p99, met: measured.failed.length === 0 && p99 <= targetMs })
    out()
    out(`## Run ${run} of ${runs} (load average before the relay's storm: ${loadAtStorm})`)
    out()
    out(row(["measure", "relay", "bare node:http", "target"]))
    out(row(["-".repeat(31), "-".repeat(9), "-".repeat(14), "-".repeat(10)]))
    for (const p of [50, 95, 99]) {
      const target = p === 99 ? `≤ ${targetMs} ms` : ""
      out(row([`TTFB p${p}`, ms(percentile(measured.heads, p)), ms(percentile(floor.heads, p)), target]))
    }
    out(row(["TTFB max", ms(measured.heads.at(-1)), ms(floor.heads.at(-1)), ""]))
    out(row(["first event p99", ms(percentile(measured.firstEvents, 99)), ms(percentile(floor.firstEvents, 99)), ""]))
    const over = (heads, limit) => String(heads.filter((head) => head > limit).length)
    out(row(["TTFB over 1 s", over(measured.heads, 1000), over(floor.heads, 1000), ""]))
    out(row(["TTFB over 2 s", over(measured.heads, 2000), over(floor.heads, 2000), ""]))
    out(row(["failed (not 200)", String(measured.failed.length), String(floor.failed.length), "0"]))
    out(row(["server CPU over the storm", ms(measured.cpu), ms(floor.cpu), ""]))
    out(row(["relay CPU, the second before", ms(polling), "", ""]))
    out()
    out(`Events read with the first one (the replay, as it came): ${measured.events}.`)
    if (measured.failed.length > 0) {
      const reasons = new Set(measured.failed.map((result) => result.error ?? result.status))
      out(`Failed streams: ${[...reasons].join(", ")}`)
    }
  }

  out()
  const metRuns = verdicts.filter((verdict) => verdict.met).length
  const p99s = verdicts.map((verdict) => ms(verdict.p99)).join(", ")
  const worst = ms(Math.max(...verdicts.map((verdict) => verdict.p99)))
  out(
    `Target, p99 TTFB ≤ ${targetMs} ms: ${metRuns === runs ? "MET" : "NOT MET"} in ${metRuns} of ${runs} run(s) ` +
      `(p99 ${p99s}; worst ${worst}).`
  )
  if (metRuns !== runs) process.exitCode = 1
}
