/**
 * Every value of every LivePerson variant knob, over real loopback HTTP, with every answer checked against the spec.
 * The LivePerson API never holds a request, so nothing here waits for time.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type LivePersonVariant, type RunningSimulator, startSimulator, variantValues } from "../src/index.ts"

type Json = Record<string, unknown>
type Link = Readonly<Record<string, string>>
type Event = Readonly<Record<string, unknown>> & { readonly "@id": string }
type Page = { readonly link: ReadonlyArray<Link>; readonly event?: Event | ReadonlyArray<Event> }

const running: Array<RunningSimulator> = []

const start = async (liveperson: LivePersonVariant) => {
  const sim = await startSimulator({ validateResponses: true, variants: { liveperson } })
  running.push(sim)
  return sim
}

afterEach(async () => {
  for (const sim of running.splice(0)) {
    expect(sim.violations).toEqual([])
    await sim.close()
  }
})

const values = variantValues.liveperson

/** A visitor with plain fetch: the app key in the header, `v=1&NC=true` on every URL. */
const visitor = (sim: RunningSimulator) => {
  const { accountId, appKey } = sim.settings.liveperson
  const base = `${sim.urls.liveperson}/api/account/${accountId}`
  const url = (path: string, query: Record<string, string> = {}) => {
    const target = new URL(path.startsWith("http") ? path : `${base}${path}`)
    for (const [key, value] of Object.entries({ v: "1", NC: "true", ...query })) target.searchParams.set(key, value)
    return target.href
  }
  const headers = { accept: "application/json", authorization: `LivePerson appKey=${appKey}` }
  const self = {
    get: async (path: string, query: Record<string, string> = {}) => {
      const response = await fetch(url(path, query), { headers })
      return { status: response.status, body: (await response.json()) as Json }
    },
    post: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(url(path), {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", ...extra },
        body: JSON.stringify(body)
      }),
    /** Requests a chat; returns its URI and hub id. */
    start: async (request: Json = { skill: "Sales" }) => {
      const response = await self.post("/chat/request", { request })
      expect(response.status).toBe(201)
      const uri = response.headers.get("location") as string
      const hubId = sim.hub.findByNativeId("liveperson", uri.split("/").at(-1) as string)?.id as string
      return { uri, hubId }
    },
    chat: async (uri: string, from?: number) => {
      const { status, body } = await self.get(uri, from === undefined ? {} : { from: String(from) })
      expect(status).toBe(200)
      return body.chat as { link: ReadonlyArray<Link>; events: Page; info: Json }
    },
    events: async (uri: string, from?: number) => {
      const { status, body } = await self.get(`${uri}/events`, from === undefined ? {} : { from: String(from) })
      expect(status).toBe(200)
      return body.events as Page
    },
    say: (uri: string, text: string) => self.post(`${uri}/events`, { event: { "@type": "line", text } })
  }
  return self
}

const eventsOf = (page: Page): ReadonlyArray<Event> =>
  page.event === undefined ? [] : Array.isArray(page.event) ? page.event : [page.event as Event]

/** The fields of info that can be empty, and what they hold once filled. */
const emptiable = [
  "agentName",
  "agentId",
  "sharkVisitorId",
  "sharkSessionId",
  "sharkContextId",
  "engagementId",
  "campaignId",
  "language"
] as const

describe("LivePerson variants", () => {
  for (const emptyElements of values.emptyElements) {
    it(`renders empty elements as ${emptyElements}`, async () => {
      const sim = await start({ emptyElements })
      const lp = visitor(sim)
      const { uri, hubId } = await lp.start()
      const empty = { absent: undefined, "empty-string": "", null: null }[emptyElements]
      for (const info of [(await lp.chat(uri)).info, (await lp.get(`${uri}/info`)).body.info as Json]) {
        for (const field of emptiable) {
          expect(Object.hasOwn(info, field), field).toBe(emptyElements !== "absent")
          expect(info[field], field).toBe(empty)
        }
      }
      // Once an agent joined (and a request carried the context), the fields are filled.
      const full = await lp.start({
        skill: "Sales",
        LETagVisitorId: "v-1",
        LETagSessionId: "s-1",
        LETagContextId: "3",
        engagementId: 27_469_613,
        campaignId: "5678",
        language: "en-US"
      })
      sim.hub.accept(full.hubId, { name: "Grace" })
      const info = (await lp.chat(full.uri)).info
      for (const field of emptiable) expect([undefined, null, ""].includes(info[field] as never), field).toBe(false)
      // systemMessageId on agent and visitor lines: absent or the empty element; on system lines, the id.
      sim.hub.accept(hubId, { name: "Grace" })
      sim.hub.say(hubId, "agent line")
      expect((await lp.say(uri, "visitor line")).status).toBe(201)
      for (const event of eventsOf((await lp.chat(uri)).events)) {
        if (event["@type"] !== "line") continue
        if (event.source === "system") expect(event.systemMessageId).toBeDefined()
        else {
          expect(Object.hasOwn(event, "systemMessageId")).toBe(emptyElements !== "absent")
          expect(event.systemMessageId).toBe(empty)
        }
      }
      // An empty page has no <event> element at all, whatever the rendering of empty elements.
      const tail = await lp.events(uri, 99)
      expect(Object.hasOwn(tail, "event")).toBe(false)
      // The surveys' empty elements: "" as in the vendor's examples, or null.
      for (const path of ["/chat/preSurvey", "/chat/offlineSurvey", `${uri}/exitSurvey`]) {
        const { survey } = (await lp.get(path)).body as {
          survey: { title: unknown; questions: { question: Array<Json> } }
        }
        expect(survey.title).toBe(emptyElements === "null" ? null : "")
        for (const question of survey.questions.question.filter((q) => Object.hasOwn(q, "lastKnownValue"))) {
          expect(question.lastKnownValue).toBe(emptyElements === "null" ? null : "")
        }
      }
    })
  }

  for (const singleEvent of values.singleEvent) {
    it(`serves a page of one event as ${singleEvent === "object" ? "a bare object" : "a one-element array"}`, async () => {
      const sim = await start({ singleEvent })
      const lp = visitor(sim)
      const { uri } = await lp.start()
      for (const page of [await lp.events(uri, 1), (await lp.chat(uri, 1)).events]) {
        if (singleEvent === "object") expect(page.event).toMatchObject({ "@id": "1", "@type": "line" })
        else expect(page.event).toEqual([expect.objectContaining({ "@id": "1", "@type": "line" })])
      }
      expect(Array.isArray((await lp.events(uri, 0)).event)).toBe(true)
    })
  }

  for (const numbers of values.numbers) {
    it(`writes numbers as ${numbers}`, async () => {
      const sim = await start({ numbers })
      const lp = visitor(sim)
      const { uri, hubId } = await lp.start({ skill: "Sales", engagementId: "27469613", LETagContextId: "3" })
      sim.hub.accept(hubId, { name: "Grace" })
      const info = (await lp.chat(uri)).info
      const fields = ["skillId", "agentId", "duration", "chatTimeout", "visitorId", "rtSessionId"]
      const expected = numbers === "strings" ? "string" : "number"
      for (const field of fields) expect(typeof info[field], field).toBe(expected)
      // Ids the request sent as strings: kept in the mixed form, converted otherwise.
      for (const field of ["engagementId", "sharkContextId"]) {
        expect(typeof info[field], field).toBe(numbers === "numbers" ? "number" : "string")
      }
      const system = eventsOf(await lp.events(uri)).filter((event) => event.source === "system")
      for (const event of system) expect(typeof event.systemMessageId).toBe(numbers === "numbers" ? "number" : "string")
      for (const path of ["/chat/availableSlots", "/chat/estimatedWaitTime"]) {
        const { body } = await lp.get(path, { skill: "Sales" })
        expect(typeof Object.values(body)[0]).toBe(expected)
      }
      const missing = await lp.get(`${uri.slice(0, uri.lastIndexOf("/"))}/H1-0K1`)
      expect(missing.status).toBe(404)
      expect(typeof (missing.body.error as Json).internalCode).toBe(expected)
      // Event ids are XML attributes: strings in every form.
      for (const event of eventsOf(await lp.events(uri))) expect(typeof event["@id"]).toBe("string")
    })
  }

  for (const links of values.links) {
    it(`writes links ${links}`, async () => {
      const sim = await start({ links })
      const lp = visitor(sim)
      const { uri } = await lp.start()
      const chat = await lp.chat(uri)
      const standalone = (await lp.get(`${uri}/info`)).body.info as { link: ReadonlyArray<Link> }
      const form = (list: ReadonlyArray<Link>) => [...new Set(list.map((link) => Object.keys(link).sort().join(",")))]
      const attribute = ["@href,@rel"]
      const plain = ["href,rel"]
      expect(form(chat.link)).toEqual(links === "plain" ? plain : attribute)
      expect(form(chat.events.link)).toEqual(links === "plain" ? plain : attribute)
      expect(form(chat.info.link as ReadonlyArray<Link>)).toEqual(links === "plain" ? plain : attribute)
      expect(form(standalone.link)).toEqual(links === "attribute" ? attribute : plain)
      // The documented order holds in every form: link[3] is next.
      const next = chat.link[3] as Link
      expect(next["@rel"] ?? next.rel).toBe("next")
      expect(next["@href"] ?? next.href).toBe(`${uri}?from=2`)
    })
  }

  for (const lineBy of values.lineBy) {
    it(`names who wrote a line by ${lineBy}`, async () => {
      const sim = await start({ lineBy })
      const lp = visitor(sim)
      const { uri, hubId } = await lp.start()
      sim.hub.accept(hubId, { name: "Grace" })
      sim.hub.say(hubId, "Hello")
      await lp.say(uri, "Hi")
      const by = eventsOf(await lp.events(uri))
        .filter((event) => event["@type"] === "line")
        .map((event) => `${String(event.source)}: ${String(event.by)}`)
      const [agent, visitorName] = lineBy === "name" ? ["Grace", "You"] : ["agent", "visitor"]
      expect(by).toEqual(["system: info", "system: info", `agent: ${agent}`, `visitor: ${visitorName}`])
    })
  }

  for (const visitorLines of values.visitorLines) {
    it(`${visitorLines === "echoed" ? "echoes" : "does not echo"} the visitor's lines`, async () => {
      const sim = await start({ visitorLines })
      const lp = visitor(sim)
      const { uri, hubId } = await lp.start()
      sim.hub.accept(hubId, { name: "Grace" })
      const before = eventsOf(await lp.events(uri)).length
      const sent = await lp.say(uri, "Where is my order?")
      expect(sent.status).toBe(201)
      const created = Number(sent.headers.get("location")?.split("/").at(-1))
      sim.hub.say(hubId, "Let me look")
      const page = await lp.events(uri, before)
      const texts = eventsOf(page).map((event) => `${String(event.source)}: ${String(event.text)}`)
      expect(texts).toEqual(
        visitorLines === "echoed" ? ["visitor: Where is my order?", "agent: Let me look"] : ["agent: Let me look"]
      )
      // The line took its id either way; next points past the last event shown.
      expect(created).toBe(before)
      const next = page.link.find((link) => (link["@rel"] ?? link.rel) === "next") as Link
      expect(next["@href"]).toBe(`${uri}/events?from=${before + 2}`)
      expect(sim.hub.get(hubId).transcript.some((entry) => entry.kind === "message" && entry.from === "visitor")).toBe(
        true
      )
    })
  }

  for (const setVisitorNameStatus of values.setVisitorNameStatus) {
    it(`answers set-visitor-name ${setVisitorNameStatus}`, async () => {
      const sim = await start({ setVisitorNameStatus })
      const lp = visitor(sim)
      const { uri, hubId } = await lp.start()
      const set = await lp.post(
        `${uri}/info/visitorName`,
        { visitorName: "Natalie" },
        { "x-http-method-override": "PUT" }
      )
      expect(set.status).toBe(setVisitorNameStatus)
      expect(await set.text()).toBe("")
      expect(sim.hub.get(hubId).visitorName).toBe("Natalie")
    })
  }
})
