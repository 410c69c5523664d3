/**
 * One LivePerson chat as the simulator keeps it: its append-only event log (what `GET {chat}` and
 * `GET {chat}/events` serve), its info fields and its timers. The provider-neutral side of the same chat lives in
 * the hub.
 */
import type { components } from "@switchboard/client-liveperson"
import type { Timer } from "../../clock.ts"
import type { Random } from "../../random.ts"

type Schemas = components["schemas"]

/** The two event types this simulator writes. */
export type LivePersonEvent = Schemas["StateEvent"] | Schemas["LineEvent"]

export type ChatState = Schemas["ChatState"]

/** The agent named in the chat: the hub's agent plus the numeric id LivePerson shows as `info.agentId`. */
export interface ChatAgent {
  readonly id: string
  readonly name: string
  readonly number: number
}

/** Monitoring-session and engagement fields copied from the chat request into `info`. */
export interface ChatContext {
  readonly sharkVisitorId?: string
  readonly sharkSessionId?: string
  readonly sharkContextId?: string
  readonly engagementId?: string | number
  readonly campaignId?: string | number
  readonly language?: string
}

export interface TranscriptRequestRecord {
  readonly time: string
  readonly email: string
}

export interface ExitSurveyRecord {
  readonly time: string
  readonly survey: unknown
}

export interface LivePersonChat {
  /** The chat key (`info.chatSessionKey`), last segment of the chat URI. */
  readonly id: string
  /** The hub's id, known once `hub.open` returned. */
  hubId: string
  state: ChatState
  /** Purged: the chat service no longer holds it; every visitor call answers 404 with internalCode 12. */
  purged: boolean
  skill: string
  skillId: number
  agent: ChatAgent | undefined
  agentTyping: boolean
  visitorTyping: boolean
  visitorName: string
  readonly visitorId: string
  readonly rtSessionId: number
  readonly startTime: number
  endTime: number | undefined
  /** Clock time of the last request that touched the chat. */
  lastUpdate: number
  /** Seconds without a request before the chat times out. */
  readonly chatTimeoutSeconds: number
  readonly context: ChatContext
  readonly events: Array<LivePersonEvent>
  /** Whether the "operators busy" line (2) was already written. */
  busyShown: boolean
  readonly transcriptRequests: Array<TranscriptRequestRecord>
  readonly exitSurveys: Array<ExitSurveyRecord>
  /** The keep-alive deadline (rescheduled lazily from `lastUpdate`). */
  keepAlive: Timer | undefined
  /** Ends a waiting chat when `maxWaitTime` passes without an agent. */
  maxWait: Timer | undefined
  /** Purges an ended chat once the retention window has passed. */
  retention: Timer | undefined
}

/** System line ids (`systemMessageId`) of providers.md §2.5. */
export const systemLine = {
  busy: 2,
  accepted: 3,
  routing: 4,
  agentEnded: 5,
  disconnected: 6,
  transferredToAgent: 13,
  transferredToSkill: 15
} as const

const pad = (value: number, width = 2) => String(value).padStart(width, "0")

const format = (ms: number, offsetMinutes: number): string => {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
  const sign = offsetMinutes < 0 ? "-" : "+"
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** Recent timestamps of one offset: every poll of a chat shows its start time and the time of the poll itself. */
const formatted = new Map<number, string>()
let formattedOffset: number | undefined

/** ISO-8601 with milliseconds and a fixed UTC offset, as the vendor's servers write it (`...06:30:00.695-05:00`). */
export const timestamp = (ms: number, offsetMinutes: number): string => {
  if (offsetMinutes !== formattedOffset || formatted.size >= 4096) {
    formatted.clear()
    formattedOffset = offsetMinutes
  }
  let text = formatted.get(ms)
  if (text === undefined) {
    text = format(ms, offsetMinutes)
    formatted.set(ms, text)
  }
  return text
}

const digits = (random: Random, count: number): string => {
  let out = String(1 + random.int(9))
  while (out.length < count) out += String(random.int(10))
  return out
}

/** A chat key shaped like the vendor's (`H3079121553394024223-70f331aba40b4ae58fe9e1af832e31b9K8388834`). */
export const newChatKey = (random: Random): string => `H${digits(random, 19)}-${random.hex(32)}K${digits(random, 7)}`

/** A numeric visitor id shaped like the vendor's (`1214701440734022`); below 2^53, so it survives JSON numbers. */
export const newVisitorId = (random: Random): string => `1${digits(random, 15)}`

type LineDraft = {
  readonly text: string
  readonly by: string
  readonly source: "system" | "agent" | "visitor"
  readonly systemMessageId?: number
}

/**
 * How the server writes lines (the parts of the LivePerson variant that are fixed when an event is appended):
 * `by` as display names or roles, numbers, and empty elements.
 */
export interface LineStyle {
  readonly lineBy: "name" | "role"
  readonly numbers: "mixed" | "strings" | "numbers"
  readonly emptyElements: "absent" | "empty-string" | "null"
}

const documentedLines: LineStyle = { lineBy: "name", numbers: "mixed", emptyElements: "absent" }

/** Appends an event with the next id (`"0"`, `"1"`, ...) and returns it. */
const push = <E extends LivePersonEvent>(chat: LivePersonChat, event: E): E => {
  chat.events.push(event)
  return event
}

export const appendState = (chat: LivePersonChat, time: string, state: ChatState): Schemas["StateEvent"] =>
  push(chat, { "@id": String(chat.events.length), "@type": "state", time, state })

/** `systemMessageId` in the style: a numeric string as in the vendor's events example, a number, or empty. */
const systemIdOf = (style: LineStyle, id: number | undefined): { systemMessageId?: string | number | "" | null } =>
  id !== undefined
    ? { systemMessageId: style.numbers === "numbers" ? id : String(id) }
    : style.emptyElements === "empty-string"
      ? { systemMessageId: "" }
      : style.emptyElements === "null"
        ? { systemMessageId: null }
        : {}

export const appendLine = (
  chat: LivePersonChat,
  time: string,
  line: LineDraft,
  style: LineStyle = documentedLines
): Schemas["LineEvent"] =>
  push(chat, {
    "@id": String(chat.events.length),
    "@type": "line",
    time,
    textType: "plain",
    text: line.text,
    by: style.lineBy === "role" && line.source !== "system" ? line.source : line.by,
    source: line.source,
    ...systemIdOf(style, line.systemMessageId),
    subType: "REGULAR"
  })

/** A system line (`by: info`, `source: system`). */
export const appendSystemLine = (
  chat: LivePersonChat,
  time: string,
  id: number,
  text: string,
  style: LineStyle = documentedLines
) => appendLine(chat, time, { text, by: "info", source: "system", systemMessageId: id }, style)

/** The last `state: ended` event, if the chat has one (what a second end request points at). */
export const endedEvent = (chat: LivePersonChat): LivePersonEvent | undefined =>
  [...chat.events].reverse().find((event) => event["@type"] === "state" && event.state === "ended")

/** Cancels every timer of the chat. */
export const stopTimers = (chat: LivePersonChat): void => {
  chat.keepAlive?.cancel()
  chat.maxWait?.cancel()
  chat.retention?.cancel()
  chat.keepAlive = undefined
  chat.maxWait = undefined
  chat.retention = undefined
}

/** Fisher-Yates with the seeded source; a page that comes out in order is reversed, so the fault is visible. */
export const shuffle = <A extends { readonly "@id": string }>(items: ReadonlyArray<A>, random: Random): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    const a = out[i] as A
    out[i] = out[j] as A
    out[j] = a
  }
  const ordered = out.every((item, index) => index === 0 || Number((out[index - 1] as A)["@id"]) <= Number(item["@id"]))
  return ordered ? out.reverse() : out
}
