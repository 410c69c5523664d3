/**
 * Content encodings on the light transport, as fetch decodes them: gzip, x-gzip, deflate (zlib-wrapped and raw), br
 * and a list of them, delivered in small pieces; the same text as fetch reads. An unknown or corrupt encoding is a
 * malformed answer. No `accept-encoding` is sent unless the caller sets one.
 */
import { createServer, type RequestListener } from "node:http"
import type { AddressInfo } from "node:net"
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import createClient from "openapi-fetch"
import { answered, CallFailure, unanswered } from "../src/internal/call.ts"
import { LightRequest, lightFetch, makePool, TransportError, transportOptions } from "../src/internal/transport.ts"

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

const serve = async (handler: RequestListener) => {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

const json = JSON.stringify({ events: Array.from({ length: 40 }, (_, i) => ({ type: "message", text: `hé ${i}` })) })
const utf8 = Buffer.from(json)

/** Encodings by name: the `content-encoding` sent and the bytes. */
const encoded: Record<string, { readonly header: string; readonly body: Buffer }> = {
  gzip: { header: "gzip", body: gzipSync(utf8) },
  "x-gzip": { header: "x-gzip", body: gzipSync(utf8) },
  "deflate (zlib)": { header: "deflate", body: deflateSync(utf8) },
  "deflate (raw)": { header: "deflate", body: deflateRawSync(utf8) },
  br: { header: "br", body: brotliCompressSync(utf8) },
  "gzip, br": { header: "gzip, br", body: brotliCompressSync(gzipSync(utf8)) },
  "GZIP in capitals": { header: "GZIP", body: gzipSync(utf8) },
  identity: { header: "identity", body: utf8 },
  "gzip, empty body": { header: "gzip", body: Buffer.alloc(0) }
}

/** Serves `encoded[name]` at `/<name>` in 7-byte pieces (chunked), so decoding runs over many writes. */
const encodingServer = () =>
  serve((request, response) => {
    const name = decodeURIComponent((request.url ?? "/").slice(1))
    const entry = encoded[name]
    if (entry === undefined) {
      response.writeHead(404)
      response.end()
      return
    }
    response.writeHead(200, { "content-type": "application/json", "content-encoding": entry.header })
    let at = 0
    const next = () => {
      if (at >= entry.body.length) return response.end()
      response.write(entry.body.subarray(at, at + 7))
      at += 7
      setImmediate(next)
    }
    next()
  })

describe("transport: content encodings (light transport)", () => {
  it("decodes each encoding fetch decodes, to the text fetch reads", async () => {
    await using server = await encodingServer()
    const pool = makePool({})
    const light = lightFetch(pool)
    try {
      for (const name of Object.keys(encoded)) {
        const url = `${server.origin}/${encodeURIComponent(name)}`
        const ours = await (await light(new LightRequest(url, {}))).text()
        const theirs = await (await fetch(url)).text()
        assert.strictEqual(ours, theirs, name)
        assert.strictEqual(ours, name === "gzip, empty body" ? "" : json, name)
      }
    } finally {
      await pool.destroy()
    }
  })

  it("gives openapi-fetch the decoded JSON", async () => {
    await using server = await encodingServer()
    const pool = makePool({})
    try {
      const client = createClient<Paths>({ baseUrl: server.origin, ...transportOptions(pool) })
      const result = await client.GET("/gzip")
      const answer = answered("poll", result)
      assert.notInstanceOf(answer, CallFailure)
      assert.deepStrictEqual((answer as { data: unknown }).data, JSON.parse(json))
      const empty = answered("poll", await client.GET(`/${encodeURIComponent("gzip, empty body")}`))
      assert.deepStrictEqual((empty as { data: unknown }).data, undefined)
    } finally {
      await pool.destroy()
    }
  })

  it("an unknown encoding is a malformed answer, not retried", async () => {
    await using server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "zstd" })
      response.end("(\u00b5/\u00fd")
    })
    const pool = makePool({})
    try {
      const error = await lightFetch(pool)(new LightRequest(server.origin, {})).then(
        () => assert.fail("decoded an unknown encoding"),
        (cause: unknown) => cause
      )
      assert.instanceOf(error, TransportError)
      const failure = unanswered("poll", error)
      assert.strictEqual(failure.code, "BAD_ENCODING")
      assert.strictEqual(failure.status, 200)
      assert.strictEqual(failure.malformed, 'the answer is encoded as "zstd", which is not supported')
      assert.isFalse(failure.retryable)
    } finally {
      await pool.destroy()
    }
  })

  it("a corrupt gzip body is a malformed answer", async () => {
    await using server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      response.end(Buffer.from("this is not gzip at all, only text pretending"))
    })
    const pool = makePool({})
    try {
      const error = await lightFetch(pool)(new LightRequest(server.origin, {})).then(
        () => assert.fail("decoded a corrupt body"),
        (cause: unknown) => cause
      )
      const failure = unanswered("poll", error)
      assert.strictEqual(failure.code, "BAD_ENCODING")
      assert.strictEqual(failure.malformed, "the answer's gzip encoding is corrupt")
      assert.isFalse(failure.retryable)
    } finally {
      await pool.destroy()
    }
  })

  it("sends no accept-encoding of its own, and the caller's when it sets one", async () => {
    const seen: Array<string | undefined> = []
    await using server = await serve((request, response) => {
      seen.push(request.headers["accept-encoding"])
      response.end()
    })
    const pool = makePool({})
    try {
      const light = lightFetch(pool)
      await light(new LightRequest(server.origin, {}))
      await light(new LightRequest(server.origin, { headers: new Headers({ "accept-encoding": "gzip" }) }))
      assert.deepStrictEqual(seen, [undefined, "gzip"])
    } finally {
      await pool.destroy()
    }
  })
})
