/**
 * 1,000 randomized malformed LiveChat requests: each gets a 4xx in LiveChat's `{"error": "..."}` shape within a
 * second, the server stays up, and a chat running alongside (with the very credentials the templates carry) keeps
 * exactly its own transcript.
 */
import { describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../src/index.ts"
import { fuzz, type Outcome, type Template } from "./support/fuzz.ts"

interface Event {
  readonly message_id: number
  readonly type: string
  readonly user_type?: string
  readonly text?: string
}

const headers = { "x-api-version": "2" }

/** Valid requests for each operation, in both encodings, and what in them LiveChat must refuse when broken. */
const templates = (sim: RunningSimulator, visitorId: string, secret: string): Array<Template> => {
  const licence_id = sim.settings.livechat.licenceId
  const path = (operation: string) => `/livechat/visitors/${visitorId}/chat/${operation}`
  const credentials = { licence_id, secured_session_id: secret }
  const asForm = (fields: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)]))
  const common = { headers, requiredHeaders: ["x-api-version"] }
  const session = { fields: ["secured_session_id"], segments: [visitorId] }
  return [
    // start: a valid request would open a chat, so no mutation may leave it valid (no path-id mutation here).
    {
      ...common,
      operation: "startChat",
      method: "POST",
      path: "/livechat/visitors/fuzz-newcomer/chat/start",
      body: { type: "form", value: asForm({ licence_id, welcome_message: "hi", group: 0 }) },
      requiredFields: ["licence_id", "welcome_message"],
      typedFields: ["licence_id", "group"]
    },
    {
      ...common,
      operation: "startChat",
      method: "POST",
      path: "/livechat/visitors/fuzz-newcomer/chat/start",
      body: { type: "json", value: { licence_id, welcome_message: "hi", name: "Fuzz", group: 0 } },
      requiredFields: ["licence_id", "welcome_message"],
      typedFields: ["licence_id", "welcome_message", "name", "group"]
    },
    {
      ...common,
      operation: "getPendingMessages",
      method: "GET",
      path: path("get_pending_messages"),
      query: { licence_id: String(licence_id), secured_session_id: secret, last_message_id: "0" },
      requiredQuery: ["licence_id", "secured_session_id"],
      secrets: { query: ["secured_session_id"], segments: [visitorId] }
    },
    {
      ...common,
      operation: "sendMessage",
      method: "POST",
      path: path("send_message"),
      body: { type: "form", value: asForm({ ...credentials, message: "FUZZ" }) },
      requiredFields: ["licence_id", "secured_session_id", "message"],
      typedFields: ["licence_id"],
      secrets: session
    },
    {
      ...common,
      operation: "sendMessage",
      method: "POST",
      path: path("send_message"),
      body: { type: "json", value: { ...credentials, message: "FUZZ" } },
      requiredFields: ["licence_id", "secured_session_id", "message"],
      typedFields: ["licence_id", "secured_session_id", "message"],
      secrets: session
    },
    {
      ...common,
      operation: "closeChat",
      method: "POST",
      path: path("close"),
      body: { type: "form", value: asForm(credentials) },
      requiredFields: ["licence_id", "secured_session_id"],
      typedFields: ["licence_id"],
      secrets: session
    },
    {
      ...common,
      operation: "closeChat",
      method: "POST",
      path: path("close"),
      body: { type: "json", value: credentials },
      requiredFields: ["licence_id", "secured_session_id"],
      typedFields: ["licence_id", "secured_session_id"],
      secrets: session
    }
  ]
}

/** LiveChat's documented error bodies: `{"error": "..."}` or `{"errors": ["...", ...]}`. */
const isLiveChatError = (json: unknown): boolean => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false
  const body = json as { error?: unknown; errors?: unknown }
  return (
    typeof body.error === "string" ||
    (Array.isArray(body.errors) && body.errors.length > 0 && body.errors.every((item) => typeof item === "string"))
  )
}

describe("LiveChat simulator under fuzzing", () => {
  it("answers 1,000 malformed requests with a 4xx in its error shape within a second each", {
    timeout: 120_000
  }, async () => {
    await using sim = await startSimulator({ validateResponses: true })
    const licence_id = sim.settings.livechat.licenceId
    const visitorId = "visitor-amy"
    const url = (operation: string) => `${sim.urls.livechat}/visitors/${visitorId}/chat/${operation}`
    const form = (fields: Record<string, unknown>) =>
      new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString()
    const post = (operation: string, fields: Record<string, unknown>) =>
      fetch(url(operation), {
        method: "POST",
        headers: { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" },
        body: form(fields)
      })

    // The chat running alongside: started and answered before the fuzz.
    const started = await post("start", { licence_id, welcome_message: "before 1" })
    const { secured_session_id: secret } = (await started.json()) as { secured_session_id: string }
    const poll = async () => {
      const response = await fetch(
        `${url("get_pending_messages")}?${form({ licence_id, secured_session_id: secret })}`,
        {
          headers: { "X-API-Version": "2" }
        }
      )
      expect(response.status).toBe(200)
      return ((await response.json()) as { events: Array<Event> }).events
    }
    const send = async (message: string) => {
      const response = await post("send_message", { licence_id, secured_session_id: secret, message })
      expect(response.status).toBe(200)
    }
    const chat = sim.hub.findByNativeId("livechat", visitorId)
    if (chat === undefined) throw new Error("the alongside chat is missing")
    sim.hub.accept(chat.id, { name: "Grace" })
    sim.hub.say(chat.id, "before 2")
    await send("before 3")

    // During the fuzz: both sides keep talking and the visitor keeps polling.
    let fuzzing = true
    const alongside = (async () => {
      let n = 0
      while (fuzzing) {
        n += 1
        await send(`during ${n} visitor`)
        sim.hub.say(chat.id, `during ${n} agent`)
        await poll()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return n
    })()
    const outcomes: Array<Outcome> = await fuzz({
      origin: sim.url,
      templates: templates(sim, visitorId, secret),
      count: 1000,
      seed: 20260105
    }).finally(() => {
      fuzzing = false
    })
    const rounds = await alongside

    const failures = outcomes.filter(
      (outcome) =>
        !(outcome.status >= 400 && outcome.status < 500 && isLiveChatError(outcome.json) && outcome.ms < 1000)
    )
    expect(
      failures.map(({ operation, mutation, status, ms, text }) => ({
        operation,
        mutation,
        status,
        ms,
        text: text.slice(0, 200)
      }))
    ).toEqual([])
    expect(outcomes).toHaveLength(1000)
    for (const outcome of outcomes) {
      expect(outcome.status).toBeGreaterThanOrEqual(400)
      expect(outcome.status).toBeLessThan(500)
      expect(isLiveChatError(outcome.json)).toBe(true)
      expect(outcome.ms).toBeLessThan(1000)
      expect(outcome.text).not.toContain(secret)
    }
    // Every kind of mutation was tried on every operation.
    expect(new Set(outcomes.map((outcome) => outcome.operation))).toEqual(
      new Set(["startChat", "getPendingMessages", "sendMessage", "closeChat"])
    )
    expect(new Set(outcomes.map((outcome) => outcome.mutation)).size).toBeGreaterThan(20)

    // After the fuzz: the server is up and the chat goes on.
    sim.hub.say(chat.id, "after 1")
    await send("after 2")
    const expected = [
      "visitor: before 1",
      "joined: Grace",
      "agent: before 2",
      "visitor: before 3",
      ...Array.from({ length: rounds }, (_, i) => [
        `visitor: during ${i + 1} visitor`,
        `agent: during ${i + 1} agent`
      ]).flat(),
      "agent: after 1",
      "visitor: after 2"
    ]
    const events = await poll()
    expect(
      events.map((event) =>
        event.type === "message"
          ? `${event.user_type}: ${event.text}`
          : event.type === "agent_details"
            ? "joined: Grace"
            : event.type
      )
    ).toEqual(expected)
    const ids = events.map((event) => event.message_id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(
      sim.hub
        .get(chat.id)
        .transcript.filter((entry) => entry.kind === "message")
        .map((entry) => `${entry.from}: ${entry.text}`)
    ).toEqual(expected.filter((line) => !line.startsWith("joined")))
    expect(sim.hub.get(chat.id).state).toBe("chatting")
    expect(sim.hub.list({ provider: "livechat" })).toHaveLength(1)
    expect(sim.violations).toEqual([])
  })
})
