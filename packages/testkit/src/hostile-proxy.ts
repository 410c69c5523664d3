/**
 * A loopback reverse proxy in front of a running simulator that answers selected requests the way a broken network,
 * a misconfigured load balancer or a buggy provider would: bodies that never end, that trickle, that are cut short,
 * HTML error pages, silence, 50 MB pages, gzip, a cross-origin redirect.
 *
 * By default it forwards everything unchanged: same method, path, query and headers (the client's `Host` too, so
 * LivePerson's `Location` and links name the proxy), bodies streamed both ways. Rules pick requests by provider and
 * operation (see `classify.ts`). For every behaviour but `instant-empty` and `redirect`, the request is forwarded
 * first, so the simulator applies it, and only the answer is replaced: the case of a proxy that corrupts answers.
 *
 * Every request is recorded (provider, operation, time). `close()` destroys every socket; no timer or socket of the
 * proxy keeps the process alive.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { gzipSync } from "node:zlib"
import { type Classified, classify, type HostileOperation, type HostileProvider, needsBody } from "./classify.ts"
import {
  emptyLivePersonPage,
  endlessBody,
  htmlPage,
  hugeBody,
  instantEmpty,
  jsonHeaders,
  malformedBody,
  trickleText
} from "./hostile-answers.ts"

/** Where `redirect` sends a request on the same origin (the path and query follow it). */
const redirectedPrefix = "/__redirected"
const unredirected = (url: string) =>
  url.startsWith(`${redirectedPrefix}/`) ? url.slice(redirectedPrefix.length) : url

export type Behaviour =
  /** 200, JSON content type, a body written forever (with back-pressure). */
  | "endless-body"
  /** 200, JSON content type, one byte every 5 s, never ending. */
  | "trickle-body"
  /** 200, JSON content type, the real answer cut in half. */
  | "malformed-json"
  /** 200 with an HTML page. */
  | "html-200"
  /** 502 with an HTML page. */
  | "html-502"
  /** No answer at all; the socket stays open. */
  | "silence"
  /** The provider's valid empty answer, at once, WITHOUT forwarding (Salesforce 204; LiveChat `{"events":[]}`...). */
  | "instant-empty"
  /** 200 with a valid-looking JSON document of about 50 MB. */
  | "huge-page"
  /**
   * The real answer, gzip-encoded, with `content-encoding: gzip` (whatever the request accepted); an empty body too
   * (LivePerson's 201s), but not a 204 or 304.
   */
  | "gzip"
  /** 307 to the same path and query under another path on the same origin, which forwards normally. */
  | "redirect"
  /**
   * 307 to the same path and query on the proxy's second listener (another origin), which forwards normally; NOT
   * forwarded here. A client that keeps secrets in headers drops them there (as fetch drops `authorization`).
   */
  | "redirect-cross-origin"

export const behaviours: ReadonlyArray<Behaviour> = [
  "endless-body",
  "trickle-body",
  "malformed-json",
  "html-200",
  "html-502",
  "silence",
  "instant-empty",
  "huge-page",
  "gzip",
  "redirect",
  "redirect-cross-origin"
]

export interface HostileRule {
  /** Every provider when absent. */
  readonly provider?: HostileProvider
  /** Every operation when absent; one or several. */
  readonly operation?: HostileOperation | ReadonlyArray<HostileOperation>
  /** The operation's own name (`chasitorInit`, `requestChat`...; see `classify.ts`), to narrow a rule further. */
  readonly name?: string
  readonly behaviour: Behaviour
  /** The rule retires after firing this many times; forever when absent. */
  readonly times?: number
}

export interface RuleHandle {
  readonly id: number
  readonly rule: HostileRule
  /** How many requests it has answered. */
  readonly fired: number
  /** False once removed or used up. */
  readonly active: boolean
  remove(): void
}

export interface ProxiedRequest {
  /** 1, 2, 3... in arrival order. */
  readonly seq: number
  readonly provider: HostileProvider | undefined
  readonly operation: HostileOperation
  readonly name: string
  readonly method: string
  /** Path and query as received. */
  readonly url: string
  /** `Date.now()` when the request arrived. */
  readonly at: number
  /** `primary`, or `redirect` for the second listener (the target of `redirect`). */
  readonly listener: "primary" | "redirect"
  /** The behaviour that answered it; undefined when forwarded unchanged. */
  readonly behaviour: Behaviour | undefined
  /** It carried `authorization`, `x-liveagent-session-key` or `x-liveagent-affinity`. */
  readonly carriedSecret: boolean
}

export interface RequestFilter {
  readonly provider?: HostileProvider
  readonly operation?: HostileOperation
  readonly name?: string
  readonly listener?: "primary" | "redirect"
  /** Arrived at or after this `Date.now()`. */
  readonly since?: number
  /** Arrived before this `Date.now()`. */
  readonly until?: number
}

export interface HostileProxyOptions {
  /** The simulator's origin, e.g. `sim.url` (a path prefix is prepended to every forwarded path). */
  readonly upstream: string
  /** Pause between the bytes of `trickle-body`; default 5,000 ms. */
  readonly trickleIntervalMs?: number
  /** Size of `huge-page`; default 50 MB. */
  readonly hugeBytes?: number
}

export interface HostileProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: point a client at `origin + "/salesforce/chat/rest"` and so on. */
  readonly origin: string
  /** The second listener's origin, where `redirect` sends requests. */
  readonly redirectOrigin: string
  /** Every request received so far, oldest first. */
  readonly requests: ReadonlyArray<ProxiedRequest>
  /** Adds a rule after the existing ones (the first matching rule answers). */
  add(rule: HostileRule): RuleHandle
  remove(id: number): boolean
  /** Removes every rule: everything is forwarded unchanged from now on. */
  clear(): void
  /** The active rules, in order. */
  rules(): ReadonlyArray<RuleHandle>
  /** Requests matching the filter. */
  count(filter?: RequestFilter): number
  /** Hostile answers still being written or held open (endless, trickle, huge, silence). */
  readonly hostileInFlight: number
  /** Removes every rule and destroys every hostile answer in progress (a safety valve for memory guards). */
  cut(): void
  /** Destroys every socket and closes both listeners. */
  close(): Promise<void>
}

const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade"
])

/** Header pairs without hop-by-hop headers, in the order they came (`rawHeaders` keeps repeats and case). */
const endToEnd = (raw: ReadonlyArray<string>, replace?: Readonly<Record<string, string>>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || (replace !== undefined && lower in replace)) continue
    out.push(name, raw[i + 1] as string)
  }
  for (const [name, value] of Object.entries(replace ?? {})) out.push(name, value)
  return out
}

const readAll = (stream: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let length = 0
    stream.on("data", (chunk: Buffer) => {
      length += chunk.length
      if (length > limit) {
        stream.destroy(new Error(`body over ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    stream.on("end", () => resolve(Buffer.concat(chunks, length)))
    stream.on("error", reject)
    stream.on("close", () => {
      if (!stream.complete) reject(new Error("the stream closed before its end"))
    })
  })

interface Active {
  readonly id: number
  readonly rule: HostileRule
  fired: number
  active: boolean
}

const matches = (rule: HostileRule, what: Classified): boolean => {
  if (rule.provider !== undefined && rule.provider !== what.provider) return false
  if (rule.name !== undefined && rule.name !== what.name) return false
  if (rule.operation === undefined) return true
  return typeof rule.operation === "string"
    ? rule.operation === what.operation
    : rule.operation.includes(what.operation)
}

/** Starts the proxy (two listeners on 127.0.0.1, ephemeral ports). Use with `await using` or close it. */
export const startHostileProxy = async (options: HostileProxyOptions): Promise<HostileProxy> => {
  const upstream = new URL(options.upstream)
  const upstreamPrefix = upstream.pathname.replace(/\/+$/, "")
  const trickleMs = options.trickleIntervalMs ?? 5000
  const hugeBytes = options.hugeBytes ?? 50 * 1024 * 1024

  const requests: Array<ProxiedRequest> = []
  let rules: Array<Active> = []
  let nextRule = 1
  /** Every socket of both listeners, destroyed on close. */
  const sockets = new Set<Socket>()
  /** Requests to the simulator in flight. */
  const upstreamRequests = new Set<ReturnType<typeof httpRequest>>()
  /** Hostile answers still open, with what stops them. */
  const hostile = new Map<ServerResponse, () => void>()
  /** The last real LivePerson page per chat (path), to shape `instant-empty` pages as the simulator's. */
  const livePersonPages = new Map<string, unknown>()
  let closed = false
  let primaryHost = ""

  const take = (what: Classified): Active | undefined => {
    const rule = rules.find((candidate) => candidate.active && matches(candidate.rule, what))
    if (rule === undefined) return undefined
    rule.fired += 1
    if (rule.rule.times !== undefined && rule.fired >= rule.rule.times) {
      rule.active = false
      rules = rules.filter((candidate) => candidate !== rule)
    }
    return rule
  }

  /** Registers a hostile answer so that `cut` and `close` can end it; `stop` also runs when the client leaves. */
  const holdOpen = (res: ServerResponse, stop: () => void = () => undefined) => {
    const end = () => {
      if (!hostile.has(res)) return
      hostile.delete(res)
      stop()
    }
    hostile.set(res, () => {
      end()
      res.destroy()
    })
    res.on("close", end)
  }

  /** Writes `next()` chunks until it returns undefined (then ends) or the client leaves, honouring back-pressure. */
  const pump = (res: ServerResponse, next: () => Buffer | undefined) => {
    const write = () => {
      while (!res.destroyed && hostile.has(res)) {
        const chunk = next()
        if (chunk === undefined) {
          hostile.delete(res)
          res.end()
          return
        }
        if (!res.write(chunk)) {
          res.once("drain", write)
          return
        }
      }
    }
    write()
  }

  /** Forwards the request; `onAnswer` gets the simulator's answer (headers received, body not yet read). */
  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    host: string,
    onAnswer: (answer: IncomingMessage) => void
  ) => {
    const headers = endToEnd(req.rawHeaders, {
      host,
      ...(body === undefined ? {} : { "content-length": String(body.length) })
    })
    const out = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      // A same-origin redirect's target is forwarded under its original path.
      path: `${upstreamPrefix}${unredirected(req.url ?? "/")}`,
      headers,
      agent: false
    })
    upstreamRequests.add(out)
    out.on("socket", (socket) => socket.unref())
    out.on("close", () => upstreamRequests.delete(out))
    let answered = false
    out.on("response", (answer) => {
      answer.on("end", () => {
        answered = true
      })
      onAnswer(answer)
    })
    // The simulator refused or reset the connection: the client sees its connection reset too.
    out.on("error", () => res.destroy())
    // The client left (it timed out, or was interrupted): abandon the request upstream too, so that a held
    // Salesforce poll is released at the simulator as it would be by a real client.
    res.on("close", () => {
      if (!answered && !out.destroyed) out.destroy()
    })
    if (body === undefined) req.pipe(out)
    else out.end(body)
  }

  const passThrough = (
    req: IncomingMessage,
    res: ServerResponse,
    what: Classified,
    body: Buffer | undefined,
    host: string
  ) =>
    forward(req, res, body, host, (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.rawHeaders))
      if (what.provider === "liveperson" && what.operation === "poll" && what.chat !== undefined) {
        const chunks: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => chunks.push(chunk))
        answer.on("end", () => {
          if ((answer.statusCode ?? 0) !== 200) return
          try {
            livePersonPages.set(`${what.chat}:${what.name}`, JSON.parse(Buffer.concat(chunks).toString("utf8")))
          } catch {
            // Not JSON: nothing to shape empty pages on.
          }
        })
      }
      answer.on("error", () => res.destroy())
      answer.pipe(res)
    })

  /** Answers after the simulator has: reads its whole answer, then replaces it. */
  const replaceAnswer = (
    req: IncomingMessage,
    res: ServerResponse,
    what: Classified,
    body: Buffer | undefined,
    behaviour: Behaviour
  ) => {
    // Whatever comes, the client must not see the real answer: silence starts now (the socket stays open).
    holdOpen(res)
    forward(req, res, body, req.headers.host ?? primaryHost, (answer) => {
      readAll(answer).then(
        (real) => {
          if (res.destroyed || closed) return
          answerWith(res, what, behaviour, answer, real)
        },
        () => res.destroy()
      )
    })
  }

  const answerWith = (
    res: ServerResponse,
    what: Classified,
    behaviour: Behaviour,
    answer: IncomingMessage,
    real: Buffer
  ) => {
    switch (behaviour) {
      case "silence":
        return // held open by replaceAnswer; destroyed on cut or close
      case "endless-body": {
        const { prefix, unit } = endlessBody(what)
        let first = true
        res.writeHead(200, jsonHeaders)
        return pump(res, () => {
          if (first) {
            first = false
            return prefix
          }
          return unit
        })
      }
      case "trickle-body": {
        const text = trickleText(what)
        let i = 0
        res.writeHead(200, jsonHeaders)
        res.flushHeaders()
        const byte = () => {
          if (res.destroyed) return
          res.write(i < text.length ? text.charAt(i) : " ")
          i += 1
        }
        byte()
        const timer = setInterval(byte, trickleMs)
        timer.unref()
        hostile.set(res, () => {
          clearInterval(timer)
          hostile.delete(res)
          res.destroy()
        })
        res.on("close", () => {
          clearInterval(timer)
          hostile.delete(res)
        })
        return
      }
      case "malformed-json":
        hostile.delete(res)
        return res.writeHead(200, jsonHeaders).end(malformedBody(what, real))
      case "html-200":
      case "html-502": {
        hostile.delete(res)
        const status = behaviour === "html-200" ? 200 : 502
        const page = htmlPage(status)
        return res.writeHead(status, page.headers).end(page.body)
      }
      case "huge-page": {
        const huge = hugeBody(what, hugeBytes)
        const length = huge.prefix.length + huge.count * huge.filler.length + huge.suffix.length
        let written = -1
        res.writeHead(200, { ...jsonHeaders, "content-length": String(length) })
        return pump(res, () => {
          written += 1
          if (written === 0) return huge.prefix
          if (written <= huge.count) return huge.filler
          if (written === huge.count + 1) return huge.suffix
          return undefined
        })
      }
      case "gzip": {
        hostile.delete(res)
        const status = answer.statusCode ?? 502
        // A 204 or 304 has no body to encode; an empty body otherwise is encoded too (a 20-byte gzip stream).
        if (status === 204 || status === 304) {
          return res.writeHead(status, endToEnd(answer.rawHeaders)).end(real)
        }
        const zipped = gzipSync(real)
        const headers = endToEnd(answer.rawHeaders, {
          "content-encoding": "gzip",
          "content-length": String(zipped.length)
        })
        return res.writeHead(status, headers).end(zipped)
      }
      case "instant-empty":
      case "redirect":
      case "redirect-cross-origin":
        // Never forwarded: answered in `handle`.
        hostile.delete(res)
        return res.destroy()
    }
  }

  const respondAtOnce = (
    req: IncomingMessage,
    res: ServerResponse,
    reply: () => { status: number; headers: Record<string, string>; body: Buffer }
  ) => {
    // Read the request to its end first, so that the client is not reset while it sends.
    const send = () => {
      if (res.destroyed) return
      const { status, headers, body } = reply()
      res.writeHead(status, { ...headers, ...(status === 204 ? {} : { "content-length": String(body.length) }) })
      res.end(status === 204 ? undefined : body)
    }
    if (req.complete) send()
    else {
      req.on("end", send)
      req.resume()
    }
  }

  const handle = (listener: "primary" | "redirect", req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    const method = req.method ?? "GET"
    const received = req.url ?? "/"
    // A same-origin redirect's target: the same request under `redirectedPrefix`, forwarded as it is.
    const redirected = received.startsWith(`${redirectedPrefix}/`)
    const url = unredirected(received)
    const what = classify(method, url, body?.toString("utf8"))
    const rule = listener === "primary" && !redirected ? take(what) : undefined
    const behaviour = rule?.rule.behaviour
    requests.push({
      seq: requests.length + 1,
      provider: what.provider,
      operation: what.operation,
      name: what.name,
      method,
      url,
      at: Date.now(),
      listener,
      behaviour,
      carriedSecret:
        req.headers.authorization !== undefined ||
        req.headers["x-liveagent-session-key"] !== undefined ||
        req.headers["x-liveagent-affinity"] !== undefined
    })
    // The second listener serves the same site: it forwards with the primary's Host, so the simulator's links and
    // Location still name the origin the client was configured with.
    const host = listener === "redirect" ? primaryHost : (req.headers.host ?? primaryHost)
    if (behaviour === undefined) return passThrough(req, res, what, body, host)
    if (behaviour === "redirect" || behaviour === "redirect-cross-origin") {
      const location = behaviour === "redirect" ? `${redirectedPrefix}${url}` : `${redirectOrigin}${url}`
      return respondAtOnce(req, res, () => ({ status: 307, headers: { location }, body: Buffer.alloc(0) }))
    }
    if (behaviour === "instant-empty") {
      return respondAtOnce(req, res, () =>
        instantEmpty(what, method, () => {
          const from = Number(new URL(url, "http://x").searchParams.get("from") ?? "0")
          const uri = `http://${host}${upstreamPrefix}${url.split("?")[0] ?? ""}`.replace(/\/events\/?$/, "")
          return emptyLivePersonPage(
            what,
            Number.isFinite(from) ? from : 0,
            uri,
            livePersonPages.get(`${what.chat}:${what.name}`)
          )
        })
      )
    }
    return replaceAnswer(req, res, what, body, behaviour)
  }

  const listen = (listener: "primary" | "redirect") => {
    const server = createServer((req, res) => {
      if (closed) {
        res.destroy()
        return
      }
      if (needsBody(req.method ?? "GET", unredirected(req.url ?? "/"))) {
        readAll(req, 1024 * 1024).then(
          (body) => handle(listener, req, res, body),
          () => res.destroy()
        )
      } else handle(listener, req, res)
    })
    server.on("connection", (socket: Socket) => {
      sockets.add(socket)
      socket.unref()
      socket.on("close", () => sockets.delete(socket))
    })
    return new Promise<Server>((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        server.unref()
        resolve(server)
      })
    )
  }

  const primary = await listen("primary")
  const secondary = await listen("redirect")
  const origin = `http://127.0.0.1:${(primary.address() as AddressInfo).port}`
  const redirectOrigin = `http://127.0.0.1:${(secondary.address() as AddressInfo).port}`
  primaryHost = new URL(origin).host

  const handleOf = (active: Active): RuleHandle => ({
    id: active.id,
    rule: active.rule,
    get fired() {
      return active.fired
    },
    get active() {
      return active.active
    },
    remove: () => {
      active.active = false
      rules = rules.filter((candidate) => candidate !== active)
    }
  })
  const handles = new Map<number, RuleHandle>()

  const cut = () => {
    for (const rule of rules) rule.active = false
    rules = []
    for (const stop of [...hostile.values()]) stop()
  }

  const close = async () => {
    if (closed) return
    closed = true
    cut()
    for (const out of upstreamRequests) out.destroy()
    for (const socket of sockets) socket.destroy()
    await Promise.all(
      [primary, secondary].map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          })
      )
    )
  }

  return {
    origin,
    redirectOrigin,
    requests,
    add: (rule) => {
      if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) {
        throw new RangeError("times must be a whole number, 1 or more")
      }
      const active: Active = { id: nextRule++, rule, fired: 0, active: true }
      rules.push(active)
      const handle = handleOf(active)
      handles.set(active.id, handle)
      return handle
    },
    remove: (id) => {
      const handle = handles.get(id)
      if (handle === undefined || !handle.active) return false
      handle.remove()
      return true
    },
    clear: () => {
      for (const rule of rules) rule.active = false
      rules = []
    },
    rules: () => rules.map((rule) => handles.get(rule.id) as RuleHandle),
    count: (filter = {}) =>
      requests.filter(
        (request) =>
          (filter.provider === undefined || request.provider === filter.provider) &&
          (filter.operation === undefined || request.operation === filter.operation) &&
          (filter.name === undefined || request.name === filter.name) &&
          (filter.listener === undefined || request.listener === filter.listener) &&
          (filter.since === undefined || request.at >= filter.since) &&
          (filter.until === undefined || request.at < filter.until)
      ).length,
    get hostileInFlight() {
      return hostile.size
    },
    cut,
    close,
    [Symbol.asyncDispose]: close
  }
}
