/**
 * Test plumbing: a simulator (in-process fetch, fast LiveChat polling), a relay on top of it, a tiny visitor that
 * speaks the relay's HTTP API (cookie or bearer) and reads its Server-Sent Events.
 */
import { LiveChat } from "@switchboard/core"
import { type ChatView, type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { createRelay, type Relay, type RelayOptions } from "../src/index.ts"

export type ChatEvent = { readonly type: string } & Record<string, unknown>

export interface Stack extends AsyncDisposable {
  readonly sim: RunningSimulator
  readonly relay: Relay
}

export const stack = async (options: Partial<RelayOptions> = {}): Promise<Stack> => {
  const sim = await startSimulator()
  const relay = await createRelay({
    provider: LiveChat.layer({
      baseUrl: sim.urls.livechat,
      licenceId: sim.settings.livechat.licenceId,
      fetch: (request) => sim.fetch(request),
      polling: { active: "50 millis", normal: "50 millis", idle: "100 millis" }
    }),
    logLevel: "Error",
    ...options
  })
  return {
    sim,
    relay,
    [Symbol.asyncDispose]: async () => {
      await relay.close()
      await sim.close()
    }
  }
}

export const origin = "http://relay.test"

/** Calls the relay in-process. */
export const call = (
  relay: Relay,
  method: string,
  path: string,
  init: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}
) => {
  const headers: Record<string, string> = { ...init.headers }
  let body: string | undefined
  if (init.raw !== undefined) body = init.raw
  else if (init.body !== undefined) body = JSON.stringify(init.body)
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json"
  if (method === "POST" && body === undefined && headers["content-type"] === undefined) {
    headers["content-type"] = "application/json"
  }
  return Promise.resolve(
    relay.fetch(new Request(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }))
  )
}

export interface Visitor {
  readonly id: string
  /** What the relay answered to `POST /chats`. */
  readonly started: { chat: Record<string, unknown> }
  /** Headers carrying this visitor's token (the cookie the relay set). */
  readonly auth: Record<string, string>
  readonly cookie: string
}

/** Starts a chat as a browser would and keeps the cookie the relay set. */
export const visitor = async (relay: Relay, name = "Ada", question = "Where is my parcel?"): Promise<Visitor> => {
  const response = await call(relay, "POST", "/chats", { body: { name, email: "ada@example.com", question } })
  if (response.status !== 201) throw new Error(`start failed: ${response.status} ${await response.text()}`)
  const started = (await response.json()) as { chat: { id: string } }
  const setCookie = response.headers.get("set-cookie") ?? ""
  const cookie = setCookie.split(";")[0] ?? ""
  return { id: started.chat.id, started, auth: { cookie }, cookie: setCookie }
}

export interface EventReader {
  readonly status: number
  readonly response: Response
  /** Every frame so far: `id` is the SSE id (undefined for relay notices). */
  readonly frames: Array<{ id?: number; event: ChatEvent }>
  /** The stream's text so far, comments and `retry` included. */
  text(): string
  /** Waits for a frame matching `match`. */
  until(what: string, match: (event: ChatEvent) => boolean, timeout?: number): Promise<ChatEvent>
  /** Resolves when the server ended the stream. */
  readonly done: Promise<void>
  close(): Promise<void>
}

/** Opens `GET /chats/:id/events` in-process and parses the frames as they come. */
export const events = async (
  relay: Relay,
  id: string,
  headers: Record<string, string>,
  lastEventId?: number
): Promise<EventReader> =>
  read(
    await call(relay, "GET", `/chats/${id}/events`, {
      headers: { ...headers, ...(lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) }) }
    })
  )

/** Opens `GET <base>/chats/:id/events` over real HTTP and parses the frames as they come. */
export const eventsAt = async (base: string, id: string, headers: Record<string, string>): Promise<EventReader> =>
  read(await fetch(`${base}/chats/${id}/events`, { headers }))

const read = (response: Response): EventReader => {
  const frames: Array<{ id?: number; event: ChatEvent }> = []
  const reader = response.status === 200 ? response.body?.getReader() : undefined
  const decoder = new TextDecoder()
  let buffer = ""
  let text = ""
  const done = (async () => {
    if (reader === undefined) return
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }))
      if (chunk.done) return
      const decoded = decoder.decode(chunk.value, { stream: true })
      text += decoded
      buffer += decoded
      let end = buffer.indexOf("\n\n")
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let id: number | undefined
        let data: string | undefined
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) id = Number(line.slice(4))
          if (line.startsWith("data: ")) data = line.slice(6)
        }
        if (data !== undefined) frames.push({ ...(id === undefined ? {} : { id }), event: JSON.parse(data) })
        end = buffer.indexOf("\n\n")
      }
    }
  })()
  return {
    status: response.status,
    response,
    frames,
    text: () => text,
    done,
    until: (what, match, timeout = 15_000) =>
      eventually(what, () => frames.find((frame) => match(frame.event))?.event, timeout),
    close: async () => {
      await reader?.cancel().catch(() => {})
      await done
    }
  }
}

/** Polls `check` every 10 ms until it returns a value. */
export const eventually = async <A>(what: string, check: () => A | undefined, timeout = 15_000): Promise<A> => {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The simulator's newest chat (what the agent sees). */
export const agentChat = (sim: RunningSimulator): Promise<ChatView> =>
  eventually("a chat at the simulator", () => sim.hub.list().at(-1))

export const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error

/** Waits until the relay's log for the visitor's chat has reached event `id`. */
export const relayHas = async (relay: Relay, visitor: Visitor, id: number) => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const response = await call(relay, "GET", `/chats/${visitor.id}`, { headers: visitor.auth })
    const { chat } = (await response.json()) as { chat: { lastEventId: number } }
    if (chat.lastEventId >= id) return
    if (Date.now() > deadline) throw new Error(`the relay has only ${chat.lastEventId} event(s), not ${id}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A visitor's chat taken by the agent Grace: its event stream (seen up to `connected`) and the simulator's chat. */
export const connectedChat = async (s: Stack) => {
  const ada = await visitor(s.relay)
  const stream = await events(s.relay, ada.id, ada.auth)
  const remote = await agentChat(s.sim)
  s.sim.hub.accept(remote.id, { name: "Grace" })
  await stream.until("connected", (event) => event.type === "connected")
  return { ada, stream, remote }
}
