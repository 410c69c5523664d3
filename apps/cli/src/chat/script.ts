/**
 * Visitor scripts (`--script FILE`, or lines on standard input): one message per line, plus a few directives.
 *
 * ```text
 * # a comment; blank lines are skipped too
 * Hello!
 * /wait 2        pause two seconds (decimals allowed)
 * Where is my parcel? Order 12345
 * //etc          a message that starts with a slash ("/etc")
 * /end           end the chat here (otherwise it ends after the agent's answer to the last line)
 * ```
 */
import { readFileSync } from "node:fs"
import * as readline from "node:readline"
import { Duration, Effect, Stream } from "effect"
import { CliFailure, ExitCode } from "../exit.ts"

export type ScriptStep =
  | { readonly _tag: "Message"; readonly text: string }
  | { readonly _tag: "Wait"; readonly duration: Duration.Duration }
  | { readonly _tag: "End" }
  | { readonly _tag: "Skip" }
  | { readonly _tag: "Invalid"; readonly problem: string }

export const parseStep = (raw: string): ScriptStep => {
  const line = raw.trim()
  if (line === "" || line.startsWith("#")) return { _tag: "Skip" }
  if (line.startsWith("//")) return { _tag: "Message", text: line.slice(1) }
  if (!line.startsWith("/")) return { _tag: "Message", text: line }
  const [command, ...rest] = line.slice(1).split(/\s+/)
  switch (command?.toLowerCase()) {
    case "end":
    case "quit":
    case "exit":
      return { _tag: "End" }
    case "wait":
    case "sleep": {
      const seconds = Number(rest[0] ?? "1")
      return Number.isFinite(seconds) && seconds >= 0 && seconds <= 3600
        ? { _tag: "Wait", duration: Duration.millis(Math.round(seconds * 1000)) }
        : { _tag: "Invalid", problem: `"/wait ${rest[0]}" needs a number of seconds` }
    }
    default:
      return { _tag: "Invalid", problem: `unknown directive "/${command}" (use //text to send a slash)` }
  }
}

/** The scripted visitor of `switchboard demo` when there is no terminal: a short conversation the agent closes. */
export const demoScript: ReadonlyArray<string> = [
  "Hi! I have a question about my order.",
  "Where is my parcel?",
  "The number is 12345.",
  "Great, thanks a lot. Bye!"
]

/** Reads a script before anything starts, so that a missing file is reported before any chat is opened. */
export const fileLines = (path: string): Effect.Effect<Stream.Stream<string, CliFailure>, CliFailure> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (cause) =>
      new CliFailure({
        code: ExitCode.Usage,
        message: `Cannot read the script ${path}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (cause as Error).message}.`
      })
  }).pipe(Effect.map((text) => Stream.fromIterable(text.split(/\r?\n/))))

/** Lines on standard input, as they come; ends at end of input. */
export const stdinLines = (): Stream.Stream<string, CliFailure> =>
  Stream.unwrapScoped(
    Effect.acquireRelease(
      Effect.sync(() =>
        readline.createInterface({ input: process.stdin, terminal: false, crlfDelay: Number.POSITIVE_INFINITY })
      ),
      (rl) => Effect.sync(() => rl.close())
    ).pipe(
      Effect.map((rl) =>
        Stream.fromAsyncIterable(
          rl,
          (cause) =>
            new CliFailure({
              code: ExitCode.Failed,
              message: `Cannot read standard input: ${(cause as Error).message}.`
            })
        )
      )
    )
  )
