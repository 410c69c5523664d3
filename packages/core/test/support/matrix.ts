/**
 * The server-variant matrix: every provider's fixture once per named profile of the simulator (`variantProfiles`),
 * so the provider-neutral suites run against every plausible server the documentation allows, not one reading of it.
 */
import { variantProfiles } from "@switchboard/simulator"
import { fixture as livechat } from "../fixtures/livechat.ts"
import { fixture as liveperson } from "../fixtures/liveperson.ts"
import { fixture as salesforce } from "../fixtures/salesforce.ts"
import type { ProviderFixture } from "./fixture.ts"

export interface MatrixEntry extends ProviderFixture {
  /** `provider [profile]`, for test names. */
  readonly label: string
  readonly profile: string
}

export const providers: ReadonlyArray<ProviderFixture> = [salesforce, liveperson, livechat]

/**
 * Every provider under every profile of its simulator, `default` first, except the profiles that break a documented
 * rule (`contradicts`): no client can send exactly once against them (see the simulator's README).
 */
export const matrix: ReadonlyArray<MatrixEntry> = providers.flatMap((fixture) =>
  variantProfiles[fixture.name].flatMap((profile) =>
    profile.contradicts !== undefined
      ? []
      : [
          {
            ...fixture,
            label: `${fixture.name} [${profile.name}]`,
            profile: profile.name,
            simulatorOptions: { variants: profile.variants }
          }
        ]
  )
)
