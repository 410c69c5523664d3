/**
 * The transport's URL split: whatever the shortcut, the dispatcher gets the origin and path `new URL` gives (what
 * `undici.request` and fetch send), dot segments resolved and special characters encoded. And the light abort
 * handle of long polls: it aborts a request held by the server, as an AbortSignal would.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { LightAbort, LightRequest, lightFetch, makePool, Targets } from "../src/internal/transport.ts"

const byUrl = (url: string) => {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
}

describe("transport: URL split", () => {
  it("gives what new URL gives, on the origin seen before and on others", () => {
    const targets = new Targets()
    const urls = [
      "http://127.0.0.1:8080/visitors/v1/chat/get_pending_messages?licence_id=1&secured_session_id=a%2Bb",
      "http://127.0.0.1:8080/visitors/v1/chat/get_pending_messages?licence_id=1&last_message_id=7",
      "http://127.0.0.1:8080/visitors/../chat/start",
      "http://127.0.0.1:8080/visitors/%2E%2e/chat/start",
      "http://127.0.0.1:8080/visitors/./v1",
      "http://127.0.0.1:8080/a b?q=x y",
      "http://127.0.0.1:8080/a?q='quoted'",
      "http://127.0.0.1:8080/a#fragment",
      "http://127.0.0.1:8080/a\\b",
      "http://127.0.0.1:8080/a/{b}/[c]|^`",
      "http://127.0.0.1:8080/empty-query?",
      "https://example.com/a",
      "https://example.com.test/a",
      "http://127.0.0.1:8080",
      "HTTP://EXAMPLE.com:80/Chat/rest/System/SessionId",
      "https://example.com:443/chat/rest/System/SessionId",
      "https://user:secret@example.com/chat/rest",
      "https://example.com/api/account/123/chat/request?v=1&NC=true"
    ]
    for (const url of urls) assert.deepStrictEqual(targets.split(url), byUrl(url), url)
    // The same again, now that each origin has been seen.
    for (const url of urls) assert.deepStrictEqual(targets.split(url), byUrl(url), url)
  })

  it("agrees with new URL on random paths and queries", () => {
    const alphabet = "abcXYZ019-._~%!$&'()*+,;=:@/?# \\\"<>^`{|}[]é\u0001"
    let seed = 42
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    const targets = new Targets()
    targets.split("http://localhost:3000/")
    for (let i = 0; i < 5000; i++) {
      let tail = "/"
      const length = next() % 24
      for (let j = 0; j < length; j++) tail += alphabet[next() % alphabet.length]
      const url = `http://localhost:3000${tail}`
      assert.deepStrictEqual(targets.split(url), byUrl(url), url)
    }
  })
})

describe("transport: light abort handle", () => {
  it("aborts a request the server holds, and one aborted before it was sent, with an AbortError", async () => {
    const held: Array<() => void> = []
    const server: Server = createServer((_request, response) => {
      held.push(() => response.end())
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const pool = makePool({ connections: 4 })
    const fetch = lightFetch(pool)
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/System/Messages?ack=-1`
    try {
      const abort = new LightAbort()
      const pending = fetch(new LightRequest(url, { signal: abort.signal }))
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      abort.abort()
      const error = await pending.then(
        () => undefined,
        (cause: unknown) => cause
      )
      assert.strictEqual((error as Error | undefined)?.name, "AbortError")
      abort.abort() // idempotent

      const early = new LightAbort()
      early.abort()
      const refused = await fetch(new LightRequest(url, { signal: early.signal })).then(
        () => undefined,
        (cause: unknown) => cause
      )
      assert.strictEqual((refused as Error | undefined)?.name, "AbortError")
    } finally {
      for (const answer of held) answer()
      await pool.close()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
