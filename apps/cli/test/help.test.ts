/**
 * `--help` and `--version` everywhere, the exit code table, and colours (off with NO_COLOR or without a terminal).
 */
import { readFileSync } from "node:fs"
import { assert, describe, it } from "vitest"
import { exitCodeTable } from "../src/exit.ts"
import { run, spawnPty } from "./helpers.ts"

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for colour codes
const colour = /\u001b\[[0-9;]*m/

describe.concurrent("help and version", () => {
  it("switchboard --help lists every command, examples and the exit codes", async () => {
    const result = await run(["--help"])
    assert.strictEqual(result.code, 0)
    for (const command of ["chat", "demo", "simulate", "agent", "doctor"])
      assert.match(result.stdout, new RegExp(`- ${command}\\b`))
    assert.include(result.stdout, "Examples")
    assert.include(result.stdout, "$ switchboard chat")
    assert.include(result.stdout, "EXIT CODES")
    for (const [code, meaning] of exitCodeTable)
      assert.include(result.stdout, `${String(code).padStart(3)}  ${meaning}`)
  })

  for (const command of [["chat"], ["demo"], ["simulate"], ["agent"], ["doctor"], ["agent", "say"]]) {
    it(`switchboard ${command.join(" ")} --help has a description${command.length === 1 ? " and examples" : ""}`, async () => {
      const result = await run([...command, "--help"])
      assert.strictEqual(result.code, 0, result.stderr)
      assert.include(result.stdout, "DESCRIPTION")
      if (command.length === 1) {
        assert.include(result.stdout, "Examples")
        assert.include(result.stdout, `$ switchboard ${command[0]}`)
      }
      assert.include(result.stdout, "EXIT CODES")
    })
  }

  it("--version prints the package version", async () => {
    const result = await run(["--version"])
    assert.strictEqual(result.code, 0)
    assert.strictEqual(result.stdout.trim(), version)
  })

  it("no colours when the output is not a terminal, even without NO_COLOR", async () => {
    const result = await run(["--help"], { env: { NO_COLOR: undefined } })
    assert.notMatch(result.stdout, colour)
    const failed = await run(["chat", "--org-id", "x"], { env: { NO_COLOR: undefined } })
    assert.notMatch(failed.stderr, colour)
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
