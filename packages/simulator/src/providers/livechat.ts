/**
 * The LiveChat REST API v2 "Visitors chat" simulator (providers.md §3), mounted under `/livechat`.
 *
 * Four operations: `start` opens a chat and hands out a secret `secured_session_id` bound to the path's
 * `visitor_id`; `get_pending_messages` serves the chat's event log after a cursor and is the keep-alive (a chat not
 * polled for 30 s is closed); `send_message` appends a visitor line (echoed back in the log); `close` ends the chat.
 * Agent actions from the hub become `agent_details`, `message` and `chat_closed` events; what this API cannot show
 * (agent typing, a dropped agent connection, queue moves) stays invisible, the first two only as gaps in the ids.
 */
import type { Agent, ChatView, ProviderPort } from "../hub.ts"
import { json, type ProviderModule, type SimContext, type SimRequest, type SimResponse } from "../module.ts"
import { type LiveChatVariant, resolveVariants } from "../variants.ts"
import { append, type LiveChatEvent, type NativeChat, newSecret, shuffle, skipId } from "./livechat/chat.ts"

/** An agent group a chat can be routed to (`group` in `start`). */
export interface LiveChatGroup {
  /** The group number clients send as `group`. */
  readonly id: number
  readonly name: string
}

/** How the LiveChat simulator behaves; every field is optional. */
export interface LiveChatOptions {
  /** The account number clients must send as `licence_id`; default 4567890. */
  readonly licenceId?: number
  /** The agent groups of the account; the first is used when `start` names none. Default `[{ id: 0, name: "General" }]`. */
  readonly groups?: ReadonlyArray<LiveChatGroup>
  /** Visitor ids whose `start` answers `banned: true` (no chat is opened). Default none. */
  readonly bannedVisitors?: ReadonlyArray<string>
  /** A chat whose `get_pending_messages` has not been called for this long (clock time) is closed; default 30,000 ms. */
  readonly inactivityTimeoutMs?: number
  /** `agent.job_title` in `agent_details` events; default "Support Agent". */
  readonly jobTitle?: string
  /** Scheme-less base of `agent.avatar`; the agent's id and `.png` are appended. Default `livechat.s3.amazonaws.com/default/avatars`. */
  readonly avatarBase?: string
  /** Ended chats whose log stays readable before the oldest are forgotten; default 10,000. */
  readonly keepClosed?: number
}

/** What a client needs to talk to the LiveChat simulator besides its base URL. */
export interface LiveChatSettings {
  /** The `licence_id` every call must carry. */
  readonly licenceId: number
  /** The groups `start` accepts as `group`. */
  readonly groups: ReadonlyArray<LiveChatGroup>
}

type Fields = Readonly<Record<string, unknown>>

type Authorized = { readonly chat: NativeChat } | { readonly response: SimResponse }

const defaultGroups: ReadonlyArray<LiveChatGroup> = [{ id: 0, name: "General" }]

/**
 * A numeric field as a number. The spec's validator has already checked the type, but its coercion of form text
 * lets `1.5e999` through as an infinite "integer"; that is malformed here (400), not a wrong value.
 */
const numberOf = (value: unknown): number | undefined => {
  const number = Number(value)
  return Number.isFinite(number) ? number : undefined
}

/**
 * Tells the hub about a visitor action. The hub records the change before it notifies its listeners, so a listener
 * that throws (a scripted agent answering a chat nobody accepted yet) must not fail the visitor's request.
 */
const tell = (action: () => void): void => {
  try {
    action()
  } catch {
    // Already recorded by the hub; only a listener failed.
  }
}

export const makeLiveChat = (
  context: SimContext,
  options: LiveChatOptions = {},
  variant: LiveChatVariant = {}
): ProviderModule & { readonly settings: LiveChatSettings } => {
  const server = resolveVariants({ livechat: variant }).livechat
  const { hub, clock, random, faults } = context
  const groups = options.groups !== undefined && options.groups.length > 0 ? options.groups : defaultGroups
  const settings: LiveChatSettings = { licenceId: options.licenceId ?? 4_567_890, groups }
  const banned = new Set(options.bannedVisitors ?? [])
  const timeoutMs = options.inactivityTimeoutMs ?? 30_000
  const jobTitle = options.jobTitle ?? "Support Agent"
  const avatarBase = options.avatarBase ?? "livechat.s3.amazonaws.com/default/avatars"
  const keepClosed = options.keepClosed ?? 10_000

  /** Every chat still reachable by its secret (open ones and the most recent ended ones). */
  const bySecret = new Map<string, NativeChat>()
  /** The open chat of each visitor: `start` returns it again instead of opening a second one. */
  const openByVisitor = new Map<string, NativeChat>()
  let ended: Array<NativeChat> = []
  /** Set by `close()`: no timer is started any more. */
  let disposed = false

  const error = (status: number, message: string): SimResponse =>
    json(server.errorBody === "errors" ? { errors: [message] } : { error: message }, status)
  /** A secret that opens nothing for the path's visitor, an expired chat, a line to a closed chat. */
  const sessionError = (message: string): SimResponse => error(server.sessionErrorStatus, message)

  const agentDetails = (agent: Agent) =>
    ({
      type: "agent_details",
      user_type: "agent",
      agent:
        server.agentDetails === "name-only"
          ? { name: agent.name }
          : { name: agent.name, job_title: jobTitle, avatar: `${avatarBase}/${encodeURIComponent(agent.id)}.png` }
    }) as const

  /** A `chat_closed` event: with `user_type` (when known) and `text`, or bare (variant). */
  const chatClosed = (text: string, by?: "agent") =>
    server.chatClosed === "bare"
      ? ({ type: "chat_closed" } as const)
      : ({ type: "chat_closed", ...(by === undefined ? {} : { user_type: by }), text } as const)

  /** Ends the chat on the LiveChat side: no more keep-alive, no more `start` reuse; forgets the oldest ended chats. */
  const retire = (chat: NativeChat, phase: "closed" | "expired"): void => {
    if (chat.phase !== "open") {
      if (phase === "expired") chat.phase = "expired"
      return
    }
    chat.phase = phase
    chat.keepAlive?.cancel()
    chat.keepAlive = undefined
    if (openByVisitor.get(chat.visitorId) === chat) openByVisitor.delete(chat.visitorId)
    ended.push(chat)
    if (ended.length > keepClosed) {
      const forget = ended.slice(0, ended.length - keepClosed)
      ended = ended.slice(ended.length - keepClosed)
      for (const old of forget) bySecret.delete(old.secret)
    }
  }

  /** The session expires: a closing event for the log, then every call but `close` is refused. */
  const expire = (chat: NativeChat, text: string): void => {
    if (chat.phase === "open") append(chat, clock.now(), chatClosed(text))
    retire(chat, "expired")
  }

  /** (Re)starts the inactivity deadline; `get_pending_messages` is the only keep-alive. */
  const keepAlive = (chat: NativeChat): void => {
    chat.keepAlive?.cancel()
    chat.keepAlive = undefined
    if (disposed) return
    chat.keepAlive = clock.setTimeout(() => {
      chat.keepAlive = undefined
      if (chat.phase !== "open") return
      expire(chat, "The chat was closed because the visitor was inactive.")
      const seconds = Math.round(timeoutMs / 1000)
      tell(() => hub.closed(chat.hubId, "timeout", `no get_pending_messages for ${seconds} s`))
    }, timeoutMs)
  }

  /** How agent actions on this chat show up on the LiveChat wire. */
  const portFor = (chat: NativeChat): ProviderPort => {
    const joined = (agent: Agent) => {
      if (chat.phase !== "open") return
      chat.agent = agent
      append(chat, clock.now(), agentDetails(agent))
    }
    // Not observable on this API (§4.1): the id is used up all the same, hence gaps in message_id. A variant shows
    // them as events of types the reference does not know (which clients must skip).
    const hidden = (type: string, fields: Readonly<Record<string, unknown>> = {}) => {
      if (chat.phase !== "open") return
      if (server.undocumentedEvents === "emit") append(chat, clock.now(), { type, user_type: "agent", ...fields })
      else skipId(chat)
    }
    return {
      accepted: (_, agent) => joined(agent),
      agentMessage: (_, text) => {
        if (chat.phase === "open") append(chat, clock.now(), { type: "message", user_type: "agent", text })
      },
      agentTyping: (_, on) => hidden("agent_typing", { typing: on }),
      transferred: (_, agent) => {
        if (server.transfer === "agent-details") return joined(agent)
        if (chat.phase !== "open") return
        chat.agent = agent
        skipId(chat)
      },
      agentEnded: () => {
        if (chat.phase !== "open") return
        append(chat, clock.now(), chatClosed(`${chat.agent?.name ?? "The agent"} closed the chat.`, "agent"))
        retire(chat, "closed")
      },
      agentDisconnected: () => hidden("agent_disconnected"),
      queueUpdated: () => {},
      expire: () => expire(chat, "The chat session expired."),
      nativeLog: () => structuredClone(chat.log)
    }
  }

  /** Checks `licence_id` (401) and finds the chat the secret opens for the path's visitor (404). */
  const authorize = (request: SimRequest, fields: Fields): Authorized => {
    const licence = numberOf(fields.licence_id)
    if (licence === undefined) return { response: error(400, "licence_id must be an integer") }
    if (licence !== settings.licenceId) return { response: error(401, "Invalid licence_id") }
    const chat = bySecret.get(String(fields.secured_session_id))
    if (chat === undefined || chat.visitorId !== request.params.visitor_id) {
      return { response: sessionError("Chat not found") }
    }
    return { chat }
  }

  /**
   * The events after `after` (all without it; from `after` on where the variant reads the cursor inclusively), with
   * the duplicate and re-order delivery faults applied.
   */
  const deliver = (chat: NativeChat, after: number | undefined): Array<LiveChatEvent> => {
    // The log is in ascending message_id order: the fresh events are a tail of it, found from the end (a poll asks for
    // the few events since its last one, and the log grows with the chat).
    const { log } = chat
    const first = after === undefined ? undefined : server.lastMessageId === "inclusive" ? after : after + 1
    let start = log.length
    if (first === undefined) start = 0
    else while (start > 0 && (log[start - 1] as LiveChatEvent).message_id >= first) start -= 1
    const fresh = log.slice(start)
    const previous = chat.lastPage
    if (fresh.length > 0) chat.lastPage = fresh.map((event) => event.message_id)
    if (start === 0 && fresh.length < 2) return fresh
    const delivered = log.slice(0, start)
    const decision = faults.delivery("livechat", "getPendingMessages")
    let page = fresh
    if (decision.duplicate && delivered.length > 0) {
      // The previous page again (as if the server had not seen it acknowledged), else the last delivered event.
      const again = delivered.filter((event) => previous.includes(event.message_id))
      page = [...(again.length > 0 ? again : delivered.slice(-1)), ...fresh]
    }
    return decision.reorder && page.length > 1 ? shuffle(page, random) : page
  }

  const success = () => json({ success: true })

  return {
    provider: "livechat",
    prefix: "/livechat",
    settings,
    error,
    handlers: {
      startChat: (request) => {
        const body = request.body as Fields
        const visitorId = request.params.visitor_id as string
        const licence = numberOf(body.licence_id)
        if (licence === undefined) return error(400, "licence_id must be an integer")
        if (licence !== settings.licenceId) return error(401, "Invalid licence_id")
        const welcome = String(body.welcome_message)
        if (welcome.length === 0) return error(400, "welcome_message must not be empty")
        const groupId = body.group === undefined ? (groups[0] as LiveChatGroup).id : numberOf(body.group)
        if (groupId === undefined) return error(400, "group must be an integer")
        if (!groups.some((group) => group.id === groupId)) return error(400, `group ${groupId} does not exist`)
        // A banned visitor gets a session id that opens nothing.
        if (banned.has(visitorId)) return json({ secured_session_id: newSecret(random, clock.now()), banned: true })
        const open = openByVisitor.get(visitorId)
        if (open !== undefined && server.restart === "same-chat") {
          return json({ secured_session_id: open.secret, banned: false })
        }
        if (open !== undefined) {
          // A server that opens a new chat each time closes the visitor's open one first.
          append(open, clock.now(), chatClosed("The chat was closed because the visitor started a new one."))
          retire(open, "closed")
          tell(() => hub.closed(open.hubId, "system", "the visitor started another chat"))
        }

        const chat: NativeChat = {
          hubId: "",
          visitorId,
          secret: newSecret(random, clock.now()),
          group: groupId,
          phase: "open",
          agent: undefined,
          log: [],
          lastId: 0,
          idStep: server.messageIdStep,
          lastPage: [],
          keepAlive: undefined
        }
        // The welcome message is the chat's first line, before any agent can join (unless the variant keeps it from
        // the visitor's log; the agent sees it either way).
        if (server.welcomeMessage === "echoed") {
          append(chat, clock.now(), { type: "message", user_type: "visitor", text: welcome })
        }
        bySecret.set(chat.secret, chat)
        openByVisitor.set(visitorId, chat)
        keepAlive(chat)
        const name = typeof body.name === "string" && body.name.length > 0 ? body.name : "Client"
        const opening = {
          provider: "livechat",
          nativeId: visitorId,
          skill: String(groupId),
          visitorName: name
        } as const
        let view: ChatView | undefined
        try {
          view = hub.open({ ...opening, port: portFor(chat) })
        } catch {
          // A listener failed after the hub registered the chat.
          view = hub.findByNativeId("livechat", visitorId)
        }
        chat.hubId = view?.id ?? ""
        if (chat.phase === "open") tell(() => hub.visitorMessage(chat.hubId, welcome))
        return json({ secured_session_id: chat.secret, banned: false })
      },

      getPendingMessages: (request) => {
        const found = authorize(request, request.query)
        if ("response" in found) return found.response
        const { chat } = found
        if (chat.phase === "expired") return sessionError("Chat not found")
        const raw = request.query.last_message_id
        const after = raw === undefined ? undefined : numberOf(raw)
        if (raw !== undefined && after === undefined) return error(400, "last_message_id must be an integer")
        if (chat.phase === "open") keepAlive(chat)
        return json({ events: deliver(chat, after) })
      },

      sendMessage: (request) => {
        const body = request.body as Fields
        const found = authorize(request, body)
        if ("response" in found) return found.response
        const { chat } = found
        if (chat.phase === "expired") return sessionError("Chat not found")
        if (chat.phase === "closed") return sessionError("Chat is closed")
        const text = String(body.message)
        if (text.length === 0) return error(400, "message must not be empty")
        append(chat, clock.now(), { type: "message", user_type: "visitor", text })
        tell(() => hub.visitorMessage(chat.hubId, text))
        return success()
      },

      closeChat: (request) => {
        const found = authorize(request, request.body as Fields)
        if ("response" in found) return found.response
        const { chat } = found
        if (chat.phase === "open") {
          retire(chat, "closed")
          tell(() => hub.closed(chat.hubId, "visitor", "visitor closed the chat"))
        } else if (server.closeTwice === "error") {
          return sessionError("Chat is closed")
        }
        return success()
      }
    },
    close: () => {
      disposed = true
      for (const chat of bySecret.values()) {
        chat.keepAlive?.cancel()
        chat.keepAlive = undefined
      }
    }
  }
}
