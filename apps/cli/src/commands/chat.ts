/**
 * `switchboard chat` (a visitor chat) and `switchboard demo` (the same on the embedded simulator, with a scripted
 * visitor when there is no terminal). The chat itself (`chat/run.ts`, which loads core and the simulator) is
 * imported when the command runs, not when the CLI starts.
 */
import { Command, Options } from "@effect/cli"
import { Duration, Effect, Option, Stream } from "effect"
import type { ChatOptions, VisitorInput } from "../chat/run.ts"
import { demoScript, fileLines, stdinLines } from "../chat/script.ts"
import * as Shared from "../options.ts"
import { providerNames } from "../providers.ts"
import { resolveTarget } from "../settings.ts"

const name = Options.text("name").pipe(
  Options.withPseudoName("NAME"),
  Shared.describedDefault("Visitor", "The visitor's name, as the agent sees it.")
)
const email = Options.text("email").pipe(
  Options.withPseudoName("EMAIL"),
  Options.optional,
  Options.withDescription("The visitor's email address.")
)
const message = Options.text("message").pipe(
  Options.withPseudoName("TEXT"),
  Options.withAlias("m"),
  Options.optional,
  Options.withDescription("The visitor's first question, sent with the chat request (LiveChat) or once an agent joins.")
)
const script = Options.text("script").pipe(
  Options.withPseudoName("FILE"),
  Options.withAlias("s"),
  Options.optional,
  Options.withDescription(
    "Play the visitor from FILE, one message per line (# comments, /wait SECONDS, /end). Without it, and when standard input is not a terminal, lines are read from standard input."
  )
)
const json = Options.boolean("json").pipe(
  Options.withDescription(
    "Print one JSON event per line on standard output (core's ChatEvent objects); no other output."
  )
)
const human = Options.boolean("human").pipe(
  Options.withDescription(
    "Embedded simulator only: no scripted agent; answer as the agent from another terminal with `switchboard agent`."
  )
)
const agentName = Options.text("agent-name").pipe(
  Options.withPseudoName("NAME"),
  Shared.describedDefault("Grace", "Embedded simulator only: the scripted agent's name.")
)
const port = Options.integer("port").pipe(
  Options.withPseudoName("PORT"),
  Shared.describedDefault(
    0,
    "Embedded simulator only: its port; 0 picks a free one (with --human, 4010 when it is free, so `switchboard agent` finds it)."
  )
)
const replyWait = Options.float("reply-wait").pipe(
  Options.withPseudoName("SECONDS"),
  Shared.describedDefault(10, "Scripts: the longest wait, in seconds, for the agent's answer before the next line.")
)

/** The chat, loaded when a chat starts. */
const runChat = (options: ChatOptions) =>
  Effect.promise(() => import("../chat/run.ts")).pipe(Effect.flatMap((module) => module.runChat(options)))

const interactive = () => process.stdin.isTTY === true && process.stdout.isTTY === true

const seconds = (value: number) => Duration.millis(Math.max(0, value) * 1000)

export const chat = Command.make(
  "chat",
  {
    provider: Shared.provider,
    endpoint: Shared.endpoint,
    config: Shared.config,
    settings: Shared.settings,
    giveUpAfter: Shared.giveUpAfter,
    name,
    email,
    message,
    script,
    json,
    human,
    agentName,
    port,
    replyWait
  },
  (options) =>
    Effect.gen(function* () {
      const target = yield* resolveTarget(Shared.targetInput(options))
      const input: VisitorInput = Option.isSome(options.script)
        ? { _tag: "Lines", lines: yield* fileLines(options.script.value), origin: options.script.value }
        : !options.json && interactive()
          ? { _tag: "Terminal" }
          : { _tag: "Lines", lines: stdinLines(), origin: "standard input" }
      const chatOptions: ChatOptions = {
        target,
        mode: options.json ? "json" : input._tag === "Terminal" ? "terminal" : "plain",
        input,
        request: {
          visitorName: options.name,
          ...Option.match(options.email, { onNone: () => ({}), onSome: (email) => ({ email }) }),
          ...Option.match(options.message, { onNone: () => ({}), onSome: (firstMessage) => ({ firstMessage }) })
        },
        embedded: { scriptedAgent: options.human ? undefined : options.agentName, port: options.port },
        tuning: Shared.tuningOf(options.giveUpAfter),
        pace: seconds(options.replyWait)
      }
      yield* runChat(chatOptions)
    })
).pipe(
  Command.withDescription(
    Shared.describe(
      [
        "Chat as a website visitor with a live agent: on the embedded simulator by default, on a real deployment with --endpoint.",
        "With no endpoint, a simulator starts inside the CLI with a scripted agent, so you see a whole chat at once. With --endpoint and the provider's settings (flags, environment variables or --config; secrets only from the environment or the file), it talks to a real deployment.",
        "On a terminal: a spinner with your place in the queue, the agent joining and typing, messages with their times, transfers, and how the chat ended. Type /end or press Ctrl-D to end the chat, Ctrl-C to end it and quit. Without a terminal (or with --script), visitor lines come from the script or standard input and a plain transcript is printed; --json prints events instead."
      ],
      [
        ["switchboard chat", "LiveChat on the embedded simulator, with the scripted agent Grace"],
        ["switchboard chat --provider salesforce", "the Salesforce simulator: queue position, typing"],
        ["switchboard chat --name Ada --message 'Where is my parcel?'", "your name and first question"],
        ["switchboard chat --human", "no scripted agent: answer with `switchboard agent` in another terminal"],
        ["switchboard chat --script visitor.txt --json", "a scripted visitor, events as JSON lines"],
        ['printf "Hello\\nBye\\n" | switchboard chat -p liveperson', "visitor lines from standard input"],
        [
          "LIVEPERSON_APP_KEY=… switchboard chat -p liveperson --endpoint https://va.convep.liveperson.net --account-id 12345678 --skill Sales",
          "a real LivePerson deployment"
        ],
        ["switchboard chat --config switchboard.json", "the settings from a config file"]
      ]
    )
  )
)

const demoProvider = Options.choice("provider", providerNames).pipe(
  Options.withAlias("p"),
  Options.optional,
  Options.withDescription(`The simulator to chat on: ${providerNames.join(", ")} (default: ${providerNames[0]}).`)
)

export const demo = Command.make(
  "demo",
  {
    provider: demoProvider,
    json,
    agentName
  },
  (options) =>
    Effect.gen(function* () {
      const input: VisitorInput =
        !options.json && interactive()
          ? { _tag: "Terminal" }
          : { _tag: "Lines", lines: Stream.fromIterable(demoScript), origin: "the demo script (no terminal)" }
      yield* runChat({
        target: { _tag: "Embedded", provider: Option.getOrElse(options.provider, () => providerNames[0]) },
        mode: options.json ? "json" : input._tag === "Terminal" ? "terminal" : "plain",
        input,
        request: { visitorName: "Ada" },
        embedded: { scriptedAgent: options.agentName, port: 0 },
        tuning: {},
        pace: Duration.seconds(10),
        title: "demo"
      })
    })
).pipe(
  Command.withDescription(
    Shared.describe(
      [
        "The whole demo, nothing to configure: a chat on the embedded simulator with its scripted agent.",
        "On a terminal you chat yourself; without one (CI, a pipe), a scripted visitor holds a short conversation and the transcript is printed. `pnpm demo` at the repository root runs this. For your own name, settings or a real deployment, use `switchboard chat`."
      ],
      [
        ["switchboard demo", "chat yourself with Grace on the LiveChat simulator"],
        ["switchboard demo --provider salesforce", "the same on the Salesforce simulator"],
        ["switchboard demo --provider liveperson < /dev/null", "watch a scripted visitor instead"],
        ["switchboard demo --json --agent-name Linus", "the chat as JSON events, with another agent"]
      ]
    )
  )
)
