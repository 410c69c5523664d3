/**
 * The simulator as a scoped resource: started on a real local port, closed (every chat, timer and connection) when
 * the scope closes.
 */
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "@switchboard/simulator"
import { Effect, type Scope } from "effect"
import { CliFailure, ExitCode } from "./exit.ts"

export const simulator = (options: SimulatorOptions): Effect.Effect<RunningSimulator, CliFailure, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startSimulator(options),
      catch: (cause) =>
        new CliFailure({
          code: ExitCode.Configuration,
          message: `Cannot start the simulator on ${options.host ?? "127.0.0.1"}:${options.port ?? 0}: ${(cause as Error).message}.`,
          hint:
            (cause as NodeJS.ErrnoException).code === "EADDRINUSE"
              ? "Another program uses that port: pick another with --port (0 picks a free one)."
              : "Check --host and --port."
        })
    }),
    (sim) => Effect.promise(() => sim.close())
  )

/** Starts on `preferred` when it is free, on any free port otherwise. */
export const simulatorPreferring = (preferred: number, options: SimulatorOptions) =>
  simulator({ ...options, port: preferred }).pipe(Effect.orElse(() => simulator({ ...options, port: 0 })))
