/**
 * Benchmark server: the built simulator (`dist/`) in a process of its own, as `startSimulator` serves it, with the
 * scripted agent answering every visitor line (so polls find agent messages) and a short Salesforce long-poll hold.
 * It reports its own CPU time to the orchestrator over IPC. A second argument loads another build's `dist/`
 * directory instead of this package's (BENCH_COMPARE_DIST).
 */
import { serve } from "./ipc.mjs"

const [holdArg = "20", dist] = process.argv.slice(2)
const holdMs = Number(holdArg)
const { startSimulator } = await import(
  dist === undefined ? "../dist/index.js" : new URL(`file://${dist}/index.js`).href
)

const sim = await startSimulator({
  seed: 1,
  agent: { name: "Grace", acceptAfterMs: 0, typingMs: 25 },
  salesforce: { pollHoldMs: holdMs }
})

serve(async (message) => {
  switch (message.type) {
    case "cpu":
      return { cpu: process.cpuUsage() }
    case "stop":
      await sim.close()
      setImmediate(() => process.exit(0))
      return {}
    default:
      throw new Error(`unknown message ${message.type}`)
  }
})

process.send({ type: "ready", origin: sim.url, settings: sim.settings })
