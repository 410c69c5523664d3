// Part 3, one process per variant: N Salesforce chats long-polling the simulator (bench/sfsim.mjs, own process);
// latency from the agent's message (posted with its hrtime) to the visitor seeing it. Variants:
//   core  Session.open + Salesforce.layer, each session's `events` consumed; latency taken at the `message` event
//   raw   a hand-written loop on global fetch: SessionId, ChasitorInit, then GET System/Messages?ack=... forever;
//         latency taken when a ChatMessage entry is parsed
// Driven by run.mjs over IPC: "ready" once every chat is queued, "connected" once every chat has its agent, then
// "window" (start the CPU measurement) and "report" (with the number posted: it waits, 10 s at most, for the last).
// Usage: node bench/longpoll.mjs <simulator JSON> <core|raw> <N>
const hardStop = setTimeout(() => process.exit(3), 69_500)
hardStop.unref()
const [simJson, variant, n] = process.argv.slice(2)
const sim = JSON.parse(simJson)
const N = Number(n)
const { url: BASE, settings } = sim

const latencies = new Float64Array(200_000)
let count = 0
let queued = 0
let connected = 0
let failures = 0
const onAgentText = (text) => {
  // Every "t=" line was posted inside the window, whenever the "window" message itself is handled: under a burst of
  // events the IPC message can be read after the first lines arrive, and gating on it lost them from the count.
  if (!text.startsWith("t=")) return
  const micros = Number(process.hrtime.bigint() - BigInt(text.slice(2))) / 1000
  if (count < latencies.length) latencies[count++] = micros
}
const progress = () => {
  if (queued === N) {
    queued += 1 // report once
    process.send({ type: "ready" })
  }
  if (connected === N) {
    connected += 1
    process.send({ type: "connected" })
  }
}

const variants = {
  async raw() {
    const version = { "X-LIVEAGENT-API-VERSION": String(settings.apiVersion) }
    const session = async () => {
      const created = await fetch(`${BASE}/System/SessionId`, {
        headers: { ...version, "X-LIVEAGENT-AFFINITY": "null" }
      })
      const { id, key, affinityToken } = await created.json()
      const headers = { ...version, "X-LIVEAGENT-AFFINITY": affinityToken, "X-LIVEAGENT-SESSION-KEY": key }
      const init = await fetch(`${BASE}/Chasitor/ChasitorInit`, {
        method: "POST",
        headers: { ...headers, "X-LIVEAGENT-SEQUENCE": "1", "Content-Type": "application/json" },
        body: JSON.stringify({
          organizationId: settings.orgId,
          deploymentId: settings.deploymentId,
          buttonId: settings.buttonId,
          sessionId: id,
          userAgent: "bench",
          language: "en-US",
          screenResolution: "",
          visitorName: "Ada",
          prechatDetails: [],
          prechatEntities: [],
          receiveQueueUpdates: true,
          isPost: true
        })
      })
      await init.text()
      let ack = -1
      for (;;) {
        const response = await fetch(`${BASE}/System/Messages?ack=${ack}`, { headers })
        if (response.status !== 200) {
          await response.arrayBuffer()
          if (response.status !== 204) failures += 1
          continue
        }
        const body = await response.json()
        ack = body.sequence
        for (const entry of body.messages) {
          if (entry.type === "ChatMessage") onAgentText(entry.message.text)
          else if (entry.type === "ChatRequestSuccess") queued += 1
          else if (entry.type === "ChatEstablished") connected += 1
        }
        progress()
      }
    }
    for (let i = 0; i < N; i++) {
      session().catch(() => {
        failures += 1
      })
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  },

  async core() {
    const { Effect, ManagedRuntime, Scope, Stream } = await import("effect")
    const { Session } = await import("../dist/index.js")
    const Salesforce = await import("../dist/providers/Salesforce.js")
    const runtime = ManagedRuntime.make(
      Salesforce.layer({
        baseUrl: BASE,
        orgId: settings.orgId,
        deploymentId: settings.deploymentId,
        buttonId: settings.buttonId,
        apiVersion: settings.apiVersion
      })
    )
    await runtime.runPromise(Effect.void)
    const sessions = []
    const open = Effect.gen(function* () {
      const scope = yield* Scope.make()
      const session = yield* Session.open({ visitorName: "Ada" }).pipe(Scope.extend(scope))
      sessions.push([scope, session])
      queued += 1
      yield* Stream.runForEach(session.events, (event) =>
        Effect.sync(() => {
          if (event.type === "message" && event.from === "agent") onAgentText(event.text)
          else if (event.type === "connected") connected += 1
          progress()
        })
      ).pipe(Effect.forkIn(scope))
      progress()
    }).pipe(
      Effect.catchAllCause(() =>
        Effect.sync(() => {
          failures += 1
        })
      )
    )
    for (let i = 0; i < N; i++) {
      runtime.runFork(open)
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

let cpu
process.on("message", async (message) => {
  if (message === "window") {
    cpu = process.cpuUsage()
  } else if (message?.type === "report") {
    // Every posted message counts, however late: wait (up to 10 s) until they have all arrived, then report.
    const deadline = performance.now() + 10_000
    while (count < message.posted && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10))
    const used = process.cpuUsage(cpu)
    const sorted = latencies.subarray(0, count).sort()
    const q = (p) => (count === 0 ? Number.NaN : sorted[Math.min(count - 1, Math.floor(p * count))] / 1000)
    process.send({
      type: "result",
      result: {
        variant,
        N,
        delivered: count,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: count ? sorted[count - 1] / 1000 : Number.NaN,
        cpuSeconds: (used.user + used.system) / 1e6,
        cpuMicrosPerDelivery: (used.user + used.system) / Math.max(1, count),
        maxRss: process.resourceUsage().maxRSS * 1024,
        failures
      }
    })
    setTimeout(() => process.exit(0), 200)
  }
})

await variants[variant]()
