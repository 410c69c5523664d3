/**
 * Provider selection, in one place: which providers exist, what each needs (flags, environment variables, config
 * file keys) and the embedded simulator's settings for each. Which core adapter serves them is `adapters.ts` (kept
 * apart so that only the commands that chat load core); where the settings are read from is `settings.ts`.
 */
import type { Errors } from "@switchboard/core"
import type { RunningSimulator } from "@switchboard/simulator"
import { type Option, Redacted } from "effect"

/** The providers the CLI can chat with: core's built-in adapters. */
export type ProviderName = Errors.BuiltInProvider

/** The order providers are listed in; the first is the default. */
export const providerNames = ["livechat", "salesforce", "liveperson"] as const satisfies ReadonlyArray<ProviderName>

export const titles: Readonly<Record<ProviderName, string>> = {
  salesforce: "Salesforce Live Agent",
  liveperson: "LivePerson",
  livechat: "LiveChat"
}

/** One setting a provider needs besides its endpoint. */
export interface Field {
  /** Key in the config file and in core's settings. */
  readonly key: string
  /** Command-line flag; absent for secrets (environment or config file only). */
  readonly flag?: string
  readonly env: string
  /** What it is, in plain words. */
  readonly label: string
  /** A word or two for listings. */
  readonly short: string
  readonly required: boolean
  readonly kind: "text" | "integer" | "secret"
  /** Where to find it, for error messages and `--help`. */
  readonly where: string
}

export interface ProviderInfo {
  readonly name: ProviderName
  readonly title: string
  readonly endpointEnv: string
  /** What the endpoint looks like. */
  readonly endpointExample: string
  readonly fields: ReadonlyArray<Field>
}

export const providers: Readonly<Record<ProviderName, ProviderInfo>> = {
  livechat: {
    name: "livechat",
    title: titles.livechat,
    endpointEnv: "LIVECHAT_BASE_URL",
    endpointExample: "https://api.livechatinc.com",
    fields: [
      {
        key: "licenceId",
        short: "licence",
        flag: "licence-id",
        env: "LIVECHAT_LICENCE_ID",
        label: "licence number",
        required: true,
        kind: "integer",
        where: "LiveChat → Settings → Channels → Chat widget: the number in the code snippet"
      },
      {
        key: "group",
        short: "group",
        flag: "group",
        env: "LIVECHAT_GROUP",
        label: "group number",
        required: false,
        kind: "integer",
        where: "LiveChat → Agents → Groups (0 is the general group)"
      }
    ]
  },
  salesforce: {
    name: "salesforce",
    title: titles.salesforce,
    endpointEnv: "SALESFORCE_BASE_URL",
    endpointExample: "https://d.la2-c1-ia7.salesforceliveagent.com/chat/rest",
    fields: [
      {
        key: "orgId",
        short: "org",
        flag: "org-id",
        env: "SALESFORCE_ORG_ID",
        label: "organization id (00D…)",
        required: true,
        kind: "text",
        where: "Setup → Company Information → Salesforce.com Organization ID"
      },
      {
        key: "deploymentId",
        short: "deployment",
        flag: "deployment-id",
        env: "SALESFORCE_DEPLOYMENT_ID",
        label: "deployment id (572…)",
        required: true,
        kind: "text",
        where: "Setup → Chat → Deployments: the id in the deployment code"
      },
      {
        key: "buttonId",
        short: "button",
        flag: "button-id",
        env: "SALESFORCE_BUTTON_ID",
        label: "chat button id (573…)",
        required: true,
        kind: "text",
        where: "Setup → Chat → Chat Buttons & Invitations: the id in the button code"
      },
      {
        key: "apiVersion",
        short: "API version",
        flag: "api-version",
        env: "SALESFORCE_API_VERSION",
        label: "Live Agent API version",
        required: false,
        kind: "integer",
        where: "optional; 37 or later, default 57"
      }
    ]
  },
  liveperson: {
    name: "liveperson",
    title: titles.liveperson,
    endpointEnv: "LIVEPERSON_BASE_URL",
    endpointExample: "https://va.convep.liveperson.net",
    fields: [
      {
        key: "accountId",
        short: "account",
        flag: "account-id",
        env: "LIVEPERSON_ACCOUNT_ID",
        label: "account id",
        required: true,
        kind: "text",
        where: "the site id shown in LivePerson's agent console"
      },
      {
        key: "skill",
        short: "skill",
        flag: "skill",
        env: "LIVEPERSON_SKILL",
        label: "skill",
        required: true,
        kind: "text",
        where: "LivePerson → Users → Skills, e.g. Sales"
      },
      {
        key: "appKey",
        short: "app key",
        env: "LIVEPERSON_APP_KEY",
        label: "application key (secret)",
        required: true,
        kind: "secret",
        where: "LivePerson → Campaign Builder → Data Sources → API: the app key (environment or config file only)"
      },
      {
        key: "appKeyIn",
        short: "app key in",
        flag: "app-key-in",
        env: "LIVEPERSON_APP_KEY_IN",
        label: "where to send the app key (header or query)",
        required: false,
        kind: "text",
        where: "optional; header (default) or query"
      }
    ]
  }
}

/** Every provider-specific flag, in the order of `providerNames`. */
export const providerFlags: ReadonlyArray<Field & { readonly provider: ProviderName; readonly flag: string }> =
  providerNames.flatMap((name) =>
    providers[name].fields.flatMap((field) =>
      field.flag === undefined ? [] : [{ ...field, provider: name, flag: field.flag }]
    )
  )

export type Value = string | number | Redacted.Redacted<string>

/** A real deployment to talk to. */
export interface RemoteTarget {
  readonly _tag: "Remote"
  readonly provider: ProviderName
  readonly endpoint: string
  readonly values: Readonly<Record<string, Value>>
  /** Where each value came from (`--org-id`, `SALESFORCE_ORG_ID`, `config file`), for messages. */
  readonly sources: Readonly<Record<string, string>>
}

/** No endpoint: the chat runs on the simulator inside this process. */
export interface EmbeddedTarget {
  readonly _tag: "Embedded"
  readonly provider: ProviderName
}

export type Target = RemoteTarget | EmbeddedTarget

export interface TargetInput {
  readonly provider: Option.Option<ProviderName>
  readonly endpoint: Option.Option<string>
  readonly config: Option.Option<string>
  /** Provider-specific flags by field key. */
  readonly flags: Readonly<Record<string, Option.Option<string | number>>>
}

/** The embedded simulator's settings for a provider, as a remote target (the chat still goes over HTTP). */
export const simulatorTarget = (sim: RunningSimulator, provider: ProviderName): RemoteTarget => {
  switch (provider) {
    case "livechat":
      return {
        _tag: "Remote",
        provider,
        endpoint: sim.urls.livechat,
        values: { licenceId: sim.settings.livechat.licenceId },
        sources: { endpoint: "the embedded simulator" }
      }
    case "salesforce":
      return {
        _tag: "Remote",
        provider,
        endpoint: sim.urls.salesforce,
        values: {
          orgId: sim.settings.salesforce.orgId,
          deploymentId: sim.settings.salesforce.deploymentId,
          buttonId: sim.settings.salesforce.buttonId
        },
        sources: { endpoint: "the embedded simulator" }
      }
    case "liveperson":
      return {
        _tag: "Remote",
        provider,
        endpoint: sim.urls.liveperson,
        values: {
          accountId: sim.settings.liveperson.accountId,
          skill: sim.settings.liveperson.skills[0] ?? "Sales",
          appKey: Redacted.make(sim.settings.liveperson.appKey)
        },
        sources: { endpoint: "the embedded simulator" }
      }
  }
}
