#!/usr/bin/env node
/**
 * How fast the built CLI answers `--version`, `--help` and `demo --help`: each is run 20 times (after one warm-up
 * run), timed from spawn to exit, and its p50 and p95 compared with the 300 ms target. `node -e 0` is timed the same
 * way, as the floor no command can go under on this machine.
 *
 *   pnpm --filter @switchboard/cli build && pnpm --filter @switchboard/cli bench
 *   node apps/cli/bench/startup.mjs --runs 50
 *
 * A benchmark, not a test: the figures depend on the machine and on what else runs on it, so it always exits 0.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))
const runsFlag = process.argv.indexOf("--runs")
const runs = runsFlag === -1 ? 20 : Number(process.argv[runsFlag + 1])
const targetMs = 300

if (!existsSync(bin)) {
  console.error(`No ${bin}: build the CLI first (pnpm --filter @switchboard/cli build).`)
  process.exit(1)
}

const cases = [
  { label: "switchboard --version", args: [bin, "--version"], judged: true },
  { label: "switchboard --help", args: [bin, "--help"], judged: true },
  { label: "switchboard demo --help", args: [bin, "demo", "--help"], judged: true },
  { label: "node -e 0 (the floor)", args: ["-e", "0"], judged: false }
]

/** Milliseconds from spawn to exit, for one run. */
const time = (args) => {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" }
  })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}: ${result.stderr}`)
  return ms
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

const pad = (text, width) => String(text).padEnd(width)
const ms = (value) => `${value.toFixed(0)} ms`.padStart(8)

console.log(
  `Startup of the built CLI: ${runs} runs each after a warm-up, Node ${process.version}, ${cpus().length} CPU(s), target under ${targetMs} ms at p95`
)
console.log(`${pad("command", 26)}${"p50".padStart(8)}${"p95".padStart(8)}${"max".padStart(8)}  target`)
let allMet = true
for (const { label, args, judged } of cases) {
  time(args)
  const samples = Array.from({ length: runs }, () => time(args)).sort((a, b) => a - b)
  const p50 = percentile(samples, 50)
  const p95 = percentile(samples, 95)
  const met = p95 < targetMs
  if (judged) allMet &&= met
  console.log(`${pad(label, 26)}${ms(p50)}${ms(p95)}${ms(samples.at(-1))}  ${judged ? (met ? "met" : "NOT met") : "-"}`)
}
console.log(allMet ? `All under ${targetMs} ms at p95: met.` : `Some over ${targetMs} ms at p95: NOT met.`)
