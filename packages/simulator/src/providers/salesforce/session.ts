/**
 * One Live Agent session on the wire: its secrets, its outbound message queue with `ack`/`sequence`/`offset`
 * bookkeeping, the single long poll it may hold, its expiry deadline and the affinity handover. The entry module
 * (`../salesforce.ts`) owns the map of sessions and the hub; this file owns what happens inside one session.
 */
import type { SimClock, Timer } from "../../clock.ts"
import type { Agent } from "../../hub.ts"
import { empty, json, type SimResponse, text } from "../../module.ts"

/** Where the chat behind a session stands, as the visitor side sees it. */
export type Phase = "idle" | "queued" | "chatting" | "ended"

/** One `{ type, message }` entry waiting in the session's queue. */
export interface Entry {
  readonly type: string
  readonly message: Readonly<Record<string, unknown>>
  /** The `offset` of the entry (monotonic per session; renumbered when re-queued after a reconnect). */
  offset: number
  /** The `sequence` of the last 200 that carried it; undefined until delivered. */
  deliveredIn: number | undefined
  /**
   * An entry that must be acknowledged (gone from the queue) before this one is sent: how a variant splits the
   * envelopes after a reconnect. This entry and every later one wait for it.
   */
  waitFor?: Entry
}

/** One line of what the visitor and the agents said, for `ChasitorSessionData.chatMessages`. */
export interface Line {
  readonly type: "Agent" | "Chasitor" | "OperatorTransferred"
  readonly name: string
  readonly content: string
  readonly timestamp: number
  /** The queued entry that told the visitor about it (agent lines); visitor lines have none. */
  readonly entry?: Entry
}

/** A Messages envelope as sent. */
export interface Payload {
  readonly messages: ReadonlyArray<{ readonly type: string; readonly message: Readonly<Record<string, unknown>> }>
  readonly sequence: number
  readonly offset: number
}

/** What the control API shows for the session (never a key or an affinity token). */
export interface LogLine {
  readonly at: string
  readonly direction: "toVisitor" | "fromVisitor"
  readonly type: string
  readonly message: unknown
}

interface Held {
  readonly ack: number
  readonly resolve: (response: SimResponse) => void
  readonly timer: Timer
  readonly signal: AbortSignal
  readonly onAbort: () => void
}

export interface Session {
  /** Public session id (the `id` of SessionId, `sessionId` of ChasitorInit, the hub's nativeId). */
  readonly id: string
  /** Secret session key. */
  readonly key: string
  /** The affinity token the server accepts now. Secret. */
  affinity: string
  /** During a handover: the token the session moved to (calls with `affinity` answer 503 until reconnect). */
  movedTo: string | undefined
  /** API version the chat was requested with (drives version-dependent fields). */
  apiVersion: number
  phase: Phase
  /** Gone: every call answers 403. */
  gone: boolean
  hubId: string | undefined
  visitorName: string
  receiveQueueUpdates: boolean
  agent: Agent | undefined
  agentTyping: boolean
  /** Last applied X-LIVEAGENT-SEQUENCE (0 before any, and again after a reconnect with resetSequence). */
  lastInbound: number
  /** Entries not yet acknowledged, in server order. */
  queue: Array<Entry>
  nextOffset: number
  /** `sequence` of the last 200 answer (0 before the first). */
  sequence: number
  last: Payload | undefined
  lastDuplicated: boolean
  held: Held | undefined
  flushing: boolean
  expiry: Timer | undefined
  idle: Timer | undefined
  readonly lines: Array<Line>
  readonly log: Array<LogLine>
}

export const newSession = (fields: {
  id: string
  key: string
  affinity: string
  apiVersion: number
  firstOffset: number
}): Session => ({
  id: fields.id,
  key: fields.key,
  affinity: fields.affinity,
  movedTo: undefined,
  apiVersion: fields.apiVersion,
  phase: "idle",
  gone: false,
  hubId: undefined,
  visitorName: "Visitor",
  receiveQueueUpdates: false,
  agent: undefined,
  agentTyping: false,
  lastInbound: 0,
  queue: [],
  nextOffset: fields.firstOffset,
  sequence: 0,
  last: undefined,
  lastDuplicated: false,
  held: undefined,
  flushing: false,
  expiry: undefined,
  idle: undefined,
  lines: [],
  log: []
})

/** A Salesforce error answer: `{ "error": "<reason>" }`. Secrets never reach it (see `redact`). */
export const sfError = (status: number, message: string, headers?: Record<string, string>): SimResponse =>
  json({ error: redact(message) }, status, headers)

/**
 * The same error as a `text/plain` line (`403 Session not valid`), for the variant whose server answers errors in
 * text; anything else is returned as it is.
 */
export const asTextError = (response: SimResponse): SimResponse => {
  if (response.status < 400 || response.body === null || !response.headers["content-type"]?.includes("json")) {
    return response
  }
  let reason: unknown
  try {
    reason = (JSON.parse(response.body) as { error?: unknown }).error
  } catch {
    return response
  }
  if (typeof reason !== "string") return response
  const { "content-type": _, ...rest } = response.headers
  return text(`${response.status} ${reason}`, response.status, rest)
}

/** Removes anything shaped like a session key (`{id}!{random}`, possibly URL-encoded) from a message. */
export const redact = (message: string): string =>
  message.replaceAll(/[^\s/;,?&=]+/g, (token) =>
    token.includes("!") || token.toLowerCase().includes("%21") ? "<redacted>" : token
  )

const wire = (entries: ReadonlyArray<Entry>) => entries.map(({ type, message }) => ({ type, message }))

/** Queues an entry for the visitor and logs it. */
export const enqueue = (session: Session, clock: SimClock, type: string, message: Record<string, unknown>): Entry => {
  const entry: Entry = { type, message, offset: session.nextOffset++, deliveredIn: undefined }
  session.queue.push(entry)
  session.log.push({ at: new Date(clock.now()).toISOString(), direction: "toVisitor", type, message })
  return entry
}

/** Records what the visitor sent, for the control API's native log. */
export const logInbound = (session: Session, clock: SimClock, type: string, message: unknown): void => {
  session.log.push({ at: new Date(clock.now()).toISOString(), direction: "fromVisitor", type, message })
}

/** Drops the entries the visitor acknowledged (carried by a 200 whose sequence is `ack` or lower). */
export const acknowledge = (session: Session, ack: number): void => {
  session.queue = session.queue.filter((entry) => entry.deliveredIn === undefined || entry.deliveredIn > ack)
}

/** The entries the next 200 may carry: the queue up to the first one still waiting for another's acknowledgement. */
const sendable = (queue: ReadonlyArray<Entry>): ReadonlyArray<Entry> => {
  const blocked = queue.findIndex((entry) => entry.waitFor !== undefined && queue.includes(entry.waitFor))
  return blocked === -1 ? queue : queue.slice(0, blocked)
}

/** Builds the next 200 from everything not acknowledged; undefined when there is nothing to send. */
export const nextPayload = (session: Session): Payload | undefined => {
  const entries = sendable(session.queue)
  const lastEntry = entries.at(-1)
  if (lastEntry === undefined) return undefined
  session.sequence += 1
  for (const entry of entries) entry.deliveredIn = session.sequence
  const payload: Payload = { messages: wire(entries), sequence: session.sequence, offset: lastEntry.offset }
  session.last = payload
  session.lastDuplicated = false
  return payload
}

/** Answers the held poll, if any, and forgets it. */
export const release = (session: Session, response: SimResponse): boolean => {
  const held = session.held
  if (held === undefined) return false
  session.held = undefined
  held.timer.cancel()
  held.signal.removeEventListener("abort", held.onAbort)
  held.resolve(response)
  return true
}

/** Holds a poll until `flush` answers it, the hold window ends (204) or the client goes away. */
export const hold = (
  session: Session,
  clock: SimClock,
  ack: number,
  signal: AbortSignal,
  holdMs: number,
  done: () => void
): Promise<SimResponse> =>
  new Promise<SimResponse>((resolve) => {
    const finish = (response: SimResponse) => {
      resolve(response)
      done()
    }
    const onAbort = () => {
      if (session.held?.signal === signal) release(session, empty(204))
    }
    const timer = clock.setTimeout(() => {
      if (session.held?.signal === signal) release(session, empty(204))
    }, holdMs)
    session.held = { ack, resolve: finish, timer, signal, onAbort }
    signal.addEventListener("abort", onAbort, { once: true })
  })

/**
 * Answers the held poll with whatever is queued, once the current synchronous burst of events is over (so an
 * agent message and the end that follows it travel together).
 */
export const flush = (session: Session): void => {
  if (session.held === undefined || session.flushing) return
  session.flushing = true
  queueMicrotask(() => {
    session.flushing = false
    const held = session.held
    if (held === undefined || session.gone) return
    acknowledge(session, held.ack)
    const payload = nextPayload(session)
    if (payload !== undefined) release(session, json(payload))
  })
}

/**
 * The transcript for `ChasitorSessionData`: the lines the visitor already has (agent lines whose entry left the
 * queue), or with `all` every line so far, also those still waiting to be delivered.
 */
export const knownLines = (session: Session, all = false) =>
  session.lines
    .filter((line) => all || line.entry === undefined || !session.queue.includes(line.entry))
    .map((line, index) => ({
      type: line.type,
      name: line.name,
      content: line.content,
      timestamp: line.timestamp,
      sequence: index + 1
    }))
