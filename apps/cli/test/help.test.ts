/**
 * `--help` and `--version` everywhere: every page snapshotted at 80 and 120 columns (test/__snapshots__/help/), the
 * terminal's width respected, one title, real descriptions, the exit code table, and colours (off with NO_COLOR or
 * without a terminal). The pages come from `dist/help.json`, which must be what the command tree gives.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { assert, describe, expect, it } from "vitest"
import { app, tree } from "../src/cli.ts"
import { exitCodeTable } from "../src/exit.ts"
import { argTerm, manifestOf, optionTerm } from "../src/help/docs.ts"
import type { Manifest } from "../src/help/manifest.ts"
import { blocksOf, plainSpan } from "../src/help/render.ts"
import { bin, Child, cleanEnv, run, spawnPty } from "./helpers.ts"

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for colour codes
const colour = /\u001b\[[0-9;]*m/

/** Every command, as `switchboard <path> --help` reaches it. */
const commands = [
  "",
  "chat",
  "demo",
  "simulate",
  "agent",
  "agent list",
  "agent accept",
  "agent say",
  "agent typing",
  "agent transfer",
  "agent end",
  "agent show",
  "doctor"
]

const helpOf = async (command: string, columns: number) => {
  const result = await run([...command.split(" ").filter((word) => word !== ""), "--help"], {
    env: { COLUMNS: String(columns) }
  })
  assert.strictEqual(result.code, 0, result.stderr)
  assert.strictEqual(result.stderr, "")
  return result.stdout
}

const longest = (text: string) => Math.max(...text.split("\n").map((line) => line.length))

describe.concurrent("help pages", () => {
  for (const command of commands) {
    for (const columns of [80, 120]) {
      it(`switchboard ${command === "" ? "" : `${command} `}--help at ${columns} columns`, async () => {
        const text = await helpOf(command, columns)
        assert.isAtMost(longest(text), columns, text)
        const file = `__snapshots__/help/${command === "" ? "switchboard" : command.replace(" ", "-")}.${columns}.txt`
        await expect(text).toMatchFileSnapshot(file)
      })
    }
  }

  it("every command has a page, and the built pages are what the command tree gives", () => {
    const built = JSON.parse(readFileSync(new URL("../dist/help.json", import.meta.url), "utf8")) as Manifest
    assert.deepStrictEqual(Object.keys(built.pages).sort(), [...commands].sort())
    assert.deepStrictEqual(built, JSON.parse(JSON.stringify(manifestOf(tree, app))) as Manifest)
  })

  it("one title, the usage with the whole command, a description and examples on every page", async () => {
    for (const command of commands) {
      const text = await helpOf(command, 100)
      assert.strictEqual(
        text.split("\n")[0],
        `switchboard ${version} — live chat with agents on Salesforce, LivePerson or LiveChat`
      )
      assert.strictEqual(text.split(`switchboard ${version}`).length - 1, 1, command)
      assert.include(text, `\nUSAGE\n  $ switchboard ${command === "" ? "<command>" : command}`)
      assert.include(text, "\nDESCRIPTION\n")
      assert.match(text, /\nEXAMPLES\n {2}# .+\n {2}\$ switchboard /, command)
      for (const stock of [
        "A user-defined piece of text",
        "An integer.",
        "This setting is optional",
        "A true or false"
      ])
        assert.notInclude(text, stock, command)
    }
  })

  it("every option and argument has a description", () => {
    const manifest = manifestOf(tree, app)
    for (const [command, page] of Object.entries(manifest.pages)) {
      let section = ""
      const described: Array<string> = []
      for (const block of blocksOf(page.doc)) {
        if (block._tag === "Header") section = plainSpan(block.value)
        if (block._tag !== "DescriptionList" || (section !== "OPTIONS" && section !== "ARGUMENTS")) continue
        for (const [term, doc] of block.definitions) {
          const text = blocksOf(doc).map((inner) => (inner._tag === "Paragraph" ? plainSpan(inner.value) : ""))
          assert.isAbove(text.join("").length, 10, `${command}: ${plainSpan(term)}`)
          described.push(plainSpan(term))
        }
      }
      const expected = [...page.args.map(argTerm), ...page.options.map(optionTerm)]
      assert.includeMembers(described, expected, command)
    }
    const say = manifest.pages["agent say"]!
    assert.deepStrictEqual(
      say.args.map((arg) => [arg.name, arg.repeated]),
      [
        ["<chat-id>", false],
        ["<text>", true]
      ]
    )
  })

  it("the root lists the commands with one line each, and the exit codes", async () => {
    const text = await helpOf("", 120)
    assert.match(text, /\nCOMMANDS\n {2}chat {6}Chat as a website visitor/)
    for (const command of ["demo", "simulate", "agent", "doctor"])
      assert.match(text, new RegExp(`\\n {2}${command} +[A-Z]`))
    assert.include(text, "EXIT CODES")
    for (const [code, meaning] of exitCodeTable) assert.include(text, `${String(code).padStart(3)}  ${meaning}`)
  })

  it("switchboard alone shows the root page; -h is --help; help wins over other arguments", async () => {
    const root = await run([])
    assert.strictEqual(root.code, 0)
    assert.strictEqual(root.stdout, await helpOf("", 80))
    const short = await run(["demo", "-h"])
    assert.strictEqual(short.stdout, await helpOf("demo", 80))
    const mixed = await run(["agent", "--control", "http://127.0.0.1:1/_agent", "say", "--json", "--help"])
    assert.strictEqual(mixed.code, 0)
    assert.strictEqual(mixed.stdout, await helpOf("agent say", 80))
  })

  it("wraps to COLUMNS, else to the terminal's width, within 40 to 120 columns", async () => {
    assert.isAtMost(longest(await helpOf("chat", 60)), 60)
    assert.isAtMost(longest(await helpOf("chat", 10)), 40)
    const wide = await helpOf("chat", 300)
    assert.isAtMost(longest(wide), 120)
    assert.isAbove(longest(wide), 100)
    // A 72-column terminal and no COLUMNS: the width comes from the terminal.
    const terminal = new Child(
      spawn(
        "script",
        ["-qfec", `stty cols 72 rows 40; exec '${process.execPath}' '${bin}' doctor --help`, "/dev/null"],
        {
          env: cleanEnv({ COLUMNS: undefined, TERM: "xterm-256color" })
        }
      )
    )
    assert.strictEqual((await terminal.exited).code, 0, terminal.text)
    const lines = terminal.text.split("\n")
    assert.isAtMost(Math.max(...lines.map((line) => line.length)), 72, terminal.text)
    assert.isAbove(Math.max(...lines.map((line) => line.length)), 60, terminal.text)
  })
})

describe.concurrent("version and colours", () => {
  it("--version prints the package version, anywhere on the command line", async () => {
    for (const args of [["--version"], ["chat", "--version"]]) {
      const result = await run(args)
      assert.strictEqual(result.code, 0)
      assert.strictEqual(result.stdout, `${version}\n`)
    }
  })

  it("no colours when the output is not a terminal, even without NO_COLOR", async () => {
    const result = await run(["--help"], { env: { NO_COLOR: undefined } })
    assert.notMatch(result.stdout, colour)
    const failed = await run(["chat", "--org-id", "x"], { env: { NO_COLOR: undefined } })
    assert.notMatch(failed.stderr, colour)
    const usage = await run(["chat", "--nope"], { env: { NO_COLOR: undefined } })
    assert.notMatch(usage.stderr, colour)
  })

  it("FORCE_COLOR turns colours on without a terminal; NO_COLOR wins over it", async () => {
    const forced = await run(["--help"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })
    assert.match(forced.stdout, colour)
    const both = await run(["--help"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } })
    assert.notMatch(both.stdout, colour)
  })

  it("colours on a terminal, none with NO_COLOR", async () => {
    const coloured = spawnPty(["--help"], { env: { NO_COLOR: undefined } })
    assert.strictEqual((await coloured.exited).code, 0)
    assert.match(coloured.stdout, colour)
    const plain = spawnPty(["--help"], { env: { NO_COLOR: "1" } })
    assert.strictEqual((await plain.exited).code, 0)
    assert.notMatch(plain.stdout, colour)
  })
})
