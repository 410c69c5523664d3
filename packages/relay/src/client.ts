/**
 * `@switchboard/relay/client`: the browser side of the relay, for a chat widget. `fetch` for commands, `EventSource`
 * for events (resumed by id after a dropped connection), the chat id in `sessionStorage` so a reload picks the chat
 * up again. The visitor token never reaches this code: it travels in the relay's HttpOnly cookie. No dependencies.
 *
 * @example
 * ```ts
 * const relay = createRelayClient("/chat-api")
 * const online = await relay.availability() // undefined where the provider cannot tell
 * const chat = (await relay.resume()) ?? (await relay.start({ name, email, question }))
 * relay.listen({ event: (event) => render(event) })
 * await relay.send("Hello")
 * ```
 */
import type { Capabilities, ChatProvider, ChatEvent as Events, Session } from "@switchboard/core"
import type { MessageStatus, RelayEvent } from "./EventLog.ts"

export type ChatEvent = Events.ChatEvent
export type { MessageStatus, RelayEvent }
export type Availability = ChatProvider.Availability

/** What the relay says about a chat. */
export interface ChatInfo {
  readonly id: string
  readonly provider: string
  readonly capabilities: Capabilities.Capabilities
  readonly state: Session.ChatState
  readonly lastEventId: number
}

export interface StartForm {
  readonly name: string
  readonly email?: string
  readonly question: string
}

/** A refusal from the relay (`{ error: { code, message } }`), or `network` when it could not be reached. */
export class RelayError extends Error {
  override readonly name = "RelayError"
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

export type Connection = "connecting" | "open" | "reconnecting" | "closed"

export interface Listener {
  /**
   * Every event once, in order (replayed from the start after a reload): core's events, and `message-status` for a
   * message `send` resolved `pending`.
   */
  event(event: RelayEvent): void
  connection?(state: Connection): void
  /** The chat is gone at the relay (forgotten, or the token was refused): start a new one. */
  gone?(error: RelayError): void
}

export interface RelayClientOptions {
  /** Where the chat id is kept across reloads; default `sessionStorage` (per tab). `null`: nowhere. */
  readonly storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null
  readonly storageKey?: string
}

export interface RelayClient {
  /** The current chat, if any. */
  readonly chat: ChatInfo | undefined
  /** Picks up the chat this tab had before a reload; undefined when there is none (any more). */
  resume(): Promise<ChatInfo | undefined>
  start(form: StartForm): Promise<ChatInfo>
  /** Streams the chat's events; returns a function that stops. */
  listen(listener: Listener): () => void
  /**
   * Whether an agent can take a chat now, and the wait estimate where the provider gives one; `undefined` where the
   * provider cannot tell (LiveChat). The relay asks the provider at most every `availabilityCache`.
   */
  availability(): Promise<Availability | undefined>
  /**
   * Resolves `delivered`, or `pending` while the provider still holds it (waiting for an agent); a `message-status`
   * event with the same `clientMessageId` then says how it ended. To retry a message whose answer never came, send it
   * again with its `clientMessageId`: the relay sends it once. Without one, the client makes one per call.
   */
  send(text: string, clientMessageId?: string): Promise<"delivered" | "pending">
  typing(on: boolean): Promise<void>
  end(): Promise<void>
  /** Forgets the chat (after it ended, to start another). */
  forget(): void
}

/** 128 random bits as hex: a `clientMessageId` (`crypto.randomUUID` is missing on plain-http pages). */
export const newClientMessageId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("")

const sessionStore = () => {
  try {
    return globalThis.sessionStorage
  } catch {
    return null // storage disabled
  }
}

export const createRelayClient = (baseUrl: string, options: RelayClientOptions = {}): RelayClient => {
  const base = baseUrl.replace(/\/+$/, "")
  const storage = options.storage === undefined ? sessionStore() : options.storage
  const key = options.storageKey ?? "switchboard.chat"
  let chat: ChatInfo | undefined

  const request = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
    let response: Response
    try {
      response = await fetch(`${base}${path}`, {
        method,
        credentials: "include",
        headers: method === "POST" ? { "Content-Type": "application/json" } : {},
        ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {})
      })
    } catch {
      throw new RelayError(0, "network", "The chat service cannot be reached. Check your connection.")
    }
    if (response.status === 204) return undefined as A
    const json = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
    if (!response.ok) {
      throw new RelayError(
        response.status,
        json.error?.code ?? "http_error",
        json.error?.message ?? `The chat service answered ${response.status}.`
      )
    }
    return json as A
  }

  const id = () => {
    if (chat === undefined) throw new RelayError(0, "no_chat", "There is no chat yet.")
    return encodeURIComponent(chat.id)
  }

  const keep = (info: ChatInfo) => {
    chat = info
    storage?.setItem(key, info.id)
    return info
  }

  const forget = () => {
    chat = undefined
    storage?.removeItem(key)
  }

  const listen = (listener: Listener): (() => void) => {
    const path = `${base}/chats/${id()}/events`
    let last = 0
    let source: EventSource | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    let failures = 0
    const connection = (state: Connection) => listener.connection?.(state)

    const open = () => {
      if (stopped) return
      connection(last === 0 ? "connecting" : "reconnecting")
      const es = new EventSource(last === 0 ? path : `${path}?lastEventId=${last}`, { withCredentials: true })
      source = es
      es.onopen = () => {
        failures = 0
        connection("open")
      }
      es.onmessage = (message) => {
        const n = Number(message.lastEventId)
        if (message.lastEventId !== "" && n <= last) return // already seen (never shown twice)
        if (message.lastEventId !== "") last = n
        const event = JSON.parse(message.data) as RelayEvent
        listener.event(event)
        if (event.type === "ended") {
          stopped = true
          es.close()
          connection("closed")
        }
      }
      es.onerror = () => {
        if (es.readyState === EventSource.CONNECTING) return connection("reconnecting") // the browser retries
        // Closed for good (an HTTP error or a 204): ask the relay why, then retry or give up.
        es.close()
        if (stopped) return
        connection("reconnecting")
        failures += 1
        request<{ chat: ChatInfo }>("GET", `/chats/${id()}`).then(
          (info) => {
            chat = info.chat
            timer = setTimeout(open, Math.min(500 * 2 ** failures, 10_000))
          },
          (error: RelayError) => {
            if (error.status === 401 || error.status === 403 || error.status === 404) {
              stopped = true
              connection("closed")
              listener.gone?.(error)
            } else {
              timer = setTimeout(open, Math.min(500 * 2 ** failures, 10_000))
            }
          }
        )
      }
    }
    open()
    return () => {
      stopped = true
      clearTimeout(timer)
      source?.close()
    }
  }

  return {
    get chat() {
      return chat
    },
    resume: async () => {
      const known = storage?.getItem(key)
      if (!known) return undefined
      try {
        return keep((await request<{ chat: ChatInfo }>("GET", `/chats/${encodeURIComponent(known)}`)).chat)
      } catch (error) {
        if (error instanceof RelayError && error.status >= 400 && error.status < 500) forget()
        return undefined
      }
    },
    availability: async () => {
      try {
        return await request<Availability>("GET", "/availability")
      } catch (error) {
        if (error instanceof RelayError && error.code === "availability_unsupported") return undefined
        throw error
      }
    },
    start: async (form) => keep((await request<{ chat: ChatInfo }>("POST", "/chats", form)).chat),
    listen,
    send: async (text, clientMessageId = newClientMessageId()) =>
      (
        await request<{ status: "delivered" | "pending" }>("POST", `/chats/${id()}/messages`, {
          text,
          clientMessageId
        })
      ).status,
    typing: (on) => request<void>("POST", `/chats/${id()}/typing`, { on }),
    end: async () => {
      chat = (await request<{ chat: ChatInfo }>("POST", `/chats/${id()}/end`)).chat
    },
    forget
  }
}
