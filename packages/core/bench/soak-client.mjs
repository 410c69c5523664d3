// The soak's visitors (bench/soak.mjs), the measuring process: N sessions of core's Effect API (`Session.make` and
// `start` under one provider layer, all in one ManagedRuntime) against the simulator in its own process. Session i:
//   - opens over the first `ramp` ms with visitor name `s<i>` and first message `s<i> v0`;
//   - once connected sends `s<i> v1` ... `s<i> v<M>`, one every `pace` ms (each send awaited), while the agent talks;
//   - odd i: ends the chat itself once it has seen the agent's M lines and its own lines back; even i: waits for the
//     agent to end it;
//   - gives up at its deadline (ending the chat itself) and closes its scope.
// Every event of every session is recorded (compactly); the result goes to the parent over IPC with the
// ambiguous-start counter, the process's active resources before and after, and its peak RSS.
// Usage: node bench/soak-client.mjs <config JSON: provider, url, settings, sessions, messages, pace, ramp, limitMs>
const config = JSON.parse(process.argv[2])
const { provider, url, settings, sessions: N, messages: M, pace, ramp } = config
setTimeout(() => {
  console.error(`soak-client: hard stop after ${config.limitMs} ms`)
  process.exit(3)
}, config.limitMs).unref()

const { Deferred, Effect, Either, Exit, Layer, Logger, ManagedRuntime, Metric, Redacted, Scope, Stream } = await import(
  "effect"
)
const core = await import("../dist/index.js")
const { LiveChat, LivePerson, Metrics, Salesforce, Session } = core

const countKinds = (kinds) => {
  const counts = {}
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}
const resourcesBefore = countKinds(process.getActiveResourcesInfo())

// Short retries (the defaults wait up to 10 s between attempts), realistic polling (each adapter's defaults).
const retry = { baseDelay: "50 millis", maxDelay: "1 second" }
const layers = {
  salesforce: () =>
    Salesforce.layer({
      baseUrl: url,
      orgId: settings.orgId,
      deploymentId: settings.deploymentId,
      buttonId: settings.buttonId,
      apiVersion: settings.apiVersion,
      retry
    }),
  liveperson: () =>
    LivePerson.layer({
      baseUrl: url,
      accountId: settings.accountId,
      appKey: Redacted.make(settings.appKey),
      skill: settings.skills[0],
      retry
    }),
  livechat: () => LiveChat.layer({ baseUrl: url, licenceId: settings.licenceId, retry })
}
// Core's log lines (warnings and errors) are counted by message, not printed: the parent reports them.
const logged = new Map()
const tallyLogger = Logger.make(({ logLevel, message }) => {
  const first = Array.isArray(message) ? message[0] : message
  const key = `${logLevel.label} ${typeof first === "string" ? first : String(first)}`.slice(0, 160)
  logged.set(key, (logged.get(key) ?? 0) + 1)
})
const logger = Logger.replace(Logger.defaultLogger, tallyLogger)
const runtime = ManagedRuntime.make(layers[provider]().pipe(Layer.provide(logger), Layer.merge(logger)))

const base = Date.now()
const records = Array.from({ length: N }, (_, i) => ({
  i,
  start: undefined, // "ok" or the error's tag
  startDetail: undefined,
  startMs: undefined,
  /** k of each agent line received, in order (a line not of this chat: its text). */
  agent: [],
  /** k of each visitor line the session reported, in order. */
  visitor: [],
  /** k of each line whose send succeeded before the session's `ended` (its own line should be in its events). */
  acked: [],
  /** Outcome of the send of line k (1..M): 0 sent, or the error's tag. */
  sends: [],
  ended: [],
  discontinuities: [],
  queued: 0,
  deadline: false,
  /** How many of its own lines the visitor waits to see (v0 and every line sent), once it is done sending. */
  expectVisitor: Number.POSITIVE_INFINITY,
  /** [ms since base, what] of everything that happened, for diagnosis. */
  log: []
}))

const note = (rec, what) => rec.log.push([Date.now() - base, what])
const lineOf = (rec, text, side) => {
  const prefix = `s${rec.i} ${side}`
  return text.startsWith(prefix) && /^\d+$/.test(text.slice(prefix.length)) ? Number(text.slice(prefix.length)) : text
}

const onEvent = (rec, signals) => (event) => {
  switch (event.type) {
    case "message": {
      if (event.from === "agent") {
        const k = lineOf(rec, event.text, "a")
        rec.agent.push(k)
        note(rec, `a${k}`)
      } else if (event.from === "visitor") {
        const k = lineOf(rec, event.text, "v")
        rec.visitor.push(k)
        note(rec, `v${k}`)
      }
      return seenAll(rec, signals)
    }
    case "queued":
      // Counted, and only the first noted: a Salesforce chat hears of every move of the queue ahead of it.
      rec.queued += 1
      if (rec.queued === 1) note(rec, event.position === undefined ? "queued" : `queued ${event.position}`)
      return Effect.void
    case "connected":
      note(rec, `connected (${rec.queued} queue updates)`)
      return Deferred.succeed(signals.connected, undefined)
    case "ended":
      rec.ended.push(`${event.by}/${event.reason}`)
      note(rec, `ended ${event.by}/${event.reason}${event.detail ? ` (${event.detail})` : ""}`)
      return Deferred.succeed(signals.ended, undefined)
    case "discontinuity":
      rec.discontinuities.push(event.reason)
      note(rec, `discontinuity ${event.reason}`)
      return Effect.void
    default:
      note(rec, event.type)
      return Effect.void
  }
}

/** The visitor has seen the agent's M lines and its own lines back (once it is done sending). */
const seenAll = (rec, signals) =>
  rec.agent.length >= M && rec.visitor.length >= rec.expectVisitor
    ? Deferred.succeed(signals.allSeen, undefined)
    : Effect.void

const tagOf = (error) => error?._tag ?? String(error)

const conversation = (i) =>
  Effect.gen(function* () {
    const rec = records[i]
    yield* Effect.sleep(Math.floor((i / N) * ramp))
    const scope = yield* Scope.make()
    const signals = {
      connected: yield* Deferred.make(),
      ended: yield* Deferred.make(),
      allSeen: yield* Deferred.make()
    }
    const request = { visitorName: `s${i}`, visitorId: `soak-${i}`, firstMessage: `s${i} v0` }
    const chat = yield* Session.make(request).pipe(Scope.extend(scope))
    yield* Stream.runForEach(chat.events, onEvent(rec, signals)).pipe(Effect.forkIn(scope))
    const opened = Date.now()
    note(rec, "start")
    const started = yield* Effect.either(chat.start)
    rec.startMs = Date.now() - opened
    if (Either.isLeft(started)) {
      rec.start = tagOf(started.left)
      rec.startDetail = started.left?.message
      note(rec, `start failed: ${rec.start}`)
    } else {
      rec.start = "ok"
      note(rec, "started")
      const connected = yield* Deferred.await(signals.connected).pipe(Effect.timeout("60 seconds"), Effect.either)
      if (Either.isLeft(connected)) {
        rec.deadline = true
        note(rec, "never connected")
      } else {
        const until = Date.now() + 2 * M * pace + 30_000
        const remaining = () => Math.max(1, until - Date.now())
        for (let k = 1; k <= M; k++) {
          yield* Effect.sleep(pace)
          const sent = yield* Effect.either(chat.send(`s${i} v${k}`))
          rec.sends.push(Either.isLeft(sent) ? tagOf(sent.left) : 0)
          if (Either.isRight(sent) && rec.ended.length === 0) rec.acked.push(k)
          note(rec, Either.isLeft(sent) ? `send v${k} failed: ${tagOf(sent.left)}` : `sent v${k}`)
          if (Either.isLeft(sent) && sent.left._tag === "ChatClosed") break
          if (Date.now() > until) break
        }
        // Its own lines: the first message and every line whose send succeeded (a failed one may show, or not).
        rec.expectVisitor = 1 + rec.sends.filter((outcome) => outcome === 0).length
        yield* seenAll(rec, signals)
        const wait = i % 2 === 1 ? signals.allSeen : signals.ended
        const done = yield* Deferred.await(wait).pipe(Effect.timeout(remaining()), Effect.either)
        if (Either.isLeft(done)) {
          rec.deadline = true
          note(rec, "deadline")
        }
      }
    }
    note(rec, "end")
    yield* chat.end
    const ended = yield* Deferred.await(signals.ended).pipe(Effect.timeout("15 seconds"), Effect.either)
    if (Either.isLeft(ended)) note(rec, "no ended event 15 s after end")
    yield* Scope.close(scope, Exit.void)
    note(rec, "closed")
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        note(records[i], `defect: ${String(cause).slice(0, 300)}`)
        records[i].defect = String(cause).slice(0, 300)
      })
    )
  )

const cpu = process.cpuUsage()
const t0 = performance.now()
await runtime.runPromise(Effect.void)
await runtime.runPromise(
  Effect.forEach(records, (rec) => conversation(rec.i), { concurrency: "unbounded", discard: true })
)
const elapsedMs = performance.now() - t0
const counter = await runtime.runPromise(
  Metric.value(Metrics.ambiguousStarts.pipe(Metric.tagged("provider", provider)))
)
const used = process.cpuUsage(cpu)
await runtime.dispose()
await new Promise((resolve) => setTimeout(resolve, 1000))
const resourcesAfter = countKinds(process.getActiveResourcesInfo())

process.send(
  {
    type: "result",
    result: {
      base,
      elapsedMs,
      cpuSeconds: (used.user + used.system) / 1e6,
      maxRss: process.resourceUsage().maxRSS * 1024,
      ambiguousStarts: counter.count,
      logged: [...logged],
      resourcesBefore,
      resourcesAfter,
      records
    }
  },
  () => process.exit(0)
) // once the result is through the channel: a large one takes a while on a busy machine
