/**
 * The hostile suite, shared by `hostile.<provider>.test.ts` (one file per provider, so that vitest runs them side by
 * side): each adapter's start, poll, send and end against every behaviour of the hostile proxy (`@switchboard/testkit`)
 * over real loopback HTTP, with short settings so that a provider's whole matrix runs in a few minutes.
 *
 * The expectations are the contract core is held to, not what it does today. Each case collects every way it
 * misses the contract (so one run says everything: the error, the time, the memory) and prints one line of what
 * core did, `[hostile] <provider> <operation> × <behaviour>: ...`.
 */
import { assert, describe, it } from "@effect/vitest"
import type { ChatView, RunningSimulator, SimulatorOptions } from "@switchboard/simulator"
import {
  type Behaviour,
  type HostileProxy,
  type HostileRule,
  type RssSampler,
  sampleRss,
  startHostileProxy
} from "@switchboard/testkit"
import { Cause, Effect, Exit, type Layer, Metric, Option, Schema, type Scope, Supervisor } from "effect"
import type { ChatEvent } from "../../src/ChatEvent.ts"
import type { ChatProvider } from "../../src/ChatProvider.ts"
import { ChatError, type InvalidConfiguration, type BuiltInProvider as ProviderName } from "../../src/Errors.ts"
import * as Metrics from "../../src/Metrics.ts"
import type { RetryPolicy } from "../../src/Retry.ts"
import * as Session from "../../src/Session.ts"
import { chatAt, eventually, is, liveResources, recorder, simulator } from "./harness.ts"

// ---- settings -------------------------------------------------------------------------------------------------------

export const requestTimeoutMs = 1000
export const retryDeadlineMs = 3000
/** What every adapter of the suite is built with. */
export const requestTimeout = "1 second"
export const retry: RetryPolicy = { baseDelay: "20 millis", maxDelay: "200 millis", deadline: "3 seconds" }
export const endTimeoutMs = 3000
const sessionOptions: Session.SessionOptions = { endTimeout: "3 seconds" }
const slackMs = 2000

/** A start or a send fails (or succeeds) within the retry deadline, one request's timeout and some slack. */
export const commandBoundMs = retryDeadlineMs + requestTimeoutMs + slackMs
/** `session.end` returns within the session's end timeout and a second. */
export const endBoundMs = endTimeoutMs + 1000
/** RSS may grow this much under `endless-body` and `huge-page`. */
export const rssLimitBytes = 64 * 1024 * 1024
/** Past this growth the proxy cuts every hostile answer: the case has failed, the machine must not suffer. */
const rssGuardBytes = 512 * 1024 * 1024
/** The window over which the poll pace is measured under `instant-empty`. */
export const paceWindowMs = 5000

/** One provider as the suite drives it. */
export interface HostileTarget {
  readonly provider: ProviderName
  /** Short inactivity timeouts, matched in the adapter's settings. */
  readonly simulator: SimulatorOptions
  /** The provider's inactivity timeout as the simulator enforces it and tells the client, in ms. */
  readonly inactivityMs: number
  /** The adapter, pointed at the proxy (`origin` + the provider's mount point). */
  readonly layer: (sim: RunningSimulator, origin: string) => Layer.Layer<ChatProvider, InvalidConfiguration>
  /**
   * The provider's secrets travel in headers (Salesforce's session key and affinity, LivePerson's app key), which
   * core drops on a redirect to another origin: there such a redirect is refused (a typed error, an `ended`), not
   * followed with the secret. LiveChat's travel in the query or body, so it follows one like any other.
   */
  readonly secretsInHeaders: boolean
  /** Most polls the adapter may make in `windowMs` when every poll is answered empty at once. */
  readonly maxPolls: (windowMs: number) => number
  /** How the pace is stated in the test's name. */
  readonly pace: string
  /**
   * A chat whose creating answer was lost may be left open for the provider's own timeout (LivePerson: the chat
   * request has no idempotency key, so core cannot learn the chat's URI), as long as core counted it in
   * `switchboard_ambiguous_starts_total`. False: core must end every chat it caused, and one start makes one chat.
   */
  readonly orphansTimeOut: boolean
  /** Extra start variants: rules narrowed to one step of the start (Salesforce: ChasitorInit alone). */
  readonly startSteps?: ReadonlyArray<{
    readonly name: string
    readonly behaviours: ReadonlyArray<Behaviour>
  }>
}

/** Behaviours that break an answer (each is expected to fail a start, end a polled session...). */
export const breaking: ReadonlyArray<Behaviour> = [
  "endless-body",
  "trickle-body",
  "silence",
  "malformed-json",
  "html-200",
  "html-502",
  "huge-page"
]
/** Behaviours a client must take in its stride. */
export const benign: ReadonlyArray<Behaviour> = ["gzip", "redirect"]
const everything: ReadonlyArray<Behaviour> = [...breaking, "instant-empty", ...benign, "redirect-cross-origin"]
/** What breaks for this target: a cross-origin redirect too, where its secrets travel in headers. */
const breakingFor = (target: HostileTarget): ReadonlyArray<Behaviour> =>
  target.secretsInHeaders ? [...breaking, "redirect-cross-origin"] : breaking
const benignFor = (target: HostileTarget): ReadonlyArray<Behaviour> =>
  target.secretsInHeaders ? benign : [...benign, "redirect-cross-origin"]

/**
 * The error a broken start must fail with: malformed or oversized answers are protocol errors. A cross-origin
 * redirect without the secret is refused there, in whatever way the provider refuses it: any typed error.
 */
export const expectedStartError = (behaviour: Behaviour): "ProtocolError" | "ProviderUnavailable" | undefined =>
  behaviour === "redirect-cross-origin"
    ? undefined
    : behaviour === "silence" || behaviour === "trickle-body" || behaviour === "html-502"
      ? "ProviderUnavailable"
      : "ProtocolError"

const measuresRss = (behaviour: Behaviour) => behaviour === "endless-body" || behaviour === "huge-page"

// ---- verdicts -------------------------------------------------------------------------------------------------------

/** What one case saw, and every way it missed the contract. */
export class Verdict {
  readonly problems: Array<string> = []
  readonly notes: Array<string> = []

  expect(condition: boolean, problem: string): boolean {
    if (!condition) this.problems.push(problem)
    return condition
  }

  note(text: string): void {
    this.notes.push(text)
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

/** Describes an exit: `ok`, `ProtocolError(...)`, `defect ...`, `interrupted`. */
export const describeExit = (exit: Exit.Exit<unknown, unknown> | undefined): string => {
  if (exit === undefined) return "was still pending"
  if (Exit.isSuccess(exit)) return "succeeded"
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value as { _tag?: string; message?: string }
    return `failed ${error._tag ?? "untagged"} (${String(error.message ?? error).slice(0, 160)})`
  }
  if (Cause.isInterruptedOnly(exit.cause)) return "was interrupted"
  return `died: ${Cause.pretty(exit.cause).split("\n")[0]?.slice(0, 160)}`
}

const isChatError = Schema.is(ChatError)

/** The typed ChatError an exit failed with, if it did. */
export const typedError = (exit: Exit.Exit<unknown, unknown> | undefined): ChatError | undefined => {
  if (exit === undefined || Exit.isSuccess(exit)) return undefined
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && isChatError(failure.value) ? failure.value : undefined
}

// ---- running a case ----------------------------------------------------------------------------------------------

export interface CaseContext {
  readonly sim: RunningSimulator
  readonly proxy: HostileProxy
  readonly verdict: Verdict
}

/**
 * Runs `body` against a fresh simulator behind a fresh hostile proxy, with the target's adapter pointed at the
 * proxy. As the harness's `withProvider`: the session scope closes first, then the adapter, then the proxy and the
 * simulator; afterwards no fiber the case started may be running and no timer or socket may be left. Under
 * `endless-body` and `huge-page` the RSS is sampled every 50 ms from before the session to after the adapter closed.
 * Unhandled rejections during the case are failures. Every problem is reported at once, with one line of notes.
 */
export const hostileCase = <A, E>(
  target: HostileTarget,
  title: string,
  behaviour: Behaviour,
  body: (context: CaseContext) => Effect.Effect<A, E, Scope.Scope | ChatProvider>
) =>
  Effect.gen(function* () {
    const verdict = new Verdict()
    const rejections: Array<unknown> = []
    const onRejection = (reason: unknown) => {
      rejections.push(reason)
    }
    process.on("unhandledRejection", onRejection)
    const before = liveResources()
    const supervisor = yield* Supervisor.track
    let rss: RssSampler | undefined
    let stage = "the case's steps"
    const exit = yield* Effect.gen(function* () {
      const sim = yield* simulator(target.simulator)
      const proxy = yield* Effect.acquireRelease(
        Effect.promise(() => startHostileProxy({ upstream: sim.url })),
        (proxy) => Effect.promise(() => proxy.close())
      )
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          if (measuresRss(behaviour)) {
            rss = sampleRss({ everyMs: 50, guard: { limit: rssGuardBytes, action: () => proxy.cut() } })
          }
        }),
        () => Effect.sync(() => rss?.stop())
      )
      // Which stage failed, when one did: the case's steps, or closing the session's scope after them.
      yield* Effect.scoped(
        Effect.tap(body({ sim, proxy, verdict }), () =>
          Effect.sync(() => {
            stage = "closing the session's scope (session.end, the adapter's finalizers)"
          })
        )
      ).pipe(Effect.provide(target.layer(sim, proxy.origin)))
      verdict.expect(
        sim.violations.length === 0,
        `the simulator answered outside its spec: ${JSON.stringify(sim.violations).slice(0, 300)}`
      )
      // Whatever a redirect to another origin did, no secret went there.
      const leaked = proxy.requests.filter((request) => request.listener === "redirect" && request.carriedSecret)
      verdict.expect(leaked.length === 0, `${leaked.length} request(s) carried a secret to another origin`)
    }).pipe(Effect.scoped, Effect.supervised(supervisor), Effect.exit)
    if (Exit.isFailure(exit)) {
      verdict.expect(false, `${stage} failed: ${Cause.pretty(exit.cause).slice(0, 600)}`)
    }
    const settled = yield* eventually("every fiber of the case to end", () =>
      Effect.runSync(supervisor.value).every((fiber) => fiber.unsafePoll() !== null) ? true : undefined
    ).pipe(Effect.either)
    verdict.expect(settled._tag === "Right", "fibers of the case were still running after it ended")
    const released = yield* eventually(
      `timers and sockets back to ${before}`,
      () => (liveResources() <= before ? true : undefined),
      3000
    ).pipe(Effect.either)
    verdict.expect(
      released._tag === "Right",
      `timers or sockets left running after the case: ${process.getActiveResourcesInfo().join(", ")}`
    )
    process.off("unhandledRejection", onRejection)
    verdict.expect(rejections.length === 0, `unhandled rejections: ${rejections.map(String).join("; ")}`)
    if (rss !== undefined) {
      verdict.note(`RSS +${megabytes(rss.growth)}${rss.tripped ? " (guard cut the hostile answers)" : ""}`)
      verdict.expect(
        rss.growth <= rssLimitBytes,
        `RSS grew by ${megabytes(rss.growth)} (limit ${megabytes(rssLimitBytes)})${rss.tripped ? `; the proxy cut its answers at +${megabytes(rssGuardBytes)}` : ""}`
      )
    }
    console.info(
      `[hostile] ${title}: ${verdict.notes.join("; ")}${verdict.problems.length === 0 ? "" : ` | MISSES: ${verdict.problems.join(" / ")}`}`
    )
    assert.deepStrictEqual(verdict.problems, [], `${title} misses the contract`)
  })

// ---- steps ----------------------------------------------------------------------------------------------------------

const request = { visitorName: "Ada" }

/** A session with an agent connected (nothing hostile yet). */
const connect = (sim: RunningSimulator, provider: ProviderName) =>
  Effect.gen(function* () {
    const session = yield* Session.open(request, sessionOptions)
    const events = yield* recorder(session)
    const chat = yield* chatAt(sim, provider)
    sim.hub.accept(chat.id, { name: "Grace" })
    yield* events.until("connected", is("connected"))
    return { session, events, chat }
  })

const visitorLines = (sim: RunningSimulator, chat: ChatView, text: string) =>
  sim.hub
    .get(chat.id)
    .transcript.filter((entry) => entry.kind === "message" && entry.from === "visitor" && entry.text === text).length

/** The agent says `text`; a chat that has already ended is a problem of the case, not a crash of it. */
const say = (context: CaseContext, chat: ChatView, text: string): boolean => {
  try {
    context.sim.hub.say(chat.id, text)
    return true
  } catch (error) {
    context.verdict.expect(false, `the agent could not say "${text}": ${String(error)}`)
    return false
  }
}

const isAgentLine = (text: string) => (event: ChatEvent) =>
  event.type === "message" && event.from === "agent" && event.text === text

/** Runs `effect`, giving up after `ms`: its exit (undefined when it had not finished) and how long it took. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>, ms: number) =>
  Effect.gen(function* () {
    const started = Date.now()
    const exit = yield* effect.pipe(
      Effect.exit,
      Effect.timeoutTo({
        duration: ms,
        onTimeout: (): Exit.Exit<A, E> | undefined => undefined,
        onSuccess: (exit) => exit
      })
    )
    return { exit, elapsed: Date.now() - started }
  })

const succeeded = (exit: Exit.Exit<unknown, unknown> | undefined) => exit !== undefined && Exit.isSuccess(exit)

/** Messages flow both ways: an agent line reaches the visitor, a visitor line reaches the agent, once. */
const flowsBothWays = (context: CaseContext, provider: ProviderName, label: string) =>
  Effect.gen(function* () {
    const { sim, verdict } = context
    const { session, events, chat } = yield* connect(sim, provider)
    say(context, chat, `agent ${label}`)
    const heard = yield* events.until(`the agent's line`, isAgentLine(`agent ${label}`), 8000).pipe(Effect.either)
    verdict.expect(heard._tag === "Right", "the agent's message did not reach the visitor")
    const sent = yield* timed(session.send(`visitor ${label}`), commandBoundMs + 2000)
    verdict.note(`send ${describeExit(sent.exit)} in ${seconds(sent.elapsed)}`)
    verdict.expect(succeeded(sent.exit), `the visitor's send ${describeExit(sent.exit)}`)
    const landed = yield* eventually(
      "the visitor's line at the simulator",
      () => (visitorLines(sim, chat, `visitor ${label}`) >= 1 ? true : undefined),
      5000
    ).pipe(Effect.either)
    verdict.expect(landed._tag === "Right", "the visitor's message did not reach the simulator")
    verdict.expect(
      visitorLines(sim, chat, `visitor ${label}`) <= 1,
      "the visitor's message reached the simulator twice"
    )
    const ended = events.seen().find(is("ended"))
    verdict.expect(ended === undefined, `the session ended: ${JSON.stringify(ended)}`)
    return { session, events, chat }
  })

/** `switchboard_ambiguous_starts_total` of the provider so far. */
const ambiguousStarts = (provider: ProviderName) =>
  Metric.value(Metric.taggedWithLabels(Metrics.ambiguousStarts, Metrics.providerTags(provider))).pipe(
    Effect.map((state) => Number(state.count))
  )

/** None of the provider's chats open at the simulator within `ms`; which remain, and who ended the others. */
const noChatLeftOpen = (context: CaseContext, provider: ProviderName, ms: number) =>
  Effect.gen(function* () {
    const { sim } = context
    const open = () => sim.hub.list({ provider }).filter((chat) => chat.state !== "ended")
    yield* eventually("no chat open at the simulator", () => (open().length === 0 ? true : undefined), ms).pipe(
      Effect.ignore
    )
    return { open: open(), all: sim.hub.list({ provider }) }
  })

// ---- the suite ------------------------------------------------------------------------------------------------------

const caseTimeout = 60_000

export const hostileSuite = (target: HostileTarget) => {
  const { provider } = target
  const pollBoundMs = target.inactivityMs + requestTimeoutMs + slackMs

  describe(`${provider} start`, () => {
    const startFails = (behaviour: Behaviour, rule: HostileRule, title: string) =>
      hostileCase(target, title, behaviour, (context) =>
        Effect.gen(function* () {
          const { proxy, verdict } = context
          proxy.add(rule)
          const ambiguousBefore = yield* ambiguousStarts(provider)
          const { exit, elapsed } = yield* timed(Session.open(request, sessionOptions), commandBoundMs + 4000)
          const error = typedError(exit)
          verdict.note(`Session.open ${describeExit(exit)} after ${seconds(elapsed)}`)
          verdict.expect(!succeeded(exit), "Session.open succeeded")
          verdict.expect(
            succeeded(exit) || error !== undefined,
            `Session.open did not fail with a typed ChatError: ${describeExit(exit)}`
          )
          if (error !== undefined && expectedStartError(behaviour) !== undefined) {
            verdict.expect(
              error._tag === expectedStartError(behaviour),
              `failed with ${error._tag}, expected ${expectedStartError(behaviour)}`
            )
          }
          verdict.expect(elapsed <= commandBoundMs, `took ${seconds(elapsed)} (bound ${seconds(commandBoundMs)})`)
          proxy.clear()
          // A chat the forwarded request created: core must end it (a Salesforce session key, a LiveChat visitor's
          // chat); LivePerson's may be left to its own timeout, since a lost `chat/request` answer leaves no URI.
          const wait = target.orphansTimeOut ? target.inactivityMs + slackMs : slackMs + 1000
          const { open, all } = yield* noChatLeftOpen(context, provider, wait)
          verdict.note(
            `chats at the simulator: ${all.length === 0 ? "none" : all.map((chat) => `${chat.state}${chat.endedBy ? ` by ${chat.endedBy}` : ""}`).join(", ")}`
          )
          if (target.orphansTimeOut) {
            // Every chat left to the provider's timeout is one core counted as an ambiguous start.
            const counted = (yield* ambiguousStarts(provider)) - ambiguousBefore
            const orphans = all.filter((chat) => chat.endedBy !== "visitor").length
            verdict.note(`switchboard_ambiguous_starts_total +${counted}`)
            verdict.expect(
              counted >= orphans,
              `${orphans} chat(s) left to the provider's timeout, ${counted} counted in switchboard_ambiguous_starts_total`
            )
          } else {
            // One start asks for one chat: a request repeated after it may have been applied is a second chat.
            verdict.expect(all.length <= 1, `${all.length} chats were created at the simulator for one start`)
          }
          verdict.expect(
            open.length === 0,
            `${open.length} chat(s) left open at the simulator ${seconds(wait)} after the start`
          )
          if (!target.orphansTimeOut) {
            const timedOut = all.filter((chat) => chat.state === "ended" && chat.endedBy !== "visitor")
            verdict.expect(timedOut.length === 0, "a chat the start created was not ended by core")
          }
        })
      )

    it.live.each(breakingFor(target))(
      `%s: Session.open fails with a typed ChatError within ${seconds(commandBoundMs)}; no chat left open`,
      (behaviour) =>
        startFails(behaviour, { provider, operation: "start", behaviour }, `${provider} start × ${behaviour}`),
      caseTimeout
    )

    for (const step of target.startSteps ?? []) {
      it.live.each(step.behaviours)(
        `%s at ${step.name} alone: Session.open fails with a typed ChatError; the chat it created is ended by core`,
        (behaviour) =>
          startFails(
            behaviour,
            { provider, operation: "start", name: step.name, behaviour },
            `${provider} start (${step.name}) × ${behaviour}`
          ),
        caseTimeout
      )
    }

    it.live.each(benignFor(target))(
      "%s: the chat opens and works",
      (behaviour) =>
        hostileCase(target, `${provider} start × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            context.proxy.add({ provider, operation: "start", behaviour })
            yield* flowsBothWays(context, provider, behaviour)
            context.verdict.note(`start requests answered ${behaviour}: ${fired(context, "start", behaviour)}`)
          })
        ),
      caseTimeout
    )
  })

  describe(`${provider} poll`, () => {
    it.live.each(breakingFor(target))(
      `%s on every poll once connected: exactly one ended (error) within ${seconds(pollBoundMs)}, then the chat is ended at the simulator by the visitor side`,
      (behaviour) =>
        hostileCase(target, `${provider} poll × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { events, chat } = yield* connect(sim, provider)
            proxy.add({ provider, operation: "poll", behaviour })
            const started = Date.now()
            // Releases a Salesforce poll held at the simulator from before the rule: the next one is hostile.
            say(context, chat, "nudge")
            const ended = yield* events.until("ended", is("ended"), pollBoundMs + 3000).pipe(Effect.either)
            const elapsed = Date.now() - started
            if (ended._tag === "Left") {
              verdict.note(`no ended within ${seconds(pollBoundMs + 3000)}`)
              verdict.expect(false, `no ended event within ${seconds(pollBoundMs + 3000)}`)
            } else {
              const event = ended.right
              verdict.note(`ended ${event.reason} (${event.by}) after ${seconds(elapsed)}`)
              verdict.expect(event.reason === "error", `ended with reason ${event.reason}, expected error`)
              verdict.expect(elapsed <= pollBoundMs, `ended after ${seconds(elapsed)} (bound ${seconds(pollBoundMs)})`)
              const endedAt = Date.now()
              const atSim = yield* eventually(
                "the chat ended at the simulator by the visitor",
                () => (sim.hub.get(chat.id).state === "ended" ? true : undefined),
                endBoundMs
              ).pipe(Effect.either)
              const view = sim.hub.get(chat.id)
              verdict.note(
                `at the simulator: ${view.state}${view.endedBy ? ` by ${view.endedBy}` : ""}${atSim._tag === "Right" ? ` ${seconds(Date.now() - endedAt)} after` : ""}`
              )
              verdict.expect(
                atSim._tag === "Right" && view.endedBy === "visitor",
                `the chat was not ended at the simulator by the visitor side within ${seconds(endBoundMs)} of ended (${view.state}${view.endedBy ? ` by ${view.endedBy}` : ""})`
              )
              const ends = proxy.count({ provider, operation: "end", since: started })
              verdict.expect(ends >= 1, "the simulator saw no end request")
            }
            const count = events.seen().filter(is("ended")).length
            verdict.expect(count <= 1, `${count} ended events`)
          })
        ),
      caseTimeout
    )

    it.live(
      `instant-empty on every poll: over ${seconds(paceWindowMs)} at most ${target.maxPolls(paceWindowMs)} polls (${target.pace})`,
      () =>
        hostileCase(target, `${provider} poll × instant-empty`, "instant-empty", (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { events, chat } = yield* connect(sim, provider)
            const since = Date.now()
            proxy.add({ provider, operation: "poll", behaviour: "instant-empty" })
            say(context, chat, "nudge")
            const empty = () =>
              proxy.requests.filter(
                (entry) => entry.provider === provider && entry.behaviour === "instant-empty" && entry.at >= since
              )
            const first = yield* eventually("a poll answered empty", () => empty()[0], 8000)
            // Measuring a rate: a fixed window is the point here.
            yield* Effect.sleep(paceWindowMs)
            const polls = empty().filter((entry) => entry.at >= first.at && entry.at < first.at + paceWindowMs).length
            proxy.clear()
            verdict.note(`${polls} polls in ${seconds(paceWindowMs)}`)
            verdict.expect(
              polls <= target.maxPolls(paceWindowMs),
              `${polls} polls in ${seconds(paceWindowMs)} (at most ${target.maxPolls(paceWindowMs)}: ${target.pace})`
            )
            const ended = events.seen().find(is("ended"))
            if (ended !== undefined) verdict.note(`ended ${ended.reason} during the window`)
          })
        ),
      caseTimeout
    )

    it.live.each(benignFor(target))(
      "%s on every poll: messages flow both ways",
      (behaviour) =>
        hostileCase(target, `${provider} poll × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { session, events, chat } = yield* connect(sim, provider)
            proxy.add({ provider, operation: "poll", behaviour })
            for (const label of ["one", "two"]) {
              if (!say(context, chat, `agent ${label}`)) break
              const heard = yield* events
                .until(`agent ${label}`, isAgentLine(`agent ${label}`), 8000)
                .pipe(Effect.either)
              verdict.expect(heard._tag === "Right", `the agent's "${label}" did not reach the visitor`)
              const sent = yield* timed(session.send(`visitor ${label}`), commandBoundMs + 2000)
              verdict.expect(succeeded(sent.exit), `the visitor's send ${describeExit(sent.exit)}`)
            }
            const landed = yield* eventually(
              "the visitor's lines at the simulator",
              () => (visitorLines(sim, chat, "visitor two") >= 1 ? true : undefined),
              5000
            ).pipe(Effect.either)
            verdict.expect(landed._tag === "Right", "the visitor's messages did not reach the simulator")
            // The behaviour really met the poller: at least two polls through it (the poller keeps polling, so on a
            // loaded machine the second one may come after the lines did).
            yield* eventually(
              `a second poll answered ${behaviour}`,
              () => (fired(context, "poll", behaviour) >= 2 ? true : undefined),
              5000
            ).pipe(Effect.either)
            verdict.note(`polls answered ${behaviour}: ${fired(context, "poll", behaviour)}`)
            verdict.expect(fired(context, "poll", behaviour) >= 2, `the proxy answered fewer than 2 polls ${behaviour}`)
            const ended = events.seen().find(is("ended"))
            verdict.expect(ended === undefined, `the session ended: ${JSON.stringify(ended)}`)
          })
        ),
      caseTimeout
    )
  })

  describe(`${provider} send`, () => {
    it.live.each(breakingFor(target))(
      `%s on the first send attempt: the message is at the simulator exactly once; send settles (ok or a typed ChatError) within ${seconds(commandBoundMs)}`,
      (behaviour) =>
        hostileCase(target, `${provider} send × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { session, chat } = yield* connect(sim, provider)
            proxy.add({ provider, operation: "send", behaviour, times: 1 })
            const text = `hostile ${behaviour}`
            const { exit, elapsed } = yield* timed(session.send(text), commandBoundMs + 4000)
            verdict.note(`send ${describeExit(exit)} after ${seconds(elapsed)}`)
            verdict.expect(
              succeeded(exit) || typedError(exit) !== undefined,
              `send did not settle with success or a typed ChatError: ${describeExit(exit)}`
            )
            verdict.expect(
              elapsed <= commandBoundMs,
              `send took ${seconds(elapsed)} (bound ${seconds(commandBoundMs)})`
            )
            // Sends are delivered in order: once a later one is at the simulator, a repeat of the first would be too.
            const marker = yield* timed(session.send("after"), commandBoundMs + 2000)
            if (succeeded(marker.exit)) {
              yield* eventually(
                "the next message at the simulator",
                () => (visitorLines(sim, chat, "after") >= 1 ? true : undefined),
                5000
              ).pipe(Effect.ignore)
            } else verdict.note(`the next send ${describeExit(marker.exit)}`)
            const copies = visitorLines(sim, chat, text)
            verdict.note(`${copies} cop${copies === 1 ? "y" : "ies"} at the simulator`)
            if (behaviour === "redirect-cross-origin") {
              // Refused there (never forwarded): the send fails, visibly, and nothing is sent twice.
              verdict.expect(copies <= 1, `the message is at the simulator ${copies} times`)
              verdict.expect(copies === 1 || !succeeded(exit), "send succeeded but the message is not at the simulator")
            } else verdict.expect(copies === 1, `the message is at the simulator ${copies} times`)
          })
        ),
      caseTimeout
    )

    it.live.each(benignFor(target))(
      "%s on every send: messages flow both ways",
      (behaviour) =>
        hostileCase(target, `${provider} send × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { session, events, chat } = yield* connect(sim, provider)
            proxy.add({ provider, operation: "send", behaviour })
            for (const label of ["one", "two"]) {
              const sent = yield* timed(session.send(`visitor ${label}`), commandBoundMs + 2000)
              verdict.note(`send ${label} ${describeExit(sent.exit)} in ${seconds(sent.elapsed)}`)
              verdict.expect(succeeded(sent.exit), `the visitor's send ${describeExit(sent.exit)}`)
              if (!say(context, chat, `agent ${label}`)) break
              const heard = yield* events
                .until(`agent ${label}`, isAgentLine(`agent ${label}`), 8000)
                .pipe(Effect.either)
              verdict.expect(heard._tag === "Right", `the agent's "${label}" did not reach the visitor`)
            }
            for (const label of ["one", "two"]) {
              const copies = visitorLines(sim, chat, `visitor ${label}`)
              verdict.expect(copies === 1, `"visitor ${label}" is at the simulator ${copies} times`)
            }
            verdict.expect(fired(context, "send", behaviour) >= 1, `the proxy answered no send ${behaviour}`)
          })
        ),
      caseTimeout
    )
  })

  describe(`${provider} end`, () => {
    it.live.each(everything)(
      `%s on every end request: session.end returns within ${seconds(endBoundMs)}, ended exactly once`,
      (behaviour) =>
        hostileCase(target, `${provider} end × ${behaviour}`, behaviour, (context) =>
          Effect.gen(function* () {
            const { sim, proxy, verdict } = context
            const { session, events, chat } = yield* connect(sim, provider)
            proxy.add({ provider, operation: "end", behaviour })
            const { exit, elapsed } = yield* timed(session.end, endBoundMs + 4000)
            verdict.note(`end ${describeExit(exit)} in ${seconds(elapsed)}`)
            verdict.expect(succeeded(exit), `session.end ${describeExit(exit)}`)
            verdict.expect(elapsed <= endBoundMs, `session.end took ${seconds(elapsed)} (bound ${seconds(endBoundMs)})`)
            const done = yield* events.done.pipe(Effect.timeout("2 seconds"), Effect.either)
            verdict.expect(done._tag === "Right", "the events stream did not complete after end")
            const count = events.seen().filter(is("ended")).length
            verdict.expect(count === 1, `${count} ended events`)
            const view = sim.hub.get(chat.id)
            verdict.note(
              `end requests: ${proxy.count({ provider, operation: "end" })}; at the simulator: ${view.state}${view.endedBy ? ` by ${view.endedBy}` : ""}`
            )
          })
        ),
      caseTimeout
    )
  })
}

/** How many requests of `operation` the proxy answered with `behaviour`. */
const fired = (context: CaseContext, operation: string, behaviour: Behaviour) =>
  context.proxy.requests.filter((entry) => entry.operation === operation && entry.behaviour === behaviour).length
