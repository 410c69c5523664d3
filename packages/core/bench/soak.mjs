// `pnpm --filter @switchboard/core soak`: the chaos soak. For each provider and each of its simulator's server-variant
// profiles (except those that break a documented rule, `contradicts`), N concurrent sessions of core's Effect API
// (own process, bench/soak-client.mjs) each exchange M numbered lines each way with an agent driven inside the
// simulator's process (bench/soak-sim.mjs), while ~10 % of the requests fail: error statuses (500, 502, 503 and 429,
// Retry-After 0; on Salesforce a 503 is the affinity handover, and every chat is also handed over once mid-chat),
// resets before the request is applied, answers dropped after it was applied, and 0-25 ms of added latency. Half the
// chats are ended by the agent, half by the visitor. Then, per chat, from core's events and the simulator's transcript
// (the provider's truth): lines lost, duplicated, out of order; `ended` events; chats left open at the provider
// (LivePerson orphans of ambiguous starts counted apart, and waited for until the simulator's chatTimeout ends them);
// failed starts; leftover handles; peak RSS. All on 127.0.0.1, every process bounded in time.
//   node bench/soak.mjs [--providers=salesforce,liveperson,livechat] [--profiles=default,...] [--sessions=1000]
//                       [--messages=50] [--fault-rate=0.1] [--pace=1000] [--ramp=5000] [--seed=1] [--diagnose=2]
//                       [--trace]
// Prints one markdown table per provider/profile with its verdict line, then the verdicts side by side. Chats that
// miss a target are written whole (the session's event log, the simulator's transcript and native log, with --trace
// every HTTP exchange of the chat) to a JSON file in the OS's temporary directory; the first few are summarised.
import { writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { variantProfiles } from "@switchboard/simulator"
import { fmt, runClient, sleep, startServer, table } from "./lib.mjs"

const option = (name, fallback) => {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  return found === undefined ? fallback : found.slice(name.length + 3)
}
const providers = option("providers", "salesforce,liveperson,livechat").split(",")
const profilesWanted = option("profiles", "")
const sessions = Number(option("sessions", "1000"))
const messages = Number(option("messages", "50"))
const faultRate = Number(option("fault-rate", "0.1"))
const pace = Number(option("pace", "1000"))
const ramp = Number(option("ramp", "5000"))
const seed = Number(option("seed", "1"))
const diagnose = Number(option("diagnose", "2"))
// --trace: the visitors talk to a recording proxy in the simulator's process; every exchange of a chat that misses a
// target goes into the JSON file (slower: for digging into a failure, not for the figures).
const trace = process.argv.includes("--trace")
/** LivePerson's chatTimeout at the simulator (its default): how long an orphan stays open. */
const livePersonChatTimeoutMs = 40_000

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ")
const out = (text = "") => console.log(text)
const verdict = (ok) => (ok ? "met" : "NOT met")
const mb = (bytes) => `${fmt(bytes / 1e6)} MB`
const pct = (part, whole) => (whole === 0 ? "–" : `${((part / whole) * 100).toFixed(2)} %`)
const tally = (values) => {
  const counts = new Map()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])
}
const listed = (pairs) => (pairs.length === 0 ? "none" : pairs.map(([key, n]) => `${key} ${fmt(n)}`).join(", "))

const targets = providers.flatMap((provider) =>
  (variantProfiles[provider] ?? [])
    .filter((profile) => profile.contradicts === undefined)
    .filter((profile) => profilesWanted === "" || profilesWanted.split(",").includes(profile.name))
    .map((profile) => ({ provider, profile: profile.name }))
)

// ---- checks ---------------------------------------------------------------------------------------------------

/**
 * Compares what one side sent (`expected`, line numbers in sending order) with what the other side got (`got`, in
 * arrival order: numbers, or texts that belong to no line of this chat). Lost: expected, never arrived. Duplicated:
 * arrived more than once (each extra arrival counts). Out of order: arrived after a line sent later than it.
 * Foreign: a line of another chat, or an unreadable one.
 */
const compare = (expected, got) => {
  const seen = new Map()
  let duplicated = 0
  let outOfOrder = 0
  let foreign = 0
  let highest = -1
  const problems = []
  for (const k of got) {
    if (typeof k !== "number") {
      foreign += 1
      problems.push(`foreign line ${JSON.stringify(k)}`)
      continue
    }
    const n = seen.get(k) ?? 0
    seen.set(k, n + 1)
    if (n > 0) {
      duplicated += 1
      problems.push(`line ${k} arrived again`)
      continue
    }
    if (k < highest) {
      outOfOrder += 1
      problems.push(`line ${k} arrived after line ${highest}`)
    }
    highest = Math.max(highest, k)
  }
  const missing = expected.filter((k) => !seen.has(k))
  for (const k of missing) problems.push(`line ${k} never arrived`)
  return { lost: missing.length, duplicated, outOfOrder, foreign, problems, missing }
}

const lineNumber = (i, side) => (text) => {
  const prefix = `s${i} ${side}`
  return text.startsWith(prefix) && /^\d+$/.test(text.slice(prefix.length)) ? Number(text.slice(prefix.length)) : text
}
const named = /^s(\d+)$/

const analyze = (target, result, first, later) => {
  const { records } = result
  // The simulator's chats of each session (by visitor name); LivePerson chats nobody named are orphans.
  const owned = new Map()
  const orphans = []
  for (const chat of first.chats) {
    const match = named.exec(chat.name)
    if (match === null) orphans.push(chat)
    else {
      const list = owned.get(Number(match[1])) ?? []
      list.push(chat)
      owned.set(Number(match[1]), list)
    }
  }
  const sum = { lost: 0, duplicated: 0, outOfOrder: 0, foreign: 0 }
  const directions = {
    toAgent: { ...sum, expected: 0 },
    toVisitor: { ...sum, expected: 0 },
    echo: { ...sum, expected: 0 }
  }
  const failing = []
  let superseded = 0
  let supersededLines = 0
  let noChat = 0
  const sendsFailed = []
  let failedButDelivered = 0
  let deadlines = 0
  const endedCounts = { zero: 0, one: 0, more: 0 }
  const endedAs = []
  const defects = []
  for (const rec of records) {
    const problems = []
    // Whether the chat misses one of the targets (a line lost, duplicated or out of order either way, not one `ended`)
    // rather than only showing something worth a look (its own lines, a send that failed but was delivered).
    let missed = false
    const chats = (owned.get(rec.i) ?? []).sort((a, b) => a.created - b.created)
    // A LiveChat start retried under `restart: new-chat` replaces the chat: the session's chat is the last one.
    const main = chats.at(-1)
    superseded += Math.max(0, chats.length - 1)
    for (const replaced of chats.slice(0, -1)) supersededLines += replaced.agent.length
    if (rec.deadline) {
      deadlines += 1
      problems.push("the session reached its deadline (see its events for where it waited)")
    }
    if (rec.defect) defects.push(rec.defect)
    if (rec.ended.length === 0) endedCounts.zero += 1
    else if (rec.ended.length === 1) endedCounts.one += 1
    else endedCounts.more += 1
    if (rec.ended.length !== 1) {
      problems.push(`${rec.ended.length} ended events`)
      missed = true
    }
    endedAs.push(rec.ended[0] ?? "none")
    if (rec.start === "ok") {
      if (main === undefined) {
        noChat += 1
        problems.push("started, but no chat at the provider")
        missed = true
      } else {
        // Visitor → agent: v0 (the first message) and every line the session tried to send.
        const expected = [0, ...rec.sends.map((_, index) => index + 1)]
        for (const [index, outcome] of rec.sends.entries()) {
          if (outcome === 0) continue
          sendsFailed.push(outcome)
          if (main.visitor.includes(`s${rec.i} v${index + 1}`)) {
            failedButDelivered += 1
            problems.push(`visitor → agent: the send of line ${index + 1} failed (${outcome}), yet the line arrived`)
          }
        }
        const toAgent = compare(expected, main.visitor.map(lineNumber(rec.i, "v")))
        // Agent → visitor: every line the agent said in the chat (the transcript), against the session's events.
        const said = main.agent.map(lineNumber(rec.i, "a")).filter((k) => typeof k === "number")
        const toVisitor = compare(said, rec.agent)
        // The visitor's own lines in the session's events, once each, in order: the first message and every line
        // whose send succeeded before the session's `ended` (a line accepted after it cannot show any more).
        const echo = compare([0, ...rec.acked], rec.visitor)
        for (const [key, check, count] of [
          ["toAgent", toAgent, expected.length],
          ["toVisitor", toVisitor, said.length],
          ["echo", echo, 1 + rec.acked.length]
        ]) {
          const totals = directions[key]
          totals.expected += count
          totals.lost += check.lost
          totals.duplicated += check.duplicated
          totals.outOfOrder += check.outOfOrder
          totals.foreign += check.foreign
          const label = { toAgent: "visitor → agent", toVisitor: "agent → visitor", echo: "visitor's own lines" }[key]
          for (const problem of check.problems) problems.push(`${label}: ${problem}`)
          if (key !== "echo" && check.problems.length > 0) missed = true
        }
      }
    }
    if (problems.length > 0) failing.push({ rec, main, problems, missed })
  }
  const startsOk = records.filter((rec) => rec.start === "ok").length
  const startErrors = tally(records.filter((rec) => rec.start !== "ok").map((rec) => rec.start ?? "never ran"))
  const openFirst = first.chats.filter((chat) => chat.state !== "ended")
  const openOwned = openFirst.filter((chat) => named.test(chat.name))
  const openOrphans = openFirst.filter((chat) => !named.test(chat.name))
  const openLater = later === undefined ? openFirst : later.chats.filter((chat) => chat.state !== "ended")
  for (const chat of openOwned) {
    const i = Number(named.exec(chat.name)[1])
    const entry = failing.find((f) => f.rec.i === i)
    const problem = `chat ${chat.id} left open at the provider (${chat.state})`
    if (entry) {
      entry.problems.push(problem)
      entry.missed = true
    } else failing.push({ rec: records[i], main: chat, problems: [problem], missed: true })
  }
  // The chats that miss a target first.
  failing.sort((a, b) => Number(b.missed) - Number(a.missed))
  const faults = {}
  for (const rule of first.faults) {
    const kind = rule.errorRate ? "errors" : rule.resetRate ? "resets" : rule.dropRate ? "drops" : "latency"
    faults[kind] = rule.fired
  }
  return {
    target,
    directions,
    failing,
    superseded,
    supersededLines,
    noChat,
    sendsFailed: tally(sendsFailed),
    failedButDelivered,
    deadlines,
    defects,
    endedCounts,
    endedAs: tally(endedAs),
    startsOk,
    startErrors,
    chatsAtProvider: first.chats.length,
    orphans: orphans.length,
    openOwned: openOwned.length,
    openOrphans: openOrphans.length,
    openLater: openLater.length,
    waitedForOrphans: later !== undefined,
    faults,
    agent: first.stats,
    discontinuities: tally(records.flatMap((rec) => rec.discontinuities)),
    ambiguousStarts: result.ambiguousStarts,
    logged: result.logged.sort((a, b) => b[1] - a[1]),
    leftover: Object.entries(result.resourcesAfter)
      .map(([kind, n]) => [kind, n - (result.resourcesBefore[kind] ?? 0)])
      .filter(([, n]) => n !== 0),
    maxRss: result.maxRss,
    cpuSeconds: result.cpuSeconds,
    elapsedMs: result.elapsedMs
  }
}

// ---- one target ---------------------------------------------------------------------------------------------------

const run = async (target) => {
  const began = performance.now()
  const loadBefore = load()
  const clientLimitMs = ramp + 60_000 + 2 * messages * pace + 30_000 + 15_000 + 30_000
  const sim = await startServer("soak-sim.mjs", [
    JSON.stringify({
      ...target,
      faultRate,
      messages,
      pace,
      seed,
      trace,
      lifetimeMs: clientLimitMs + livePersonChatTimeoutMs + 120_000
    })
  ])
  let result
  let first
  let later
  let failure
  const details = []
  try {
    result = await runClient(
      "soak-client.mjs",
      [
        JSON.stringify({
          provider: target.provider,
          url: sim.info.url,
          settings: sim.info.settings,
          sessions,
          messages,
          pace,
          ramp,
          limitMs: clientLimitMs
        })
      ],
      { timeoutMs: clientLimitMs + 5000 }
    )
    await sleep(1000) // ends still in flight at the simulator's side of the socket
    first = (await sim.ask({ type: "report" }, "report")).report
    // LivePerson orphans: nobody can end them; the simulator does after chatTimeout without a request.
    const orphansOpen = first.chats.filter((chat) => chat.state !== "ended" && !named.test(chat.name))
    if (orphansOpen.length > 0) {
      const newest = Math.max(...orphansOpen.map((chat) => chat.created))
      await sleep(Math.min(50_000, Math.max(0, newest + livePersonChatTimeoutMs + 3000 - first.now)))
      later = (await sim.ask({ type: "report" }, "report")).report
    }
  } catch (error) {
    failure = error.message
  }
  let analysis
  if (result && first) {
    analysis = analyze(target, result, first, later)
    for (const entry of analysis.failing.slice(0, Math.max(diagnose, 20))) {
      const detail =
        entry.main === undefined ? undefined : (await sim.ask({ type: "chat", id: entry.main.id }, "chat")).detail
      details.push({ ...entry, detail })
    }
  }
  await sim.stop()
  return {
    target,
    analysis,
    failure,
    details,
    loadBefore,
    loadAfter: load(),
    seconds: (performance.now() - began) / 1000
  }
}

// ---- output -------------------------------------------------------------------------------------------------------

const directionRow = (name, d) => [
  name,
  `${fmt(d.expected)} lines: ${fmt(d.lost)} lost, ${fmt(d.duplicated)} duplicated, ${fmt(d.outOfOrder)} out of order${d.foreign ? `, ${fmt(d.foreign)} foreign` : ""}`
]

const targetsOf = (a) => {
  const lost = a.directions.toAgent.lost + a.directions.toVisitor.lost
  const duplicated = a.directions.toAgent.duplicated + a.directions.toVisitor.duplicated
  const outOfOrder = a.directions.toAgent.outOfOrder + a.directions.toVisitor.outOfOrder
  const oneEnded = a.endedCounts.one === sessions
  const orphansCounted = a.orphans <= a.ambiguousStarts
  const open = a.openOwned === 0 && orphansCounted && a.openLater === 0
  const starts = a.startsOk / sessions
  return [
    ["lost", fmt(lost), lost === 0],
    ["duplicated", fmt(duplicated), duplicated === 0],
    ["out of order", fmt(outOfOrder), outOfOrder === 0],
    ["one `ended` per chat", `${fmt(a.endedCounts.one)}/${fmt(sessions)}`, oneEnded],
    [
      "left open",
      `${fmt(a.openOwned)}${a.orphans > 0 || a.ambiguousStarts > 0 ? ` (+${fmt(a.orphans)} orphans / ${fmt(a.ambiguousStarts)} ambiguous starts, ${fmt(a.openLater)} open after chatTimeout)` : ""}`,
      open
    ],
    ["starts", pct(a.startsOk, sessions), starts >= 0.999]
  ]
}

/** A session's event log on one line, each run of `queued` updates as one entry. */
const condensed = (log) => {
  const parts = []
  let queued = 0
  for (const [index, [ms, what]] of log.entries()) {
    if (what.startsWith("queued")) {
      queued += 1
      if (log[index + 1]?.[1].startsWith("queued")) continue
      parts.push(`${ms} ${what}${queued > 1 ? ` (${queued} queue updates)` : ""}`)
      queued = 0
      continue
    }
    parts.push(`${ms} ${what}`)
  }
  return parts.join(", ")
}

const print = ({ target, analysis: a, failure, details, loadBefore, loadAfter, seconds }) => {
  out()
  out(`## ${target.provider} / ${target.profile}`)
  out()
  if (a === undefined) {
    out(`could not run: ${failure}`)
    return
  }
  const rows = [
    ["sessions started / failed", `${fmt(a.startsOk)} / ${fmt(sessions - a.startsOk)} (${listed(a.startErrors)})`],
    directionRow("visitor → agent (transcript)", a.directions.toAgent),
    directionRow("agent → visitor (core events)", a.directions.toVisitor),
    [
      "visitor's own lines in core events",
      `${fmt(a.directions.echo.lost)} missing, ${fmt(a.directions.echo.duplicated)} duplicated, ${fmt(a.directions.echo.outOfOrder)} out of order`
    ],
    [
      "sends failed (delivered all the same)",
      `${fmt(a.sendsFailed.reduce((n, [, c]) => n + c, 0))} (${fmt(a.failedButDelivered)}): ${listed(a.sendsFailed)}`
    ],
    [
      "`ended` events per chat: 0 / 1 / more",
      `${fmt(a.endedCounts.zero)} / ${fmt(a.endedCounts.one)} / ${fmt(a.endedCounts.more)}`
    ],
    ["ended as (by/reason)", listed(a.endedAs)],
    [
      "chats at the provider / left open after close",
      `${fmt(a.chatsAtProvider)} / ${fmt(a.openOwned + a.openOrphans)} (${fmt(a.openOrphans)} orphans)`
    ],
    [
      "orphans (no session's chat) / ambiguous starts counted",
      `${fmt(a.orphans)} / ${fmt(a.ambiguousStarts)}${a.waitedForOrphans ? `; still open after chatTimeout: ${fmt(a.openLater)}` : ""}`
    ],
    ...(a.superseded > 0
      ? [
          [
            "chats replaced by a retried start (restart: new-chat) / agent lines said in them",
            `${fmt(a.superseded)} / ${fmt(a.supersededLines)}`
          ]
        ]
      : []),
    ...(a.noChat > 0 ? [["sessions started without a chat at the provider", fmt(a.noChat)]] : []),
    ["sessions past their deadline", fmt(a.deadlines)],
    ["discontinuity events", listed(a.discontinuities)],
    [
      "faults fired: errors / resets / drops",
      `${fmt(a.faults.errors ?? 0)} / ${fmt(a.faults.resets ?? 0)} / ${fmt(a.faults.drops ?? 0)}${target.provider === "salesforce" ? `; handovers ordered mid-chat ${fmt(a.agent.handovers)} (${fmt(a.agent.handoversRefused)} refused)` : ""}`
    ],
    ["core's log lines (level message: count)", listed(a.logged.slice(0, 4))],
    ["agent lines said / agent ends", `${fmt(a.agent.said)} / ${fmt(a.agent.agentEnds)}`],
    ["leftover handles (after − before)", listed(a.leftover)],
    ["peak RSS / CPU of the sessions' process", `${mb(a.maxRss)} / ${fmt(a.cpuSeconds, 1)} s`],
    [
      "time (sessions / whole target), load average before → after",
      `${fmt(a.elapsedMs / 1000, 1)} s / ${fmt(seconds, 1)} s, ${loadBefore} → ${loadAfter}`
    ],
    ...(a.defects.length > 0 ? [["defects", a.defects.slice(0, 3).join(" | ")]] : [])
  ]
  out(table(["figure", "value"], rows))
  out()
  const checks = targetsOf(a)
  out(
    `- verdict ${target.provider}/${target.profile}: ${checks.map(([name, figure, ok]) => `${name} ${figure}: ${verdict(ok)}`).join("; ")}`
  )
  if (details.length > 0) {
    const file = join(tmpdir(), `soak-${target.provider}-${target.profile}-${Date.now()}.json`)
    writeFileSync(file, JSON.stringify(details, null, 1))
    const missed = a.failing.filter((entry) => entry.missed).length
    out(
      `- ${fmt(missed)} chats missed a target, ${fmt(a.failing.length - missed)} more are worth a look; the first ${details.length} in full: ${file}`
    )
    for (const { rec, main, problems } of details.slice(0, diagnose)) {
      out(
        `  - session s${rec.i} (chat ${main?.id ?? "none"}, ${main?.state ?? "–"}${main?.endedBy ? ` by ${main.endedBy}` : ""}): ${problems.slice(0, 6).join("; ")}`
      )
      out(`    events (ms): ${condensed(rec.log)}`.slice(0, 2400))
    }
  }
}

out(`# @switchboard/core chaos soak (${new Date().toISOString()})`)
out()
out(`Node ${process.versions.node}, 2-core box shared with other work; load average (1/5/15 min) at start: ${load()}.`)
out(
  `${fmt(sessions)} sessions per target × ${messages} lines each way (one every ${pace} ms), opened over ${ramp / 1000} s; fault rate ${faultRate} (errors 500/502/503/429 ${(faultRate * 40).toFixed(0)} %, resets ${(faultRate * 30).toFixed(0)} %, drops ${(faultRate * 30).toFixed(0)} %, +0-25 ms each request); seed ${seed}.`
)
out(`Targets: ${targets.map((t) => `${t.provider}/${t.profile}`).join(", ")}.`)
const results = []
for (const target of targets) {
  const outcome = await run(target)
  results.push(outcome)
  print(outcome)
}
out()
out("## Verdict")
out()
const header = ["target", ...["lost", "duplicated", "out of order", "one `ended` per chat", "left open", "starts"]]
out(
  table(
    header,
    results.map(({ target, analysis }) =>
      analysis === undefined
        ? [`${target.provider}/${target.profile}`, "could not run", "", "", "", "", ""]
        : [
            `${target.provider}/${target.profile}`,
            ...targetsOf(analysis).map(([, figure, ok]) => `${figure}: ${verdict(ok)}`)
          ]
    )
  )
)
out()
out(`Load average at the end: ${load()}.`)
