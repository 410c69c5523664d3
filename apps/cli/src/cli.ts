/**
 * The `switchboard` command tree and the app around it: the name, version, one-line summary and footer (the exit
 * codes) that every help page shows. `tree` is the same commands as `root`, as help sees them (see `help/docs.ts`).
 */
import { Command, HelpDoc, Span } from "@effect/cli"
import { agent, agentHelp } from "./commands/agent.ts"
import { chat, demo } from "./commands/chat.ts"
import { doctor } from "./commands/doctor.ts"
import { simulate } from "./commands/simulate.ts"
import { exitCodeTable } from "./exit.ts"
import { type AppInfo, helpNode } from "./help/docs.ts"
import { packageVersion } from "./help/manifest.ts"
import { describe } from "./options.ts"

export const version: string = packageVersion()

const base = Command.make("switchboard").pipe(
  Command.withDescription(
    describe(
      [
        "Chat as a website visitor with a live agent on Salesforce Live Agent, LivePerson or LiveChat, on the simulator built into the CLI or on a real deployment; run the simulators on their own; play the agent; check a real deployment.",
        "Every command has its own --help, with examples. Help wraps to the terminal's width (COLUMNS). Colours are off with NO_COLOR or when the output is not a terminal."
      ],
      [
        ["switchboard demo --provider salesforce", "a whole chat on the embedded Salesforce simulator"],
        ["switchboard chat --name Ada --message 'Where is my parcel?'", "chat yourself"],
        ["switchboard simulate --no-agent", "terminal 1: the simulators, nobody answering"],
        ["switchboard agent --name Grace", "terminal 2: answer the chats yourself"],
        [
          "switchboard doctor -p livechat --endpoint https://api.livechatinc.com --licence-id 1520",
          "check a real deployment"
        ]
      ]
    )
  )
)

export const root = base.pipe(Command.withSubcommands([chat, demo, simulate, agent, doctor]))

/** The commands of `root`, for help: each command's own page and its subcommands. */
export const tree = helpNode(base, [helpNode(chat), helpNode(demo), helpNode(simulate), agentHelp, helpNode(doctor)])

const exitCodes = exitCodeTable.map(([code, meaning]): [Span.Span, HelpDoc.HelpDoc] => [
  Span.text(String(code).padStart(3)),
  HelpDoc.p(meaning)
])

export const app: AppInfo = {
  name: "switchboard",
  version,
  summary: Span.text("live chat with agents on Salesforce, LivePerson or LiveChat"),
  footer: HelpDoc.blocks([HelpDoc.h1("EXIT CODES"), HelpDoc.descriptionList([exitCodes[0]!, ...exitCodes.slice(1)])])
}

export const run = Command.run(root, { name: app.name, version, summary: app.summary, footer: app.footer })
