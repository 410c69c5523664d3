/**
 * The life of a LivePerson chat after `POST chat/request`: how it ends (visitor, agent, disconnect, timeout, no
 * agent), its timers (keep-alive, `maxWaitTime`, retention) and how the hub's agent actions become its events.
 */
import type { SimClock } from "../../clock.ts"
import type { Agent, ChatHub, ProviderPort } from "../../hub.ts"
import {
  appendLine,
  appendState,
  appendSystemLine as appendSystemLineIn,
  type ChatAgent,
  type LineStyle,
  type LivePersonChat,
  type LivePersonEvent,
  stopTimers,
  systemLine
} from "./chat.ts"

/**
 * Tells the hub about a visitor action. The hub records the change before it notifies its listeners, so a listener
 * that throws (a scripted agent answering a chat nobody accepted yet) must not fail the visitor's request.
 */
export const tell = (action: () => void): void => {
  try {
    action()
  } catch {
    // Already recorded by the hub; only a listener failed.
  }
}

/** The longest delay a runtime timer takes (2^31 - 1 ms); Node fires longer ones after 1 ms. */
const maxDelay = 2_147_483_647

export interface LifecycleOptions {
  readonly hub: ChatHub
  readonly clock: SimClock
  readonly skills: ReadonlyArray<string>
  readonly skillId: (skill: string) => number
  /** How long an ended chat stays readable. */
  readonly retentionMs: number
  /** The current time as the API writes it. */
  readonly stamp: () => string
  /** The chat service lets go of the chat (it answers 404 from now on). */
  readonly forget: (chat: LivePersonChat) => void
  /** How lines are written (the variant played). */
  readonly lines: LineStyle
}

export const makeLifecycle = (options: LifecycleOptions) => {
  const { hub, clock, skills, skillId, retentionMs, stamp, lines } = options
  const appendSystemLine = (chat: LivePersonChat, time: string, id: number, text: string) =>
    appendSystemLineIn(chat, time, id, text, lines)
  const agentNumbers = new Map<string, number>()

  /** The hub's agent plus a stable numeric `agentId`. */
  const agentOf = (agent: Agent): ChatAgent => {
    let number = agentNumbers.get(agent.id)
    if (number === undefined) {
      number = 3_140_000 + agentNumbers.size + 1
      agentNumbers.set(agent.id, number)
    }
    return { id: agent.id, name: agent.name, number }
  }

  /** The chat service lets go of the chat: from now on it is "Chat session not found". */
  const purge = (chat: LivePersonChat): void => {
    stopTimers(chat)
    chat.purged = true
    options.forget(chat)
  }

  /** Appends `state: ended`, stops the keep-alive and wait timers and starts the retention window. */
  const finish = (chat: LivePersonChat): LivePersonEvent => {
    const event = appendState(chat, stamp(), "ended")
    chat.state = "ended"
    chat.endTime = clock.now()
    chat.agentTyping = false
    chat.visitorTyping = false
    stopTimers(chat)
    chat.retention = clock.setTimeout(() => purge(chat), Math.min(retentionMs, maxDelay))
    return event
  }

  /**
   * (Re)arms the keep-alive deadline, `chatTimeout` seconds after the last request. Requests only move
   * `lastUpdate`; when the timer fires early it waits for the rest, so a poll costs no timer of its own.
   */
  const armKeepAlive = (chat: LivePersonChat): void => {
    chat.keepAlive?.cancel()
    const timeoutMs = chat.chatTimeoutSeconds * 1000
    const expire = () => {
      chat.keepAlive = undefined
      if (chat.state === "ended") return
      if (clock.now() < chat.lastUpdate + timeoutMs) return armKeepAlive(chat)
      appendSystemLine(chat, stamp(), systemLine.disconnected, "The chat was disconnected because it timed out.")
      finish(chat)
      tell(() => hub.closed(chat.hubId, "timeout", `no request for ${chat.chatTimeoutSeconds} s`))
    }
    // Capped at what runtime timers can hold (about 24.8 days); firing early just re-arms.
    chat.keepAlive = clock.setTimeout(expire, Math.min(chat.lastUpdate + timeoutMs - clock.now(), maxDelay))
  }

  /** System line 2, once per chat. */
  const showBusy = (chat: LivePersonChat): void => {
    if (chat.busyShown) return
    chat.busyShown = true
    appendSystemLine(chat, stamp(), systemLine.busy, "All of our agents are busy at the moment.")
  }

  /** No agent took the chat in time (or none could): the busy line, then the chat ends. */
  const giveUp = (chat: LivePersonChat, reason: string): void => {
    if (chat.state !== "waiting") return
    showBusy(chat)
    finish(chat)
    tell(() => hub.closed(chat.hubId, "system", reason))
  }

  /** How agent actions on this chat show up on the LivePerson wire. */
  const portFor = (chat: LivePersonChat): ProviderPort => ({
    accepted: (_, agent) => {
      if (chat.state !== "waiting") return
      chat.maxWait?.cancel()
      chat.maxWait = undefined
      chat.state = "chatting"
      chat.agent = agentOf(agent)
      appendState(chat, stamp(), "chatting")
      appendSystemLine(chat, stamp(), systemLine.accepted, `You are now chatting with ${agent.name}.`)
    },
    agentMessage: (_, text) => {
      if (chat.state === "ended") return
      chat.agentTyping = false
      appendLine(chat, stamp(), { text, by: chat.agent?.name ?? "Agent", source: "agent" }, lines)
    },
    // No typing event on this API: only `info.agentTyping` and `info/agentTyping` show it.
    agentTyping: (_, on) => {
      if (chat.state !== "ended") chat.agentTyping = on
    },
    transferred: (_, agent) => {
      if (chat.state === "ended") return
      chat.agentTyping = false
      // The hub transfers between agents only; an agent id `skill:<name>` stands for a transfer to another skill.
      const skill = agent.id.startsWith("skill:") ? agent.id.slice("skill:".length) : undefined
      if (skill !== undefined && skills.includes(skill)) {
        chat.skill = skill
        chat.skillId = skillId(skill)
        const text = `Your chat was transferred to ${skill}. ${agent.name} will continue with you.`
        appendSystemLine(chat, stamp(), systemLine.transferredToSkill, text)
      } else {
        appendSystemLine(chat, stamp(), systemLine.transferredToAgent, `Your chat was transferred to ${agent.name}.`)
      }
      chat.agent = agentOf(agent)
    },
    agentEnded: () => {
      if (chat.state === "ended") return
      const text = `${chat.agent?.name ?? "The agent"} has ended the chat.`
      appendSystemLine(chat, stamp(), systemLine.agentEnded, text)
      finish(chat)
    },
    agentDisconnected: (id, agent) => {
      // §2.7: an unexpected disconnect (system line 6) ends a LivePerson chat.
      if (chat.state === "ended") return
      const text = `${agent.name} was disconnected unexpectedly. The chat has ended.`
      appendSystemLine(chat, stamp(), systemLine.disconnected, text)
      finish(chat)
      tell(() => hub.closed(id, "system", "the agent was disconnected"))
    },
    // No queue position on this API (§4.1): a waiting chat only shows `state: waiting`.
    queueUpdated: () => {},
    // The hub records the end itself ("timeout"); the chat service forgets the chat at once.
    expire: () => {
      if (chat.state !== "ended") {
        appendSystemLine(chat, stamp(), systemLine.disconnected, "The chat session has expired.")
        finish(chat)
      }
      purge(chat)
    },
    nativeLog: () =>
      structuredClone({
        chatSessionKey: chat.id,
        state: chat.state,
        purged: chat.purged,
        events: chat.events,
        transcriptRequests: chat.transcriptRequests,
        exitSurveys: chat.exitSurveys
      })
  })

  return { finish, armKeepAlive, showBusy, giveUp, portFor }
}
