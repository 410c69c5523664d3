/**
 * `switchboard agent`: play the agent against a running simulator. Without a subcommand, the console; with one, a
 * single action (for scripts).
 */
import { Args, Command, Options } from "@effect/cli"
import type { ChatView } from "@switchboard/simulator"
import { Effect, Option } from "effect"
import { chatLine, entryLine, runConsole } from "../agent/console.ts"
import { type Control, controlUrl, defaultControlUrl, makeControl } from "../agent/control.ts"
import { CliFailure, ExitCode } from "../exit.ts"
import { describe } from "../options.ts"
import { colourFor, makeStyle } from "../style.ts"

const control = Options.text("control").pipe(
  Options.withPseudoName("URL"),
  Options.optional,
  Options.withDescription(`The simulator's control API (or SWITCHBOARD_CONTROL_URL); default ${defaultControlUrl}.`)
)
const json = Options.boolean("json").pipe(Options.withDescription("Print the answer as JSON."))
const chatId = Args.text({ name: "chat-id" }).pipe(
  Args.withDescription("The chat's id, as `switchboard agent list` shows it.")
)

const consoleCommand = Command.make(
  "agent",
  {
    control,
    name: Options.text("name").pipe(
      Options.withPseudoName("NAME"),
      Options.withDefault("Agent"),
      Options.withDescription("Your name as the visitor sees it when you accept a chat.")
    )
  },
  (values) =>
    runConsole({
      control: makeControl(controlUrl(Option.getOrUndefined(values.control))),
      name: values.name,
      interactive: process.stdin.isTTY === true && process.stdout.isTTY === true
    })
)

/** The control API: the subcommand's --control, else the console's (`agent --control URL list`), else the default. */
const connect = (flag: Option.Option<string>) =>
  Effect.map(consoleCommand, (parent) =>
    makeControl(controlUrl(Option.getOrUndefined(Option.orElse(flag, () => parent.control))))
  )

const print = (text: string) => Effect.sync(() => void process.stdout.write(`${text}\n`))

/** Prints the chat after an action: JSON, or one summary line. */
const show = (asJson: boolean) => (chat: ChatView) =>
  print(asJson ? JSON.stringify(chat) : chatLine(chat, makeStyle(colourFor(process.stdout))))

const list = Command.make(
  "list",
  { control, json, all: Options.boolean("all").pipe(Options.withDescription("Ended chats too.")) },
  (values) =>
    Effect.gen(function* () {
      const chats = (yield* (yield* connect(values.control)).list()).filter(
        (chat) => values.all || chat.state !== "ended"
      )
      if (values.json) return yield* print(JSON.stringify(chats))
      if (chats.length === 0) return yield* print("No chats waiting or running.")
      const style = makeStyle(colourFor(process.stdout))
      for (const chat of chats) yield* print(chatLine(chat, style))
    })
).pipe(Command.withDescription("List the chats waiting and running (--all: ended ones too)."))

const accept = Command.make(
  "accept",
  {
    control,
    json,
    chat: chatId.pipe(Args.optional),
    as: Options.text("as").pipe(
      Options.withPseudoName("NAME"),
      Options.withDefault("Agent"),
      Options.withDescription("The agent's name, as the visitor sees it.")
    )
  },
  (values) =>
    Effect.gen(function* () {
      const client = yield* connect(values.control)
      const id = Option.isSome(values.chat)
        ? values.chat.value
        : [...(yield* client.list("queued"))].sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]?.id
      if (id === undefined) {
        return yield* new CliFailure({ code: ExitCode.Failed, message: "No chat is waiting." })
      }
      yield* client.accept(id, values.as).pipe(Effect.flatMap(show(values.json)))
    })
).pipe(Command.withDescription("Take a waiting chat: the one given, or the oldest."))

/** A one-shot action on one chat: runs it against the control API and shows the chat after it. */
const onChat = (
  values: { readonly control: Option.Option<string>; readonly json: boolean },
  run: (client: Control) => Effect.Effect<ChatView, CliFailure>
) => connect(values.control).pipe(Effect.flatMap(run), Effect.flatMap(show(values.json)))

const say = Command.make(
  "say",
  { control, json, chat: chatId, text: Args.text({ name: "text" }).pipe(Args.atLeast(1)) },
  (values) => onChat(values, (client) => client.say(values.chat, values.text.join(" ")))
).pipe(Command.withDescription("Write a message to the visitor as the chat's agent."))

const typing = Command.make(
  "typing",
  { control, json, chat: chatId, off: Options.boolean("off").pipe(Options.withDescription("Stop typing.")) },
  (values) => onChat(values, (client) => client.typing(values.chat, !values.off))
).pipe(Command.withDescription("Show (or with --off hide) the agent's typing indicator."))

const transfer = Command.make(
  "transfer",
  { control, json, chat: chatId, to: Args.text({ name: "agent-name" }) },
  (values) => onChat(values, (client) => client.transfer(values.chat, values.to))
).pipe(Command.withDescription("Hand the chat to another agent."))

const end = Command.make(
  "end",
  {
    control,
    json,
    chat: chatId,
    reason: Options.text("reason").pipe(
      Options.withPseudoName("TEXT"),
      Options.optional,
      Options.withDescription("Why, as the transcript shows it.")
    )
  },
  (values) => onChat(values, (client) => client.end(values.chat, Option.getOrUndefined(values.reason)))
).pipe(Command.withDescription("End the chat as the agent."))

const transcript = Command.make("show", { control, json, chat: chatId }, (values) =>
  connect(values.control).pipe(
    Effect.flatMap((client) => client.get(values.chat)),
    Effect.flatMap((chat) => {
      if (values.json) return print(JSON.stringify(chat))
      const style = makeStyle(colourFor(process.stdout))
      const lines = [chatLine(chat, style), ...chat.transcript.flatMap((entry) => entryLine(entry, chat, style) ?? [])]
      return print(lines.join("\n"))
    })
  )
).pipe(Command.withDescription("A chat's state and whole transcript."))

export const agent = consoleCommand.pipe(
  Command.withDescription(
    describe(
      [
        "Play the agent against a running simulator (`switchboard simulate --no-agent`, or `switchboard chat --human`), so one person can hold both sides of a chat in two terminals.",
        "Without a subcommand: the console. It announces chats as they arrive; /accept takes one, then what you type is sent as replies, with the typing indicator on while you type; /transfer, /end, /list, /help. Without a terminal it reads the same commands from standard input. With a subcommand: one action, for scripts."
      ],
      [
        ["switchboard agent", "the console, on http://127.0.0.1:4010/_agent"],
        ["switchboard agent --control http://127.0.0.1:5000/_agent --name Linus", "another simulator, another name"],
        ["switchboard agent list", "what is waiting"],
        ["switchboard agent accept --as Grace", "take the oldest waiting chat"],
        ["switchboard agent say lc_0a1b2c3d4e5f Hello, how can I help?", ""],
        ["switchboard agent transfer lc_0a1b2c3d4e5f Linus", ""],
        ["switchboard agent end lc_0a1b2c3d4e5f", ""]
      ]
    )
  ),
  Command.withSubcommands([list, accept, say, typing, transfer, end, transcript])
)
