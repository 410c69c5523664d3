/**
 * The LivePerson simulator is as lenient as the reference records real servers to be (providers.md §2.1): requests
 * as production clients send them are served, and every answer still matches the spec.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"

const running: Array<RunningSimulator> = []

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

describe("LivePerson leniency", () => {
  it("serves the .json suffix production clients put on paths, with the app key in the query", async () => {
    const sim = await startSimulator({ validateResponses: true })
    running.push(sim)
    const { accountId, appKey } = sim.settings.liveperson
    const query = `v=1&NC=true&appKey=${appKey}`
    const json = { "content-type": "application/json" }
    const base = `${sim.urls.liveperson}/api/account/${accountId}`
    const created = await fetch(`${base}/chat/request.json?${query}`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ request: { skill: "Sales" } })
    })
    expect(created.status).toBe(201)
    const uri = created.headers.get("location") as string
    expect(uri).toMatch(/\/chat\/H[0-9]+-[0-9a-f]+K[0-9]+$/)
    const hubId = sim.hub.findByNativeId("liveperson", uri.split("/").at(-1) as string)?.id as string
    sim.hub.accept(hubId, { name: "Grace" })
    const line = await fetch(`${uri}/events.json?${query}`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ event: { "@type": "line", text: "Hello" } })
    })
    expect(line.status).toBe(201)
    const chat = (await (await fetch(`${uri}.json?${query}&from=0`)).json()) as { chat: { info: { state: string } } }
    expect(chat.chat.info.state).toBe("chatting")
    const events = await fetch(`${uri}/events.json?${query}&from=3`)
    expect(await events.json()).toMatchObject({
      events: { event: [{ text: "You are now chatting with Grace." }, { text: "Hello" }] }
    })
    expect((await fetch(`${uri}/info.json?${query}`)).status).toBe(200)
    expect((await fetch(`${base}/chat/availability.json?${query}`)).status).toBe(200)
    // conversation.json keeps its documented name.
    const authenticated = await fetch(`${base}/conversation.json?${query}`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        LETagSessionId: "s",
        LETagContextId: "1",
        LETagVisitorId: "v",
        authChatConnId: 2,
        engagementId: 3,
        ssoKey: "jwt"
      })
    })
    expect(authenticated.status).toBe(201)
    // A suffix on a path that does not exist is still a 404 in the error shape.
    const missing = await fetch(`${base}/chat/${"H1-0K1"}/nothing.json?${query}`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { internalCode: 12 } })
  })
})
