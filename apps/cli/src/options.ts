/**
 * Options shared by the commands that talk to a provider (`chat`, `doctor`), and help-text helpers.
 */
import { HelpDoc, Options, Span } from "@effect/cli"
import { Duration, Option } from "effect"
import { type ProviderName, providerFlags, providerNames, providers, type TargetInput, titles } from "./providers.ts"

/**
 * `Options.withDefault` and `Options.withDescription` together, the description ending with "Default: X.": the
 * help shows a default only when the description says it (@effect/cli shows only `Option` defaults).
 */
export const describedDefault =
  <const B extends string | number>(fallback: B, description: string) =>
  <A>(self: Options.Options<A>): Options.Options<A | B> =>
    self.pipe(Options.withDefault(fallback), Options.withDescription(`${description} Default: ${fallback}.`))

export const provider = Options.choice("provider", providerNames).pipe(
  Options.withAlias("p"),
  Options.optional,
  Options.withDescription(
    `The live-chat platform: ${providerNames.join(", ")} (default: SWITCHBOARD_PROVIDER, the config file's "provider", or livechat).`
  )
)

export const endpoint = Options.text("endpoint").pipe(
  Options.withAlias("e"),
  Options.withPseudoName("URL"),
  Options.optional,
  Options.withDescription(
    `Base URL of a real deployment (or <PROVIDER>_BASE_URL). Without one, the chat runs on the embedded simulator. ${providerNames
      .map((name) => `${titles[name]}: ${providers[name].endpointExample}`)
      .join("; ")}.`
  )
)

export const config = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription(
    'JSON config file with the provider settings, secrets included (or SWITCHBOARD_CONFIG). Example: {"provider": "liveperson", "liveperson": {"endpoint": "https://…", "accountId": "…", "skill": "Sales", "appKey": "…"}}.'
  )
)

/** One optional flag per provider setting that is not a secret. */
export const settings: Options.Options<Readonly<Record<string, Option.Option<string | number>>>> = Options.all(
  Object.fromEntries(
    providerFlags.map((field) => [
      field.key,
      (field.kind === "integer"
        ? (Options.integer(field.flag).pipe(Options.withPseudoName("N")) as Options.Options<string | number>)
        : (Options.text(field.flag).pipe(
            Options.withPseudoName(field.key === "appKeyIn" ? "header|query" : field.key === "skill" ? "NAME" : "ID")
          ) as Options.Options<string | number>)
      ).pipe(
        Options.optional,
        Options.withDescription(
          `${titles[field.provider]}: ${field.label.startsWith("where") ? "" : "the "}${field.label} (or ${field.env}). ${field.where.charAt(0).toUpperCase()}${field.where.slice(1)}.`
        )
      )
    ])
  )
)

export const giveUpAfter = Options.float("give-up-after").pipe(
  Options.withPseudoName("SECONDS"),
  Options.optional,
  Options.withDescription(
    "Seconds the provider may stay unreachable mid-chat (polls and sends failing) before the chat is ended and the command gives up with exit code 5; also bounds each retried request. Default 60; LiveChat closes a chat not polled for about 30 s."
  )
)

export const targetInput = (values: {
  readonly provider: Option.Option<ProviderName>
  readonly endpoint: Option.Option<string>
  readonly config: Option.Option<string>
  readonly settings: Readonly<Record<string, Option.Option<string | number>>>
}): TargetInput => ({
  provider: values.provider,
  endpoint: values.endpoint,
  config: values.config,
  flags: values.settings
})

export const tuningOf = (seconds: Option.Option<number>) =>
  Option.match(seconds, {
    onNone: () => ({}),
    onSome: (value) => ({ giveUpAfter: Duration.millis(Math.max(0, value) * 1000) })
  })

/**
 * A command description: what it does (the first paragraph is its line in the parent's list of commands, so one
 * sentence), then examples, each a command and what it shows (the help puts them in an EXAMPLES section).
 */
export const describe = (
  summary: ReadonlyArray<string>,
  examples: ReadonlyArray<readonly [command: string, comment: string]>
): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    ...summary.map((paragraph) => HelpDoc.p(paragraph)),
    HelpDoc.h2("Examples"),
    ...examples.map(([command, comment]) =>
      HelpDoc.p(Span.spans([Span.code(`$ ${command}`), Span.text(comment === "" ? "" : `    # ${comment}`)]))
    )
  ])
