/**
 * Usage errors say what is wrong with the command line, not what @effect/cli's parser tripped on: exit code 2,
 * nothing on standard output, one sentence and a hint on standard error. (Chat ids the simulator does not know are
 * in agent-simulate.test.ts.)
 */
import { assert, describe, it } from "vitest"
import { distance } from "../src/usage.ts"
import { run } from "./helpers.ts"

const cases: ReadonlyArray<readonly [args: string, message: string, hint: string]> = [
  // an option without its value
  [
    "demo --provider",
    "--provider needs a value: one of livechat, salesforce or liveperson.",
    "Run `switchboard demo --help` for its usage."
  ],
  [
    "demo --provider --json",
    "--provider needs a value: one of livechat, salesforce or liveperson. --json is another option.",
    "Run `switchboard demo --help` for its usage."
  ],
  ["chat -p", "-p (--provider) needs a value: one of livechat, salesforce or liveperson.", "switchboard chat --help"],
  ["simulate --port", "--port needs a value: a whole number (PORT).", "switchboard simulate --help"],
  ["doctor --timeout", "--timeout needs a value: a number (SECONDS).", "switchboard doctor --help"],
  ["chat --endpoint", "--endpoint needs a value (URL).", "switchboard chat --help"],
  // a bad value
  ["demo --provider zendesk", '--provider must be livechat, salesforce or liveperson, not "zendesk".', "demo --help"],
  [
    "chat --provider salesfroce",
    '--provider must be livechat, salesforce or liveperson, not "salesfroce". Did you mean salesforce?',
    "chat --help"
  ],
  ["simulate --fault-provider lp", '--fault-provider must be livechat, salesforce or liveperson, not "lp".', "--help"],
  ["chat --licence-id abc", '--licence-id takes a whole number (N), not "abc".', "switchboard chat --help"],
  ["simulate --error-rate often", '--error-rate takes a number (P), not "often".', "switchboard simulate --help"],
  ["demo --json=3", "--json is a switch and takes no value: write --json, not --json=3.", "switchboard demo --help"],
  // unknown commands and options, with the closest one
  [
    "chta",
    'switchboard has no command "chta". Did you mean chat?',
    "The commands: chat, demo, simulate, agent, doctor (`switchboard --help` says what each does)."
  ],
  ["sim", 'switchboard has no command "sim". Did you mean simulate?', "The commands: chat, demo"],
  ["bogus", 'switchboard has no command "bogus".', "The commands: chat, demo, simulate, agent, doctor"],
  [
    "agent sya hello",
    'switchboard agent has no command "sya". Did you mean say?',
    "The agent commands: list, accept, say, typing, transfer, end, show"
  ],
  ["chat --nme Ada", "switchboard chat has no option --nme. Did you mean --name?", "switchboard chat --help"],
  ["doctor --test", "switchboard doctor has no option --test. Did you mean --test-chat?", "doctor --help"],
  ["--bogus", "switchboard has no option --bogus.", "Run `switchboard --help` for its usage."],
  [
    "--provider salesforce chat",
    "--provider is not an option of switchboard: it belongs to switchboard chat, switchboard demo or switchboard doctor.",
    "Put it after the command, as in `switchboard chat --provider …`."
  ],
  [
    "agent --all",
    "--all is not an option of switchboard agent: it belongs to switchboard agent list.",
    "`switchboard agent list --all …`"
  ],
  // arguments missing or left over
  [
    "agent say",
    "switchboard agent say needs <chat-id>: the chat's id, as `switchboard agent list` shows it: sf_, lp_ or lc_ and 12 hex digits, such as lc_0a1b2c3d4e5f.",
    "Usage: switchboard agent say [options] <chat-id> <text>..."
  ],
  [
    "agent transfer lc_0a1b2c3d4e5f",
    "switchboard agent transfer needs <agent-name>: the other agent's name, as the visitor sees it.",
    "Usage: switchboard agent transfer [options] <chat-id> <agent-name>"
  ],
  [
    "chat hello",
    'switchboard chat takes no arguments, and "hello" is not one of its options.',
    "Usage: switchboard chat [options]"
  ],
  [
    "agent accept lc_0a1b2c3d4e5f lc_0a1b2c3d4e5e",
    'Unexpected argument "lc_0a1b2c3d4e5e": switchboard agent accept takes [<chat-id>].',
    "Usage: switchboard agent accept [options] [<chat-id>]"
  ]
]

describe.concurrent("usage errors", () => {
  for (const [args, message, hint] of cases) {
    it(`switchboard ${args}`, async () => {
      const result = await run(args.split(" "))
      assert.strictEqual(result.code, 2, result.stderr)
      assert.strictEqual(result.stdout, "")
      const [first, second, ...rest] = result.stderr.trimEnd().split("\n")
      assert.strictEqual(first, `✖ ${message}`)
      assert.include(second, hint)
      assert.deepStrictEqual(rest, [])
      assert.notMatch(result.stderr, /Received unknown argument|Expected one of the following|Invalid subcommand/)
    })
  }

  it("a swap of two letters is one edit, so it finds the command meant", () => {
    assert.strictEqual(distance("chta", "chat"), 1)
    assert.strictEqual(distance("sya", "say"), 1)
    assert.strictEqual(distance("doctor", "doctor"), 0)
    assert.strictEqual(distance("kitten", "sitting"), 3)
  })
})
