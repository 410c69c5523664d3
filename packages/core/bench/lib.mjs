// Shared plumbing of the benches: child processes over IPC, percentiles, formatting.
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

/** Forks `file` with `args`; resolves with its first message of `type`, and the child. */
const start = (file, args, execArgv, type, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = fork(here(file), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${file} ${args.join(" ")}: no ${type} within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on("message", (message) => {
      if (message?.type === type) {
        clearTimeout(timer)
        resolve({ child, message })
      }
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${file} ${args.join(" ")} exited with ${code} before ${type}`))
    })
  })

/** A bare LiveChat server in its own process. */
export const startServer = async (file = "server.mjs", args = []) => {
  const { child, message } = await start(file, args, [], "listening", 20_000)
  const ask = (request, reply) =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (m?.type === reply) {
          child.off("message", onMessage)
          resolve(m)
        }
      }
      child.on("message", onMessage)
      child.send(request)
    })
  return {
    port: message.port,
    info: message,
    mark: () => ask("mark", "marked"),
    stats: () => ask("stats", "stats"),
    ask,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve)
        child.send("stop")
        setTimeout(() => child.kill("SIGKILL"), 3000).unref()
      })
  }
}

/** Runs one bench client to completion (at most `timeoutMs`, 70 s by default) and returns its result. */
export const runClient = (file, args, { execArgv = [], timeoutMs = 70_000, onMessage } = {}) =>
  new Promise((resolve, reject) => {
    const child = fork(here(file), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let result
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("message", (message) => {
      if (message?.type === "result") result = message.result
      else onMessage?.(message, child)
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      if (result !== undefined) resolve(result)
      else reject(new Error(`${file} ${args.join(" ")} ended (${code ?? signal}) without a result`))
    })
  })

/** The q-quantile (0..1) of the first `n` samples (sorted in place). */
export const quantile = (samples, n, q) => {
  if (n === 0) return Number.NaN
  const view = samples.subarray(0, n).sort()
  return view[Math.min(n - 1, Math.floor(q * n))]
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** A markdown table: `rows` are arrays of cells. */
export const table = (header, rows) => {
  const line = (cells) => `| ${cells.join(" | ")} |`
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n")
}

export const fmt = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–"

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
