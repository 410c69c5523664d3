/**
 * The named profiles: `default` first, every value of every knob taken by some profile, each profile a chat that
 * runs over loopback HTTP without a spec violation; and the `<provider>:<profile>` selector of the command line.
 */
import { afterEach, describe, expect, it } from "vitest"
import {
  defaultVariants,
  profileVariants,
  type RunningSimulator,
  startSimulator,
  type Variants,
  variantProfiles,
  variantValues
} from "../src/index.ts"
import { sfVisitor } from "./support/salesforce-visitor.ts"

const running: Array<RunningSimulator> = []

const start = async (variants: Variants) => {
  const sim = await startSimulator({ validateResponses: true, variants })
  running.push(sim)
  return sim
}

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

const providers = ["salesforce", "liveperson", "livechat"] as const

describe("variant profiles", () => {
  for (const provider of providers) {
    it(`cover every value of every ${provider} knob, starting with default`, () => {
      const profiles = variantProfiles[provider]
      expect(profiles[0]).toMatchObject({ name: "default", variants: {} })
      expect(profiles.length).toBeGreaterThanOrEqual(3)
      // The matrix core's suites run: the profiles within the documented rules.
      expect(profiles.filter((profile) => profile.contradicts === undefined).length).toBeLessThanOrEqual(5)
      for (const profile of profiles) {
        expect(profile.name).toMatch(/^[a-z]+(-[a-z]+)*$/)
        expect(profile.description.length).toBeGreaterThan(0)
        // A profile sets only its own provider's knobs, and only knobs that exist.
        expect(Object.keys(profile.variants).filter((key) => key !== provider)).toEqual([])
        for (const knob of Object.keys(profile.variants[provider] ?? {}))
          expect(defaultVariants[provider]).toHaveProperty(knob)
      }
      expect(new Set(profiles.map((profile) => profile.name)).size).toBe(profiles.length)
      const knobs = variantValues[provider] as Record<string, ReadonlyArray<unknown>>
      expect(Object.keys(knobs).sort()).toEqual(Object.keys(defaultVariants[provider]).sort())
      for (const [knob, all] of Object.entries(knobs)) {
        expect(all[0], `${knob}: the default is listed first`).toEqual(
          (defaultVariants[provider] as Record<string, unknown>)[knob]
        )
        const taken = profiles.map(
          (profile) =>
            (profile.variants[provider] as Record<string, unknown> | undefined)?.[knob] ??
            (defaultVariants[provider] as Record<string, unknown>)[knob]
        )
        for (const value of all) expect(taken, `${provider}.${knob} = ${String(value)}`).toContain(value)
      }
    })
  }

  it("are selected as <provider>:<profile>, and an unknown name lists the known ones", () => {
    expect(profileVariants("livechat:fresh-start")).toEqual(variantProfiles.livechat[2]?.variants)
    expect(profileVariants("salesforce:default")).toEqual({})
    expect(() => profileVariants("livechat:nope")).toThrow(
      /unknown variant profile livechat:nope; known: .*salesforce:default/
    )
    expect(() => profileVariants("nope")).toThrow(RangeError)
  })

  for (const profile of variantProfiles.salesforce) {
    it(`salesforce:${profile.name} runs a chat to the agent's end`, async () => {
      const sim = await start(profile.variants)
      const ada = sfVisitor(sim)
      const chat = await ada.start()
      expect(await ada.types()).toEqual(["ChatRequestSuccess"])
      sim.hub.accept(chat.id, { name: "Grace" })
      expect((await ada.say("Hello")).status).toBeLessThan(300)
      sim.hub.say(chat.id, "Hi, how can I help?")
      sim.hub.end(chat.id)
      expect(await ada.types()).toEqual(["ChatEstablished", "ChatMessage: Hi, how can I help?", "ChatEnded"])
      expect((await ada.get(`/System/Messages?ack=${ada.state.ack}`)).status).toBe(403)
    })
  }

  for (const profile of variantProfiles.liveperson) {
    it(`liveperson:${profile.name} runs a chat to the visitor's end`, async () => {
      const sim = await start(profile.variants)
      const { accountId, appKey } = sim.settings.liveperson
      const headers = { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" }
      const post = (url: string, body: unknown) =>
        fetch(`${url}?v=1&NC=true`, { method: "POST", headers, body: JSON.stringify(body) })
      const created = await post(`${sim.urls.liveperson}/api/account/${accountId}/chat/request`, {
        request: { skill: "Sales" }
      })
      expect(created.status).toBe(201)
      const uri = created.headers.get("location") as string
      const hubId = sim.hub.findByNativeId("liveperson", uri.split("/").at(-1) as string)?.id as string
      sim.hub.accept(hubId, { name: "Grace" })
      expect((await post(`${uri}/events`, { event: { "@type": "line", text: "Hello" } })).status).toBe(201)
      sim.hub.say(hubId, "Hi, how can I help?")
      expect((await post(`${uri}/events`, { event: { "@type": "state", state: "ended" } })).status).toBe(201)
      for (const path of [uri, `${uri}/events`, `${uri}/info`]) {
        expect((await fetch(`${path}?v=1&NC=true&from=0`, { headers })).status).toBe(200)
      }
      expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "visitor" })
    })
  }

  for (const profile of variantProfiles.livechat) {
    it(`livechat:${profile.name} runs a chat to the visitor's close`, async () => {
      const sim = await start(profile.variants)
      const licence_id = String(sim.settings.livechat.licenceId)
      const url = (operation: string) => `${sim.urls.livechat}/visitors/ada/chat/${operation}`
      const post = (operation: string, fields: Record<string, string>) =>
        fetch(url(operation), {
          method: "POST",
          headers: { "X-API-Version": "2", "content-type": "application/json" },
          body: JSON.stringify({ ...fields, licence_id: Number(licence_id) })
        })
      const started = (await (await post("start", { welcome_message: "Hello" })).json()) as {
        secured_session_id: string
      }
      const auth = { secured_session_id: started.secured_session_id }
      const hubId = sim.hub.findByNativeId("livechat", "ada")?.id as string
      sim.hub.accept(hubId, { name: "Grace" })
      expect((await post("send_message", { ...auth, message: "Anyone?" })).status).toBe(200)
      sim.hub.say(hubId, "Hi, how can I help?")
      const query = new URLSearchParams({ licence_id, ...auth })
      const polled = await fetch(`${url("get_pending_messages")}?${query}`, { headers: { "X-API-Version": "2" } })
      const { events } = (await polled.json()) as { events: Array<{ type: string; text?: string }> }
      expect(events.filter((event) => event.type === "message").map((event) => event.text)).toContain(
        "Hi, how can I help?"
      )
      expect((await post("close", auth)).status).toBe(200)
      expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "visitor" })
    })
  }
})
