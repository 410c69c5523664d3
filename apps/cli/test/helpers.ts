/**
 * Running the built binary as a child process: with pipes (not a terminal), or through a pseudo-terminal made by
 * util-linux `script`, which is how a person's terminal looks to the CLI.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

export const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

/** The environment of every run: no colours unless a test asks, and none of the caller's provider settings. */
export const cleanEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SALESFORCE|LIVEPERSON|LIVECHAT|SWITCHBOARD)_/.test(key) || key === "FORCE_COLOR") continue
    env[key] = value
  }
  env.NO_COLOR = "1"
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
const escapes = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\r/g

/** Terminal output as text: escape sequences and carriage returns removed. */
export const plainText = (text: string) => text.replace(escapes, "")

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** `performance.now()` when the process exited. */
  readonly at: number
}

/** Every child not yet exited, killed after each test file (`test/setup.ts`), whatever happened in the tests. */
export const running = new Set<Child>()

export class Child {
  readonly process: ChildProcessWithoutNullStreams
  stdout = ""
  stderr = ""
  readonly exited: Promise<Exited>
  readonly #waiters = new Set<() => void>()

  constructor(process: ChildProcessWithoutNullStreams) {
    this.process = process
    process.stdout.setEncoding("utf8")
    process.stderr.setEncoding("utf8")
    process.stdout.on("data", (chunk: string) => {
      this.stdout += chunk
      for (const wake of this.#waiters) wake()
    })
    process.stderr.on("data", (chunk: string) => {
      this.stderr += chunk
      for (const wake of this.#waiters) wake()
    })
    running.add(this)
    this.exited = new Promise((resolve) => {
      process.on("close", (code, signal) => {
        running.delete(this)
        for (const wake of this.#waiters) wake()
        resolve({ code, signal, at: performance.now() })
      })
    })
  }

  /** Standard output as plain text (terminal escapes removed). */
  get text(): string {
    return plainText(this.stdout)
  }

  /**
   * Resolves once the plain output matches; rejects with the output so far after `timeoutMs`. The default bounds a
   * step of a CLI process on a loaded machine: under `stress -c 2` beside three other suites, a chat started beside
   * two other CLI processes took more than 30 s to print "Waiting for an agent".
   */
  waitFor(pattern: RegExp | string, timeoutMs = 60_000): Promise<void> {
    const matches = () => (typeof pattern === "string" ? this.text.includes(pattern) : pattern.test(this.text))
    if (matches()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(
          new Error(`timed out waiting for ${pattern}\n--- stdout ---\n${this.text}\n--- stderr ---\n${this.stderr}`)
        )
      }, timeoutMs)
      const check = () => {
        if (matches()) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          resolve()
        } else if (this.process.exitCode !== null) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          reject(
            new Error(
              `exited (${this.process.exitCode}) before ${pattern}\n--- stdout ---\n${this.text}\n--- stderr ---\n${this.stderr}`
            )
          )
        }
      }
      this.#waiters.add(check)
    })
  }

  write(text: string): void {
    this.process.stdin.write(text)
  }

  /** Kills the process if a test left it running. */
  dispose(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL")
  }
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>
  /** Written to standard input, which is then closed; without it, standard input stays open. */
  readonly input?: string
}

/** `node dist/bin.js ...args` with pipes: no terminal. */
export const spawnCli = (args: ReadonlyArray<string>, options: SpawnOptions = {}): Child => {
  const child = new Child(spawn(process.execPath, [bin, ...args], { env: cleanEnv(options.env) }))
  if (options.input !== undefined) child.process.stdin.end(options.input)
  return child
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`

/**
 * `node dist/bin.js ...args` in a pseudo-terminal (`script -qfec`): standard input and output are a terminal, what
 * is written to the child's stdin arrives as keystrokes, and `script` exits with the CLI's exit code.
 */
export const spawnPty = (args: ReadonlyArray<string>, options: SpawnOptions = {}): Child =>
  new Child(
    spawn("script", ["-qfec", [process.execPath, bin, ...args].map(quote).join(" "), "/dev/null"], {
      env: cleanEnv({ COLUMNS: "120", LINES: "40", TERM: "xterm-256color", ...options.env })
    })
  )

export interface Result extends Exited {
  readonly stdout: string
  readonly stderr: string
}

/** Runs to the end. */
export const run = async (args: ReadonlyArray<string>, options: SpawnOptions = {}): Promise<Result> => {
  const child = spawnCli(args, { input: options.input ?? "", ...(options.env ? { env: options.env } : {}) })
  const exited = await child.exited
  return { ...exited, stdout: child.stdout, stderr: child.stderr }
}

export const json = <A>(response: Response): Promise<A> => response.json() as Promise<A>

/** A local port nothing listens on. */
export const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
