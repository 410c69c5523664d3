/**
 * Everything `bin.ts` does not answer itself: runs the command, turns its outcome into an exit code (see `exit.ts`)
 * and exits once standard output is flushed. SIGINT and SIGTERM interrupt the command, whose finalizers end any
 * open chat. Help lands here only without a built help manifest: the same pages, built from the command tree.
 */
import { CliConfig, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer, Option } from "effect"
import { app, run, tree } from "./cli.ts"
import { armExitDeadline, ExitCode, exitCodeOf, report, reportUsage } from "./exit.ts"
import { manifestOf } from "./help/docs.ts"
import { commandPath, helpRequested } from "./help/manifest.ts"
import { helpWidth, renderHelp } from "./help/render.ts"
import { colourFor, stdoutStyle, stripAnsi } from "./style.ts"
import { explainUsageError } from "./usage.ts"

// SIGINT and SIGTERM interrupt the command, whose finalizers end any open chat (bounded by their own timeouts).
// Should anything still hang, the process exits anyway; a second signal ends it at once.
process.once("SIGINT", () => armExitDeadline())
process.once("SIGTERM", () => armExitDeadline())

const args = process.argv.slice(2)

/**
 * The Console @effect/cli writes through: its usage errors are not printed (they are explained once it has failed,
 * `usage.ts`), and what it prints (`--completions`) loses its colours when standard output should not have them.
 */
const cliConsole = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Console.consoleWith((console) => {
    const colour = colourFor(process.stdout)
    const quiet: Console.Console = {
      ...console,
      log: (...parts: ReadonlyArray<unknown>) =>
        console.log(...(colour ? parts : parts.map((part) => (typeof part === "string" ? stripAnsi(part) : part)))),
      error: () => Effect.void
    }
    return Effect.withConsole(effect, quiet)
  })

const help = Effect.sync(() => {
  const manifest = manifestOf(tree, app)
  const page = manifest.pages[commandPath(args, manifest).join(" ")] ?? manifest.pages[""]!
  process.stdout.write(renderHelp(page.doc, { width: helpWidth(), style: stdoutStyle() }))
  return ExitCode.Ok as number
})

const command = cliConsole(run(process.argv)).pipe(
  Effect.as(ExitCode.Ok as number),
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) {
      const explained = explainUsageError(args, failure.value, manifestOf(tree, app))
      return reportUsage(explained.message, explained.hint).pipe(Effect.as(ExitCode.Usage as number))
    }
    return report(cause).pipe(Effect.as(exitCodeOf(cause) as number))
  })
)

const program = (helpRequested(args) ? help : command).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, CliConfig.layer({ showBuiltIns: false })))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit) => {
    const code = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : ExitCode.Interrupted
    process.exitCode = code
    process.stdout.write("", () => process.exit(code))
  }
})
