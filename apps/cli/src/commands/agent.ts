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
import { helpNode } from "../help/docs.ts"
import { describe, describedDefault } from "../options.ts"
import { colourFor, makeStyle } from "../style.ts"

const control = Options.text("control").pipe(
  Options.withPseudoName("URL"),
  Options.optional,
  Options.withDescription(`The simulator's control API (or SWITCHBOARD_CONTROL_URL); default ${defaultControlUrl}.`)
)
const json = Options.boolean("json").pipe(Options.withDescription("Print the answer as JSON."))
const chatId = Args.text({ name: "chat-id" }).pipe(
  Args.withDescription(
    "The chat's id, as `switchboard agent list` shows it: sf_, lp_ or lc_ and 12 hex digits, such as lc_0a1b2c3d4e5f."
  )
)
const example = "lc_0a1b2c3d4e5f"

const consoleCommand = Command.make(
  "agent",
  {
    control,
    name: Options.text("name").pipe(
      Options.withPseudoName("NAME"),
      describedDefault("Agent", "Your name as the visitor sees it when you accept a chat.")
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
  { control, json, all: Options.boolean("all").pipe(Options.withDescription("List ended chats too.")) },
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
).pipe(
  Command.withDescription(
    describe(
      ["List the chats waiting and running (--all: ended ones too)."],
      [
        ["switchboard agent list", "one line per chat: id, visitor, provider, state"],
        ["switchboard agent list --all --json", "every chat, as JSON"]
      ]
    )
  )
)

const accept = Command.make(
  "accept",
  {
    control,
    json,
    chat: chatId.pipe(Args.optional),
    as: Options.text("as").pipe(
      Options.withPseudoName("NAME"),
      describedDefault("Agent", "The agent's name, as the visitor sees it.")
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
).pipe(
  Command.withDescription(
    describe(
      ["Take a waiting chat: the one given, or the oldest."],
      [
        ["switchboard agent accept --as Grace", "the oldest waiting chat"],
        [`switchboard agent accept ${example} --as Linus`, "that chat"]
      ]
    )
  )
)

/** A one-shot action on one chat: runs it against the control API and shows the chat after it. */
const onChat = (
  values: { readonly control: Option.Option<string>; readonly json: boolean },
  run: (client: Control) => Effect.Effect<ChatView, CliFailure>
) => connect(values.control).pipe(Effect.flatMap(run), Effect.flatMap(show(values.json)))

const say = Command.make(
  "say",
  {
    control,
    json,
    chat: chatId,
    text: Args.text({ name: "text" }).pipe(
      Args.withDescription("The message: every word after the chat id, joined with spaces."),
      Args.atLeast(1)
    )
  },
  (values) => onChat(values, (client) => client.say(values.chat, values.text.join(" ")))
).pipe(
  Command.withDescription(
    describe(
      ["Write a message to the visitor as the chat's agent."],
      [[`switchboard agent say ${example} Hello, how can I help?`, "no quotes needed"]]
    )
  )
)

const typing = Command.make(
  "typing",
  {
    control,
    json,
    chat: chatId,
    off: Options.boolean("off").pipe(Options.withDescription("Hide the indicator instead."))
  },
  (values) => onChat(values, (client) => client.typing(values.chat, !values.off))
).pipe(
  Command.withDescription(
    describe(
      ["Show (or with --off hide) the agent's typing indicator to the visitor."],
      [
        [`switchboard agent typing ${example}`, "the visitor sees the agent typing"],
        [`switchboard agent typing ${example} --off`, "and no longer"]
      ]
    )
  )
)

const transfer = Command.make(
  "transfer",
  {
    control,
    json,
    chat: chatId,
    to: Args.text({ name: "agent-name" }).pipe(Args.withDescription("The other agent's name, as the visitor sees it."))
  },
  (values) => onChat(values, (client) => client.transfer(values.chat, values.to))
).pipe(
  Command.withDescription(
    describe(["Hand the chat to another agent."], [[`switchboard agent transfer ${example} Linus`, "Linus takes over"]])
  )
)

const end = Command.make(
  "end",
  {
    control,
    json,
    chat: chatId,
    reason: Options.text("reason").pipe(
      Options.withPseudoName("TEXT"),
      Options.optional,
      Options.withDescription("Why the chat ended, as the transcript shows it.")
    )
  },
  (values) => onChat(values, (client) => client.end(values.chat, Option.getOrUndefined(values.reason)))
).pipe(
  Command.withDescription(
    describe(
      ["End the chat as the agent."],
      [[`switchboard agent end ${example} --reason resolved`, "the visitor sees the chat end"]]
    )
  )
)

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
).pipe(
  Command.withDescription(
    describe(
      ["Show a chat's state and its whole transcript."],
      [
        [`switchboard agent show ${example}`, "one line per message and event"],
        [`switchboard agent show ${example} --json`, "the chat as the control API gives it"]
      ]
    )
  )
)

const consoleHelp = consoleCommand.pipe(
  Command.withDescription(
    describe(
      [
        "Play the agent against a running simulator: a console, or one action per call.",
        "Run it against `switchboard simulate --no-agent` or `switchboard chat --human`, so one person can hold both sides of a chat in two terminals.",
        "Without a subcommand, the console: it announces new chats, and new messages in chats other than the current one. /accept takes a chat; then what you type is sent as replies, and the visitor sees you typing while you type a reply (not while you type a /command). /use ID (or /switch ID) changes the current chat; /transfer, /end, /list, /help. Without a terminal it reads the same commands from standard input.",
        "With a subcommand, one action, for scripts; --json prints the chat as JSON."
      ],
      [
        ["switchboard agent", "the console, on http://127.0.0.1:4010/_agent"],
        ["switchboard agent --control http://127.0.0.1:5000/_agent --name Linus", "another simulator, another name"],
        ["switchboard agent list", "what is waiting"],
        ["switchboard agent accept --as Grace", "take the oldest waiting chat"],
        [`switchboard agent say ${example} Hello, how can I help?`, "answer in that chat"],
        [`switchboard agent end ${example}`, "and end it"]
      ]
    )
  )
)

export const agent = consoleHelp.pipe(Command.withSubcommands([list, accept, say, typing, transfer, end, transcript]))

/** `agent` as help sees it: the console's page and one per subcommand, in the same order. */
export const agentHelp = helpNode(consoleHelp, [
  helpNode(list),
  helpNode(accept),
  helpNode(say),
  helpNode(typing),
  helpNode(transfer),
  helpNode(end),
  helpNode(transcript)
])
