/**
 * The relay's HTTP face (Hono): a team mounts `relay.app` in its own Node app (or calls `relay.listen()`), and the
 * browser talks to it instead of the provider. Provider credentials and session secrets never leave the server.
 *
 * | route                       | what                                                                  |
 * | --------------------------- | --------------------------------------------------------------------- |
 * | `GET /availability`         | whether an agent can take a chat now (cached `availabilityCache`)     |
 * | `POST /chats`               | pre-chat form → a chat through core, and the visitor token            |
 * | `GET /chats/:id`            | the chat's state and capabilities                                     |
 * | `GET /chats/:id/events`     | Server-Sent Events of core's normalized events, `Last-Event-ID` resume |
 * | `POST /chats/:id/messages`  | a visitor message, once per `clientMessageId`                         |
 * | `POST /chats/:id/typing`    | visitor typing on or off                                              |
 * | `POST /chats/:id/end`       | ends the chat at the provider                                         |
 */
import { ServerResponse } from "node:http"
import type { HttpBindings } from "@hono/node-server"
import { getConnInfo } from "@hono/node-server/conninfo"
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response"
import type { ChatProvider, Errors, Session } from "@switchboard/core"
import { Cause, Duration, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Option } from "effect"
import { type Context, Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { getCookie, setCookie } from "hono/cookie"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { ChatRegistry, RegistryConfig, type RegistrySettings } from "./ChatRegistry.ts"
import type { Follower } from "./EventLog.ts"
import {
  checkEmpty,
  checkText,
  decode,
  type ErrorAnswer,
  fromChatError,
  fromRelayError,
  internal,
  MessageBody,
  StartBody,
  TypingBody
} from "./Http.ts"
import { allowList, corsHeaders, refusal } from "./Origin.ts"
import type { Rate } from "./RateLimit.ts"
import { RelayError } from "./RelayError.ts"
import { type Listening, listen as serve } from "./Serve.ts"
import * as Sse from "./Sse.ts"

export interface RelayOptions<E = never> {
  /** The provider adapter, e.g. `LiveChat.layer(settings)`: the relay works with any `Layer<ChatProvider>`. */
  readonly provider: Layer.Layer<ChatProvider.ChatProvider, E>
  /** Path the routes live under, e.g. `/chat-api`; default none (mount with `app.route(prefix, relay.app)`). */
  readonly basePath?: string
  /**
   * Origins (scheme://host:port) of pages on another origin allowed to call the relay with credentials (CORS).
   * Pages on the relay's own origin (the scheme it is served on and its `Host`) need no entry. Behind a proxy that
   * terminates TLS or rewrites `Host`, list the pages' public origin. A request whose `Origin` (or, without one, its
   * `Referer`'s origin) is neither is refused (403); so is `Origin: null`; one with neither header is let through.
   * `createRelay` rejects an entry that is not an origin. Default none.
   */
  readonly allowedOrigins?: ReadonlyArray<string>
  /**
   * How the visitor token travels. `cookie` (default): an HttpOnly, SameSite=Strict cookie scoped to the chat's
   * path, never readable by page scripts. `bearer`: returned in the `POST /chats` answer, sent back as
   * `Authorization: Bearer <token>` (native apps, server-side callers). Either way a bearer header is accepted.
   */
  readonly token?: "cookie" | "bearer"
  /** The cookie's `Secure` flag; default: when the request URL is https (set `true` behind a TLS proxy). */
  readonly secureCookie?: boolean
  /** A chat with no open event stream this long is ended at the provider; default 60 s. */
  readonly idleTimeout?: Duration.DurationInput
  /** An ended chat stays readable this long (a reload shows how it ended); default 10 minutes. */
  readonly retainEnded?: Duration.DurationInput
  /** Events kept per chat for `Last-Event-ID` resume; default 1,000. */
  readonly eventLogSize?: number
  /** Chats held at once (ended ones included until forgotten); default 1,000. */
  readonly maxChats?: number
  /** Open event streams per chat (tabs, reloads); default 4. */
  readonly maxStreamsPerChat?: number
  /** Longest visitor message (and first question), in characters; default 2,000. */
  readonly maxMessageLength?: number
  /** Largest request body, in bytes; default 16 KiB. */
  readonly maxBodyBytes?: number
  /** Interval of SSE keep-alive comments; default 15 s. */
  readonly heartbeat?: Duration.DurationInput
  /** How long `POST /messages` waits for the provider before answering 202 (the message still goes out); default 3 s. */
  readonly sendWait?: Duration.DurationInput
  /**
   * How long `GET /availability` reuses the provider's answer (or failure), so that page views do not each ask the
   * provider; default 15 s.
   */
  readonly availabilityCache?: Duration.DurationInput
  readonly rateLimits?: {
    /** New chats per client address; default 10 at once, 10 a minute. */
    readonly starts?: Rate
    /** Messages per chat; default 10 at once, 30 a minute. */
    readonly messages?: Rate
    /** Typing updates per chat; default 20 at once, 120 a minute. */
    readonly typing?: Rate
  }
  /** Who a new-chat request comes from, for its rate limit; default the socket's remote address. */
  readonly clientKey?: (c: Context) => string
  /** Core session tuning (typing debounce, end timeout). */
  readonly session?: Session.SessionOptions
  /** Least severe log level printed; default `Warning`. */
  readonly logLevel?: LogLevel.Literal
}

export interface Relay extends AsyncDisposable {
  /** The routes, to mount in a Hono app (`app.route("/chat-api", relay.app)`) or serve with `relay.fetch`. */
  readonly app: Hono
  readonly fetch: (request: Request) => Response | Promise<Response>
  /** Serves the relay alone on a Node HTTP server (127.0.0.1 and a free port by default). */
  listen(options?: { readonly port?: number; readonly hostname?: string }): Promise<Listening>
  /** Ends every chat at the provider, closes every event stream and the servers `listen` started. */
  close(): Promise<void>
}

const cookieName = "sb_visitor"

const defaultClientKey = (c: Context): string => {
  try {
    return getConnInfo(c).remote.address ?? "unknown"
  } catch {
    return "unknown" // not served by @hono/node-server (tests, other runtimes): one shared bucket
  }
}

const settingsOf = (options: RelayOptions<unknown>): RegistrySettings => ({
  idleTimeout: Duration.decode(options.idleTimeout ?? "60 seconds"),
  retainEnded: Duration.decode(options.retainEnded ?? "10 minutes"),
  eventLogSize: options.eventLogSize ?? 1000,
  maxChats: options.maxChats ?? 1000,
  maxStreamsPerChat: options.maxStreamsPerChat ?? 4,
  sendWait: Duration.decode(options.sendWait ?? "3 seconds"),
  availabilityCache: Duration.decode(options.availabilityCache ?? "15 seconds"),
  rates: {
    starts: options.rateLimits?.starts ?? { burst: 10, perMinute: 10 },
    messages: options.rateLimits?.messages ?? { burst: 10, perMinute: 30 },
    typing: options.rateLimits?.typing ?? { burst: 20, perMinute: 120 }
  },
  session: { maxMessageLength: options.maxMessageLength ?? 2000, ...options.session }
})

/** Builds the relay and its runtime; rejects when the provider layer cannot be built (bad settings). */
export const createRelay = async <E>(options: RelayOptions<E>): Promise<Relay> => {
  const settings = settingsOf(options as RelayOptions<unknown>)
  const maxMessageLength = options.maxMessageLength ?? 2000
  const allowed = allowList(options.allowedOrigins ?? []) // throws on an entry that is not an origin
  const tokenMode = options.token ?? "cookie"
  const clientKey = options.clientKey ?? defaultClientKey
  const heartbeatMillis = Duration.toMillis(Duration.decode(options.heartbeat ?? "15 seconds"))
  const building = ManagedRuntime.make(
    ChatRegistry.Default.pipe(
      Layer.provide(Layer.merge(options.provider, Layer.succeed(RegistryConfig, settings))),
      Layer.merge(Logger.minimumLogLevel(LogLevel.fromLiteral(options.logLevel ?? "Warning")))
    )
  )
  await building.runtime() // rejects with the provider layer's error (its settings), before anything is served
  const runtime = building as unknown as ManagedRuntime.ManagedRuntime<ChatRegistry, never>
  const registry = await runtime.runPromise(ChatRegistry)

  let closing: Promise<void> | undefined
  const streams = new Set<() => void>()
  const servers: Array<Listening> = []

  const reply = (c: Context, answer: ErrorAnswer) => {
    if (answer.retryAfterSeconds !== undefined) c.header("Retry-After", String(answer.retryAfterSeconds))
    c.header("Cache-Control", "no-store")
    return c.json({ error: { code: answer.code, message: answer.message } }, answer.status as ContentfulStatusCode)
  }
  const refuse = (c: Context, error: RelayError) => reply(c, fromRelayError(error))
  const shuttingDown = new RelayError({
    status: 503,
    code: "shutting_down",
    message: "The chat relay is shutting down.",
    retryAfterSeconds: 5
  })

  /** Runs a registry operation; its typed failures become their JSON answers, anything else a logged 500. */
  const run = async <A>(
    c: Context,
    effect: Effect.Effect<A, RelayError | Errors.ChatError, ChatRegistry>,
    ok: (value: A) => Response | Promise<Response>
  ): Promise<Response> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return ok(exit.value)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) {
      if (closing !== undefined) return refuse(c, shuttingDown)
      runtime.runFork(Effect.logError("relay: request failed", Cause.pretty(exit.cause)))
      return reply(c, internal)
    }
    const error = failure.value
    const answer = error._tag === "RelayError" ? fromRelayError(error) : fromChatError(error)
    if (answer.serverSide) runtime.runFork(Effect.logError(`relay: ${error._tag}`, error.message))
    return reply(c, answer)
  }

  const body = async (c: Context): Promise<unknown> => {
    if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
      throw new RelayError({
        status: 415,
        code: "unsupported_media_type",
        message: "Send the request body as application/json."
      })
    }
    const text = await c.req.text()
    if (text.trim() === "") return {}
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new RelayError({ status: 400, code: "invalid_json", message: "The request body is not valid JSON." })
    }
  }

  const tokenOf = (c: Context): string | undefined => {
    const header = c.req.header("authorization")
    if (header !== undefined) return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? ""
    return getCookie(c, cookieName)
  }

  const eventsAfter = (c: Context): number | RelayError => {
    const raw = c.req.header("last-event-id") ?? c.req.query("lastEventId")
    if (raw === undefined || raw === "") return 0
    if (!/^\d{1,15}$/.test(raw)) {
      return new RelayError({
        status: 400,
        code: "invalid_request",
        message: "Last-Event-ID (or lastEventId) must be a whole number"
      })
    }
    return Number(raw)
  }

  const feedOptions: Sse.FeedOptions = {
    heartbeatMillis,
    track: (stop) => {
      streams.add(stop)
      return () => streams.delete(stop)
    }
  }

  const sse = (c: Context, follow: (follower: Follower) => () => void): Response => {
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
    if (outgoing instanceof ServerResponse) {
      // Served by @hono/node-server over HTTP/1.1: straight to Node's response (its documented escape hatch). The head
      // has every header set so far (CORS, caching, a parent app's middleware), not those added after this returns.
      const head: Record<string, string> = {}
      for (const [name, value] of c.body(null, 200, Sse.headers).headers) head[name] = value
      Sse.write(outgoing, head, follow, feedOptions)
      return RESPONSE_ALREADY_SENT
    }
    return c.body(Sse.body(follow, { ...feedOptions, signal: c.req.raw.signal }), 200, Sse.headers)
  }

  const app = (options.basePath ? new Hono().basePath(options.basePath) : new Hono()) as Hono

  app.onError((error, c) => {
    if (error instanceof RelayError) return refuse(c, error)
    runtime.runFork(Effect.logError("relay: unexpected failure", String(error)))
    return reply(c, internal)
  })
  app.notFound((c) => reply(c, { ...fromRelayError(notFoundRoute(c.req.path)) }))

  // CORS by allow-list: only a listed origin gets Access-Control-Allow-Origin (never `*`), with credentials.
  app.use("*", async (c, next) => {
    const headers = corsHeaders(allowed, c.req.header("origin"))
    if (c.req.method === "OPTIONS") {
      if (headers === undefined) return c.body(null, 204) // no CORS headers: the browser refuses the real request
      return c.body(null, 204, {
        ...headers,
        "Access-Control-Allow-Methods": "GET,POST",
        "Access-Control-Allow-Headers": "Content-Type,Authorization,Last-Event-ID",
        "Access-Control-Max-Age": "600"
      })
    }
    if (headers !== undefined) for (const name in headers) c.header(name, headers[name])
    return next()
  })
  app.use("*", async (c, next) => {
    if (closing !== undefined) return refuse(c, shuttingDown)
    // Origin (or Referer) against the relay's own origin and the allow-list; no header at all passes (Origin.ts).
    const refused = refusal(allowed, {
      url: c.req.url,
      origin: c.req.header("origin"),
      referer: c.req.header("referer")
    })
    if (refused !== undefined) {
      return refuse(
        c,
        new RelayError({
          status: 403,
          code: "origin_not_allowed",
          message: `Pages on ${refused} may not use this chat relay.`
        })
      )
    }
    c.header("Cache-Control", "no-store")
    return next()
  })
  app.post(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 16 * 1024,
      onError: (c) =>
        refuse(
          c,
          new RelayError({
            status: 413,
            code: "too_large",
            message: `The request body is over ${options.maxBodyBytes ?? 16 * 1024} bytes.`
          })
        )
    })
  )

  app.get("/availability", (c) =>
    run(
      c,
      Effect.flatMap(ChatRegistry, (registry) => registry.availability),
      (availability) => c.json(availability)
    )
  )

  app.post("/chats", async (c) => {
    const input = decode(StartBody, await body(c))
    if (input._tag === "Left") return refuse(c, input.left)
    const tooLong = checkText("question", input.right.question, maxMessageLength)
    if (tooLong !== undefined) return refuse(c, tooLong)
    const start = Effect.flatMap(ChatRegistry, (registry) => registry.start(input.right, clientKey(c)))
    return run(c, start, ({ chat, token }) => {
      if (tokenMode === "bearer") return c.json({ chat, token }, 201)
      setCookie(c, cookieName, token, {
        path: `${c.req.path.replace(/\/+$/, "")}/${chat.id}`,
        httpOnly: true,
        sameSite: "Strict",
        secure: options.secureCookie ?? new URL(c.req.url).protocol === "https:"
      })
      return c.json({ chat }, 201)
    })
  })

  app.get("/chats/:id", (c) =>
    run(
      c,
      Effect.flatMap(ChatRegistry, (registry) => registry.info(c.req.param("id"), tokenOf(c))),
      (chat) => c.json({ chat })
    )
  )

  app.get("/chats/:id/events", (c) => {
    const after = eventsAfter(c)
    if (after instanceof RelayError) return refuse(c, after)
    // Plain code, no fiber: the hot path of a reconnect storm.
    const opened = registry.openEvents(c.req.param("id"), tokenOf(c), after)
    if (opened instanceof RelayError) return refuse(c, opened)
    return opened._tag === "Done" ? c.body(null, 204) : sse(c, opened.follow)
  })

  app.post("/chats/:id/messages", async (c) => {
    const input = decode(MessageBody, await body(c))
    if (input._tag === "Left") return refuse(c, input.left)
    const problem = checkText("text", input.right.text, maxMessageLength)
    if (problem !== undefined) return refuse(c, problem)
    return run(
      c,
      Effect.flatMap(ChatRegistry, (registry) =>
        registry.send(c.req.param("id"), tokenOf(c), input.right.text, input.right.clientMessageId)
      ),
      (sent) => c.json(sent, sent.status === "delivered" ? 200 : 202)
    )
  })

  app.post("/chats/:id/typing", async (c) => {
    const input = decode(TypingBody, await body(c))
    if (input._tag === "Left") return refuse(c, input.left)
    return run(
      c,
      Effect.flatMap(ChatRegistry, (registry) => registry.typing(c.req.param("id"), tokenOf(c), input.right.on)),
      () => c.body(null, 204)
    )
  })

  app.post("/chats/:id/end", async (c) => {
    const problem = checkEmpty(await body(c))
    if (problem !== undefined) return refuse(c, problem)
    return run(
      c,
      Effect.flatMap(ChatRegistry, (registry) => registry.end(c.req.param("id"), tokenOf(c))),
      (chat) => c.json({ chat })
    )
  })

  const close = () => {
    closing ??= (async () => {
      await runtime.dispose() // the registry's finalizer ends every chat at the provider, which ends their streams
      for (const stop of [...streams]) stop()
      await Promise.all(servers.map((server) => server.close()))
    })()
    return closing
  }

  const listen = (at: { readonly port?: number; readonly hostname?: string } = {}) =>
    serve((request, env) => app.fetch(request, env), at).then((listening) => {
      servers.push(listening)
      return listening
    })

  return { app, fetch: (request) => app.fetch(request), listen, close, [Symbol.asyncDispose]: close }
}

const notFoundRoute = (path: string) =>
  new RelayError({ status: 404, code: "not_found", message: `No relay resource at ${path}.` })
