/**
 * The README's commands, run as written. Every `sh` block line that names `switchboard` runs through `sh -c` with a
 * `switchboard` on the PATH that is the built binary (what the README's alias makes), against the embedded simulator;
 * every `text` block that shows `$ switchboard …` and what it printed is run and compared, a `…` line standing for
 * lines left out. Lines that need something this machine has not (a real deployment, a config file of yours, a
 * chat id, a person at the keyboard, `jq`) are listed below with the reason, so a new command in the README is
 * either run here or consciously left out.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { openChat } from "@switchboard/core/promise"
import { startSimulator } from "@switchboard/simulator"
import { afterAll, describe, expect, it } from "vitest"
import { bin, cleanEnv, plainText } from "./helpers.ts"

const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8")

interface Block {
  readonly lang: string
  readonly lines: ReadonlyArray<string>
}

const blocks: ReadonlyArray<Block> = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
  lang: match[1] ?? "",
  lines: (match[2] ?? "").trimEnd().split("\n")
}))

/** Commands of `sh` blocks: continuation lines joined, comments after two spaces dropped. */
const commands = blocks
  .filter((block) => block.lang === "sh")
  .flatMap((block) =>
    block.lines
      .join("\n")
      .replace(/\\\n\s*/g, "")
      .split("\n")
  )
  .map((line) => line.replace(/\s{2,}#.*$/, "").trim())
  .filter((line) => line.includes("switchboard ") && !line.startsWith("#") && !line.startsWith("alias "))

/** Lines not run here, and why. */
const notRun: ReadonlyArray<[RegExp, string]> = [
  [/--endpoint https:/, "a real deployment"],
  [/--config switchboard\.json/, "the reader's own config file"],
  [/^switchboard agent /, "run below, in the README's order, on one chat of a simulator of the test's own"],
  [/^switchboard chat --human +switchboard agent$/, "two terminals side by side"],
  [/\| jq /, "jq, which this machine may not have"],
  [/node apps\/cli\/dist\/bin\.js --help/, "run from the repository root; the same as `switchboard --help` below"]
]

const work = mkdtempSync(join(tmpdir(), "switchboard-readme-"))
// What the README's alias gives: `switchboard` runs the built binary.
writeFileSync(join(work, "switchboard"), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`)
chmodSync(join(work, "switchboard"), 0o755)
// The script file the README shows, as `visitor.txt`.
const scriptBlock = blocks.find((block) => block.lines[0]?.startsWith("# visitor.txt"))
writeFileSync(join(work, "visitor.txt"), `${(scriptBlock?.lines ?? []).join("\n")}\n`)
// Fault rules for `simulate --faults rules.json`, in the control API's format.
writeFileSync(join(work, "rules.json"), JSON.stringify([{ provider: "livechat", errorRate: 0.1, statuses: [503] }]))

const children = new Set<ChildProcess>()
afterAll(() => {
  for (const child of children) if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
})

interface Ran {
  /** The exit code, or 130 when `sh` itself was ended by the Ctrl-C sent to the group. */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs one README line with `sh -c` in the work folder. A long-running command (`simulate`) is stopped with SIGINT
 * once it printed `ready` (it must print it); others run to their end, with standard input closed.
 */
const sh = (line: string, ready?: RegExp, env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve) => {
    // Its own process group, so that Ctrl-C (SIGINT to the group) reaches the CLI behind `sh`, as in a terminal.
    // `SWITCHBOARD_PORT=0`: `simulate` without `--port` picks a free port instead of 4010, which may be taken here.
    const child = spawn("sh", ["-c", line], {
      cwd: work,
      env: cleanEnv({ PATH: `${work}:${process.env.PATH}`, COLUMNS: "80", SWITCHBOARD_PORT: "0", ...env }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    children.add(child)
    let stdout = ""
    let stderr = ""
    let interrupted = false
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      if (!interrupted && ready?.test(plainText(stdout)) && child.pid !== undefined) {
        interrupted = true
        process.kill(-child.pid, "SIGINT")
      }
    })
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    child.on("close", (code, signal) => {
      children.delete(child)
      resolve({ code: signal === "SIGINT" ? 130 : code, stdout: plainText(stdout), stderr: plainText(stderr) })
    })
  })

/** What a line must show, and how it must end. */
const expectations: ReadonlyArray<[RegExp, { ready?: RegExp; code: number | null; shows: RegExp }]> = [
  [
    /^switchboard simulate --port 0 --json/,
    { ready: /"urls"/, code: 130, shows: /"livechat":"http:\/\/127\.0\.0\.1:/ }
  ],
  [/^switchboard simulate --write-config/, { ready: /sim\.json/, code: 130, shows: /sim\.json/ }],
  [/^switchboard simulate/, { ready: /127\.0\.0\.1:\d+/, code: 130, shows: /127\.0\.0\.1:\d+/ }],
  [/^switchboard chat --human/, { code: 0, shows: /switchboard agent/ }],
  [/switchboard chat/, { code: 0, shows: /Chat ended|"type":"ended"/ }]
]

describe("the README's commands, run as written", () => {
  it("every command line is run below or listed with the reason it is not", () => {
    const unknown = commands.filter(
      (line) => !notRun.some(([pattern]) => pattern.test(line)) && !expectations.some(([pattern]) => pattern.test(line))
    )
    expect(unknown).toEqual([])
    expect(commands.length).toBeGreaterThan(10)
  })

  const runnable = commands.filter((line) => !notRun.some(([pattern]) => pattern.test(line)))
  for (const line of runnable) {
    const [, expected] = expectations.find(([pattern]) => pattern.test(line)) ?? []
    if (expected === undefined) continue
    it(`$ ${line}`, async () => {
      const ran = await sh(line, expected.ready)
      const output = `${ran.stdout}\n${ran.stderr}`
      expect(output).toMatch(expected.shows)
      expect(ran.code, output).toBe(expected.code)
    })
  }
})

describe("the README's agent commands, in its order, on one chat", () => {
  it("list, accept, say, typing, transfer, end and show, with every optional part given", async () => {
    const sim = await startSimulator({ agent: false })
    try {
      const chat = await openChat({
        provider: "livechat",
        baseUrl: sim.urls.livechat,
        licenceId: sim.settings.livechat.licenceId,
        visitorName: "Kim"
      })
      const id = sim.hub.list({ provider: "livechat" })[0]?.id ?? ""
      const agentLines = blocks
        .filter((block) => block.lang === "sh")
        .flatMap((block) => block.lines)
        .filter((line) => line.startsWith("switchboard agent "))
      expect(agentLines.length).toBeGreaterThanOrEqual(7)
      for (const line of agentLines) {
        // `[...]` is optional: given here. CHAT-ID is the chat's id.
        const command = line.replace(/\[([^\]]+)\]/g, "$1").replaceAll("CHAT-ID", id)
        const ran = await sh(command, undefined, { SWITCHBOARD_CONTROL_URL: sim.urls.control })
        expect(ran.code, `${command}\n${ran.stdout}${ran.stderr}`).toBe(0)
      }
      const view = sim.hub.get(id)
      expect(view.state).toBe("ended")
      expect(JSON.stringify(view.transcript)).toContain("Hello, how can I help?")
      await chat.end()
    } finally {
      await sim.close()
    }
  })
})

/** `text` blocks that show a command and what it printed (`…` stands for lines left out). */
const shown = blocks
  .filter((block) => block.lang === "text" && block.lines.some((line) => line.startsWith("$ switchboard ")))
  .flatMap((block) => {
    const runs: Array<{ command: string; expected: Array<string> }> = []
    for (const line of block.lines) {
      if (line.startsWith("$ ")) runs.push({ command: line.slice(2), expected: [] })
      else runs.at(-1)?.expected.push(line)
    }
    return runs
  })

/** Whether `actual` holds the `expected` lines in order, each `…` matching any number of lines. */
const matchesWithGaps = (expected: ReadonlyArray<string>, actual: ReadonlyArray<string>): boolean => {
  let at = 0
  let gap = false
  for (const line of expected) {
    if (line.trim() === "…") {
      gap = true
      continue
    }
    const found = gap ? actual.findIndex((candidate, index) => index >= at && candidate === line) : at
    if (found < 0 || actual[found] !== line) return false
    at = found + 1
    gap = false
  }
  return gap || at === actual.length
}

describe("the README's shown output is what the commands print", () => {
  // The first block is a terminal session (times of day, a scripted agent's pace): `chat` is run above instead.
  const comparable = shown.filter((run) => run.command !== "switchboard chat")
  it("the README shows the output of at least the help and four usage errors", () => {
    expect(comparable.length).toBeGreaterThanOrEqual(6)
  })
  const version = JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"))
    .version as string
  for (const run of comparable) {
    it(`$ ${run.command}`, async () => {
      const ran = await sh(run.command)
      const printed = `${ran.stdout}${ran.stderr}`.replaceAll(`switchboard ${version}`, "switchboard 0.0.0")
      const lines = printed.trimEnd().split("\n")
      expect(matchesWithGaps(run.expected, lines), `${run.expected.join("\n")}\n--- printed ---\n${printed}`).toBe(true)
    })
  }
})
