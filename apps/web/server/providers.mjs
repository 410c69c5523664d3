// Which core adapter serves each provider, configured for the simulator. Plain JS: Node 20 runs it as is.
import * as Core from "@switchboard/core"
import { Redacted } from "effect"

export const providerNames = ["livechat", "salesforce", "liveperson"]

export const titles = { livechat: "LiveChat", salesforce: "Salesforce Live Agent", liveperson: "LivePerson" }

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
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      return Core.Salesforce.layer({ baseUrl: sim.urls.salesforce, orgId, deploymentId, buttonId })
    }
    case "liveperson": {
      const { accountId, appKey, skills } = sim.settings.liveperson
      return Core.LivePerson.layer({
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
