/**
 * Exit codes (documented in `switchboard --help` and the README) and the one place a failure becomes a code and a
 * sentence on standard error.
 */
import { ValidationError } from "@effect/cli"
import { Cause, Data, Effect, Option } from "effect"
import { blocksOf, plainSpan } from "./help/render.ts"
import { stderrStyle, symbols } from "./style.ts"

export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Configuration: 3,
  NoAgents: 4,
  Unavailable: 5,
  Interrupted: 130
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * Once the process is interrupted, it exits within `ms` even if ending the chat at the provider hangs (a provider
 * that stopped answering can hold core's end for its request timeout). A second Ctrl-C exits at once.
 */
export const armExitDeadline = (ms = 8000): void => {
  setTimeout(() => process.exit(ExitCode.Interrupted), ms).unref()
}

/** The table, in the order it is documented. */
export const exitCodeTable: ReadonlyArray<readonly [code: ExitCode, meaning: string]> = [
  [ExitCode.Ok, "the chat ended normally (you or the agent ended it); any other command succeeded"],
  [ExitCode.Failed, "the chat failed otherwise: refused, session expired, protocol error, unexpected error"],
  [ExitCode.Usage, "usage error: an unknown command or option, a missing or bad value, a missing argument"],
  [ExitCode.Configuration, "configuration error: missing or invalid settings, credentials refused"],
  [ExitCode.NoAgents, "no agents available to take the chat"],
  [ExitCode.Unavailable, "provider unavailable: unreachable, or kept failing until the CLI gave up"],
  [ExitCode.Interrupted, "interrupted: Ctrl-C, SIGINT or SIGTERM (a running chat is ended at the provider first)"]
]

/**
 * A failure of the CLI itself, in plain words: `message` says what is wrong, `hint` what to do about it.
 * `silent` when the message has already been shown (the chat transcript ended with it).
 */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly code: ExitCode
  readonly message: string
  readonly hint?: string
  readonly silent?: boolean
}> {}

/** Core's typed chat errors, by tag. */
const chatErrorCodes: Readonly<Record<string, ExitCode>> = {
  NoAgentsAvailable: ExitCode.NoAgents,
  InvalidConfiguration: ExitCode.Configuration,
  Unauthorized: ExitCode.Configuration,
  ProviderUnavailable: ExitCode.Unavailable,
  ChatRequestRejected: ExitCode.Failed,
  SessionExpired: ExitCode.Failed,
  ProtocolError: ExitCode.Failed,
  ChatClosed: ExitCode.Failed,
  InvalidInput: ExitCode.Failed
}

const hints: Readonly<Record<string, string | undefined>> = {
  InvalidConfiguration: "Check the provider settings: `switchboard doctor` explains each one.",
  ProviderUnavailable: "Check the endpoint and your network, then try again (`switchboard doctor` helps).",
  NoAgentsAvailable: "Try again when agents are online."
}

/** What to do about one of core's errors, when there is something to say. */
export const hintFor = (error: unknown): string | undefined => hints[tagOf(error) ?? ""]

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/** The exit code for an error: ours, a usage error, or one of core's. */
export const errorExitCode = (error: unknown): ExitCode => {
  if (error instanceof CliFailure) return error.code
  if (ValidationError.isValidationError(error)) return ExitCode.Usage
  return chatErrorCodes[tagOf(error) ?? ""] ?? ExitCode.Failed
}

/** The exit code for a failed command. */
export const exitCodeOf = (cause: Cause.Cause<unknown>): ExitCode => {
  if (Cause.isInterruptedOnly(cause)) return ExitCode.Interrupted
  const failure = Cause.failureOption(cause)
  return Option.isNone(failure) ? ExitCode.Failed : errorExitCode(failure.value)
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error)

/** A usage error (exit code 2) on standard error: what is wrong, then what to do. */
export const reportUsage = (message: string, hint: string): Effect.Effect<void> =>
  Effect.sync(() => {
    const style = stderrStyle()
    process.stderr.write(`${style.red(`${symbols.fail} ${message}`)}\n  ${style.dim(hint)}\n`)
  })

/** Writes what went wrong to standard error (never a secret: core's messages carry none, ours neither). */
export const report = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Effect.sync(() => {
    if (Cause.isInterruptedOnly(cause)) return
    const style = stderrStyle()
    const write = (message: string, hint?: string) => {
      process.stderr.write(`${style.red(`${symbols.fail} ${message}`)}\n`)
      if (hint !== undefined) process.stderr.write(`  ${style.dim(hint)}\n`)
    }
    const failure = Cause.failureOption(cause)
    if (Option.isNone(failure)) {
      const defect = Cause.squash(cause)
      write(
        `Unexpected error: ${messageOf(defect)}`,
        "This is a bug in Switchboard; please report it with the command you ran."
      )
      if (process.env.SWITCHBOARD_DEBUG) process.stderr.write(`${Cause.pretty(cause)}\n`)
      return
    }
    const error = failure.value
    if (ValidationError.isValidationError(error)) {
      // `main.ts` explains usage errors itself (`usage.ts`); this is what is left of @effect/cli's own words.
      write(
        blocksOf(error.error)
          .flatMap((block) => (block._tag === "Paragraph" ? [plainSpan(block.value)] : []))
          .join(" "),
        "Run `switchboard --help` (or `switchboard <command> --help`) for usage."
      )
      return
    }
    if (error instanceof CliFailure) {
      if (error.silent !== true) write(error.message, error.hint)
      else if (error.hint !== undefined) process.stderr.write(`  ${style.dim(error.hint)}\n`)
      return
    }
    write(messageOf(error), hintFor(error))
  })
