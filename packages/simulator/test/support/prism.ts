/**
 * Prism 5.14 in proxy mode with `--errors`, started on loopback in front of a running simulator: an independent
 * check that real traffic matches a spec. Every request and response Prism finds in violation is collected.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

const prismBin = fileURLToPath(new URL("../../node_modules/.bin/prism", import.meta.url))

export interface PrismProxy extends AsyncDisposable {
  /** Send requests here instead of to the simulator. */
  readonly url: string
  /** Violation lines Prism logged, plus any response carrying its `sl-violations` header. */
  readonly violations: Array<string>
  /** Records the `sl-violations` header of a response that went through the proxy. */
  inspect(response: Response): void
  close(): Promise<void>
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** Starts `prism proxy <spec> <upstream> --errors` and waits until it listens. */
export const startPrismProxy = async (spec: string, upstream: string): Promise<PrismProxy> => {
  const port = await freePort()
  const violations: Array<string> = []
  const child: ChildProcess = spawn(
    prismBin,
    ["proxy", "-h", "127.0.0.1", "-p", String(port), spec, upstream, "--errors"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } }
  )
  let output = ""
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism did not start within 30 s:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      output += text
      for (const line of text.split("\n")) {
        if (/violation/i.test(line) && !/listening/i.test(line)) violations.push(line.trim())
      }
      if (/listening on/i.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`prism exited with ${code}:\n${output}`))
    })
  })
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGTERM")
    await exited
  }
  return {
    url: `http://127.0.0.1:${port}`,
    violations,
    inspect: (response) => {
      const header = response.headers.get("sl-violations")
      if (header !== null) violations.push(`${response.url}: ${header}`)
    },
    close,
    [Symbol.asyncDispose]: close
  }
}
