/**
 * What LivePerson's legacy Chat REST API answers, decoded with Effect Schema at the boundary (reference §2.4-2.6).
 * The JSON is XML-derived: numbers may arrive as strings, a single event as a bare object, links with or without
 * the `@` prefix. Anything else that does not fit is a `ProtocolError` for the caller to handle, never a crash.
 */
import { findLink, nextFrom } from "@switchboard/client-liveperson"
import { Either, Option, Schema } from "effect"

/** An integer, or the same integer as a numeric string. */
const IntegerLike = Schema.Union(Schema.Int, Schema.NumberFromString.pipe(Schema.int()))

/**
 * An empty XML element, as the JSON dialect renders it: `""`, `null` or a missing key (reference §2.1). Every
 * optional field reads all three as absent: a chat resource with `agentId: ""` before any agent joined is normal.
 */
const Empty = Schema.Union(Schema.Literal(""), Schema.Null)

/** An optional field of the XML-derived dialect: its value, or `undefined` when empty in any of its renderings. */
const loose = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optional(
    Schema.transform(Schema.Union(Empty, schema), Schema.UndefinedOr(Schema.typeSchema(schema)), {
      strict: false,
      decode: (value) => (value === "" || value === null ? undefined : value),
      encode: (value) => value ?? null
    })
  )

const AttributeLink = Schema.Struct({ "@href": Schema.String, "@rel": Schema.String })
const PlainLink = Schema.Struct({ href: Schema.String, rel: Schema.String })
const Link = Schema.Union(AttributeLink, PlainLink)
const Links = Schema.Union(Schema.Array(Link), Link)

/** `info`: only the fields the adapter reads; the others are ignored. */
const Info = Schema.Struct({
  state: Schema.Literal("waiting", "chatting", "ended"),
  agentName: loose(Schema.String),
  agentId: loose(Schema.Union(IntegerLike, Schema.String)),
  agentTyping: loose(Schema.String),
  chatTimeout: loose(IntegerLike)
})
export type Info = typeof Info.Type

const EventList = Schema.Struct({ link: loose(Links), event: Schema.optional(Schema.Unknown) })

const InfoAnswer = Schema.Struct({ info: Info })
const decodeInfo = Schema.decodeUnknownOption(InfoAnswer)
/** The chat's state from the answer of `getChatInfo`, when readable. */
export const stateOf = (data: unknown) => decodeInfo(data).pipe(Option.map((answer) => answer.info.state))

const ChatAnswer = Schema.Struct({
  chat: Schema.Struct({ link: loose(Links), events: EventList, info: Info })
})
const EventsAnswer = Schema.Struct({ events: EventList })

/** What every event carries: a numeric id (ordering, dedupe and the cursor) and a type. */
const EventHead = Schema.Struct({ "@id": IntegerLike, "@type": Schema.String })

const StateEvent = Schema.Struct({
  "@type": Schema.Literal("state"),
  state: Schema.Literal("waiting", "chatting", "ended")
})

const LineEvent = Schema.Struct({
  "@type": Schema.Literal("line"),
  text: loose(Schema.String),
  source: Schema.Literal("system", "agent", "visitor"),
  systemMessageId: loose(IntegerLike),
  time: loose(Schema.String)
})

/** A known event the adapter maps; anything else is passed on as `unknown`. */
const KnownEvent = Schema.Union(StateEvent, LineEvent)
export type KnownEvent = typeof KnownEvent.Type

const decodeChat = Schema.decodeUnknownEither(ChatAnswer)
const decodeEvents = Schema.decodeUnknownEither(EventsAnswer)
const decodeHead = Schema.decodeUnknownEither(EventHead)
const decodeKnownOption = Schema.decodeUnknownOption(KnownEvent)
export const decodeKnown = (raw: unknown) => decodeKnownOption(raw)

/** A boolean, or the same as the XML dialect's text (`"true"`, `"false"`). */
const BooleanLike = Schema.Union(
  Schema.Boolean,
  Schema.transform(Schema.Literal("true", "false"), Schema.Boolean, {
    strict: true,
    decode: (text) => text === "true",
    encode: (value) => (value ? "true" : "false")
  })
)

const Availability = Schema.Struct({ availability: BooleanLike })
const WaitTime = Schema.Struct({ estimatedWaitTime: IntegerLike })
const ErrorBody = Schema.Struct({
  error: Schema.Struct({ message: loose(Schema.String), internalCode: loose(IntegerLike) })
})
export const decodeAvailability = Schema.decodeUnknownEither(Availability)
export const decodeWaitTime = Schema.decodeUnknownEither(WaitTime)
const decodeError = Schema.decodeUnknownOption(ErrorBody)

/** One event of a page: its id and type, and the event as it came (for `unknown` and for the echo count). */
export interface RawEvent {
  readonly id: number
  readonly type: string
  readonly raw: unknown
}

/** A decoded page: events sorted by id without repeats, the `next` cursor when the page had one, and `info`. */
export interface Page {
  readonly events: ReadonlyArray<RawEvent>
  readonly next: number | undefined
  readonly info: Info | undefined
}

/** `event` as a list: absent or empty (in any rendering) is none, a bare object is one. */
const asArray = (event: unknown): ReadonlyArray<unknown> =>
  event === undefined || event === null || event === "" ? [] : Array.isArray(event) ? event : [event]

/** Sorts the events by id and drops repeats: the log may repeat or re-order them. */
const toEvents = (event: unknown): Either.Either<ReadonlyArray<RawEvent>, string> => {
  const byId = new Map<number, RawEvent>()
  for (const raw of asArray(event)) {
    const head = decodeHead(raw)
    if (Either.isLeft(head)) return Either.left("an event has no numeric @id or no @type")
    const id = head.right["@id"]
    if (id < 0) return Either.left("an event has a negative @id")
    if (!byId.has(id)) byId.set(id, { id, type: head.right["@type"], raw })
  }
  return Either.right([...byId.values()].sort((a, b) => a.id - b.id))
}

type LinksValue = typeof Links.Type

const next = (...links: ReadonlyArray<LinksValue | undefined>): number | undefined => {
  for (const link of links) {
    const from = nextFrom(findLink(link, "next"))
    if (from !== undefined) return from
  }
  return undefined
}

/** The answer of `getChat`: `{ chat: { link, events, info } }`. */
export const chatPage = (data: unknown): Either.Either<Page, string> => {
  const decoded = decodeChat(data)
  if (Either.isLeft(decoded)) return Either.left("the chat resource is not { chat: { events, info } }")
  const { chat } = decoded.right
  return Either.map(toEvents(chat.events.event), (events) => ({
    events,
    next: next(chat.link, chat.events.link),
    info: chat.info
  }))
}

/** The answer of `getChatEvents`: `{ events: { link, event } }`. */
export const eventsPage = (data: unknown): Either.Either<Page, string> => {
  const decoded = decodeEvents(data)
  if (Either.isLeft(decoded)) return Either.left("the events resource is not { events: { link, event } }")
  const { events } = decoded.right
  return Either.map(toEvents(events.event), (list) => ({ events: list, next: next(events.link), info: undefined }))
}

/** Whether an event is one of the visitor's own lines (counted for exactly-once sends, decoded or not). */
export const isVisitorLine = (raw: unknown): boolean =>
  typeof raw === "object" &&
  raw !== null &&
  (raw as Record<string, unknown>)["@type"] === "line" &&
  (raw as Record<string, unknown>).source === "visitor"

/** The `error` of LivePerson's error body, when the answer had one. */
export const errorOf = (body: unknown): { readonly message?: string; readonly internalCode?: number } => {
  const decoded = decodeError(body)
  if (decoded._tag === "None") return {}
  const { message, internalCode } = decoded.value.error
  return {
    ...(message === undefined ? {} : { message: message.slice(0, 200) }),
    ...(internalCode === undefined ? {} : { internalCode })
  }
}
