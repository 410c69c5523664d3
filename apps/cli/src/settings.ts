/**
 * Where the provider settings come from: flags first, then the environment, then the JSON config file (`--config` or
 * `SWITCHBOARD_CONFIG`). Secrets (the LivePerson app key) only from the environment or the file. Every missing or
 * malformed setting is named in one configuration error, with where to find it.
 */
import { readFileSync } from "node:fs"
import { Effect, Option, Redacted } from "effect"
import { CliFailure, ExitCode } from "./exit.ts"
import {
  type EmbeddedTarget,
  type Field,
  type ProviderName,
  providerFlags,
  providerNames,
  providers,
  type RemoteTarget,
  type Target,
  type TargetInput,
  titles,
  type Value
} from "./providers.ts"

type ConfigFile = Readonly<Record<string, unknown>>

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const configFailure = (message: string, hint?: string) =>
  new CliFailure({ code: ExitCode.Configuration, message, ...(hint === undefined ? {} : { hint }) })

/** Reads and checks the JSON config file (`--config` or `SWITCHBOARD_CONFIG`). */
export const readConfigFile = (path: string): Effect.Effect<ConfigFile, CliFailure> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (cause) =>
      configFailure(
        `Cannot read the config file ${path}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (cause as Error).message}.`
      )
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) => configFailure(`The config file ${path} is not valid JSON: ${(cause as Error).message}.`)
      })
    ),
    Effect.flatMap((parsed) => {
      if (!isRecord(parsed)) return Effect.fail(configFailure(`The config file ${path} must hold a JSON object.`))
      const allowed = new Set<string>(["provider", "$schema", ...providerNames])
      for (const key of Object.keys(parsed)) {
        if (!allowed.has(key)) {
          return Effect.fail(
            configFailure(
              `The config file ${path} has an unknown key "${key}".`,
              `Allowed at the top level: provider, ${providerNames.join(", ")}.`
            )
          )
        }
      }
      for (const name of providerNames) {
        const section = parsed[name]
        if (section === undefined) continue
        if (!isRecord(section)) return Effect.fail(configFailure(`"${name}" in ${path} must be an object.`))
        const keys = new Set(["endpoint", "baseUrl", ...providers[name].fields.map((field) => field.key)])
        for (const key of Object.keys(section)) {
          if (!keys.has(key)) {
            return Effect.fail(
              configFailure(
                `The config file ${path} has an unknown ${titles[name]} setting "${key}".`,
                `Known: ${[...keys].join(", ")}.`
              )
            )
          }
        }
      }
      return Effect.succeed(parsed)
    })
  )

const isProvider = (value: unknown): value is ProviderName =>
  typeof value === "string" && (providerNames as ReadonlyArray<string>).includes(value)

const howToSet = (field: Field) =>
  [field.flag === undefined ? undefined : `--${field.flag}`, field.env, `"${field.key}" in the config file`]
    .filter((part) => part !== undefined)
    .join(", ")

/**
 * Decides where the chat goes: a real deployment when an endpoint is given (flag, environment or config file), the
 * embedded simulator otherwise. Fails with a configuration error that names every missing or malformed setting.
 */
export const resolveTarget = (
  input: TargetInput,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<Target, CliFailure> =>
  Effect.gen(function* () {
    const configPath = Option.orElse(input.config, () => Option.fromNullable(env.SWITCHBOARD_CONFIG || undefined))
    const file = Option.isSome(configPath) ? yield* readConfigFile(configPath.value) : {}
    const fileLabel = Option.isSome(configPath) ? `the config file ${configPath.value}` : "the config file"

    const fromEnvProvider = env.SWITCHBOARD_PROVIDER
    if (fromEnvProvider !== undefined && fromEnvProvider !== "" && !isProvider(fromEnvProvider)) {
      return yield* configFailure(
        `SWITCHBOARD_PROVIDER is "${fromEnvProvider}", which is not a provider.`,
        `Use one of: ${providerNames.join(", ")}.`
      )
    }
    if (file.provider !== undefined && !isProvider(file.provider)) {
      return yield* configFailure(
        `"provider" in ${fileLabel} is ${JSON.stringify(file.provider)}, which is not a provider.`,
        `Use one of: ${providerNames.join(", ")}.`
      )
    }
    const provider: ProviderName = Option.getOrElse(input.provider, () =>
      isProvider(fromEnvProvider) ? fromEnvProvider : isProvider(file.provider) ? file.provider : providerNames[0]
    )
    const info = providers[provider]

    const given = providerFlags.filter((field) => Option.isSome(input.flags[field.key] ?? Option.none()))
    const foreign = given.filter((field) => field.provider !== provider)
    if (foreign.length > 0) {
      const first = foreign[0]!
      return yield* configFailure(
        `--${first.flag} is a ${titles[first.provider]} setting, but the chat is on ${info.title}.`,
        `Add --provider ${first.provider}, or drop --${first.flag}.`
      )
    }

    const section: Readonly<Record<string, unknown>> = isRecord(file[provider]) ? file[provider] : {}
    const endpointFromFile = section.endpoint ?? section.baseUrl
    const endpoint = Option.isSome(input.endpoint)
      ? { value: input.endpoint.value, source: "--endpoint" }
      : env[info.endpointEnv]
        ? { value: env[info.endpointEnv] as string, source: info.endpointEnv }
        : typeof endpointFromFile === "string" && endpointFromFile !== ""
          ? { value: endpointFromFile, source: fileLabel }
          : undefined

    if (endpoint === undefined) {
      if (given.length > 0) {
        return yield* configFailure(
          `--${given[0]!.flag} was given, but no ${info.title} endpoint.`,
          `Add --endpoint ${info.endpointExample} (or set ${info.endpointEnv}), or drop the ${info.title} flags to chat on the embedded simulator.`
        )
      }
      return { _tag: "Embedded", provider } satisfies EmbeddedTarget
    }

    const values: Record<string, Value> = {}
    const sources: Record<string, string> = { endpoint: endpoint.source }
    const missing: Array<Field> = []
    for (const field of info.fields) {
      const flag = field.flag === undefined ? Option.none<string | number>() : (input.flags[field.key] ?? Option.none())
      const envValue = env[field.env]
      const fileValue = section[field.key]
      const found = Option.isSome(flag)
        ? { raw: flag.value as unknown, source: `--${field.flag}` }
        : envValue !== undefined && envValue !== ""
          ? { raw: envValue as unknown, source: field.env }
          : fileValue !== undefined && fileValue !== null && fileValue !== ""
            ? { raw: fileValue, source: fileLabel }
            : undefined
      if (found === undefined) {
        if (field.required) missing.push(field)
        continue
      }
      sources[field.key] = found.source
      if (field.kind === "secret") {
        if (typeof found.raw !== "string") {
          return yield* configFailure(`The ${info.title} ${field.label} from ${found.source} must be a string.`)
        }
        values[field.key] = Redacted.make(found.raw)
      } else if (field.kind === "integer") {
        const number = typeof found.raw === "number" ? found.raw : Number(String(found.raw).trim())
        if (!Number.isInteger(number)) {
          return yield* configFailure(
            `The ${info.title} ${field.label} from ${found.source} must be a whole number, not ${JSON.stringify(found.raw)}.`
          )
        }
        values[field.key] = number
      } else {
        if (typeof found.raw !== "string" && typeof found.raw !== "number") {
          return yield* configFailure(`The ${info.title} ${field.label} from ${found.source} must be text.`)
        }
        values[field.key] = String(found.raw)
      }
    }
    if (missing.length > 0) {
      return yield* configFailure(
        `Missing ${info.title} ${missing.length === 1 ? "setting" : "settings"}: ${missing.map((field) => field.label).join(", ")}.`,
        missing.map((field) => `Set the ${field.label} with ${howToSet(field)} (${field.where}).`).join("\n  ")
      )
    }
    return { _tag: "Remote", provider, endpoint: endpoint.value, values, sources } satisfies RemoteTarget
  })

/** One line per setting, secrets masked: for headers and `doctor`. */
export const describeTarget = (target: RemoteTarget): ReadonlyArray<readonly [label: string, value: string]> => [
  ["endpoint", target.endpoint],
  ...providers[target.provider].fields.flatMap((field) => {
    const value = target.values[field.key]
    if (value === undefined) return []
    const shown = Redacted.isRedacted(value) ? "•••••• (hidden)" : String(value)
    return [
      [
        field.short,
        `${shown}  ${target.sources[field.key] ? `from ${target.sources[field.key]}` : ""}`.trimEnd()
      ] as const
    ]
  })
]
