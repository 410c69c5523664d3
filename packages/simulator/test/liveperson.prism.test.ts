/**
 * The LivePerson lifecycle once more, through Prism 5.14 in proxy mode with `--errors`: an independent check that
 * the simulator's real traffic matches `specs/liveperson/openapi.yaml`.
 *
 * Prism forwards every request header except `Host` (its forwarder drops it, so the upstream sees its own host),
 * and it does not rewrite `Location`. So a `Location` built from the `Host` header points at the simulator itself;
 * the visitor below therefore sends what a reverse proxy would add (`X-Forwarded-Host`, `X-Forwarded-Prefix`), and
 * the simulator builds every URI on the proxy's origin from those.
 */
import { specPath } from "@switchboard/specs"
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { startPrismProxy } from "./support/prism.ts"

type Json = Record<string, unknown>
type Event = { readonly "@id": string; readonly "@type": string; readonly [key: string]: unknown }
type Link = { readonly "@href"?: string; readonly "@rel"?: string }
type Page = { readonly link: ReadonlyArray<Link>; readonly event?: Event | ReadonlyArray<Event> }

const started: Array<RunningSimulator> = []
afterEach(() => {
  for (const sim of started.splice(0)) expect(sim.violations).toEqual([])
})

const eventsOf = (page: Page): ReadonlyArray<Event> =>
  page.event === undefined ? [] : Array.isArray(page.event) ? page.event : [page.event as Event]

const nextOf = (page: Page): string => page.link.find((link) => link["@rel"] === "next")?.["@href"] as string

describe("LivePerson through Prism", () => {
  it("runs the lifecycle with zero violations", { timeout: 60_000 }, async () => {
    await using sim = await startSimulator({ validateResponses: true })
    started.push(sim)
    await using prism = await startPrismProxy(specPath("liveperson"), sim.urls.liveperson)
    const { accountId, appKey } = sim.settings.liveperson
    const proxy = new URL(prism.url)
    const base = `${prism.url}/api/account/${accountId}`
    const forwarded = { "x-forwarded-host": proxy.host, "x-forwarded-proto": "http", "x-forwarded-prefix": "/" }

    const call = async (method: "GET" | "POST", path: string, body?: unknown, extra: Record<string, string> = {}) => {
      const url = new URL(path.startsWith("http") ? path : `${base}${path}`)
      url.searchParams.set("v", "1")
      url.searchParams.set("NC", "true")
      const response = await fetch(url, {
        method,
        headers: {
          accept: "application/json",
          authorization: `LivePerson appKey=${appKey}`,
          ...forwarded,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...extra
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      prism.inspect(response)
      return response
    }
    const get = async <T = Json>(path: string) => {
      const response = await call("GET", path)
      expect(response.status).toBe(200)
      return (await response.json()) as T
    }
    const put = async (path: string, body: unknown) => {
      const response = await call("POST", path, body, { "x-http-method-override": "PUT" })
      expect(response.status).toBe(200)
    }

    expect(await get("/chat/availability?skill=Sales")).toEqual({ availability: true })
    expect(await get("/chat/availableSlots?skill=Sales")).toEqual({ availableSlots: -1 })
    expect(await get("/chat/estimatedWaitTime?skill=Sales")).toEqual({ estimatedWaitTime: 0 })
    expect(await get("/chat/preSurvey?skill=Sales")).toHaveProperty("survey.id")
    expect(await get("/chat/offlineSurvey")).toHaveProperty("survey.id")

    const requested = await call("POST", "/chat/request", { request: { skill: "Sales", interactionTimeout: 40 } })
    expect(requested.status).toBe(201)
    const uri = requested.headers.get("location") as string
    expect(uri.startsWith(`${base}/chat/H`)).toBe(true)
    const chatId = uri.split("/").at(-1) as string
    const hubId = sim.hub.findByNativeId("liveperson", chatId)?.id as string

    const first = (await get<{ chat: { link: Array<Link>; events: Page; info: Json } }>(uri)).chat
    expect(first.link[3]?.["@href"]).toBe(`${uri}?from=2`)
    expect(first.info.state).toBe("waiting")
    expect(await get(`${uri}/info/agentTyping`)).toEqual({ agentTyping: "unknown" })

    sim.hub.accept(hubId, { name: "Natalie" })
    sim.hub.typing(hubId, true)
    expect(await get(`${uri}/info/agentTyping`)).toEqual({ agentTyping: "typing" })
    sim.hub.say(hubId, "Hello! How can I help?")

    await put(`${uri}/info/visitorName`, { visitorName: "Ada" })
    expect(await get(`${uri}/info/visitorName`)).toEqual({ visitorName: "Ada" })
    await put(`${uri}/info/visitorTyping`, { visitorTyping: "typing" })
    expect(await get(`${uri}/info/visitorTyping`)).toEqual({ visitorTyping: "typing" })
    const line = await call("POST", `${uri}/events`, { event: { "@type": "line", text: "Where is my order?" } })
    expect(line.status).toBe(201)
    expect(line.headers.get("location")).toBe(`${uri}/events/5`)

    let page = (await get<{ events: Page }>(nextOf(first.events))).events
    expect(eventsOf(page).map((event) => event["@id"])).toEqual(["2", "3", "4", "5"])
    sim.hub.transfer(hubId, { name: "Linus" })
    sim.hub.say(hubId, "Linus here.")
    page = (await get<{ events: Page }>(nextOf(page))).events
    expect(eventsOf(page).map((event) => event.systemMessageId ?? event.source)).toEqual(["13", "agent"])
    const single = (await get<{ events: Page }>(nextOf(page))).events
    expect(single.event).toBeUndefined()
    sim.hub.say(hubId, "Anything else?")
    expect((await get<{ events: Page }>(nextOf(page))).events.event).toMatchObject({ "@id": "8" })
    expect(await get(`${uri}/info`)).toHaveProperty("info.agentName", "Linus")

    await put(`${uri}/transcriptRequest`, { email: "ada@example.com" })
    const exit = await get<{ survey: { id: number } }>(`${uri}/exitSurvey`)
    await put(`${uri}/exitSurvey`, {
      survey: { id: exit.survey.id, questions: { question: [{ id: 53101, answer: "5" }] } }
    })
    const ended = await call("POST", `${uri}/events`, { event: { "@type": "state", state: "ended" } })
    expect(ended.status).toBe(201)
    expect(sim.hub.get(hubId)).toMatchObject({ state: "ended", endedBy: "visitor" })

    // A second chat, ended by the agent.
    const second = await call("POST", "/chat/request", { request: { skill: "Support" } })
    const secondUri = second.headers.get("location") as string
    const secondHub = sim.hub.findByNativeId("liveperson", secondUri.split("/").at(-1) as string)?.id as string
    sim.hub.accept(secondHub, { name: "Grace" })
    sim.hub.end(secondHub)
    const tail = eventsOf((await get<{ events: Page }>(`${secondUri}/events?from=2`)).events)
    expect(tail.map((event) => event.systemMessageId ?? event.state)).toEqual(["chatting", "3", "5", "ended"])

    // Errors keep their documented shape through the proxy too.
    const gone = await call("GET", `${base}/chat/H1-0K1`)
    expect(gone.status).toBe(404)
    expect(((await gone.json()) as { error: Json }).error).toMatchObject({ internalCode: 12 })
    const denied = await call("GET", "/chat/availability", undefined, { authorization: "LivePerson appKey=wrong" })
    expect(denied.status).toBe(401)
    expect(((await denied.json()) as { error: Json }).error).toMatchObject({ internalCode: 10 })

    // Without the forwarding headers, the Location names the upstream: Prism drops `Host` and keeps `Location`.
    const direct = await fetch(`${base}/chat/request?v=1&NC=true`, {
      method: "POST",
      headers: { authorization: `LivePerson appKey=${appKey}`, "content-type": "application/json" },
      body: JSON.stringify({ request: {} })
    })
    prism.inspect(direct)
    expect(direct.headers.get("location")).toMatch(
      new RegExp(`^${sim.urls.liveperson}/api/account/${accountId}/chat/H`)
    )

    expect(prism.violations).toEqual([])
    expect(sim.violations).toEqual([])
  })
})
