/**
 * Redirects on the light transport, followed as fetch's "follow" does (method and body as fetch changes them, checked
 * against fetch itself), relative Locations resolved, at most 20 in a row. A redirect to another origin carries
 * neither `authorization` (as with fetch) nor Salesforce's session key and affinity headers (unlike fetch).
 */
import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { unanswered } from "../src/internal/call.ts"
import { LightRequest, lightFetch, makePool } from "../src/internal/transport.ts"

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A server recording what it receives; `route` answers with a status and headers (and an optional body). */
const serve = async (
  route: (path: string, origin: string) => { status: number; headers?: Record<string, string>; delay?: number }
) => {
  const seen: Array<Seen> = []
  let origin = ""
  const handler: RequestListener = (request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => {
      body += chunk
    })
    request.on("end", () => {
      const path = request.url ?? "/"
      seen.push({ method: request.method ?? "", path, headers: request.headers, body })
      const { status, headers, delay = 0 } = route(path, origin)
      setTimeout(() => {
        response.writeHead(status, headers)
        response.end(status >= 300 && status < 400 ? "<p>moved</p>" : `${request.method} ${path} ${body}`)
      }, delay)
    })
  }
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    seen,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

/** `/redirect/<status>` redirects to `/target`; anything else answers 200. */
const redirecting = (path: string) => {
  const match = /^\/redirect\/(\d+)/.exec(path)
  return match ? { status: Number(match[1]), headers: { location: "/target" } } : { status: 200 }
}

const light = () => {
  const pool = makePool({ deadline: 5_000 })
  return { fetch: lightFetch(pool), [Symbol.asyncDispose]: () => pool.destroy() }
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("the request succeeded"),
    (cause: unknown) => unanswered("send", cause)
  )

describe("transport: redirects (light transport)", () => {
  it("changes the method and body as fetch does for 301, 302, 303, 307 and 308", async () => {
    await using server = await serve(redirecting)
    await using client = light()
    for (const status of [301, 302, 303, 307, 308]) {
      for (const method of ["POST", "PUT", "GET"]) {
        const body = method === "GET" ? undefined : '{"text":"hi"}'
        const headers = { "content-type": "application/json", "x-api-version": "2" }
        const url = `${server.origin}/redirect/${status}`

        server.seen.length = 0
        const ours = await client.fetch(new LightRequest(url, { method, body, headers: new Headers(headers) }))
        const oursSeen = server.seen.slice()
        server.seen.length = 0
        const theirs = await fetch(url, { method, body: body ?? null, headers })
        const theirsSeen = server.seen.slice()

        const label = `${status} ${method}`
        assert.strictEqual(ours.status, 200, label)
        assert.strictEqual(await ours.text(), await theirs.text(), label)
        const final = (seen: Array<Seen>) => {
          const last = seen[1] as Seen
          return {
            method: last.method,
            body: last.body,
            type: last.headers["content-type"],
            v: last.headers["x-api-version"]
          }
        }
        assert.strictEqual(oursSeen.length, 2, label)
        assert.deepStrictEqual(final(oursSeen), final(theirsSeen), label)
      }
    }
  })

  it("resolves a relative Location against the URL that answered it, as new URL does", async () => {
    const hops: Record<string, string> = {
      "/a/b/start": "next?x=1",
      "/a/b/next?x=1": "../up",
      "/a/up": "//placeholder/abs", // protocol-relative: replaced below by the server's own host
      "/abs": "/end%20here?q=a b"
    }
    await using server = await serve((path, origin) => {
      const location = hops[path]?.replace("//placeholder", origin.replace("http:", ""))
      return location === undefined ? { status: 200 } : { status: 302, headers: { location } }
    })
    await using client = light()
    const answer = await client.fetch(new LightRequest(`${server.origin}/a/b/start`, {}))
    assert.strictEqual(answer.status, 200)
    assert.deepStrictEqual(
      server.seen.map((s) => s.path),
      ["/a/b/start", "/a/b/next?x=1", "/a/up", "/abs", "/end%20here?q=a%20b"]
    )
  })

  it("drops authorization and the Salesforce session headers on a redirect to another origin, not on the same origin", async () => {
    await using elsewhere = await serve(() => ({ status: 200 }))
    await using server = await serve((path) =>
      path === "/same"
        ? { status: 307, headers: { location: "/landed" } }
        : path === "/away"
          ? { status: 307, headers: { location: `${elsewhere.origin}/landed` } }
          : { status: 200 }
    )
    await using client = light()
    const headers = () =>
      new Headers({
        authorization: "LivePerson appKey=secret",
        cookie: "a=b",
        "X-LIVEAGENT-SESSION-KEY": "key!",
        "X-LIVEAGENT-AFFINITY": "aff",
        "X-LIVEAGENT-API-VERSION": "58",
        "x-api-version": "2",
        accept: "application/json"
      })
    await client.fetch(new LightRequest(`${server.origin}/same`, { method: "POST", body: "{}", headers: headers() }))
    const same = server.seen[1] as Seen
    assert.strictEqual(same.path, "/landed")
    assert.strictEqual(same.headers.authorization, "LivePerson appKey=secret")
    assert.strictEqual(same.headers["x-liveagent-session-key"], "key!")

    await client.fetch(new LightRequest(`${server.origin}/away`, { method: "POST", body: "{}", headers: headers() }))
    const away = elsewhere.seen[0] as Seen
    assert.strictEqual(away.method, "POST")
    assert.strictEqual(away.body, "{}")
    assert.strictEqual(away.headers["x-liveagent-session-key"], undefined)
    assert.strictEqual(away.headers["x-liveagent-affinity"], undefined)
    assert.strictEqual(away.headers["x-liveagent-api-version"], "58", "no secret: it follows, as with fetch")
    assert.strictEqual(away.headers.authorization, undefined)
    assert.strictEqual(away.headers.cookie, undefined)
    assert.strictEqual(away.headers["x-api-version"], "2")
    assert.strictEqual(away.headers.accept, "application/json")
  })

  it("follows 20 redirects, and fails the 21st as a redirect loop (malformed, not retried)", async () => {
    await using server = await serve((path) => {
      const n = Number(path.slice(1))
      return n > 0 ? { status: 302, headers: { location: `/${n - 1}` } } : { status: 200 }
    })
    await using client = light()
    const twenty = await client.fetch(new LightRequest(`${server.origin}/20`, {}))
    assert.strictEqual(twenty.status, 200)
    assert.strictEqual(server.seen.length, 21)

    const failure = await failureOf(client.fetch(new LightRequest(`${server.origin}/21`, {})))
    assert.strictEqual(failure.code, "REDIRECT_LOOP")
    assert.strictEqual(failure.status, 302)
    assert.strictEqual(failure.malformed, "more than 20 redirects in a row")
    assert.isFalse(failure.retryable)
  })

  it("fails a redirect loop", async () => {
    await using server = await serve((path) => ({ status: 308, headers: { location: path === "/a" ? "/b" : "/a" } }))
    await using client = light()
    const failure = await failureOf(client.fetch(new LightRequest(`${server.origin}/a`, { method: "POST", body: "x" })))
    assert.strictEqual(failure.code, "REDIRECT_LOOP")
    assert.strictEqual(server.seen.length, 21)
  })

  it("fails a redirect to a URL that is not http(s), without following it", async () => {
    for (const location of ["ftp://127.0.0.1/file", "javascript:alert(1)", "data:text/plain,hi", "http://[::1"]) {
      await using server = await serve(() => ({ status: 302, headers: { location } }))
      await using client = light()
      const failure = await failureOf(client.fetch(new LightRequest(`${server.origin}/go`, {})))
      assert.strictEqual(failure.code, "BAD_REDIRECT", location)
      assert.isDefined(failure.malformed)
      assert.notInclude(failure.malformed ?? "", "127.0.0.1")
      assert.isFalse(failure.retryable)
    }
  })

  it("returns a 3xx without Location as it is", async () => {
    await using server = await serve(() => ({ status: 302 }))
    await using client = light()
    const answer = await client.fetch(new LightRequest(`${server.origin}/nowhere`, {}))
    assert.strictEqual(answer.status, 302)
    assert.isFalse(answer.ok)
    assert.strictEqual(server.seen.length, 1)
  })

  it("counts every hop against the deadline", async () => {
    await using server = await serve((path) => {
      const n = Number(path.slice(1))
      return { status: 302, headers: { location: `/${n + 1}` }, delay: 100 }
    })
    const pool = makePool({ deadline: 350 })
    try {
      // Each hop takes 100 ms, well within the deadline; four of them do not.
      const failure = await failureOf(lightFetch(pool)(new LightRequest(`${server.origin}/0`, {})))
      assert.strictEqual(failure.code, "DEADLINE")
      assert.strictEqual(server.seen.length, 4)
    } finally {
      await pool.destroy()
    }
  })
})
