// Which core adapter serves each provider, configured for the simulator. Plain JS: Node 20 runs it as is.
import * as Core from "@switchboard/core"
import { Redacted } from "effect"

export const providerNames = ["livechat", "salesforce", "liveperson"]

export const titles = { livechat: "LiveChat", salesforce: "Salesforce Live Agent", liveperson: "LivePerson" }

/**
 * SEAM: adapters are looked up on core's exports at run time (as apps/cli does), so a build of core without one
 * (LivePerson, until its export lands) gives a clear message instead of a crash. Once core exports all three, this
 * can become `import { LiveChat, LivePerson, Salesforce } from "@switchboard/core"`.
 */
const adapter = (name) => {
  const exported = Reflect.get(Core, name)
  return exported && typeof exported.layer === "function" ? exported : undefined
}

/** Core's adapter layer for `provider`, pointed at the running simulator `sim`. */
export const providerLayer = async (provider, sim) => {
  switch (provider) {
    case "livechat":
      return Core.LiveChat.layer({
        baseUrl: sim.urls.livechat,
        licenceId: sim.settings.livechat.licenceId,
        // The simulator is local: poll briskly so the sample feels live (LiveChat's own defaults are 1 s and 2 s).
        polling: { active: "250 millis", normal: "400 millis", idle: "1 second" }
      })
    case "salesforce": {
      const Salesforce = adapter("Salesforce")
      if (Salesforce === undefined) throw missing(provider)
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      return Salesforce.layer({ baseUrl: sim.urls.salesforce, orgId, deploymentId, buttonId })
    }
    case "liveperson": {
      const LivePerson = adapter("LivePerson")
      if (LivePerson === undefined) throw missing(provider)
      const { accountId, appKey, skills } = sim.settings.liveperson
      return LivePerson.layer({
        baseUrl: sim.urls.liveperson,
        accountId,
        appKey: Redacted.make(appKey),
        skill: skills[0]
      })
    }
    default:
      throw new Error(`Unknown provider "${provider}": use one of ${providerNames.join(", ")}.`)
  }
}

const missing = (provider) =>
  new Error(
    `This build of @switchboard/core has no ${titles[provider]} adapter yet: use --provider livechat, ` +
      "or rebuild once core exports it (see apps/web/server/providers.mjs)."
  )
