/**
 * One visitor chat from start to end: the provider (a real deployment or the embedded simulator), the session, what
 * is shown, and the visitor side (the terminal, a script, or lines on standard input). Whatever ends it (`/end`,
 * Ctrl-D, Ctrl-C, SIGINT, SIGTERM, the agent, a failure), the chat is ended at the provider before the process exits.
 */
import type { ChatProvider } from "@switchboard/core"
import { Session } from "@switchboard/core"
import type { RunningSimulator } from "@switchboard/simulator"
import {
  Cause,
  type Context,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Queue,
  type Scope,
  Stream,
  SubscriptionRef
} from "effect"
import { layerFor, type Tuning } from "../adapters.ts"
import { simulator, simulatorPreferring } from "../embedded.ts"
import { armExitDeadline, CliFailure, ExitCode, exitCodeOf, hintFor } from "../exit.ts"
import { type ProviderName, type RemoteTarget, simulatorTarget, type Target, titles } from "../providers.ts"
import { colourFor, makeStyle, type Style, symbols } from "../style.ts"
import { makeRenderer, type Renderer, type RenderMode } from "./render.ts"
import { isMessageText, lineScreen, type Screen, silentScreen, type TerminalScreen, terminalScreen } from "./screen.ts"
import { parseStep, type ScriptStep } from "./script.ts"

/** Where the visitor's lines come from. */
export type VisitorInput =
  | { readonly _tag: "Terminal" }
  | { readonly _tag: "Lines"; readonly lines: Stream.Stream<string, CliFailure>; readonly origin: string }

export interface EmbeddedOptions {
  /** The scripted agent's name, or `undefined` for a person at `switchboard agent`. */
  readonly scriptedAgent: string | undefined
  /** Port of the embedded simulator; 0 picks a free one. */
  readonly port: number
}

export interface ChatOptions {
  readonly target: Target
  readonly mode: RenderMode
  readonly input: VisitorInput
  readonly request: ChatProvider.StartRequest
  readonly embedded: EmbeddedOptions
  readonly tuning: Tuning
  /** Scripts: the longest wait for the agent's answer before the next line. */
  readonly pace: Duration.Duration
  /** Shown in the header ("demo"). */
  readonly title?: string
}

/** The exit code for how a chat ended. */
export const endedExitCode = (ended: { readonly reason: string } | undefined): ExitCode => {
  switch (ended?.reason) {
    case undefined:
    case "visitor":
    case "agent":
      return ExitCode.Ok
    case "no-agent":
      return ExitCode.NoAgents
    case "error":
      return ExitCode.Unavailable
    default:
      return ExitCode.Failed
  }
}

const helpLines = [
  "/end      end the chat (also Ctrl-D); Ctrl-C ends it and quits",
  "/help     this list",
  "//text    send a message that starts with a slash"
]

interface Backend {
  readonly remote: RemoteTarget
  readonly sim?: RunningSimulator
}

const backend = (options: ChatOptions): Effect.Effect<Backend, CliFailure, Scope.Scope> => {
  if (options.target._tag === "Remote") return Effect.succeed({ remote: options.target })
  const provider: ProviderName = options.target.provider
  const agent = options.embedded.scriptedAgent
  const simOptions = { agent: agent === undefined ? false : { name: agent }, seed: Date.now() % 2 ** 31 }
  const start =
    agent === undefined && options.embedded.port === 0
      ? simulatorPreferring(4010, simOptions)
      : simulator({ ...simOptions, port: options.embedded.port })
  return Effect.map(start, (sim) => ({ remote: simulatorTarget(sim, provider), sim }))
}

const header = (options: ChatOptions, back: Backend, style: Style, screen: Screen) => {
  const provider = titles[back.remote.provider]
  const where =
    back.sim === undefined
      ? back.remote.endpoint
      : options.embedded.scriptedAgent === undefined
        ? "embedded simulator, no scripted agent"
        : `embedded simulator ${symbols.bullet} scripted agent ${options.embedded.scriptedAgent}`
  screen.line(
    `${style.bold("Switchboard")}${options.title ? ` ${options.title}` : ""} ${style.dim(symbols.bullet)} ${provider} ${style.dim(`${symbols.bullet} ${where}`)}`
  )
  if (back.sim !== undefined && options.embedded.scriptedAgent === undefined) {
    screen.line(
      `${style.yellow("You play the agent too:")} in another terminal run  ${style.bold(`switchboard agent --control ${back.sim.urls.control}`)}`
    )
  }
  if (options.input._tag === "Terminal") {
    screen.line(
      style.dim("Type a message and press Enter. /end or Ctrl-D ends the chat, Ctrl-C quits, /help for more.")
    )
  } else {
    screen.line(style.dim(`Visitor lines from ${options.input.origin}.`))
  }
  screen.line("")
}

/** The terminal: lines typed become messages, keystrokes become "typing", `/end`, Ctrl-D and Ctrl-C end. */
const terminalVisitor = (session: Session.ChatSession, terminal: TerminalScreen, renderer: Renderer, style: Style) =>
  Effect.gen(function* () {
    const send = (text: string) =>
      Effect.gen(function* () {
        yield* setTyping(false)
        renderer.visitorSent(text)
        yield* session.send(text).pipe(
          Effect.catchAll((error) => Effect.sync(() => renderer.notDelivered(text, error.message))),
          Effect.forkScoped
        )
      })
    // Typing a /command is not typing a message: the agent sees nothing of it.
    let typing = false
    const setTyping = (on: boolean) =>
      on === typing && !on
        ? Effect.void
        : Effect.zipRight(
            Effect.sync(() => (typing = on)),
            session.typing(on)
          )
    for (;;) {
      const action = yield* Queue.take(terminal.actions)
      switch (action._tag) {
        case "Keystroke":
          yield* setTyping(isMessageText(action.line))
          break
        case "Eof":
          return "end" as const
        case "Interrupt":
          armExitDeadline()
          return "interrupt" as const
        case "Line": {
          const text = action.text.trim()
          if (text === "") break
          if (text.startsWith("//")) {
            yield* send(text.slice(1))
            break
          }
          if (!text.startsWith("/")) {
            yield* send(text)
            break
          }
          const command = text.slice(1).split(/\s+/)[0]?.toLowerCase()
          if (command === "end" || command === "quit" || command === "exit" || command === "bye") return "end" as const
          if (command === "help" || command === "?") {
            for (const line of helpLines) terminal.line(style.dim(line))
          } else {
            terminal.line(style.yellow(`Unknown command ${text.split(/\s+/)[0]}; /help lists them.`))
          }
          break
        }
      }
    }
  })

/**
 * A scripted visitor: each message waits until the agent has answered the previous one (the greeting, for the
 * first), at most `pace`; `/wait N` pauses, `/end` ends, `#` starts a comment. After the last line it waits for the
 * answer, then ends the chat.
 */
const scriptedVisitor = (
  session: Session.ChatSession,
  lines: Stream.Stream<string, CliFailure>,
  agentMessages: SubscriptionRef.SubscriptionRef<number>,
  renderer: Renderer,
  pace: Duration.Duration
) =>
  Effect.gen(function* () {
    // Nothing is sent (and the chat is not ended) before the provider has answered the chat request.
    if ((yield* Effect.either(session.start))._tag === "Left") return yield* Effect.never
    let answeredUpTo = 0
    let first = true
    const answered = (since: number) =>
      agentMessages.changes.pipe(
        Stream.filter((count) => count > since),
        Stream.runHead,
        Effect.timeoutOption(pace),
        Effect.asVoid
      )
    const connected = session.state.changes.pipe(
      Stream.filter((state) => state.status === "connected" || state.status === "ended"),
      Stream.runHead
    )
    const step = (step: ScriptStep) =>
      Effect.gen(function* () {
        switch (step._tag) {
          case "Skip":
            return
          case "Wait":
            yield* Effect.sleep(step.duration)
            return
          case "Invalid":
            renderer.note(`${symbols.warn} ${step.problem}; line skipped`)
            return
          case "End":
            return
          case "Message": {
            if (first) {
              yield* connected
              first = false
            }
            yield* answered(answeredUpTo)
            answeredUpTo = yield* SubscriptionRef.get(agentMessages)
            yield* session
              .send(step.text)
              .pipe(Effect.catchAll((error) => Effect.sync(() => renderer.notDelivered(step.text, error.message))))
          }
        }
      })
    const steps = lines.pipe(
      Stream.map(parseStep),
      Stream.takeUntil((s) => s._tag === "End")
    )
    let endedByScript = false
    yield* Stream.runForEach(steps, (s) =>
      s._tag === "End"
        ? Effect.sync(() => {
            endedByScript = true
          })
        : step(s)
    )
    if (!endedByScript && !first) {
      yield* answered(answeredUpTo)
      // Give the agent a moment to close the chat itself (the demo's "bye").
      yield* session.state.changes.pipe(
        Stream.filter((state) => state.status === "ended"),
        Stream.runHead,
        Effect.timeoutOption(Duration.min(pace, Duration.seconds(3)))
      )
    }
    return "end" as const
  })

const settle = (fiber: Fiber.Fiber<void>) => Fiber.join(fiber).pipe(Effect.timeoutOption("2 seconds"), Effect.asVoid)

/** Runs the chat; succeeds when it ended normally, fails with the exit code's reason otherwise. */
export const runChat = (options: ChatOptions): Effect.Effect<void, CliFailure, never> =>
  Effect.scoped(
    Effect.gen(function* () {
      const style = options.mode === "json" ? makeStyle(false) : makeStyle(colourFor(process.stdout))
      const back = yield* backend(options)
      const layer = yield* layerFor(back.remote, options.tuning)
      const context: Context.Context<ChatProvider.ChatProvider> = yield* Layer.build(layer).pipe(
        Effect.mapError(
          (error) =>
            new CliFailure({
              code: ExitCode.Configuration,
              message: error.message,
              hint: hintFor(error) ?? "Check the provider settings."
            })
        )
      )
      const terminal = options.input._tag === "Terminal" ? yield* terminalScreen(style) : undefined
      const screen: Screen =
        terminal ??
        (options.mode === "json" ? silentScreen : lineScreen((text) => void process.stdout.write(`${text}\n`)))
      header(options, back, style, screen)

      // --give-up-after is the session's give-up budget: polls and sends alike stop trying after it.
      const budget = options.tuning.giveUpAfter === undefined ? {} : { giveUpAfter: options.tuning.giveUpAfter }
      const session = yield* Session.make(options.request, { endTimeout: "4 seconds", ...budget }).pipe(
        Effect.provide(context),
        Effect.mapError((error) => new CliFailure({ code: ExitCode.Configuration, message: error.message }))
      )
      const renderer = makeRenderer({
        mode: options.mode,
        style,
        screen,
        provider: titles[back.remote.provider],
        capabilities: session.capabilities,
        writeJson: (line) => void process.stdout.write(`${line}\n`)
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => renderer.close()))
      renderer.connecting(`Connecting to ${titles[back.remote.provider]}…`)

      const agentMessages = yield* SubscriptionRef.make(0)
      const render = yield* session.events.pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => renderer.event(event)).pipe(
            Effect.zipRight(
              event.type === "message" && event.from === "agent"
                ? SubscriptionRef.update(agentMessages, (n) => n + 1)
                : Effect.void
            )
          )
        ),
        Effect.forkScoped
      )
      const start = yield* Effect.fork(session.start)

      const visitor =
        options.input._tag === "Terminal" && terminal !== undefined
          ? terminalVisitor(session, terminal, renderer, style)
          : options.input._tag === "Lines"
            ? scriptedVisitor(session, options.input.lines, agentMessages, renderer, options.pace)
            : Effect.never

      // SIGINT/SIGTERM interrupt the whole program: the chat is ended and shown, then the interruption goes on. The
      // end runs in a fiber of its own, interruptible, so that its timeouts work (a finalizer is uninterruptible).
      const endOnInterrupt = Effect.sync(() => renderer.ending()).pipe(
        Effect.zipRight(Effect.forkDaemon(Effect.interruptible(session.end))),
        Effect.flatMap(Fiber.join),
        Effect.zipRight(settle(render))
      )
      const outcome = yield* Effect.raceFirst(Fiber.join(render).pipe(Effect.as("ended" as const)), visitor).pipe(
        Effect.onInterrupt(() => endOnInterrupt)
      )

      renderer.ending()
      terminal?.quitOnInterrupt()
      yield* session.end
      yield* settle(render)
      renderer.close()

      if (outcome === "interrupt") {
        return yield* new CliFailure({ code: ExitCode.Interrupted, message: "Interrupted.", silent: true })
      }
      const started = yield* Fiber.await(start)
      if (Exit.isFailure(started)) {
        const failure = Cause.failureOption(started.cause)
        if (Option.isSome(failure)) {
          const error = failure.value
          const hint = hintFor(error)
          const ended = renderer.ended()
          const shown =
            options.mode !== "json" &&
            (ended?.reason === "error" || ended?.reason === "rejected") &&
            ended.detail === error.message
          return yield* new CliFailure({
            code: exitCodeOf(started.cause),
            message: error.message,
            silent: shown,
            ...(hint === undefined ? {} : { hint })
          })
        }
      }
      const ended = renderer.ended() ?? (yield* SubscriptionRef.get(session.state)).ended
      const code = endedExitCode(ended)
      if (code !== ExitCode.Ok) {
        return yield* new CliFailure({
          code,
          message: ended?.detail ?? "The chat did not end normally.",
          silent: options.mode !== "json"
        })
      }
    })
  )
