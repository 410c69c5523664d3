/**
 * Availability before a chat, where `capabilities.availability`: whether an agent can take a chat now and the wait
 * estimate, asked of each provider's simulator with agents on and off, through the Effect API and the Promise
 * facade; LiveChat, whose visitor API v2 has no such call, says so with a typed error. Against Salesforce servers
 * that answer bare or wrapped (both plausible, reference §1.5.4).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { capabilities } from "../src/Capabilities.ts"
import { availability as availabilityOf } from "../src/promise.ts"
import * as Session from "../src/Session.ts"
import { fixture as livechat } from "./fixtures/livechat.ts"
import { fixture as liveperson } from "./fixtures/liveperson.ts"
import { fixture as salesforce } from "./fixtures/salesforce.ts"
import { withProvider } from "./support/harness.ts"

const offered = [
  { label: "salesforce (wrapped answers)", fixture: salesforce, options: {} },
  {
    label: "salesforce (bare answers)",
    fixture: salesforce,
    options: { variants: { salesforce: { visitorEnvelope: "bare" as const } } }
  },
  { label: "liveperson", fixture: liveperson, options: {} }
]

describe.each(offered)("$label: availability", ({ fixture, options }) => {
  it.live("follows the agents: available with a wait estimate, then not, then again", () =>
    withProvider(
      fixture,
      (sim) =>
        Effect.gen(function* () {
          assert.isTrue(capabilities[fixture.name].availability)
          const online = yield* Session.availability()
          assert.isTrue(online.available)
          assert.isAtLeast(online.estimatedWaitSeconds ?? -1, 0, "a wait estimate where the provider gives one")
          sim.hub.setAvailability(false)
          const offline = yield* Session.availability()
          assert.isFalse(offline.available)
          assert.isUndefined(offline.estimatedWaitSeconds, "no estimate when nobody is there (-1 is unknown)")
          sim.hub.setAvailability(true)
          assert.isTrue((yield* Session.availability()).available)
          assert.strictEqual(sim.hub.list().length, 0, "no chat was created")
        }),
      options
    )
  )
})

describe("availability elsewhere", () => {
  it.live("Salesforce: another button than the settings' must be a button id", () =>
    withProvider(salesforce, () =>
      Effect.gen(function* () {
        const refused = yield* Effect.either(Session.availability("not an id"))
        assert.isTrue(Either.isLeft(refused))
        if (Either.isLeft(refused)) assert.strictEqual(refused.left._tag, "InvalidConfiguration")
      })
    )
  )

  it.live("LiveChat: no such call in the visitor API v2, a typed InvalidInput", () =>
    withProvider(livechat, () =>
      Effect.gen(function* () {
        assert.isFalse(capabilities.livechat.availability)
        const refused = yield* Effect.either(Session.availability())
        assert.isTrue(Either.isLeft(refused))
        if (Either.isLeft(refused)) {
          assert.strictEqual(refused.left._tag, "InvalidInput")
          assert.include(refused.left.message, "livechat has no availability call")
        }
      })
    )
  )

  it.live("the Promise facade: availability({ provider, ...settings })", () =>
    withProvider(liveperson, (sim) =>
      Effect.promise(async () => {
        const settings = {
          provider: "liveperson" as const,
          baseUrl: sim.urls.liveperson,
          accountId: sim.settings.liveperson.accountId,
          appKey: Redacted.value(Redacted.make(sim.settings.liveperson.appKey)),
          skill: sim.settings.liveperson.skills[0] ?? "Sales"
        }
        assert.isTrue((await availabilityOf(settings)).available)
        sim.hub.setAvailability(false)
        assert.deepStrictEqual(await availabilityOf(settings), { available: false })
        const error = await availabilityOf({ provider: "livechat", baseUrl: sim.urls.livechat, licenceId: 1 }).then(
          () => undefined,
          (failure: unknown) => failure
        )
        assert.strictEqual((error as { _tag?: string })._tag, "InvalidInput")
      })
    )
  )
})
