#!/usr/bin/env node
/**
 * `switchboard`: the entry point. Runs the command, turns its outcome into an exit code (see `exit.ts`) and exits
 * once standard output is flushed. SIGINT and SIGTERM interrupt the command, whose finalizers end any open chat.
 */
import { CliConfig } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import { run } from "./cli.ts"
import { armExitDeadline, ExitCode, exitCodeOf, report } from "./exit.ts"
import { withPlainConsole } from "./style.ts"

// SIGINT and SIGTERM interrupt the command, whose finalizers end any open chat (bounded by their own timeouts).
// Should anything still hang, the process exits anyway; a second signal ends it at once.
process.once("SIGINT", () => armExitDeadline())
process.once("SIGTERM", () => armExitDeadline())

// A closed pipe on standard output (`switchboard chat --json | head -1`) is not an error worth a stack trace.
process.stdout.on("error", () => {})

const program = withPlainConsole(run(process.argv)).pipe(
  Effect.as(ExitCode.Ok as number),
  Effect.catchAllCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.failCause(cause)
      : report(cause).pipe(Effect.as(exitCodeOf(cause) as number))
  ),
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
