/**
 * One LiveChat visitor chat as the simulator keeps it: its secret, its event log (what `get_pending_messages`
 * serves) and its lifecycle. The provider-neutral side of the same chat lives in the hub.
 */
import type { components } from "@switchboard/client-livechat"
import type { Timer } from "../../clock.ts"
import type { Agent } from "../../hub.ts"
import type { Random } from "../../random.ts"

type Schemas = components["schemas"]

/**
 * An event as `get_pending_messages` serves it: the three types the reference evidences, and (in one variant) types
 * the simulator invents to exercise the open fallback.
 */
export type LiveChatEvent =
  | Schemas["AgentDetailsEvent"]
  | Schemas["MessageEvent"]
  | Schemas["ChatClosedEvent"]
  | Schemas["UnknownEvent"]

/**
 * `open`: queued or chatting. `closed`: ended by the agent or the visitor; the log stays readable so the visitor can
 * still collect the final events. `expired`: the keep-alive ran out (or the session was expired on purpose); the
 * secured session id no longer opens anything but `close`.
 */
export type ChatPhase = "open" | "closed" | "expired"

export interface NativeChat {
  /** The hub's id, known once `hub.open` returned. */
  hubId: string
  readonly visitorId: string
  /** The secret `secured_session_id`; never shown in errors, logs or the control API. */
  readonly secret: string
  readonly group: number
  phase: ChatPhase
  /** The agent currently named in the chat (last `agent_details`), for the closing line. */
  agent: Agent | undefined
  readonly log: Array<LiveChatEvent>
  /** The last id handed out; hidden happenings take ids too, so the visitor sees gaps. */
  lastId: number
  /** How far apart consecutive ids are (1, or 2 in the variant with gaps everywhere). */
  readonly idStep: number
  /** Ids of the last non-empty page delivered, what a duplicate delivery repeats. */
  lastPage: ReadonlyArray<number>
  /** Fires when the visitor stops polling. */
  keepAlive: Timer | undefined
}

/** The secret returned by `start`, shaped like the vendor's example (`CS1432649054.444adb0d90`). */
export const newSecret = (random: Random, nowMs: number): string => `CS${Math.floor(nowMs / 1000)}.${random.hex(32)}`

/** Unix seconds, as every event carries them. */
export const unixSeconds = (nowMs: number): number => Math.floor(nowMs / 1000)

/** Takes the next message id without adding a visible event (agent typing, a dropped agent connection). */
export const skipId = (chat: NativeChat): void => {
  chat.lastId += chat.idStep
}

type Draft =
  | Omit<Schemas["AgentDetailsEvent"], "message_id" | "timestamp">
  | Omit<Schemas["MessageEvent"], "message_id" | "timestamp">
  | Omit<Schemas["ChatClosedEvent"], "message_id" | "timestamp">
  | Omit<Schemas["UnknownEvent"], "message_id" | "timestamp">

/** Appends an event with the next message id. */
export const append = (chat: NativeChat, nowMs: number, draft: Draft): LiveChatEvent => {
  chat.lastId += chat.idStep
  const event = { message_id: chat.lastId, timestamp: unixSeconds(nowMs), ...draft } as LiveChatEvent
  chat.log.push(event)
  return event
}

/** Fisher-Yates with the seeded source; a page that comes out in order is reversed, so the fault is visible. */
export const shuffle = <A extends { readonly message_id: number }>(
  items: ReadonlyArray<A>,
  random: Random
): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    const a = out[i] as A
    out[i] = out[j] as A
    out[j] = a
  }
  const ordered = out.every((item, index) => index === 0 || (out[index - 1] as A).message_id <= item.message_id)
  return ordered ? out.reverse() : out
}
