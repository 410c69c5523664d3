/**
 * The README's dev command, run as documented (`pnpm --filter @switchboard/web dev` from the repository's root, on
 * ports of its own and with `--no-build`: turbo's `test` task builds the workspace packages first), holding a whole
 * chat in Chromium through Vite's dev server: the visitor starts it on the widget page, the agent answers from the
 * console page, the visitor ends it. Then the whole process group is stopped, and nothing of it may be left running.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { test as base, expect } from "@playwright/test"
import { agentConsole, widget } from "./support.ts"

const root = fileURLToPath(new URL("../../..", import.meta.url))
// Beside the Playwright web servers (SB_TEST_PORT, 5180 and 5181), away from the command's defaults (5173, 8787, 4010).
const first = Number(process.env.SB_TEST_PORT ?? 5180) + 2
const ports = { web: first, relay: first + 1, simulator: first + 2 }
const args = ["--filter", "@switchboard/web", "dev", "--no-build", "--port", String(ports.web)]
args.push("--relay-port", String(ports.relay), "--simulator-port", String(ports.simulator))

interface DevCommand {
  readonly widget: string
  readonly console: string
  /** Everything it printed so far (standard output and error). */
  output(): string
  /** Stops the process group (SIGTERM, as Ctrl+C would) and waits until none of its processes is left. */
  stop(): Promise<void>
}

/** Whether any process of the group `pgid` is still running. */
const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

const poll = async (what: string, done: () => boolean, timeout: number) => {
  const deadline = Date.now() + timeout
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Spawns the command in a process group of its own and resolves when it has printed its URLs. */
const run = async (): Promise<DevCommand & { readonly child: ChildProcess }> => {
  const child = spawn("pnpm", args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] })
  const pgid = child.pid as number
  // Should this worker die before the fixture's teardown, the group dies with it.
  const reap = () => alive(pgid) && process.kill(-pgid, "SIGKILL")
  process.once("exit", reap)
  let output = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      if (alive(pgid)) process.kill(-pgid, "SIGTERM")
      try {
        await poll("the dev command's processes to stop", () => !alive(pgid), 30_000)
      } finally {
        reap()
        process.off("exit", reap)
      }
      await exited
    })()
    return stopping
  }
  // Ready: it printed the URLs of the widget and the agent console.
  const urls = await new Promise<{ widget: string; console: string }>((resolve, reject) => {
    const check = () => {
      const widgetUrl = /^\s*widget\s+(http\S+)/m.exec(output)?.[1]
      const consoleUrl = /^\s*agent console\s+(http\S+)/m.exec(output)?.[1]
      if (widgetUrl !== undefined && consoleUrl !== undefined) {
        child.stdout?.off("data", check)
        resolve({ widget: widgetUrl, console: consoleUrl })
      }
    }
    child.stdout?.on("data", check)
    child.once("exit", (code, signal) => reject(new Error(`the dev command exited (${code ?? signal}):\n${output}`)))
  }).catch(async (error: unknown) => {
    await stop()
    throw error
  })
  return { ...urls, child, output: () => output, stop }
}

const test = base.extend<{ dev: DevCommand }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads which fixtures a fixture needs from this pattern
  dev: async ({}, use, testInfo) => {
    const dev = await run()
    try {
      await use(dev)
    } finally {
      await dev.stop()
      await testInfo.attach("dev command output", { body: dev.output(), contentType: "text/plain" })
    }
  }
})

test("the README's dev command serves a whole chat: widget to relay, agent console, both ways, ended", async ({
  browser,
  dev
}) => {
  test.setTimeout(150_000)
  const origin = new URL(dev.widget).origin
  expect(dev.widget).toBe(`http://127.0.0.1:${ports.web}/`)
  expect(dev.console).toBe(`http://127.0.0.1:${ports.web}/console.html`)
  expect(dev.output()).toContain(`relay           http://127.0.0.1:${ports.relay}/api`)

  const visitorContext = await browser.newContext({ baseURL: origin })
  const visitor = widget(await visitorContext.newPage())
  await visitor.start("Ada Lovelace", "Where is my parcel?") // a chat the relay accepted through Vite's proxy

  const agent = await agentConsole(browser, origin)
  await agent.open("Ada Lovelace")
  await agent.accept("Grace")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")
  await expect(agent.transcript).toContainText("Ada Lovelace: Where is my parcel?")
  await agent.say("Hello Ada, it left the depot this morning")
  await expect(visitor.log).toContainText("Hello Ada, it left the depot this morning")
  await visitor.say("Thank you!")
  await expect(agent.transcript).toContainText("Ada Lovelace: Thank you!")

  await visitor.end.click()
  await expect(visitor.status).toHaveText("You ended the chat.")
  await expect(agent.transcript).toContainText("Ended by the visitor")
  await agent.context.close()
  await visitorContext.close()

  // Ctrl+C's signal to the whole group: every process of it stops, and nothing answers on its ports any more.
  await dev.stop()
  expect(dev.output()).toContain("Ending open chats at the provider")
  for (const port of Object.values(ports)) {
    await expect(fetch(`http://127.0.0.1:${port}/`), `port ${port}`).rejects.toThrow()
  }
})
