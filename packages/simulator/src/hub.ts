/**
 * The agent side, shared by the three providers: every chat's common state (queue, agent, typing, transcript, how
 * it ended), agent actions, availability and queue positions. Provider modules keep their own wire state (session
 * keys, event logs, cursors) and implement `ProviderPort` to turn agent actions into their native events.
 */
import type { Provider } from "@switchboard/specs"
import type { SimClock } from "./clock.ts"
import type { Random } from "./random.ts"

export type ChatState = "queued" | "chatting" | "ended"

/** Who ended a chat: the visitor (through the provider API), the agent, the provider (timeout) or the system. */
export type EndedBy = "visitor" | "agent" | "timeout" | "system"

export interface Agent {
  readonly id: string
  readonly name: string
}

export type TranscriptEntry =
  | { readonly at: number; readonly kind: "queued"; readonly position: number }
  | { readonly at: number; readonly kind: "accepted"; readonly agent: Agent }
  | {
      readonly at: number
      readonly kind: "message"
      readonly from: "visitor" | "agent" | "system"
      readonly text: string
    }
  | { readonly at: number; readonly kind: "typing"; readonly from: "visitor" | "agent"; readonly on: boolean }
  | { readonly at: number; readonly kind: "transferred"; readonly agent: Agent }
  | { readonly at: number; readonly kind: "agent-disconnected"; readonly agent: Agent }
  | { readonly at: number; readonly kind: "ended"; readonly by: EndedBy; readonly reason: string }

/** A chat as the control API shows it. */
export interface ChatView {
  readonly id: string
  readonly provider: Provider
  /** The provider's own id for the chat (Salesforce session id, LivePerson chat id, LiveChat visitor id). */
  readonly nativeId: string
  readonly skill: string
  readonly visitorName: string
  readonly state: ChatState
  readonly queuePosition?: number
  readonly estimatedWaitSeconds?: number
  readonly agent?: Agent
  readonly agentTyping: boolean
  readonly visitorTyping: boolean
  readonly createdAt: string
  readonly acceptedAt?: string
  readonly endedAt?: string
  readonly endedBy?: EndedBy
  readonly endReason?: string
  readonly transcript: ReadonlyArray<TranscriptEntry>
}

/** What a provider module does when the agent side acts on one of its chats. */
export interface ProviderPort {
  accepted(chatId: string, agent: Agent): void
  agentMessage(chatId: string, text: string): void
  agentTyping(chatId: string, on: boolean): void
  transferred(chatId: string, agent: Agent): void
  agentEnded(chatId: string, reason: string): void
  agentDisconnected(chatId: string, agent: Agent): void
  queueUpdated(chatId: string, position: number, estimatedWaitSeconds: number): void
  /** The provider's session behind the chat expires now (as if the visitor stopped polling). */
  expire(chatId: string): void
  /** The provider's own event log for the chat, as its API would show it. */
  nativeLog(chatId: string): unknown
}

/** Events the hub emits for listeners (the scripted agent, consoles, tests). */
export type HubEvent =
  | { readonly type: "queued"; readonly chat: ChatView }
  | { readonly type: "accepted"; readonly chat: ChatView }
  | { readonly type: "visitor-message"; readonly chat: ChatView; readonly text: string }
  | { readonly type: "visitor-typing"; readonly chat: ChatView; readonly on: boolean }
  | { readonly type: "agent-message"; readonly chat: ChatView; readonly text: string }
  | { readonly type: "transferred"; readonly chat: ChatView }
  | { readonly type: "agent-disconnected"; readonly chat: ChatView }
  | { readonly type: "ended"; readonly chat: ChatView }

/** A refused agent-side action: unknown chat (404) or an action that does not fit the chat's state (409). */
export class HubError extends Error {
  override readonly name = "HubError"
  readonly status: 404 | 409
  constructor(status: 404 | 409, message: string) {
    super(message)
    this.status = status
  }
}

interface ChatRecord {
  readonly id: string
  readonly provider: Provider
  readonly nativeId: string
  skill: string
  visitorName: string
  state: ChatState
  queuePosition?: number
  agent?: Agent
  agentTyping: boolean
  visitorTyping: boolean
  readonly createdAt: number
  acceptedAt?: number
  endedAt?: number
  endedBy?: EndedBy
  endReason?: string
  readonly transcript: Array<TranscriptEntry>
  readonly port: ProviderPort
}

export interface HubOptions {
  /** Seconds of handling time per chat ahead in the queue, for wait estimates; default 45. */
  readonly averageHandleSeconds?: number
  /** Ended chats kept for inspection before the oldest are forgotten; default 10,000. */
  readonly keepEnded?: number
}

const prefixes: Record<Provider, string> = { salesforce: "sf", liveperson: "lp", livechat: "lc" }

/** Recent ISO times: every view of a chat shows when it was created (and accepted), and views are made per event. */
const isoTimes = new Map<number, string>()
const isoTime = (ms: number): string => {
  let text = isoTimes.get(ms)
  if (text === undefined) {
    text = new Date(ms).toISOString()
    if (isoTimes.size >= 4096) isoTimes.clear()
    isoTimes.set(ms, text)
  }
  return text
}

export class ChatHub {
  readonly #clock: SimClock
  readonly #random: Random
  readonly #chats = new Map<string, ChatRecord>()
  readonly #byNative = new Map<string, ChatRecord>()
  readonly #listeners = new Set<(event: HubEvent) => void>()
  readonly #unavailable = new Set<string>()
  #allUnavailable = false
  readonly #averageHandleSeconds: number
  readonly #keepEnded: number
  #endedOrder: Array<string> = []
  #agentCount = 0

  constructor(clock: SimClock, random: Random, options: HubOptions = {}) {
    this.#clock = clock
    this.#random = random
    this.#averageHandleSeconds = options.averageHandleSeconds ?? 45
    this.#keepEnded = options.keepEnded ?? 10_000
  }

  // ---- availability ---------------------------------------------------------------------------------------------

  /** Whether an agent could take a chat for `skill` (every skill when omitted). */
  isAvailable(skill?: string): boolean {
    return !this.#allUnavailable && (skill === undefined || !this.#unavailable.has(skill))
  }

  /** Turns availability on or off for one skill, or for every skill when `skill` is omitted. */
  setAvailability(available: boolean, skill?: string): void {
    if (skill === undefined) {
      this.#allUnavailable = !available
      if (available) this.#unavailable.clear()
    } else if (available) {
      this.#unavailable.delete(skill)
    } else {
      this.#unavailable.add(skill)
    }
  }

  /** Estimated wait in seconds for a new chat on `skill`: -1 when nobody is available. */
  estimatedWaitSeconds(skill: string): number {
    if (!this.isAvailable(skill)) return -1
    return this.#queued(skill).length * this.#averageHandleSeconds
  }

  // ---- reading ----------------------------------------------------------------------------------------------------

  list(filter: { provider?: Provider; state?: ChatState } = {}): Array<ChatView> {
    return [...this.#chats.values()]
      .filter((chat) => filter.provider === undefined || chat.provider === filter.provider)
      .filter((chat) => filter.state === undefined || chat.state === filter.state)
      .map((chat) => this.#view(chat))
  }

  get(id: string): ChatView {
    return this.#view(this.#record(id))
  }

  /** The chat behind a provider's own id (e.g. a LiveChat visitor id), if any. */
  findByNativeId(provider: Provider, nativeId: string): ChatView | undefined {
    const chat = this.#byNative.get(`${provider}:${nativeId}`)
    return chat === undefined ? undefined : this.#view(chat)
  }

  nativeLog(id: string): unknown {
    const chat = this.#record(id)
    return chat.port.nativeLog(chat.id)
  }

  on(listener: (event: HubEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  // ---- visitor side (called by provider modules) ------------------------------------------------------------------

  /** Registers a new chat request; it starts queued. */
  open(request: {
    provider: Provider
    nativeId: string
    skill: string
    visitorName: string
    port: ProviderPort
  }): ChatView {
    const chat: ChatRecord = {
      id: `${prefixes[request.provider]}_${this.#random.hex(12)}`,
      provider: request.provider,
      nativeId: request.nativeId,
      skill: request.skill,
      visitorName: request.visitorName,
      state: "queued",
      agentTyping: false,
      visitorTyping: false,
      createdAt: this.#clock.now(),
      transcript: [],
      port: request.port
    }
    this.#chats.set(chat.id, chat)
    this.#byNative.set(`${chat.provider}:${chat.nativeId}`, chat)
    chat.queuePosition = this.#queued(chat.skill).length
    chat.transcript.push({ at: chat.createdAt, kind: "queued", position: chat.queuePosition })
    this.#emit({ type: "queued", chat: this.#view(chat) })
    return this.#view(chat)
  }

  visitorMessage(id: string, text: string): void {
    const chat = this.#live(id)
    chat.visitorTyping = false
    chat.transcript.push({ at: this.#clock.now(), kind: "message", from: "visitor", text })
    this.#emit({ type: "visitor-message", chat: this.#view(chat), text })
  }

  visitorTyping(id: string, on: boolean): void {
    const chat = this.#live(id)
    if (chat.visitorTyping === on) return
    chat.visitorTyping = on
    chat.transcript.push({ at: this.#clock.now(), kind: "typing", from: "visitor", on })
    this.#emit({ type: "visitor-typing", chat: this.#view(chat), on })
  }

  visitorName(id: string, name: string): void {
    this.#record(id).visitorName = name
  }

  /** The chat ended without the agent: by the visitor, a provider timeout, or a system failure. */
  closed(id: string, by: Exclude<EndedBy, "agent">, reason: string): void {
    const chat = this.#record(id)
    if (chat.state !== "ended") this.#end(chat, by, reason)
  }

  // ---- agent side -------------------------------------------------------------------------------------------------

  accept(id: string, agent: Partial<Agent> = {}): ChatView {
    const chat = this.#live(id)
    if (chat.state !== "queued") throw new HubError(409, `chat ${id} is ${chat.state}, not queued`)
    const assigned = this.#agent(agent)
    chat.state = "chatting"
    chat.agent = assigned
    delete chat.queuePosition
    chat.acceptedAt = this.#clock.now()
    chat.transcript.push({ at: chat.acceptedAt, kind: "accepted", agent: assigned })
    chat.port.accepted(chat.id, assigned)
    this.#emit({ type: "accepted", chat: this.#view(chat) })
    this.#requeue(chat.skill)
    return this.#view(chat)
  }

  say(id: string, text: string): ChatView {
    const chat = this.#chatting(id)
    chat.agentTyping = false
    chat.transcript.push({ at: this.#clock.now(), kind: "message", from: "agent", text })
    chat.port.agentMessage(chat.id, text)
    this.#emit({ type: "agent-message", chat: this.#view(chat), text })
    return this.#view(chat)
  }

  typing(id: string, on: boolean): ChatView {
    const chat = this.#chatting(id)
    if (chat.agentTyping !== on) {
      chat.agentTyping = on
      chat.transcript.push({ at: this.#clock.now(), kind: "typing", from: "agent", on })
      chat.port.agentTyping(chat.id, on)
    }
    return this.#view(chat)
  }

  transfer(id: string, agent: Partial<Agent> = {}): ChatView {
    const chat = this.#chatting(id)
    const next = this.#agent(agent)
    chat.agent = next
    chat.agentTyping = false
    chat.transcript.push({ at: this.#clock.now(), kind: "transferred", agent: next })
    chat.port.transferred(chat.id, next)
    this.#emit({ type: "transferred", chat: this.#view(chat) })
    return this.#view(chat)
  }

  end(id: string, reason = "agent"): ChatView {
    const chat = this.#live(id)
    chat.port.agentEnded(chat.id, reason)
    this.#end(chat, "agent", reason)
    return this.#view(chat)
  }

  /** The agent's connection drops; the chat stays open at the provider (no agent until another accepts). */
  disconnect(id: string): ChatView {
    const chat = this.#chatting(id)
    const agent = chat.agent as Agent
    chat.agentTyping = false
    chat.transcript.push({ at: this.#clock.now(), kind: "agent-disconnected", agent })
    chat.port.agentDisconnected(chat.id, agent)
    this.#emit({ type: "agent-disconnected", chat: this.#view(chat) })
    return this.#view(chat)
  }

  /** Expires the provider session behind the chat (fault injection). */
  expire(id: string): ChatView {
    const chat = this.#live(id)
    chat.port.expire(chat.id)
    this.closed(chat.id, "timeout", "session expired")
    return this.#view(chat)
  }

  // ---- internals --------------------------------------------------------------------------------------------------

  #agent(agent: Partial<Agent>): Agent {
    this.#agentCount += 1
    return { id: agent.id ?? `agent-${this.#agentCount}`, name: agent.name ?? "Agent" }
  }

  #record(id: string): ChatRecord {
    const chat = this.#chats.get(id)
    if (chat === undefined) throw new HubError(404, `no chat ${id}`)
    return chat
  }

  #live(id: string): ChatRecord {
    const chat = this.#record(id)
    if (chat.state === "ended") throw new HubError(409, `chat ${id} has ended`)
    return chat
  }

  #chatting(id: string): ChatRecord {
    const chat = this.#live(id)
    if (chat.state !== "chatting" || chat.agent === undefined) {
      throw new HubError(409, `chat ${id} has no agent yet`)
    }
    return chat
  }

  #queued(skill: string): Array<ChatRecord> {
    return [...this.#chats.values()].filter((chat) => chat.state === "queued" && chat.skill === skill)
  }

  /** Recomputes queue positions for a skill and tells providers about the ones that moved. */
  #requeue(skill: string): void {
    for (const [index, chat] of this.#queued(skill).entries()) {
      const position = index + 1
      if (chat.queuePosition !== position) {
        chat.queuePosition = position
        chat.port.queueUpdated(chat.id, position, index * this.#averageHandleSeconds)
      }
    }
  }

  #end(chat: ChatRecord, by: EndedBy, reason: string): void {
    const wasQueued = chat.state === "queued"
    chat.state = "ended"
    chat.agentTyping = false
    chat.visitorTyping = false
    delete chat.queuePosition
    chat.endedAt = this.#clock.now()
    chat.endedBy = by
    chat.endReason = reason
    chat.transcript.push({ at: chat.endedAt, kind: "ended", by, reason })
    this.#emit({ type: "ended", chat: this.#view(chat) })
    if (wasQueued) this.#requeue(chat.skill)
    this.#endedOrder.push(chat.id)
    if (this.#endedOrder.length > this.#keepEnded) {
      const [oldest, ...rest] = this.#endedOrder
      this.#endedOrder = rest
      const gone = oldest === undefined ? undefined : this.#chats.get(oldest)
      if (gone !== undefined) {
        this.#chats.delete(gone.id)
        this.#byNative.delete(`${gone.provider}:${gone.nativeId}`)
      }
    }
  }

  /** A listener that throws (a console, the scripted agent) never breaks the provider request that caused the event. */
  #emit(event: HubEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        console.error("[simulator] a hub listener failed", error)
      }
    }
  }

  #view(chat: ChatRecord): ChatView {
    const { transcript } = chat
    const length = transcript.length
    let copy: Array<TranscriptEntry> | undefined
    // Keys in the documented order (the control API shows views as JSON), the optional ones only when set.
    const view: Record<string, unknown> = {
      id: chat.id,
      provider: chat.provider,
      nativeId: chat.nativeId,
      skill: chat.skill,
      visitorName: chat.visitorName,
      state: chat.state
    }
    if (chat.queuePosition !== undefined) {
      view.queuePosition = chat.queuePosition
      view.estimatedWaitSeconds = (chat.queuePosition - 1) * this.#averageHandleSeconds
    }
    if (chat.agent !== undefined) view.agent = chat.agent
    view.agentTyping = chat.agentTyping
    view.visitorTyping = chat.visitorTyping
    view.createdAt = isoTime(chat.createdAt)
    if (chat.acceptedAt !== undefined) view.acceptedAt = isoTime(chat.acceptedAt)
    if (chat.endedAt !== undefined) view.endedAt = isoTime(chat.endedAt)
    if (chat.endedBy !== undefined) view.endedBy = chat.endedBy
    if (chat.endReason !== undefined) view.endReason = chat.endReason
    // The transcript as it is now, copied when first read: it only grows, and most views (the events the scripted
    // agent hears, the answers of agent actions) are never asked for it, while it grows with every line.
    Object.defineProperty(view, "transcript", {
      enumerable: true,
      configurable: true,
      get: () => {
        copy ??= transcript.slice(0, length)
        return copy
      }
    })
    return view as unknown as ChatView
  }
}
