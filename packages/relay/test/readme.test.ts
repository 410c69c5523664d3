/**
 * The README's TypeScript blocks, as written: every one is type-checked (the package's strict settings, against the
 * sources), then run on the built packages, as a consumer runs them, over real loopback HTTP against the embedded
 * simulator. The server block serves the relay in a process of its own (its provider settings come from the
 * environment, as the README says); the browser block runs in another, on `browser-globals.mjs` (fetch with the
 * page's cookies and Origin, EventSource, sessionStorage), as a page on the server's origin. A block that stops
 * compiling or working fails here, and so does a new block this test does not know how to run.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { startSimulator } from "@switchboard/simulator"
import ts from "typescript"
import { assert, describe, it } from "vitest"
import { eventually } from "./support.ts"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const readme = readFileSync(here("../README.md"), "utf8")
// Inside the package, so the blocks resolve its dependencies and its own name as a consumer's code would.
const workDir = here("../test-results/readme/")

interface Block {
  readonly name: string
  readonly code: string
  readonly kind: "server" | "page"
}

const blocks: Array<Block> = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, index) => {
  const code = match[1] as string
  const kind = /from "@switchboard\/relay\/client"/.test(code)
    ? "page"
    : /from "@switchboard\/relay"/.test(code)
      ? "server"
      : undefined
  if (kind === undefined) throw new Error(`README block ${index + 1} is neither a server nor a page: teach this test`)
  return { name: `block${index + 1}-${kind}`, code, kind }
})

/** Type errors in the blocks (errors elsewhere belong to the packages' own typecheck). */
const typeErrors = (files: ReadonlyArray<string>): Array<string> => {
  const config = ts.getParsedCommandLineOfConfigFile(
    here("../tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
      }
    }
  )
  if (config === undefined) throw new Error("tsconfig.json could not be read")
  const program = ts.createProgram(files, { ...config.options, noEmit: true })
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file === undefined || files.includes(diagnostic.file.fileName))
    .map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
      if (diagnostic.file === undefined || diagnostic.start === undefined) return text
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      return `${diagnostic.file.fileName.slice(workDir.length)}(${line + 1},${character + 1}): ${text}`
    })
}

interface Running {
  readonly child: ChildProcess
  output(): string
  readonly exited: Promise<number | null>
}

const run = (file: string, args: ReadonlyArray<string>, env: Record<string, string>): Running => {
  const child = spawn(process.execPath, [...args, file], {
    cwd: workDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, output: () => output, exited }
}

/** Waits for the child's exit, at most `timeout` ms; a child still running then is killed and the test fails. */
const exitOf = async (running: Running, what: string, timeout: number) => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeout)
  })
  const code = await Promise.race([running.exited, late])
  clearTimeout(timer)
  if (code === "late") {
    running.child.kill("SIGKILL")
    throw new Error(`${what} did not exit within ${timeout} ms:\n${running.output()}`)
  }
  return code
}

describe("README", () => {
  it("has the server block and the browser block", () => {
    assert.deepStrictEqual(
      blocks.map((block) => block.kind),
      ["server", "page"]
    )
  })

  it("install line names every package the blocks import", () => {
    const install = /^npm install (.+)$/m.exec(readme)?.[1]?.split(/\s+/) ?? []
    const imported = new Set(
      blocks.flatMap((block) =>
        [...block.code.matchAll(/from "((?:@[^/"]+\/)?[^/"]+)/g)].map((match) => match[1] as string)
      )
    )
    for (const name of imported) assert.include(install, name, `npm install ... ${name}`)
    assert.include(install, "effect", "the relay's peer dependency")
  })

  it("every TypeScript block type-checks and runs: a page chats through the server block", {
    timeout: 180_000
  }, async () => {
    rmSync(workDir, { recursive: true, force: true })
    mkdirSync(workDir, { recursive: true })
    const files = blocks.map((block) => {
      const file = `${workDir}${block.name}.ts`
      writeFileSync(file, block.code)
      return file
    })
    assert.deepStrictEqual(typeErrors(files), [])
    for (const block of blocks) {
      const js = ts.transpileModule(block.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
      }).outputText
      writeFileSync(`${workDir}${block.name}.mjs`, js)
    }
    const server = blocks.find((block) => block.kind === "server") as Block
    const page = blocks.find((block) => block.kind === "page") as Block

    await using sim = await startSimulator({ agent: { acceptAfterMs: 0 } }) // an agent takes the chat at once
    const relay = run(`${server.name}.mjs`, [], {
      LIVECHAT_BASE_URL: sim.urls.livechat,
      LIVECHAT_LICENCE_ID: String(sim.settings.livechat.licenceId),
      PORT: "0"
    })
    try {
      const port = await eventually(
        "the server block's address",
        () => {
          if (relay.child.exitCode !== null) throw new Error(`the server block exited:\n${relay.output()}`)
          return /http:\/\/localhost:(\d+)\/chat-api/.exec(relay.output())?.[1]
        },
        60_000
      )

      const visitor = run(`${page.name}.mjs`, ["--import", here("./browser-globals.mjs")], {
        PAGE_ORIGIN: `http://127.0.0.1:${port}`
      })
      const code = await exitOf(visitor, "the browser block", 60_000)
      assert.strictEqual(code, 0, `${visitor.output()}\n(the blocks run on dist/: is it built from these sources?)`)
      assert.match(visitor.output(), /type: 'queued'/, "the listener printed the chat's events")

      const [chat, ...others] = sim.hub.list()
      assert.strictEqual(others.length, 0)
      assert.strictEqual(chat?.visitorName, "Ada")
      const status = /^message (delivered|pending)$/m.exec(visitor.output())?.[1]
      assert.isDefined(status, visitor.output())
      const lines = chat?.transcript.flatMap((entry) =>
        entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []
      )
      assert.strictEqual(lines?.[0], "Hi!")
      // "pending" (the agent's acceptance not seen within sendWait on a loaded machine) may still be on its way.
      if (status === "delivered") assert.deepStrictEqual(lines, ["Hi!", "Where is my parcel?"])
      assert.strictEqual(chat?.state, "ended")
      assert.strictEqual(chat?.endedBy, "visitor")

      // SIGTERM: the server block ends every chat at the provider and exits.
      const second = await fetch(`http://127.0.0.1:${port}/chat-api/chats`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Bob", question: "Still there?" })
      })
      assert.strictEqual(second.status, 201)
      relay.child.kill("SIGTERM")
      assert.strictEqual(await exitOf(relay, "the server block", 30_000), 0, relay.output())
      const bob = sim.hub.list().find((entry) => entry.visitorName === "Bob")
      assert.strictEqual(bob?.state, "ended")
      assert.strictEqual(bob?.endedBy, "visitor")
    } finally {
      if (relay.child.exitCode === null) relay.child.kill("SIGKILL")
    }
  })
})
