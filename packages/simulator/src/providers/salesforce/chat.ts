/**
 * The chat behind a session: ChasitorInit routing, the agent's actions turned into Messages entries (the
 * `ProviderPort`), the visitor's Chasitor requests (also as MultiNoun nouns), the visitor idle timeout and the
 * ChasitorSessionData snapshot that follows a reconnect.
 */
import type { Agent, ProviderPort } from "../../hub.ts"
import { invalid } from "./access.ts"
import { idleTimeoutSince, type Runtime, waitTimeSince } from "./runtime.ts"
import { enqueue, flush, knownLines, logInbound, type Session, sfError } from "./session.ts"

type Fields = Readonly<Record<string, unknown>>

/** The Chasitor requests a visitor can send in an established chat (directly or as MultiNoun nouns). */
export const chasitorNouns = [
  "ChatMessage",
  "ChasitorTyping",
  "ChasitorNotTyping",
  "ChasitorSneakPeek",
  "CustomEvent",
  "ChatEnd",
  "ChasitorIdleTimeoutWarningEvent"
] as const
export type ChasitorNoun = (typeof chasitorNouns)[number]

export interface Action {
  readonly noun: ChasitorNoun
  readonly body: Fields
}

const isObject = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Why a noun's body is not acceptable, or undefined when it is (the spec's request schemas, by hand). */
export const checkNoun = (noun: ChasitorNoun, body: Fields): string | undefined => {
  switch (noun) {
    case "ChatMessage":
      return typeof body.text === "string" ? undefined : "ChatMessage needs a string text"
    case "ChasitorSneakPeek":
      return Number.isInteger(body.position) && (body.position as number) >= 0 && typeof body.text === "string"
        ? undefined
        : "ChasitorSneakPeek needs an integer position and a string text"
    case "CustomEvent":
      return typeof body.type === "string" && typeof body.data === "string"
        ? undefined
        : "CustomEvent needs string type and data"
    case "ChatEnd":
      // The documented body says "client"; clients that wrap it (`ChatEndReason`) are seen sending their own reason
      // names (providers.md §1.4), which real servers evidently accept.
      if (isObject(body.ChatEndReason)) {
        const { reason } = body.ChatEndReason
        return typeof reason === "string" && reason !== "" ? undefined : "ChatEndReason needs a reason"
      }
      return body.reason === "client" ? undefined : 'ChatEnd needs reason "client"'
    case "ChasitorIdleTimeoutWarningEvent":
      return body.idleTimeoutWarningEvent === "triggered" || body.idleTimeoutWarningEvent === "cleared"
        ? undefined
        : "idleTimeoutWarningEvent must be triggered or cleared"
    default:
      return undefined
  }
}

/** Reads MultiNoun's `nouns` into actions, or says what is wrong with them. */
export const readNouns = (nouns: ReadonlyArray<Fields>): Array<Action> | string => {
  const actions: Array<Action> = []
  for (const [index, entry] of nouns.entries()) {
    const noun = String(entry.noun)
    if (entry.prefix !== "Chasitor" || !(chasitorNouns as ReadonlyArray<string>).includes(noun)) {
      const supported = chasitorNouns.map((name) => `Chasitor/${name}`).join(", ")
      return `nouns[${index}]: ${String(entry.prefix)}/${noun} cannot be batched (supported: ${supported})`
    }
    let body: unknown = {}
    if (typeof entry.data === "string" && entry.data.trim() !== "") {
      try {
        body = JSON.parse(entry.data)
      } catch {
        return `nouns[${index}].data is not valid JSON`
      }
    }
    if (!isObject(body)) return `nouns[${index}].data must be a JSON object`
    const problem = checkNoun(noun as ChasitorNoun, body)
    if (problem !== undefined) return `nouns[${index}]: ${problem}`
    actions.push({ noun: noun as ChasitorNoun, body })
  }
  return actions
}

/** `ChatEstablished` / `ChatTransferred` content for an agent. */
const assignment = (runtime: Runtime, session: Session, agent: Agent): Record<string, unknown> => {
  const idle = runtime.config.chasitorIdleTimeout
  return {
    name: agent.name,
    userId: agent.id,
    sneakPeekEnabled: runtime.config.sneakPeekEnabled,
    ...(session.apiVersion < idleTimeoutSince
      ? {}
      : {
          chasitorIdleTimeout:
            idle === undefined
              ? { isEnabled: false }
              : { isEnabled: true, warningTime: idle.warningSeconds, timeout: idle.timeoutSeconds }
        })
  }
}

/** Why a chat ended, as `ChatEnded.reason` says it in the variant played (undefined: no reason). */
const endedReason = (runtime: Runtime, cause: "agent" | "client" | "idle", given: string): string | undefined => {
  const style = runtime.config.variant.chatEndedReason
  if (style === "absent") return undefined
  if (cause !== "agent" || style === "as-given") return given
  return style === "agent" ? "agent" : "The agent ended the chat"
}

/**
 * The chat ends on the Salesforce side: a final `ChatEnded`, then only one more poll reads the session. `given` is
 * the reason the cause has by default (the agent's own, `client`, `chasitorIdleTimeout`).
 */
export const endChat = (
  runtime: Runtime,
  session: Session,
  cause: "agent" | "client" | "idle",
  given: string
): void => {
  if (session.phase === "ended") return
  session.phase = "ended"
  session.agentTyping = false
  session.idle?.cancel()
  session.idle = undefined
  const reason = endedReason(runtime, cause, given)
  enqueue(session, runtime.clock, "ChatEnded", reason === undefined ? {} : { reason })
  flush(session)
}

/** (Re)starts the visitor idle timeout, counted from the agent's last message. */
const armIdle = (runtime: Runtime, session: Session): void => {
  const idle = runtime.config.chasitorIdleTimeout
  if (idle === undefined || session.apiVersion < idleTimeoutSince) return
  session.idle?.cancel()
  session.idle = runtime.clock.setTimeout(() => {
    session.idle = undefined
    if (session.phase !== "chatting" || session.gone) return
    endChat(runtime, session, "idle", "chasitorIdleTimeout")
    const hubId = session.hubId
    if (hubId !== undefined) {
      const why = `the visitor sent nothing for ${idle.timeoutSeconds} s after the agent's last message`
      runtime.tell(() => runtime.hub.closed(hubId, "timeout", why))
    }
  }, idle.timeoutSeconds * 1000)
}

/** How agent actions on a session's chat show up in its Messages queue. */
export const portFor = (runtime: Runtime, session: Session): ProviderPort => {
  const live = () => !session.gone && session.phase !== "ended"
  /** The message of AgentTyping, AgentNotTyping and AgentDisconnect: `{}`, or the agent named (variant). */
  const ref = (): Record<string, unknown> =>
    runtime.config.variant.agentRef === "named" && session.agent !== undefined
      ? { name: session.agent.name, agentId: session.agent.id }
      : {}
  const push = (type: string, message: Record<string, unknown>) => {
    const entry = enqueue(session, runtime.clock, type, message)
    flush(session)
    return entry
  }
  return {
    accepted: (_, agent) => {
      if (!live()) return
      session.phase = "chatting"
      session.agent = agent
      push("ChatEstablished", assignment(runtime, session, agent))
    },
    agentMessage: (_, text) => {
      if (!live()) return
      const name = session.agent?.name ?? "Agent"
      const agentId = session.agent?.id
      const entry = push("ChatMessage", { name, text, ...(agentId === undefined ? {} : { agentId }) })
      session.lines.push({ type: "Agent", name, content: text, timestamp: runtime.clock.now(), entry })
      // The hub clears typing silently with a message; the official example shows the AgentNotTyping after it.
      if (session.agentTyping) {
        session.agentTyping = false
        push("AgentNotTyping", ref())
      }
      armIdle(runtime, session)
    },
    agentTyping: (_, on) => {
      if (!live()) return
      session.agentTyping = on
      push(on ? "AgentTyping" : "AgentNotTyping", ref())
    },
    transferred: (_, agent) => {
      if (!live()) return
      if (session.agentTyping) {
        session.agentTyping = false
        push("AgentNotTyping", ref())
      }
      session.agent = agent
      const entry = push("ChatTransferred", assignment(runtime, session, agent))
      session.lines.push({
        type: "OperatorTransferred",
        name: agent.name,
        content: "",
        timestamp: runtime.clock.now(),
        entry
      })
    },
    agentEnded: (_, reason) => {
      if (live()) endChat(runtime, session, "agent", reason)
    },
    agentDisconnected: () => {
      if (!live()) return
      session.agentTyping = false
      push("AgentDisconnect", ref())
    },
    queueUpdated: (_, position, estimatedWaitSeconds) => {
      if (!live() || session.phase !== "queued" || !session.receiveQueueUpdates) return
      push("QueueUpdate", {
        position,
        ...(session.apiVersion < waitTimeSince ? {} : { estimatedWaitTime: estimatedWaitSeconds })
      })
    },
    expire: () => {
      if (!session.gone) runtime.retire(session, sfError(403, "Session not valid"))
    },
    nativeLog: () => structuredClone(session.log)
  }
}

/**
 * ChasitorInit: routes the request to the first button of `buttonOverrides` (an `agentId_buttonId` item counts for
 * its button) or `buttonId`, opens the chat in the hub and queues `ChatRequestSuccess`, or `ChatRequestFail`
 * ("Unavailable") when no button of the deployment is named or none has an agent available.
 */
export const requestChat = (runtime: Runtime, session: Session, body: Fields, apiVersion: number): void => {
  const { hub, config } = runtime
  session.apiVersion = apiVersion
  session.receiveQueueUpdates = body.receiveQueueUpdates === true
  const name = typeof body.visitorName === "string" ? body.visitorName.trim() : ""
  session.visitorName = name === "" ? "Visitor" : name
  logInbound(session, runtime.clock, "ChasitorInit", body)

  const targets = Array.isArray(body.buttonOverrides) ? body.buttonOverrides.map(String) : [String(body.buttonId)]
  const buttons = targets.map((target) => target.split("_").at(-1) ?? target)
  const known = buttons.filter((button) => config.buttonIds.includes(button))
  const skill = known.find((button) => hub.isAvailable(button)) ?? known[0] ?? String(body.buttonId)
  const available = known.length > 0 && hub.isAvailable(skill)

  if (available) {
    const position = hub.list({ state: "queued" }).filter((chat) => chat.skill === skill).length + 1
    session.phase = "queued"
    enqueue(session, runtime.clock, "ChatRequestSuccess", {
      queuePosition: position,
      ...(apiVersion >= waitTimeSince && session.receiveQueueUpdates
        ? { estimatedWaitTime: hub.estimatedWaitSeconds(skill) }
        : {}),
      url: "",
      oref: "",
      postChatUrl: "",
      customDetails: Array.isArray(body.prechatDetails) ? body.prechatDetails : [],
      visitorId: session.id,
      connectionTimeout: config.sessionTimeoutMs,
      sensitiveDataRules: [],
      transcriptSaveEnabled: true
    })
  } else {
    session.phase = "ended"
    enqueue(session, runtime.clock, "ChatRequestFail", { reason: "Unavailable", postChatUrl: "" })
  }
  flush(session)
  // Registered even when it failed, so the control API shows the request; the port ignores a failed chat.
  runtime.tell(() => {
    const view = hub.open({
      provider: "salesforce",
      nativeId: session.id,
      skill,
      visitorName: session.visitorName,
      port: portFor(runtime, session)
    })
    session.hubId = view.id
  })
  session.hubId ??= hub.findByNativeId("salesforce", session.id)?.id
  const hubId = session.hubId
  if (!available && hubId !== undefined) runtime.tell(() => hub.closed(hubId, "system", "no agent available"))
}

/** Applies one Chasitor request of an established chat. */
export const applyNoun = (runtime: Runtime, session: Session, action: Action): void => {
  const { hub, clock } = runtime
  const hubId = session.hubId
  logInbound(session, clock, action.noun, action.body)
  switch (action.noun) {
    case "ChatMessage": {
      const text = String(action.body.text)
      session.lines.push({ type: "Chasitor", name: session.visitorName, content: text, timestamp: clock.now() })
      session.idle?.cancel()
      session.idle = undefined
      if (hubId !== undefined) runtime.tell(() => hub.visitorMessage(hubId, text))
      break
    }
    case "ChasitorTyping":
    case "ChasitorNotTyping": {
      const on = action.noun === "ChasitorTyping"
      if (hubId !== undefined) runtime.tell(() => hub.visitorTyping(hubId, on))
      break
    }
    case "ChatEnd":
      endChat(runtime, session, "client", "client")
      if (hubId !== undefined) runtime.tell(() => hub.closed(hubId, "visitor", "the visitor ended the chat"))
      // A variant's server forgets the session at once: no poll reads the ChatEnded.
      if (runtime.config.variant.afterChatEnd === "forbidden") runtime.retire(session, invalid())
      break
    default:
      // Sneak peeks, custom events and idle warnings have no agent-side counterpart in the hub: logged only.
      break
  }
}

/** The ChasitorSessionData entry that restores the chat after a reconnect (`allLines`: the overlapping transcript). */
export const sessionData = (runtime: Runtime, session: Session, allLines = false): Record<string, unknown> => {
  const view = runtime.hub.findByNativeId("salesforce", session.id)
  return {
    queuePosition: session.phase === "queued" ? (view?.queuePosition ?? 0) : 0,
    url: "",
    oref: "",
    postChatUrl: "",
    sneakPeekEnabled: runtime.config.sneakPeekEnabled,
    chatMessages: knownLines(session, allLines)
  }
}
