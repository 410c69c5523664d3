/**
 * Which core adapter serves a target (`layerFor`), tuned for the CLI. Only `chat`, `demo` and `doctor` load this
 * module, and only when they run: it is what loads core.
 */
import { type ChatProvider, type Errors, LiveChat, LivePerson, Salesforce } from "@switchboard/core"
import { Duration, Effect, type Layer, type Redacted } from "effect"
import { CliFailure, ExitCode } from "./exit.ts"
import type { RemoteTarget } from "./providers.ts"

/** How the CLI tunes every adapter. */
export interface Tuning {
  /** Stop retrying an unreachable or failing provider after this long (core's default otherwise). */
  readonly giveUpAfter?: Duration.Duration
}

type ProviderLayer = Layer.Layer<ChatProvider.ChatProvider, Errors.InvalidConfiguration>

const optional = <K extends string, A>(key: K, value: A | undefined): Partial<Record<K, A>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, A>>

const retryOf = (tuning: Tuning) =>
  tuning.giveUpAfter === undefined
    ? {}
    : { retry: { deadline: tuning.giveUpAfter, maxDelay: Duration.min(tuning.giveUpAfter, Duration.seconds(10)) } }

/** The core adapter for a target, as a layer (it validates the settings when built). */
export const layerFor = (target: RemoteTarget, tuning: Tuning = {}): Effect.Effect<ProviderLayer, CliFailure> =>
  Effect.suspend(() => {
    const v = target.values
    const text = (key: string) => v[key] as string
    const number = (key: string) => v[key] as number | undefined
    switch (target.provider) {
      case "livechat":
        return Effect.succeed(
          LiveChat.layer({
            baseUrl: target.endpoint,
            licenceId: number("licenceId") as number,
            ...optional("group", number("group")),
            ...retryOf(tuning)
          })
        )
      case "salesforce": {
        return Effect.succeed(
          Salesforce.layer({
            baseUrl: target.endpoint,
            orgId: text("orgId"),
            deploymentId: text("deploymentId"),
            buttonId: text("buttonId"),
            ...optional("apiVersion", number("apiVersion")),
            ...retryOf(tuning)
          })
        )
      }
      case "liveperson": {
        const appKeyIn = v.appKeyIn as string | undefined
        if (appKeyIn !== undefined && appKeyIn !== "header" && appKeyIn !== "query") {
          return Effect.fail(
            new CliFailure({
              code: ExitCode.Configuration,
              message: `The LivePerson app key location must be "header" or "query", not "${appKeyIn}".`
            })
          )
        }
        return Effect.succeed(
          LivePerson.layer({
            baseUrl: target.endpoint,
            accountId: text("accountId"),
            appKey: v.appKey as Redacted.Redacted<string>,
            skill: text("skill"),
            ...optional("appKeyIn", appKeyIn as "header" | "query" | undefined),
            ...retryOf(tuning)
          })
        )
      }
    }
  })
