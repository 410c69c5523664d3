/**
 * What an answer comes to through openapi-fetch and `call`, on the light transport and on a caller's fetch behind
 * `guardFetch`: a 2xx that is not JSON is a malformed answer with its status (not retried), told apart from a network
 * failure; an HTML error page with a 5xx stays an ordinary retryable failure; empty answers are `undefined`. And
 * `CallFailure`'s retryable/maybeApplied for every code, the transport's and the older ones.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import createClient from "openapi-fetch"
import { answered, CallFailure, call, unanswered } from "../src/internal/call.ts"
import { guardTransport, makePool, TransportError, transportOptions } from "../src/internal/transport.ts"

/** Any path, answered with JSON: the tests look at what the transport does, not at a provider's schema. */
type Paths = Record<
  `/${string}`,
  {
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never }
      responses: { 200: { content: { "application/json": unknown } } }
    }
  }
>

interface Scripted {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body: string
  /** Sent chunked, with no content-length. */
  readonly chunked?: boolean
}

const answers: Record<string, Scripted> = {
  "/json": { status: 200, headers: { "content-type": "application/json" }, body: '{"events":[]}' },
  "/json-chunked": { status: 200, headers: { "content-type": "application/json" }, body: '{"a":1}', chunked: true },
  "/broken": { status: 200, headers: { "content-type": "application/json" }, body: '{"events":[' },
  "/broken-chunked": { status: 200, headers: { "content-type": "application/json" }, body: "{nope", chunked: true },
  "/html-200": { status: 200, headers: { "content-type": "text/html" }, body: "<html>Maintenance</html>" },
  "/html-502": { status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" },
  "/error-400": { status: 400, headers: { "content-type": "application/json" }, body: '{"code":"BAD"}' },
  "/empty": { status: 200, body: "" },
  "/empty-chunked": { status: 200, body: "", chunked: true },
  "/no-content": { status: 204, body: "" },
  "/bom": { status: 200, headers: { "content-type": "application/json" }, body: '\ufeff{"b":2}' }
}

const start = async () => {
  const server = createServer((request, response) => {
    const answer = answers[request.url ?? "/"] ?? { status: 404, body: "" }
    const headers = {
      ...answer.headers,
      ...(answer.chunked ? {} : { "content-length": Buffer.byteLength(answer.body) })
    }
    response.writeHead(answer.status, headers)
    if (answer.chunked && answer.body !== "") response.write(answer.body)
    response.end(answer.chunked ? undefined : answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const pool = makePool({ deadline: 5_000 })
  const transports = {
    light: transportOptions(pool),
    "guarded fetch": guardTransport(fetch, { deadlineMs: 5_000 })
  }
  return {
    clients: Object.entries(transports).map(
      ([name, transport]) => [name, createClient<Paths>({ baseUrl: origin, ...transport })] as const
    ),
    [Symbol.asyncDispose]: async () => {
      await pool.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

type Client = ReturnType<typeof createClient<Paths>>

/** What the poll drivers do outside Effect: the answer, or the failure. */
const outcome = (client: Client, path: `/${string}`) =>
  client.GET(path).then(
    (result) => answered("poll", result),
    (cause: unknown) => unanswered("poll", cause)
  )

const failure = async (client: Client, path: `/${string}`): Promise<CallFailure> => {
  const result = await outcome(client, path)
  if (!(result instanceof CallFailure)) return assert.fail(`${path} succeeded`)
  return result
}

const data = async (client: Client, path: `/${string}`): Promise<unknown> => {
  const result = await outcome(client, path)
  if (result instanceof CallFailure) return assert.fail(`${path} failed: ${result.code ?? result.status}`)
  return result.data
}

describe("transport: answers through openapi-fetch", () => {
  it("a 2xx that is not JSON is malformed, with its status, and not retried", async () => {
    await using server = await start()
    for (const [name, client] of server.clients) {
      for (const path of ["/broken", "/broken-chunked", "/html-200"] as const) {
        const result = await failure(client, path)
        const label = `${name} ${path}`
        assert.strictEqual(result.status, 200, label)
        assert.strictEqual(result.code, "NOT_JSON", label)
        assert.strictEqual(result.malformed, "the answer is not JSON", label)
        assert.isFalse(result.retryable, label)
        assert.isTrue(result.maybeApplied, label) // a 2xx: the provider did handle it
      }
    }
  })

  it("an HTML error page with a 502 is an ordinary retryable 502; a JSON 400 keeps its parsed body", async () => {
    await using server = await start()
    for (const [name, client] of server.clients) {
      const gateway = await failure(client, "/html-502")
      assert.strictEqual(gateway.status, 502, name)
      assert.strictEqual(gateway.malformed, undefined, name)
      assert.strictEqual(gateway.body, "<html>Bad Gateway</html>", name)
      assert.isTrue(gateway.retryable, name)
      const refused = await failure(client, "/error-400")
      assert.deepStrictEqual(refused.body, { code: "BAD" }, name)
      assert.isFalse(refused.retryable, name)
    }
  })

  it("JSON is parsed whether or not it has a content-length, a byte order mark skipped; empty answers are undefined", async () => {
    await using server = await start()
    for (const [name, client] of server.clients) {
      assert.deepStrictEqual(await data(client, "/json"), { events: [] }, name)
      assert.deepStrictEqual(await data(client, "/json-chunked"), { a: 1 }, name)
      assert.deepStrictEqual(await data(client, "/bom"), { b: 2 }, name)
      for (const path of ["/empty", "/empty-chunked", "/no-content"] as const) {
        assert.strictEqual(await data(client, path), undefined, `${name} ${path}`)
      }
    }
  })

  it.live("call fails with the malformed CallFailure, not a network one", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(start), (s) =>
        Effect.promise(() => s[Symbol.asyncDispose]())
      )
      for (const [name, client] of server.clients) {
        const result = yield* Effect.flip(call("poll", () => client.GET("/broken")))
        assert.strictEqual(result.status, 200, name)
        assert.strictEqual(result.malformed, "the answer is not JSON", name)
        const fine = yield* call("poll", () => client.GET("/json"))
        assert.deepStrictEqual(fine.data, { events: [] }, name)
      }
    }).pipe(Effect.scoped)
  )
})

describe("CallFailure: retryable, maybeApplied and malformed for each code", () => {
  const of = (cause: unknown) => unanswered("send", cause)
  const table = (failure: CallFailure) => [failure.code, failure.retryable, failure.maybeApplied, failure.malformed]

  it("the transport's codes", () => {
    assert.deepStrictEqual(table(of(new TransportError("DEADLINE", undefined, undefined))), [
      "DEADLINE",
      true,
      true,
      undefined
    ])
    for (const code of ["TOO_LARGE", "BAD_ENCODING", "REDIRECT_LOOP", "BAD_REDIRECT", "NOT_JSON"] as const) {
      const at200 = of(new TransportError(code, "detail", 200))
      assert.deepStrictEqual(table(at200), [code, false, true, "detail"], code)
      assert.strictEqual(at200.status, 200)
      assert.isFalse(of(new TransportError(code, "detail", 404)).maybeApplied, code)
      assert.isFalse(of(new TransportError(code, "detail", 503)).maybeApplied, code)
      assert.isTrue(of(new TransportError(code, "detail", 500)).maybeApplied, code)
      assert.isFalse(of(new TransportError(code, "detail", 500)).retryable, code)
    }
    // A SyntaxError from parsing an answer elsewhere (openapi-fetch's own parse, a fetch without the guard).
    assert.deepStrictEqual(table(of(new SyntaxError("Unexpected token"))), [
      "NOT_JSON",
      false,
      true,
      "the answer is not JSON"
    ])
    // Wrapped, as fetch wraps a cause.
    const wrapped = new TypeError("fetch failed", { cause: new TransportError("DEADLINE", undefined, undefined) })
    assert.strictEqual(of(wrapped).code, "DEADLINE")
  })

  it("the older codes and statuses behave as before", () => {
    assert.deepStrictEqual(table(of(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))), [
      "ECONNREFUSED",
      true,
      false,
      undefined
    ])
    assert.deepStrictEqual(table(of(Object.assign(new Error("reset"), { code: "ECONNRESET" }))), [
      "ECONNRESET",
      true,
      true,
      undefined
    ])
    assert.deepStrictEqual(table(of(new DOMException("aborted", "AbortError"))), ["AbortError", true, true, undefined])
    assert.deepStrictEqual(table(new CallFailure({ operation: "x", code: "MALFORMED_ANSWER" })), [
      "MALFORMED_ANSWER",
      true,
      true,
      undefined
    ])
    const byStatus = (status: number) => {
      const f = new CallFailure({ operation: "x", status })
      return [f.retryable, f.maybeApplied]
    }
    assert.deepStrictEqual(byStatus(400), [false, false])
    assert.deepStrictEqual(byStatus(408), [true, false])
    assert.deepStrictEqual(byStatus(429), [true, false])
    assert.deepStrictEqual(byStatus(500), [true, true])
    assert.deepStrictEqual(byStatus(503), [true, false])
  })
})
