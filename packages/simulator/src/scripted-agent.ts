/**
 * A scripted agent for demos: it accepts each queued chat after a delay, types for a moment, and answers the
 * visitor from a small rule table. Off by default in tests, where the test plays the agent.
 */
import type { SimClock, Timer } from "./clock.ts"
import type { ChatHub, HubEvent } from "./hub.ts"

export interface ReplyRule {
  /** Matched against the visitor's message. */
  readonly when: RegExp
  readonly reply: string
}

export interface ScriptedAgentOptions {
  /** The agent's display name; default "Grace". */
  readonly name?: string
  /** Delay before accepting a queued chat; default 1,500 ms. */
  readonly acceptAfterMs?: number
  /** How long the agent shows as typing before each reply; default 900 ms. */
  readonly typingMs?: number
  /** First match wins; `fallback` answers everything else. */
  readonly rules?: ReadonlyArray<ReplyRule>
  readonly greeting?: string
  readonly fallback?: string
  /** The agent ends the chat after answering the visitor's message matching this, if set; default /\b(bye|goodbye|thanks?)\b/i. */
  readonly endWhen?: RegExp
}

export const defaultRules: ReadonlyArray<ReplyRule> = [
  { when: /\b(hi|hello|hey)\b/i, reply: "Hello! What can I do for you today?" },
  { when: /\b(order|delivery|shipping|parcel)\b/i, reply: "Let me look that order up. Could you give me its number?" },
  { when: /\b\d{4,}\b/, reply: "Thanks, I found it: it left our warehouse this morning and arrives tomorrow." },
  {
    when: /\b(refund|return|money back)\b/i,
    reply: "Refunds take three to five working days once the return arrives."
  },
  { when: /\b(human|person|real)\b/i, reply: "I am a real person, promise. How can I help?" },
  { when: /\b(bye|goodbye|thanks?|thank you)\b/i, reply: "You're welcome! Have a lovely day." }
]

/** Starts the scripted agent on a hub; returns a function that stops it and cancels its pending actions. */
export const startScriptedAgent = (hub: ChatHub, clock: SimClock, options: ScriptedAgentOptions = {}): (() => void) => {
  const name = options.name ?? "Grace"
  const acceptAfterMs = options.acceptAfterMs ?? 1500
  const typingMs = options.typingMs ?? 900
  const rules = options.rules ?? defaultRules
  const greeting = options.greeting ?? `Hi, I'm ${name}. How can I help?`
  const fallback = options.fallback ?? "I see. Tell me a little more and I'll sort it out."
  const endWhen = options.endWhen ?? /\b(bye|goodbye)\b/i
  const timers = new Set<Timer>()

  const later = (ms: number, action: () => void) => {
    const timer = clock.setTimeout(() => {
      timers.delete(timer)
      try {
        action()
      } catch {
        // The chat ended or moved on meanwhile: nothing to do.
      }
    }, ms)
    timers.add(timer)
  }

  const answer = (chatId: string, reply: string, then?: () => void) => {
    hub.typing(chatId, true)
    later(typingMs, () => {
      hub.say(chatId, reply)
      then?.()
    })
  }

  const onEvent = (event: HubEvent) => {
    const id = event.chat.id
    switch (event.type) {
      case "queued":
        later(acceptAfterMs, () => {
          hub.accept(id, { name })
          answer(id, greeting)
        })
        break
      case "visitor-message": {
        if (event.chat.state !== "chatting") break // answered once accepted, with the greeting
        const reply = rules.find((rule) => rule.when.test(event.text))?.reply ?? fallback
        answer(id, reply, endWhen.test(event.text) ? () => later(typingMs, () => hub.end(id, "agent")) : undefined)
        break
      }
      default:
        break
    }
  }

  const unsubscribe = hub.on(onEvent)
  return () => {
    unsubscribe()
    for (const timer of timers) timer.cancel()
    timers.clear()
  }
}
