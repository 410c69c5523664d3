/**
 * `GET /availability`: whether an agent can take a chat now, from the provider at most once per `availabilityCache`
 * whatever the number of page views, and a typed refusal where the provider cannot tell (LiveChat v2).
 */
import { LivePerson, type Retry, Salesforce } from "@switchboard/core"
import { type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { Redacted } from "effect"
import { assert, describe, it } from "vitest"
import { createRelay, type RelayOptions } from "../src/index.ts"
import { call, errorOf, stack } from "./support.ts"

/** A relay on `provider` against a fresh simulator, counting the availability requests that reach it. */
const relayOn = async (
  provider: "salesforce" | "liveperson",
  options: Partial<RelayOptions> = {},
  retry: Retry.RetryPolicy = {}
) => {
  const sim = await startSimulator()
  let asked = 0
  const fetch = (request: Request) => {
    if (/Availability|availability|estimatedWaitTime/.test(new URL(request.url).pathname)) asked += 1
    return sim.fetch(request)
  }
  const layer = (sim: RunningSimulator) => {
    if (provider === "salesforce") {
      const { orgId, deploymentId, buttonId } = sim.settings.salesforce
      return Salesforce.layer({ baseUrl: sim.urls.salesforce, orgId, deploymentId, buttonId, fetch, retry })
    }
    const { accountId, appKey, skills } = sim.settings.liveperson
    return LivePerson.layer({
      baseUrl: sim.urls.liveperson,
      accountId,
      appKey: Redacted.make(appKey),
      skill: skills[0] as string,
      fetch,
      retry
    })
  }
  const relay = await createRelay({ provider: layer(sim), logLevel: "Error", ...options })
  return {
    sim,
    relay,
    asked: () => asked,
    get: () => call(relay, "GET", "/availability"),
    [Symbol.asyncDispose]: async () => {
      await relay.close()
      await sim.close()
    }
  }
}

describe("relay: GET /availability", () => {
  for (const provider of ["salesforce", "liveperson"] as const) {
    it(`${provider}: follows the agents going offline and online`, async () => {
      await using s = await relayOn(provider, { availabilityCache: "0 millis" })
      const online = await s.get()
      assert.strictEqual(online.status, 200)
      assert.strictEqual(online.headers.get("cache-control"), "no-store")
      const answer = (await online.json()) as { available: boolean; estimatedWaitSeconds?: number }
      assert.isTrue(answer.available)
      if (provider === "liveperson") assert.isNumber(answer.estimatedWaitSeconds) // its estimated wait time call

      s.sim.hub.setAvailability(false)
      assert.deepInclude(await (await s.get()).json(), { available: false })
      s.sim.hub.setAvailability(true)
      assert.deepInclude(await (await s.get()).json(), { available: true })
    })
  }

  it("asks the provider once per availabilityCache, however many pages ask at once or after", async () => {
    await using s = await relayOn("salesforce", { availabilityCache: "1 hour" })
    const answers = await Promise.all(Array.from({ length: 50 }, () => s.get()))
    for (const answer of answers) assert.deepInclude(await answer.json(), { available: true })
    assert.strictEqual(s.asked(), 1)
    // Within the hour the answer is the cached one, even though the agents have gone.
    s.sim.hub.setAvailability(false)
    assert.deepInclude(await (await s.get()).json(), { available: true })
    assert.strictEqual(s.asked(), 1)
  })

  it("a provider that cannot be reached: 503 provider_unavailable, and no secret in the answer", async () => {
    await using s = await relayOn("salesforce", { availabilityCache: "0 millis" }, { maxRetries: 1 })
    s.sim.faults.add({ provider: "salesforce", errorRate: 1, statuses: [500] })
    const answer = await s.get()
    assert.strictEqual(answer.status, 503)
    assert.deepStrictEqual(await errorOf(answer), {
      code: "provider_unavailable",
      message: "The chat service is unavailable right now. Please try again shortly."
    })
  })

  it("LiveChat (visitor API v2 has no such call): 501 availability_unsupported", async () => {
    await using s = await stack()
    const answer = await call(s.relay, "GET", "/availability")
    assert.strictEqual(answer.status, 501)
    assert.deepStrictEqual(await errorOf(answer), {
      code: "availability_unsupported",
      message: "LiveChat cannot tell whether an agent is available before a chat starts."
    })
  })
})
