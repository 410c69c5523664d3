/**
 * The `switchboard` command tree and its help: every command with examples, the exit codes in the footer.
 */
import { createRequire } from "node:module"
import { Command, HelpDoc } from "@effect/cli"
import { agent } from "./commands/agent.ts"
import { chat, demo } from "./commands/chat.ts"
import { doctor } from "./commands/doctor.ts"
import { simulate } from "./commands/simulate.ts"
import { exitCodeTable } from "./exit.ts"
import { describe } from "./options.ts"

export const version: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version

const overview: ReadonlyArray<readonly [string, string]> = [
  ["chat", "chat as a website visitor: the embedded simulator by default, a real deployment with --endpoint"],
  ["demo", "the whole demo (what `pnpm demo` runs): a chat on the embedded simulator"],
  ["simulate", "run the provider simulators and their control API on their own"],
  ["agent", "play the agent against a running simulator (console, or one action per call)"],
  ["doctor", "check a real deployment and say what is misconfigured"]
]

const root = Command.make("switchboard").pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(
        "Live chat with Salesforce Live Agent, LivePerson or LiveChat from the terminal: chat as a visitor, run the simulators, play the agent, and check a real deployment."
      ),
      HelpDoc.p(overview.map(([name, summary]) => `  ${name.padEnd(10)}${summary}`).join("\n")),
      HelpDoc.p(
        "Every command has its own --help. -h, --help shows help; --version the version. Colours are off with NO_COLOR or when the output is not a terminal."
      ),
      describe(
        [],
        [
          ["switchboard chat", "a whole chat on the embedded simulator"],
          ["switchboard demo", "what `pnpm demo` runs"],
          ["switchboard simulate --port 4010", "the simulators on their own"],
          ["switchboard agent", "the agent console, against a running simulator"],
          [
            "switchboard doctor -p salesforce --endpoint https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest --org-id … --deployment-id … --button-id …",
            "check a deployment"
          ]
        ]
      )
    ])
  ),
  Command.withSubcommands([chat, demo, simulate, agent, doctor])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(exitCodeTable.map(([code, meaning]) => `${String(code).padStart(3)}  ${meaning}`).join("\n"))
])

export const run = Command.run(root, { name: "switchboard", version, footer })
