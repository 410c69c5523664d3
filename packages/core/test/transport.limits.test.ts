/**
 * The transport's limits against hostile servers over loopback: a whole-request deadline (a body trickling a byte at
 * a time, headers that never come, a request queued behind a stuck pool) and a size cap on the answer as received
 * and once decoded (an endless body, a gzip bomb), on the light transport and on a caller's fetch behind
 * `guardFetch`. Each failure destroys the request's socket: the server sees it close.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { constants, createGzip } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { answered, CallFailure, call, unanswered } from "../src/internal/call.ts"
import {
  guardFetch,
  LightRequest,
  type LightResponse,
  lightFetch,
  makePool,
  TransportError
} from "../src/internal/transport.ts"

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

const pooled = (options: Parameters<typeof makePool>[0]) => {
  const pool = makePool(options)
  return { pool, fetch: lightFetch(pool), [Symbol.asyncDispose]: () => pool.destroy() }
}

/** Resolves once the request's socket closed (the client gave up on it). */
const closed = (request: IncomingMessage) => new Promise<void>((resolve) => request.socket.once("close", resolve))

/**
 * The rejection of the request `start` makes (fails the test if it resolves), with the time it took, counted from
 * before the request is made (its deadline starts inside `start`).
 */
const rejection = async (start: () => Promise<unknown>) => {
  const started = performance.now()
  const outcome = await start().then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error })
  )
  if (!("error" in outcome)) assert.fail("the request succeeded")
  return { error: outcome.error, elapsed: performance.now() - started }
}

const codeOf = (error: unknown) => (error instanceof TransportError ? error.code : String(error))

/** A body written forever, as fast as the socket takes it. */
const endless = (response: ServerResponse, chunk: Buffer, sent: { bytes: number }) => {
  const more = () => {
    while (!response.destroyed) {
      sent.bytes += chunk.length
      if (!response.write(chunk)) return response.once("drain", more)
    }
  }
  more()
}

describe("transport: whole-request deadline (light transport)", () => {
  it("a body trickling a byte at a time fails at the deadline, and its socket is closed", async () => {
    let socketClosed: Promise<void> | undefined
    const trickles: Array<NodeJS.Timeout> = []
    await using server = await serve((request, response) => {
      socketClosed = closed(request)
      response.writeHead(200, { "content-type": "application/json" })
      response.write("[")
      trickles.push(setInterval(() => response.write(" "), 50))
    })
    await using light = pooled({ deadline: 600 })
    try {
      const { error, elapsed } = await rejection(() => light.fetch(new LightRequest(`${server.origin}/trickle`, {})))
      assert.strictEqual(codeOf(error), "DEADLINE")
      assert.isAtLeast(elapsed, 590)
      assert.isBelow(elapsed, 1_500) // the sweeper runs every 30 ms for a 600 ms deadline
      await socketClosed
    } finally {
      for (const trickle of trickles) clearInterval(trickle)
    }
  })

  it("headers that never come fail at the deadline, as a retryable CallFailure that may have been applied", async () => {
    await using server = await serve(() => {})
    await using light = pooled({ deadline: 300 })
    const failure = await light.fetch(new LightRequest(`${server.origin}/silent`, { method: "POST", body: "{}" })).then(
      () => assert.fail("the request succeeded"),
      (cause: unknown) => unanswered("send", cause)
    )
    assert.strictEqual(failure.code, "DEADLINE")
    assert.strictEqual(failure.status, undefined)
    assert.strictEqual(failure.malformed, undefined)
    assert.isTrue(failure.retryable)
    assert.isTrue(failure.maybeApplied)
  })

  it("a request queued behind a stuck pool fails at its own deadline", async () => {
    let arrived: () => void = () => undefined
    const atServer = new Promise<void>((resolve) => {
      arrived = resolve
    })
    await using server = await serve(() => arrived())
    await using light = pooled({ deadline: 400, connections: 1 })
    const first = rejection(() => light.fetch(new LightRequest(`${server.origin}/held`, {})))
    await atServer // the pool's only connection is now held: the second request queues behind it
    const second = await rejection(() => light.fetch(new LightRequest(`${server.origin}/queued`, {})))
    assert.strictEqual(codeOf(second.error), "DEADLINE")
    assert.isAtLeast(second.elapsed, 390)
    assert.isBelow(second.elapsed, 1_200)
    assert.strictEqual(codeOf((await first).error), "DEADLINE")
  })

  it("requests that end in time are not touched, on a pool whose sweeper has stopped and started again", async () => {
    await using server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" })
      response.end('{"ok":true}')
    })
    // A deadline far above a loopback answer even on a loaded machine; the sweeper runs every 100 ms.
    await using light = pooled({ deadline: 2_000 })
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => light.fetch(new LightRequest(`${server.origin}/fast`, {})))
      )
      for (const answer of answers) assert.deepStrictEqual(await answer.json(), { ok: true })
      assert.isTrue(light.pool.limits.sweeping)
      // Until the sweeper has stopped by itself (two idle sweeps), so the next round starts it again.
      while (light.pool.limits.sweeping)
        await new Promise((resolve) => setTimeout(resolve, light.pool.limits.sweepEvery))
    }
  })

  it("`headersTimeout` is still read as the deadline", () => {
    const pool = makePool({ headersTimeout: 1_234 })
    assert.strictEqual(pool.deadline, 1_234)
    assert.strictEqual(pool.maxResponseBytes, 8 * 1024 * 1024)
    assert.strictEqual(makePool({ headersTimeout: 1_234, deadline: 99 }).deadline, 99)
    assert.strictEqual(makePool().deadline, 15_000)
  })
})

describe("transport: size cap (light transport)", () => {
  it("an endless body fails past maxResponseBytes, as a malformed answer, and its socket is closed", async () => {
    const sent = { bytes: 0 }
    let socketClosed: Promise<void> | undefined
    await using server = await serve((request, response) => {
      socketClosed = closed(request)
      response.writeHead(200, { "content-type": "application/json" })
      endless(response, Buffer.alloc(64 * 1024, 0x20), sent)
    })
    await using light = pooled({ maxResponseBytes: 1024 * 1024 })
    const { error } = await rejection(() => light.fetch(new LightRequest(`${server.origin}/endless`, {})))
    assert.strictEqual(codeOf(error), "TOO_LARGE")
    await socketClosed
    // What the server managed to write: the cap plus what the sockets' buffers held, not an endless stream.
    assert.isBelow(sent.bytes, 32 * 1024 * 1024)
    const failure = unanswered("poll", error)
    assert.strictEqual(failure.status, 200)
    assert.strictEqual(failure.malformed, "the answer is larger than 1048576 bytes")
    assert.isFalse(failure.retryable)
  })

  it("an answer of exactly maxResponseBytes is read; one byte more is too large", async () => {
    await using server = await serve((request, response) => {
      const size = Number(new URL(request.url ?? "/", "http://x").searchParams.get("size"))
      response.writeHead(200, { "content-type": "text/plain", "content-length": String(size) })
      response.end(Buffer.alloc(size, 0x61))
    })
    await using light = pooled({ maxResponseBytes: 100_000 })
    const exact = await light.fetch(new LightRequest(`${server.origin}/?size=100000`, {}))
    assert.strictEqual((await exact.text()).length, 100_000)
    assert.strictEqual(exact.headers.get("content-length"), "100000")
    const { error } = await rejection(() => light.fetch(new LightRequest(`${server.origin}/?size=100001`, {})))
    assert.strictEqual(codeOf(error), "TOO_LARGE")
  })

  it("a gzip bomb fails once its decoded size passes the cap, having read a sliver of it", async () => {
    const sent = { bytes: 0 }
    let socketClosed: Promise<void> | undefined
    await using server = await serve((request, response) => {
      socketClosed = closed(request)
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION })
      gzip.on("data", (chunk: Buffer) => {
        sent.bytes += chunk.length
        if (!response.destroyed) response.write(chunk)
      })
      const zeros = Buffer.alloc(1024 * 1024)
      const more = () => {
        while (!response.destroyed) if (!gzip.write(zeros)) return gzip.once("drain", more)
        gzip.destroy()
      }
      response.on("close", () => gzip.destroy())
      more()
    })
    await using light = pooled({ maxResponseBytes: 4 * 1024 * 1024 })
    const before = process.memoryUsage().rss
    const { error, elapsed } = await rejection(() => light.fetch(new LightRequest(`${server.origin}/bomb`, {})))
    assert.strictEqual(codeOf(error), "TOO_LARGE")
    assert.isBelow(elapsed, 5_000)
    await socketClosed
    assert.isBelow(process.memoryUsage().rss - before, 256 * 1024 * 1024)
    assert.isBelow(sent.bytes, 1024 * 1024) // 4 MiB of zeros is a few KB of gzip: the client stopped reading early
  })

  it("a 502 too large to read is malformed as well: not retried", async () => {
    await using server = await serve((_request, response) => {
      response.writeHead(502, { "content-type": "text/html" })
      response.end(Buffer.alloc(2048, 0x3c))
    })
    await using light = pooled({ maxResponseBytes: 1024 })
    const failure = unanswered("send", (await rejection(() => light.fetch(new LightRequest(server.origin, {})))).error)
    assert.strictEqual(failure.code, "TOO_LARGE")
    assert.strictEqual(failure.status, 502)
    assert.isFalse(failure.retryable)
    assert.isTrue(failure.maybeApplied)
  })
})

describe("guardFetch: the limits on a caller's fetch", () => {
  it("a trickling body fails at the deadline and the request is aborted", async () => {
    let socketClosed: Promise<void> | undefined
    const trickles: Array<NodeJS.Timeout> = []
    await using server = await serve((request, response) => {
      socketClosed = closed(request)
      response.writeHead(200, { "content-type": "application/json" })
      response.write("[")
      trickles.push(setInterval(() => response.write(" "), 50))
    })
    try {
      const guarded = guardFetch(fetch, { deadlineMs: 500 })
      const { error, elapsed } = await rejection(() => guarded(new Request(`${server.origin}/trickle`)))
      assert.strictEqual(codeOf(error), "DEADLINE")
      assert.isAtLeast(elapsed, 490)
      assert.isBelow(elapsed, 1_500)
      await socketClosed
    } finally {
      for (const trickle of trickles) clearInterval(trickle)
    }
  })

  it("a fetch that ignores its signal and never answers still fails at the deadline", async () => {
    let seen: AbortSignal | undefined
    const stuck = (request: Request) => {
      seen = request.signal
      return new Promise<Response>(() => {})
    }
    const { error, elapsed } = await rejection(() =>
      guardFetch(stuck, { deadlineMs: 200 })(new Request("http://x.test/"))
    )
    assert.strictEqual(codeOf(error), "DEADLINE")
    assert.isAtLeast(elapsed, 190)
    assert.isTrue(seen?.aborted) // the request it was given was aborted all the same
  })

  it("an endless body fails past maxResponseBytes and the request is aborted", async () => {
    const sent = { bytes: 0 }
    let socketClosed: Promise<void> | undefined
    await using server = await serve((request, response) => {
      socketClosed = closed(request)
      response.writeHead(200, { "content-type": "application/json" })
      endless(response, Buffer.alloc(64 * 1024, 0x20), sent)
    })
    const guarded = guardFetch(fetch, { maxResponseBytes: 1024 * 1024 })
    const { error } = await rejection(() => guarded(new Request(`${server.origin}/endless`)))
    assert.strictEqual(codeOf(error), "TOO_LARGE")
    await socketClosed
    assert.isBelow(sent.bytes, 32 * 1024 * 1024)
  })

  it("the request's own signal still aborts it, with its reason", async () => {
    let socketClosed: Promise<void> | undefined
    let arrived: () => void = () => undefined
    const atServer = new Promise<void>((resolve) => {
      arrived = resolve
    })
    await using server = await serve((request) => {
      socketClosed = closed(request)
      arrived()
    })
    const controller = new AbortController()
    const pending = rejection(() =>
      guardFetch(fetch)(new Request(`${server.origin}/held`, { signal: controller.signal }))
    )
    await atServer // the request is held at the server: aborting it now cuts an exchange in flight
    controller.abort()
    const { error } = await pending
    assert.strictEqual((error as Error).name, "AbortError")
    await socketClosed
    const early = new AbortController()
    early.abort()
    const refused = await rejection(() => guardFetch(fetch)(new Request(server.origin, { signal: early.signal })))
    assert.strictEqual((refused.error as Error).name, "AbortError")
  })

  it("an answer in time comes back whole: status, headers, body", async () => {
    await using server = await serve((request, response) => {
      let body = ""
      request.on("data", (chunk: Buffer) => {
        body += chunk
      })
      request.on("end", () => {
        response.writeHead(201, { "content-type": "application/json", location: "/chat/7", "x-echo": body })
        response.end('{"id":7}')
      })
    })
    const answer = (await guardFetch(fetch)(
      new Request(`${server.origin}/chat`, { method: "POST", body: "hello" })
    )) as unknown as LightResponse
    assert.strictEqual(answer.status, 201)
    assert.isTrue(answer.ok)
    assert.strictEqual(answer.headers.get("Location"), "/chat/7")
    assert.strictEqual(answer.headers.get("x-echo"), "hello")
    assert.deepStrictEqual(await answer.json(), { id: 7 })
  })
})

describe("call: a deadline is a retryable failure", () => {
  it.live("through Effect", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => serve(() => {})),
        (s) => Effect.promise(() => s[Symbol.asyncDispose]())
      )
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => makePool({ deadline: 200 })),
        (p) => Effect.promise(() => p.destroy())
      )
      const fetch = lightFetch(pool)
      const outcome = yield* Effect.either(
        call("poll", () =>
          fetch(new LightRequest(`${server.origin}/held`, {})).then((response) => ({
            data: undefined,
            response: response as unknown as Response
          }))
        )
      )
      assert.isTrue(Either.isLeft(outcome))
      const failure = Either.getLeft(outcome).pipe((o) => (o._tag === "Some" ? o.value : undefined))
      assert.instanceOf(failure, CallFailure)
      assert.strictEqual(failure?.code, "DEADLINE")
      assert.isTrue(failure?.retryable)
      // An answer that did come in time is the answer.
      const fine = answered("poll", { data: 1, response: new Response(null, { status: 200 }) })
      assert.notInstanceOf(fine, CallFailure)
    }).pipe(Effect.scoped)
  )
})
