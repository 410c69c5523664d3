#!/usr/bin/env node
// `pnpm --filter @switchboard/web dev`: the provider simulator, the relay and the widget (Vite, hot reload) on
// 127.0.0.1 with one command. Open the widget in one tab and the agent console in another to play the agent.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const usage = `Usage: pnpm --filter @switchboard/web dev [options]

  --provider <name>      livechat (default), salesforce, or liveperson
  --port <n>             the widget and agent console (default 5173)
  --relay-port <n>       the relay (default 8787)
  --simulator-port <n>   the provider simulator (default 4010)
  --scripted-agent       a scripted agent accepts and answers every chat (default: you play the agent)
  --no-build             skip building the workspace packages the stack runs on
  --help                 this text`

let values
try {
  ;({ values } = parseArgs({
    // pnpm passes a "--" separator through when one is written: `pnpm --filter @switchboard/web dev -- --port 3000`
    args: process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--")),
    options: {
      provider: { type: "string", default: "livechat" },
      port: { type: "string", default: "5173" },
      "relay-port": { type: "string", default: "8787" },
      "simulator-port": { type: "string", default: "4010" },
      "scripted-agent": { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  }))
} catch (error) {
  console.error(`${error.message}\n\n${usage}`)
  process.exit(2)
}
if (values.help) {
  console.log(usage)
  process.exit(0)
}

// Node runs the packages' built output: build what the stack imports (cached by turbo, quick when up to date).
if (!values["no-build"]) {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  const built = spawnSync(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@switchboard/web^...", "--output-logs=errors-only"],
    { cwd: root, stdio: "inherit" }
  )
  if (built.status !== 0) process.exit(built.status ?? 1)
}

const { startStack } = await import("./server/stack.mjs")
const { titles } = await import("./server/providers.mjs")

let stack
try {
  stack = await startStack({
    provider: values.provider,
    web: "vite",
    webPort: Number(values.port),
    relayPort: Number(values["relay-port"]),
    simulatorPort: Number(values["simulator-port"]),
    scriptedAgent: values["scripted-agent"]
  })
} catch (error) {
  console.error(`Could not start the sample: ${error.message}`)
  process.exit(1)
}

console.log(`
Switchboard sample: ${titles[stack.provider]} (simulated)

  widget          ${stack.urls.widget}
  agent console   ${stack.urls.console}${values["scripted-agent"] ? "  (a scripted agent also answers)" : ""}
  relay           ${stack.urls.relay}
  simulator       ${stack.urls.simulator}  (agent control API: ${stack.urls.control})

Open the widget, start a chat, and answer it from the agent console in a second tab. Ctrl+C stops everything.
`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  console.log("Ending open chats at the provider…")
  await stack.close()
  process.exit(0)
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
