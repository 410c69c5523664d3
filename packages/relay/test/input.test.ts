import { assert, describe, it } from "vitest"
import { agentChat, call, errorOf, events, stack, visitor } from "./support.ts"

const answer = async (response: Response) => ({ status: response.status, ...(await errorOf(response)) })

describe("relay: bad input gets a clear 4xx and the relay stays up", () => {
  it("refuses a bad pre-chat form, field by field", async () => {
    await using s = await stack()
    const start = (body: unknown) => call(s.relay, "POST", "/chats", { body }).then(answer)
    const missing = await start({ email: "ada@example.com" })
    assert.strictEqual(missing.status, 400)
    assert.strictEqual(missing.code, "invalid_request")
    assert.include(missing.message, "name")
    assert.include(missing.message, "question")
    const wrongType = await start({ name: 42, question: "Hi" })
    assert.strictEqual(wrongType.status, 400)
    assert.match(wrongType.message, /name: Expected string, actual 42/)
    const blank = await start({ name: "   ", question: "Hi" })
    assert.include(blank.message, "name is required")
    const email = await start({ name: "Ada", email: "not-an-email", question: "Hi" })
    assert.include(email.message, "email must be an email address")
    const extra = await start({ name: "Ada", question: "Hi", admin: true })
    assert.strictEqual(extra.status, 400)
    assert.include(extra.message, "admin")
    const array = await start(["Ada"])
    assert.strictEqual(array.status, 400)
    const long = await start({ name: "Ada", question: "x".repeat(2001) })
    assert.strictEqual(long.status, 413)
    assert.strictEqual(long.code, "message_too_large")
    assert.strictEqual(s.sim.hub.list().length, 0, "nothing reached the provider")
  })

  it("refuses malformed JSON, other media types and oversized bodies", async () => {
    await using s = await stack()
    const broken = await call(s.relay, "POST", "/chats", { raw: "{ name: Ada" }).then(answer)
    assert.deepStrictEqual([broken.status, broken.code], [400, "invalid_json"])
    const form = await call(s.relay, "POST", "/chats", {
      raw: "name=Ada&question=Hi",
      headers: { "content-type": "application/x-www-form-urlencoded" }
    }).then(answer)
    assert.deepStrictEqual([form.status, form.code], [415, "unsupported_media_type"])
    const huge = await call(s.relay, "POST", "/chats", { raw: JSON.stringify({ name: "x".repeat(20_000) }) }).then(
      answer
    )
    assert.deepStrictEqual([huge.status, huge.code], [413, "too_large"])
    const route = await call(s.relay, "GET", "/nope").then(answer)
    assert.deepStrictEqual([route.status, route.code], [404, "not_found"])
  })

  it("refuses bad messages, typing and resume ids on a live chat, which goes on unharmed", async () => {
    await using s = await stack()
    const ada = await visitor(s.relay)
    const post = (path: string, body: unknown) =>
      call(s.relay, "POST", `/chats/${ada.id}/${path}`, { body, headers: ada.auth }).then(answer)
    const oversized = await post("messages", { text: "x".repeat(2001) })
    assert.deepStrictEqual([oversized.status, oversized.code], [413, "message_too_large"])
    assert.include(oversized.message, "at most 2000")
    const wrongType = await post("messages", { text: ["a"] })
    assert.deepStrictEqual([wrongType.status, wrongType.code], [400, "invalid_request"])
    const empty = await post("messages", { text: "  " })
    assert.deepStrictEqual([empty.status, empty.code], [400, "invalid_request"])
    const typing = await post("typing", { on: "yes" })
    assert.deepStrictEqual([typing.status, typing.code], [400, "invalid_request"])
    const endWithBody = await post("end", { reason: "x" })
    assert.deepStrictEqual([endWithBody.status, endWithBody.code], [400, "invalid_request"])
    const resume = await call(s.relay, "GET", `/chats/${ada.id}/events`, {
      headers: { ...ada.auth, "last-event-id": "-1" }
    }).then(answer)
    assert.deepStrictEqual([resume.status, resume.code], [400, "invalid_request"])

    const remote = await agentChat(s.sim)
    s.sim.hub.accept(remote.id, { name: "Grace" })
    const ok = await call(s.relay, "POST", `/chats/${ada.id}/messages`, {
      body: { text: "Still here" },
      headers: ada.auth
    })
    assert.strictEqual(ok.status, 200)
    assert.deepStrictEqual(
      s.sim.hub
        .get(remote.id)
        .transcript.flatMap((entry) => (entry.kind === "message" && entry.from === "visitor" ? [entry.text] : [])),
      ["Where is my parcel?", "Still here"]
    )
  })
})

describe("relay: tokens", () => {
  it("missing token 401, unknown chat 404, another visitor's token 403: on every route", async () => {
    await using s = await stack()
    const ada = await visitor(s.relay, "Ada")
    const bob = await visitor(s.relay, "Bob")
    const routes: ReadonlyArray<readonly [string, string, unknown?]> = [
      ["GET", ""],
      ["GET", "/events"],
      ["POST", "/messages", { text: "I am Bob" }],
      ["POST", "/typing", { on: true }],
      ["POST", "/end"]
    ]
    for (const [method, suffix, body] of routes) {
      const on = (id: string, headers: Record<string, string>) =>
        call(s.relay, method, `/chats/${id}${suffix}`, { headers, ...(body === undefined ? {} : { body }) }).then(
          answer
        )
      const none = await on(ada.id, {})
      assert.deepStrictEqual([none.status, none.code], [401, "unauthorized"], `${method} ${suffix} without a token`)
      const foreign = await on(ada.id, bob.auth)
      assert.deepStrictEqual(
        [foreign.status, foreign.code],
        [403, "forbidden"],
        `${method} ${suffix} with Bob's cookie`
      )
      const bearer = await on(ada.id, { authorization: `Bearer ${bob.auth.cookie?.split("=")[1]}` })
      assert.deepStrictEqual([bearer.status, bearer.code], [403, "forbidden"], `${method} ${suffix} with Bob's bearer`)
      const garbage = await on(ada.id, { authorization: "Bearer x" })
      assert.deepStrictEqual([garbage.status, garbage.code], [403, "forbidden"])
      const unknown = await on("AAAAAAAAAAAAAAAA", ada.auth)
      assert.deepStrictEqual([unknown.status, unknown.code], [404, "not_found"], `${method} ${suffix} unknown chat`)
      const malformed = await on("..%2F..%2Fetc", ada.auth)
      assert.strictEqual(malformed.status, 404)
    }
    // Nothing Bob tried reached Ada's chat: it is still open, and no "I am Bob" message exists anywhere.
    const remote = s.sim.hub.list().find((chat) => chat.visitorName === "Ada")
    assert.strictEqual(remote?.state, "queued")
    const info = await call(s.relay, "GET", `/chats/${ada.id}`, { headers: ada.auth })
    assert.strictEqual(info.status, 200)
  })

  it("bearer mode hands the token out in the answer (no cookie) and accepts it back", async () => {
    await using s = await stack({ token: "bearer" })
    const response = await call(s.relay, "POST", "/chats", { body: { name: "Ada", question: "Hi" } })
    assert.strictEqual(response.status, 201)
    assert.isNull(response.headers.get("set-cookie"))
    const { chat, token } = (await response.json()) as { chat: { id: string }; token: string }
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    const info = await call(s.relay, "GET", `/chats/${chat.id}`, { headers: { authorization: `Bearer ${token}` } })
    assert.strictEqual(info.status, 200)
  })
})

describe("relay: floods", () => {
  it("a flood of messages from one visitor gets 429 with Retry-After; another visitor is unaffected", async () => {
    await using s = await stack({ rateLimits: { messages: { burst: 3, perMinute: 6 } } })
    const ada = await visitor(s.relay, "Ada")
    const bob = await visitor(s.relay, "Bob")
    for (const chat of s.sim.hub.list()) s.sim.hub.accept(chat.id, { name: "Grace" })
    const flood = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        call(s.relay, "POST", `/chats/${ada.id}/messages`, { body: { text: `spam ${n}` }, headers: ada.auth })
      )
    )
    const statuses = flood.map((response) => response.status)
    assert.strictEqual(statuses.filter((status) => status === 200).length, 3)
    assert.strictEqual(statuses.filter((status) => status === 429).length, 17)
    const refused = flood.find((response) => response.status === 429) as Response
    assert.strictEqual(refused.headers.get("retry-after"), "10")
    assert.strictEqual((await errorOf(refused)).code, "rate_limited")
    const fromBob = await call(s.relay, "POST", `/chats/${bob.id}/messages`, {
      body: { text: "Hi" },
      headers: bob.auth
    })
    assert.strictEqual(fromBob.status, 200)
  })

  it("a flood of new chats from one address gets 429; the chats already open go on", async () => {
    await using s = await stack({ rateLimits: { starts: { burst: 2, perMinute: 1 } } })
    const ada = await visitor(s.relay, "Ada")
    await visitor(s.relay, "Ada again")
    const third = await call(s.relay, "POST", "/chats", { body: { name: "Ada", question: "Hi" } })
    assert.strictEqual(third.status, 429)
    assert.strictEqual(third.headers.get("retry-after"), "60")
    assert.strictEqual(s.sim.hub.list().length, 2)
    const stream = await events(s.relay, ada.id, ada.auth)
    await stream.until("queued", (event) => event.type === "queued")
    await stream.close()
  })

  it("caps the chats held and the event streams per chat", async () => {
    await using s = await stack({ maxChats: 1, maxStreamsPerChat: 2 })
    const ada = await visitor(s.relay)
    const full = await call(s.relay, "POST", "/chats", { body: { name: "Bob", question: "Hi" } }).then(answer)
    assert.deepStrictEqual([full.status, full.code], [503, "capacity"])
    const one = await events(s.relay, ada.id, ada.auth)
    const two = await events(s.relay, ada.id, ada.auth)
    const three = await call(s.relay, "GET", `/chats/${ada.id}/events`, { headers: ada.auth }).then(answer)
    assert.deepStrictEqual([three.status, three.code], [429, "too_many_streams"])
    await one.close()
    await two.close()
  })
})
