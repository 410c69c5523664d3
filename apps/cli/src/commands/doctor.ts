/**
 * `switchboard doctor`: checks a real deployment and says what is misconfigured, in plain words. Core is imported
 * when the checks run, not when the CLI starts.
 */
import { Command, Options } from "@effect/cli"
import { Duration, Effect, Layer } from "effect"
import { type Check, checksExitCode, runChecks, type Status, summary } from "../doctor/checks.ts"
import { CliFailure, ExitCode, errorExitCode } from "../exit.ts"
import * as Shared from "../options.ts"
import { type RemoteTarget, titles } from "../providers.ts"
import { describeTarget, resolveTarget } from "../settings.ts"
import { colourFor, makeStyle, type Style, symbols } from "../style.ts"

const testChat = Options.boolean("test-chat").pipe(
  Options.withDescription(
    "Also open a real chat through core and end it at once (an agent may see it for a moment): the only way to check a LiveChat licence or a Salesforce org end to end."
  )
)
const timeout = Options.float("timeout").pipe(
  Options.withPseudoName("SECONDS"),
  Shared.describedDefault(5, "Seconds to wait for each answer.")
)
const json = Options.boolean("json").pipe(Options.withDescription("Print the checks as one JSON object."))

const adapters = Effect.promise(() => import("../adapters.ts"))
const core = Effect.promise(() => import("@switchboard/core"))

/** Core's own validation of the settings (the adapter's layer refuses what cannot work). */
const settingsCheck = (target: RemoteTarget) => {
  const listed = describeTarget(target)
    .slice(1)
    .map(([label, value]) => `${label} ${value.split("  ")[0]}`)
    .join(" · ")
  return adapters.pipe(
    Effect.flatMap(({ layerFor }) => layerFor(target)),
    Effect.flatMap((layer) => Effect.scoped(Layer.build(layer))),
    Effect.as<Check>({ name: "Settings", status: "ok", message: listed }),
    Effect.catchAll((error) =>
      Effect.succeed<Check>({ name: "Settings", status: "fail", message: error.message, code: ExitCode.Configuration })
    )
  )
}

/** Opens a chat through core, waits until the provider has it, and ends it. */
const chatCheck = (target: RemoteTarget, seconds: number) =>
  Effect.all([adapters, core]).pipe(
    Effect.flatMap(([{ layerFor }, { Session }]) =>
      layerFor(target, { giveUpAfter: Duration.seconds(seconds) }).pipe(
        Effect.flatMap((layer) =>
          Effect.scoped(
            Session.open({ visitorName: "Switchboard doctor", firstMessage: "Connection test, please ignore." })
          ).pipe(Effect.provide(layer))
        )
      )
    ),
    Effect.timeoutFail({
      duration: Duration.seconds(seconds * 4),
      onTimeout: () => new CliFailure({ code: ExitCode.Unavailable, message: `no answer within ${seconds * 4} s` })
    }),
    Effect.as<Check>({ name: "Test chat", status: "ok", message: "a chat was opened and ended again" }),
    Effect.catchAll((error) => {
      const code = errorExitCode(error)
      return Effect.succeed<Check>({
        name: "Test chat",
        status: code === ExitCode.NoAgents ? "warn" : "fail",
        message: error.message,
        code
      })
    })
  )

const marks: Record<Status, (style: Style) => string> = {
  ok: (s) => s.green(symbols.ok),
  warn: (s) => s.yellow(symbols.warn),
  fail: (s) => s.red(symbols.fail),
  skip: (s) => s.dim(symbols.skip)
}

export const doctor = Command.make(
  "doctor",
  {
    provider: Shared.provider,
    endpoint: Shared.endpoint,
    config: Shared.config,
    settings: Shared.settings,
    testChat,
    timeout,
    json
  },
  (options) =>
    Effect.gen(function* () {
      const resolved = yield* resolveTarget(Shared.targetInput(options))
      if (resolved._tag === "Embedded") {
        return yield* new CliFailure({
          code: ExitCode.Configuration,
          message: `Nothing to check: no ${titles[resolved.provider]} endpoint was given.`,
          hint: "Give the deployment's base URL with --endpoint (or <PROVIDER>_BASE_URL, or the config file), and its settings."
        })
      }
      const target = resolved
      const style = makeStyle(!options.json && colourFor(process.stdout))
      const print = (text: string) => Effect.sync(() => void process.stdout.write(`${text}\n`))
      const show = (check: Check) =>
        options.json
          ? Effect.void
          : print(`  ${marks[check.status](style)} ${style.bold(check.name.padEnd(13))} ${check.message}`)

      if (!options.json) yield* print(`Checking ${style.bold(titles[target.provider])} at ${target.endpoint}\n`)
      const checks: Array<Check> = []
      const record = (check: Check) => Effect.sync(() => checks.push(check)).pipe(Effect.zipRight(show(check)))

      yield* record(yield* settingsCheck(target))
      if (checks[0]?.status === "ok") {
        for (const check of yield* Effect.promise(() => runChecks(target, options.timeout))) yield* record(check)
        if (options.testChat && checksExitCode(checks) !== ExitCode.Configuration) {
          yield* record(yield* chatCheck(target, options.timeout))
        }
      }

      const code = checksExitCode(checks)
      if (options.json) {
        yield* print(JSON.stringify({ provider: target.provider, endpoint: target.endpoint, checks, exitCode: code }))
      } else {
        const line = summary(target, checks)
        yield* print(
          `\n${code === ExitCode.Ok ? style.green(line) : code === ExitCode.NoAgents ? style.yellow(line) : style.red(line)}`
        )
      }
      if (code !== ExitCode.Ok) return yield* new CliFailure({ code, message: summary(target, checks), silent: true })
    })
).pipe(
  Command.withDescription(
    Shared.describe(
      [
        "Check a real deployment and say in plain words what is misconfigured.",
        "It checks the settings (complete and well formed), reachability (DNS, TLS, connection), the provider's read-only availability and settings calls, and the credentials. --test-chat also opens a real chat and ends it at once. Secrets are never printed.",
        "Exit code 0 when every check passes, 3 when something is misconfigured, 5 when the provider cannot be reached or is failing, 4 when all is right but no agent is available now."
      ],
      [
        [
          "switchboard doctor -p salesforce --endpoint https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest --org-id 00D5g000000SWBd --deployment-id 5725g000000SWBd --button-id 5735g000000SWBd",
          "a Salesforce Live Agent deployment"
        ],
        [
          "LIVEPERSON_APP_KEY=… switchboard doctor -p liveperson --endpoint https://va.convep.liveperson.net --account-id 12345678 --skill Sales",
          "LivePerson: the app key comes from the environment"
        ],
        [
          "switchboard doctor -p livechat --endpoint https://api.livechatinc.com --licence-id 1520 --test-chat",
          "LiveChat, with a real test chat"
        ],
        ["switchboard doctor --config switchboard.json --json", "the settings from a file, the checks as JSON"]
      ]
    )
  )
)
