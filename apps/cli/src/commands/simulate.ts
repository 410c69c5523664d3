/**
 * `switchboard simulate`: the three provider simulators and the control API on one port, until Ctrl-C. The
 * simulator package is imported when the command runs, not when the CLI starts.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { Command, Options } from "@effect/cli"
import type { FaultRule, RunningSimulator } from "@switchboard/simulator"
import { Config, Effect, Option } from "effect"
import { CliFailure, ExitCode } from "../exit.ts"
import { describe, describedDefault } from "../options.ts"
import { providerNames, titles } from "../providers.ts"
import { colourFor, makeStyle, symbols } from "../style.ts"

const port = Options.integer("port").pipe(
  Options.withPseudoName("PORT"),
  Options.withFallbackConfig(Config.integer("SWITCHBOARD_PORT")),
  describedDefault(4010, "TCP port (or SWITCHBOARD_PORT); 0 picks a free one.")
)
const host = Options.text("host").pipe(
  Options.withPseudoName("HOST"),
  describedDefault("127.0.0.1", "Interface to listen on.")
)
const seed = Options.integer("seed").pipe(
  Options.withPseudoName("N"),
  describedDefault(1, "Seed for ids, secrets and fault draws: the same seed replays the same faults.")
)
const noAgent = Options.boolean("no-agent").pipe(
  Options.withDescription("Turn the scripted agent off: chats wait in the queue for `switchboard agent`.")
)
const agentName = Options.text("agent-name").pipe(
  Options.withPseudoName("NAME"),
  describedDefault("Grace", "The scripted agent's name.")
)
const acceptAfter = Options.float("accept-after").pipe(
  Options.withPseudoName("SECONDS"),
  describedDefault(1.5, "Seconds before the scripted agent accepts a queued chat.")
)
const unavailable = Options.boolean("unavailable").pipe(
  Options.withDescription("No agent is available: Salesforce and LivePerson refuse chats (exit code 4 for `chat`).")
)
const latency = Options.text("latency").pipe(
  Options.withPseudoName("MS"),
  Options.optional,
  Options.withDescription("Latency added to every request, in ms: a number, or a range such as 20-80.")
)
const errorRate = Options.float("error-rate").pipe(
  Options.withPseudoName("P"),
  Options.optional,
  Options.withDescription("Probability (0 to 1) of answering a request with an error status instead.")
)
const errorStatus = Options.text("error-status").pipe(
  Options.withPseudoName("STATUSES"),
  Options.optional,
  Options.withDescription("Statuses of those errors, comma-separated (default 500). 429 and 503 carry Retry-After.")
)
const dropRate = Options.float("drop-rate").pipe(
  Options.withPseudoName("P"),
  Options.optional,
  Options.withDescription("Probability of applying a request, then dropping the connection instead of answering.")
)
const resetRate = Options.float("reset-rate").pipe(
  Options.withPseudoName("P"),
  Options.optional,
  Options.withDescription("Probability of resetting the connection before a request is applied.")
)
const faultProvider = Options.choice("fault-provider", providerNames).pipe(
  Options.optional,
  Options.withDescription("Limit --latency and the rates to one provider.")
)
const faults = Options.text("faults").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription("JSON file with a list of fault rules (see the simulator's control API: FaultRule).")
)
const writeConfig = Options.text("write-config").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription(
    "Write a config file for `chat --config` and `doctor --config` with every provider's settings, the LivePerson app key included (file mode 600)."
  )
)
const json = Options.boolean("json").pipe(
  Options.withDescription("Print the URLs and settings as one JSON line (no secrets) instead of text.")
)

const usage = (message: string) => new CliFailure({ code: ExitCode.Usage, message })

const rate = (name: string, value: Option.Option<number>) =>
  Option.match(value, {
    onNone: () => Effect.succeed({}),
    onSome: (p) =>
      p >= 0 && p <= 1
        ? Effect.succeed({ [name]: p })
        : Effect.fail(usage(`--${name.replace("Rate", "-rate")} must be between 0 and 1, not ${p}.`))
  })

const parseLatency = (value: Option.Option<string>) =>
  Option.match(value, {
    onNone: () => Effect.succeed({}),
    onSome: (text) => {
      const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim())
      if (match === null)
        return Effect.fail(usage(`--latency must be a number of ms or a range such as 20-80, not "${text}".`))
      const low = Number(match[1])
      const high = match[2] === undefined ? undefined : Number(match[2])
      if (high !== undefined && high < low) return Effect.fail(usage(`--latency ${text}: the range is backwards.`))
      return Effect.succeed({ latencyMs: high === undefined ? low : ([low, high] as const) })
    }
  })

const parseStatuses = (value: Option.Option<string>) =>
  Option.match(value, {
    onNone: () => Effect.succeed({}),
    onSome: (text) => {
      const statuses = text.split(",").map((part) => Number(part.trim()))
      return statuses.every((status) => Number.isInteger(status) && status >= 400 && status <= 599)
        ? Effect.succeed({ statuses })
        : Effect.fail(usage(`--error-status takes HTTP error statuses (400-599), comma-separated, not "${text}".`))
    }
  })

const readFaults = (path: Option.Option<string>) =>
  Option.match(path, {
    onNone: () => Effect.succeed([] as Array<FaultRule>),
    onSome: (file) =>
      Effect.try({
        try: () => JSON.parse(readFileSync(file, "utf8")) as unknown,
        catch: (cause) => usage(`Cannot read the fault rules in ${file}: ${(cause as Error).message}.`)
      }).pipe(
        Effect.filterOrFail(
          (parsed): parsed is Array<FaultRule> => Array.isArray(parsed),
          () => usage(`${file} must hold a JSON list of fault rules.`)
        )
      )
  })

/** The config file `chat --config` reads, for this simulator. */
export const configFor = (sim: RunningSimulator) => ({
  provider: "livechat",
  livechat: { endpoint: sim.urls.livechat, licenceId: sim.settings.livechat.licenceId },
  salesforce: {
    endpoint: sim.urls.salesforce,
    orgId: sim.settings.salesforce.orgId,
    deploymentId: sim.settings.salesforce.deploymentId,
    buttonId: sim.settings.salesforce.buttonId
  },
  liveperson: {
    endpoint: sim.urls.liveperson,
    accountId: sim.settings.liveperson.accountId,
    skill: sim.settings.liveperson.skills[0] ?? "Sales",
    appKey: sim.settings.liveperson.appKey
  }
})

export const simulate = Command.make(
  "simulate",
  {
    port,
    host,
    seed,
    noAgent,
    agentName,
    acceptAfter,
    unavailable,
    latency,
    errorRate,
    errorStatus,
    dropRate,
    resetRate,
    faultProvider,
    faults,
    writeConfig,
    json
  },
  (options) =>
    Effect.gen(function* () {
      if (options.port < 0 || options.port > 65535) return yield* usage(`--port must be 0-65535, not ${options.port}.`)
      const rule: FaultRule = {
        ...Option.match(options.faultProvider, { onNone: () => ({}), onSome: (provider) => ({ provider }) }),
        ...(yield* parseLatency(options.latency)),
        ...(yield* rate("errorRate", options.errorRate)),
        ...(yield* rate("dropRate", options.dropRate)),
        ...(yield* rate("resetRate", options.resetRate)),
        ...(yield* parseStatuses(options.errorStatus))
      }
      const flagged = Object.keys(rule).some((key) => key !== "provider" && key !== "statuses")
      const rules = [...(yield* readFaults(options.faults)), ...(flagged ? [rule] : [])]
      const appKey = process.env.LIVEPERSON_APP_KEY
      const { simulator } = yield* Effect.promise(() => import("../embedded.ts"))
      const sim = yield* simulator({
        port: options.port,
        host: options.host,
        seed: options.seed,
        faults: rules,
        agent: options.noAgent
          ? false
          : { name: options.agentName, acceptAfterMs: Math.round(options.acceptAfter * 1000) },
        ...(appKey === undefined || appKey === "" ? {} : { liveperson: { appKey } })
      })
      if (options.unavailable) sim.hub.setAvailability(false)
      if (Option.isSome(options.writeConfig)) {
        const path = options.writeConfig.value
        yield* Effect.try({
          try: () => writeFileSync(path, `${JSON.stringify(configFor(sim), null, 2)}\n`, { mode: 0o600 }),
          catch: (cause) => usage(`Cannot write ${path}: ${(cause as Error).message}.`)
        })
      }

      const { salesforce, liveperson, livechat } = sim.settings
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({
            url: sim.url,
            urls: sim.urls,
            agent: options.noAgent ? null : options.agentName,
            available: !options.unavailable,
            faults: rules,
            settings: {
              salesforce: {
                orgId: salesforce.orgId,
                deploymentId: salesforce.deploymentId,
                buttonId: salesforce.buttonId
              },
              liveperson: { accountId: liveperson.accountId, skills: liveperson.skills },
              livechat: { licenceId: livechat.licenceId }
            }
          })}\n`
        )
      } else {
        const s = makeStyle(colourFor(process.stdout))
        const row = (label: string, value: string) => `  ${label.padEnd(26)}${value}`
        const detail = (text: string) => `  ${" ".repeat(26)}${s.dim(text)}`
        const key =
          appKey === undefined || appKey === ""
            ? Option.isSome(options.writeConfig)
              ? `app key in ${options.writeConfig.value}`
              : "app key generated (set LIVEPERSON_APP_KEY to choose it, or use --write-config)"
            : "app key from LIVEPERSON_APP_KEY"
        const lines = [
          `${s.bold("Switchboard simulator")} ${s.dim(symbols.bullet)} ${sim.url} ${s.dim(symbols.bullet)} ${
            options.noAgent
              ? s.yellow("no scripted agent (answer with `switchboard agent`)")
              : `scripted agent ${options.agentName} (accepts after ${options.acceptAfter} s)`
          }`,
          "",
          row(titles.salesforce, s.cyan(sim.urls.salesforce)),
          detail(`org ${salesforce.orgId} · deployment ${salesforce.deploymentId} · button ${salesforce.buttonId}`),
          row(titles.liveperson, s.cyan(sim.urls.liveperson)),
          detail(`account ${liveperson.accountId} · skills ${liveperson.skills.join(", ")} · ${key}`),
          row(titles.livechat, s.cyan(sim.urls.livechat)),
          detail(`licence ${livechat.licenceId}`),
          row("Control API (agent side)", s.cyan(sim.urls.control)),
          detail(
            "GET /chats · POST /chats/{id}/accept · /messages · /typing · /transfer · /end · PUT /availability · /faults"
          ),
          "",
          `Agents: ${options.unavailable ? s.yellow("unavailable") : "available"} ${s.dim(symbols.bullet)} Faults: ${
            rules.length === 0 ? "none" : `${rules.length} rule(s)`
          }`,
          "",
          `Chat with it:   ${s.bold(
            Option.isSome(options.writeConfig)
              ? `switchboard chat --config ${options.writeConfig.value} --provider salesforce`
              : `switchboard chat --endpoint ${sim.urls.livechat} --licence-id ${livechat.licenceId}`
          )}`,
          `Be the agent:   ${s.bold(`switchboard agent --control ${sim.urls.control}`)}`,
          "",
          s.dim("Ctrl-C stops it.")
        ]
        process.stdout.write(`${lines.join("\n")}\n`)
      }
      return yield* Effect.never.pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            if (!options.json) process.stdout.write("Simulator stopped.\n")
          })
        )
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    describe(
      [
        "Run the Salesforce Live Agent, LivePerson and LiveChat simulators and the agent control API on one port, until Ctrl-C.",
        "It prints each provider's base URL and settings. The scripted agent answers chats unless --no-agent; faults (latency, errors, dropped or reset connections) come from flags or a rules file. The LivePerson app key is never printed: set LIVEPERSON_APP_KEY to choose it, or use --write-config."
      ],
      [
        ["switchboard simulate", "on http://127.0.0.1:4010, with the scripted agent"],
        ["switchboard simulate --no-agent", "be the agent yourself with `switchboard agent`"],
        ["switchboard simulate --latency 50-300 --error-rate 0.1 --error-status 500,503", "a flaky provider"],
        ["switchboard simulate --unavailable", "nobody can take a chat"],
        ["switchboard simulate --faults rules.json --seed 7", "fault rules as in the control API, replayable"],
        ["switchboard simulate --write-config sim.json", "then: switchboard chat --config sim.json -p liveperson"],
        ["switchboard simulate --port 0 --json", "a free port; the URLs as one JSON line, for scripts"]
      ]
    )
  )
)
