/**
 * How LivePerson resources look on the wire: the error body, the app-key check, the public chat URI (built from
 * the origin the request arrived at) and the `chat`, `events` and `info` documents with their links in the
 * documented order.
 */
import type { components } from "@switchboard/client-liveperson"
import type { SimRequest } from "../../module.ts"
import { defaultVariants, type LivePersonVariant } from "../../variants.ts"
import { type LivePersonChat, type LivePersonEvent, timestamp } from "./chat.ts"

type Schemas = components["schemas"]

/** How the server writes its XML-derived JSON: the LivePerson variant played (every knob resolved). */
export type WireStyle = Required<LivePersonVariant>

const integer = /^-?[0-9]+$/

/** The documented reading of the dialect (the default variant). */
export const documentedStyle: WireStyle = defaultVariants.liveperson

/** A number as the style writes it: a JSON number (`"mixed"`, `"numbers"`) or a numeric string (`"strings"`). */
export const numberIn = (style: WireStyle, value: number): number | string =>
  style.numbers === "strings" ? String(value) : value

/**
 * A value that is a number or a numeric string on the way in (an engagement id, a context id), as the style writes
 * it: unchanged (`"mixed"`), as a string, or as a number when it is an integer.
 */
const idIn = (style: WireStyle, value: string | number): string | number =>
  style.numbers === "strings"
    ? String(value)
    : style.numbers === "numbers" &&
        typeof value === "string" &&
        integer.test(value) &&
        Number.isSafeInteger(Number(value))
      ? Number(value)
      : value

/** An empty XML element in the style: left out (undefined), `""` or `null`. */
export const emptyIn = (style: WireStyle): "" | null | undefined =>
  style.emptyElements === "empty-string" ? "" : style.emptyElements === "null" ? null : undefined

/** `internalCode` per status: 1 bad request (vendor example), 10 authorisation, 12 chat session not found. */
export const internalCode = (status: number): number =>
  status === 400 ? 1 : status === 401 ? 10 : status === 404 ? 12 : status

/** The error body every LivePerson error carries (providers.md §2.6). */
export const errorBody = (time: string, message: string, status: number, style: WireStyle = documentedStyle) => ({
  error: { time, message, internalCode: numberIn(style, internalCode(status)) }
})

const headerKey = /^\s*LivePerson\s+appKey=([^\s,]+)\s*$/i

/**
 * Whether the request carries the account's app key: the header `Authorization: LivePerson appKey=<key>` or the
 * query parameter `appKey`. Every key the request carries must be the right one (a wrong header is not rescued by a
 * right query parameter), and at least one must be there.
 */
export const hasAppKey = (request: SimRequest, appKey: string): boolean => {
  const keys: Array<string> = []
  const header = request.headers.authorization
  if (header !== undefined) keys.push(headerKey.exec(header)?.[1] ?? "")
  const query = request.query.appKey
  if (query !== undefined) keys.push(typeof query === "string" ? query : "")
  return keys.length > 0 && keys.every((key) => key === appKey)
}

const hostPattern = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/
const prefixPattern = /^(?:\/[A-Za-z0-9._~-]+)*$/
const firstValue = (value: string | undefined) => value?.split(",")[0]?.trim()

/**
 * The public base URL of the API as the client sees it, e.g. `http://127.0.0.1:4010/liveperson`. Like a real
 * server behind a proxy, it follows the origin the request arrived with: `X-Forwarded-Proto`, `X-Forwarded-Host`
 * and `X-Forwarded-Prefix` when a proxy set them, else the `Host` header and the simulator's own mount point.
 * Malformed values are ignored, so the result is always an absolute URL.
 */
export const publicBase = (request: SimRequest, mountPoint: string): string => {
  const { headers } = request
  const forwardedHost = firstValue(headers["x-forwarded-host"])
  const forwardedProto = firstValue(headers["x-forwarded-proto"])?.toLowerCase()
  const forwardedPrefix = firstValue(headers["x-forwarded-prefix"])?.replace(/\/+$/, "")
  const host =
    forwardedHost !== undefined && hostPattern.test(forwardedHost)
      ? forwardedHost
      : headers.host !== undefined && hostPattern.test(headers.host)
        ? headers.host
        : request.url.host
  const scheme =
    forwardedProto === "http" || forwardedProto === "https" ? forwardedProto : request.protocol.slice(0, -1)
  const prefix = forwardedPrefix !== undefined && prefixPattern.test(forwardedPrefix) ? forwardedPrefix : mountPoint
  return `${scheme}://${host}${prefix}`
}

/** `{base}/api/account/{accountId}/chat/{chatId}`. */
export const chatUri = (base: string, accountId: string, chatId: string): string =>
  `${base}/api/account/${encodeURIComponent(accountId)}/chat/${encodeURIComponent(chatId)}`

const link = (href: string, rel: string, form: "attribute" | "plain"): Schemas["Link"] =>
  form === "plain" ? { href, rel } : { "@href": href, "@rel": rel }

/** The link form of a list: the style's, or for `"as-documented"` plain in the standalone info resource only. */
const formOf = (style: WireStyle, standaloneInfo = false): "attribute" | "plain" =>
  style.links === "as-documented" ? (standaloneInfo ? "plain" : "attribute") : style.links

/**
 * `chat.link` in the documented order (a production client reads `link[3]` as next): self, events, info, next,
 * transcript-request, transcript-with-subject-request, exit-survey, custom-variables.
 */
export const chatLinks = (uri: string, next: number, style: WireStyle = documentedStyle): Array<Schemas["Link"]> => {
  const form = formOf(style)
  return [
    link(uri, "self", form),
    link(`${uri}/events`, "events", form),
    link(`${uri}/info`, "info", form),
    link(`${uri}?from=${next}`, "next", form),
    link(`${uri}/transcriptRequest`, "transcript-request", form),
    link(`${uri}/transcriptWithSubjectRequest`, "transcript-with-subject-request", form),
    link(`${uri}/exitSurvey`, "exit-survey", form),
    link(`${uri}/customVariables`, "custom-variables", form)
  ]
}

/** `events.link`: self, next. */
export const eventLinks = (uri: string, next: number, style: WireStyle = documentedStyle): Array<Schemas["Link"]> => [
  link(`${uri}/events`, "self", formOf(style)),
  link(`${uri}/events?from=${next}`, "next", formOf(style))
]

/**
 * `info.link`: self, visitor-name, visitor-typing, agent-typing. As documented, the standalone info resource shows
 * them without the `@` prefix, as the vendor's example does, and inside the chat resource they carry it.
 */
const infoLinks = (uri: string, standalone: boolean, style: WireStyle): Schemas["Links"] =>
  [
    [`${uri}/info`, "self"],
    [`${uri}/info/visitorName`, "visitor-name"],
    [`${uri}/info/visitorTyping`, "visitor-typing"],
    [`${uri}/info/agentTyping`, "agent-typing"]
  ].map(([href, rel]) => link(href as string, rel as string, formOf(style, standalone)))

/**
 * The events of a page as the XML-derived JSON has them: absent (no `<event>` element at all), one bare object
 * (the style's default) or a one-element array, or an array.
 */
export const eventField = (
  events: ReadonlyArray<LivePersonEvent>,
  style: WireStyle = documentedStyle
): { event?: LivePersonEvent | Array<LivePersonEvent> } =>
  events.length === 0
    ? {}
    : events.length === 1 && style.singleEvent === "object"
      ? { event: events[0] as LivePersonEvent }
      : { event: [...events] }

/**
 * The fields of a chat's info document after its links (providers.md §2.4). Agent fields appear once one joined;
 * before that, and for context ids the request did not carry, they are empty elements in the style (left out, `""`
 * or `null`).
 */
const infoFields = (
  chat: LivePersonChat,
  now: number,
  offsetMinutes: number,
  style: WireStyle
): Omit<Schemas["Info"], "link"> => {
  const { context } = chat
  const duration = Math.max(0, Math.floor(((chat.endTime ?? now) - chat.startTime) / 1000))
  const empty = emptyIn(style)
  /** A field the style leaves out when empty, else writes as `""` or `null`. */
  const field = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V | "" | null } =>
    (value !== undefined ? { [key]: value } : empty === undefined ? {} : { [key]: empty }) as {
      [P in K]?: V | "" | null
    }
  const contextId =
    context.sharkContextId !== undefined && integer.test(context.sharkContextId) ? context.sharkContextId : undefined
  return {
    state: chat.state,
    chatSessionKey: chat.id,
    skillName: chat.skill,
    skillId: numberIn(style, chat.skillId),
    ...field("agentName", chat.agent?.name),
    ...field("agentId", chat.agent === undefined ? undefined : numberIn(style, chat.agent.number)),
    startTime: timestamp(chat.startTime, offsetMinutes),
    duration: numberIn(style, duration),
    lastUpdate: timestamp(chat.lastUpdate, offsetMinutes),
    chatTimeout: numberIn(style, chat.chatTimeoutSeconds),
    visitorId: style.numbers === "strings" ? chat.visitorId : Number(chat.visitorId),
    agentTyping: chat.agent === undefined ? "unknown" : chat.agentTyping ? "typing" : "not-typing",
    visitorTyping: chat.visitorTyping ? "typing" : "not-typing",
    visitorName: chat.visitorName,
    rtSessionId: numberIn(style, chat.rtSessionId),
    ...field("sharkVisitorId", context.sharkVisitorId),
    ...field("sharkSessionId", context.sharkSessionId),
    ...field("sharkContextId", contextId === undefined ? undefined : idIn(style, contextId)),
    ...field("engagementId", context.engagementId === undefined ? undefined : idIn(style, context.engagementId)),
    ...field("campaignId", context.campaignId === undefined ? undefined : idIn(style, context.campaignId)),
    ...field("language", context.language)
  }
}

/** The info document of a chat (providers.md §2.4): standalone (`{chat}/info`) or inside the chat resource. */
export const infoOf = (
  chat: LivePersonChat,
  uri: string,
  now: number,
  offsetMinutes: number,
  where: "standalone" | "chat",
  style: WireStyle = documentedStyle
): Schemas["Info"] => ({
  link: infoLinks(uri, where === "standalone", style),
  ...infoFields(chat, now, offsetMinutes, style)
})

// ---- the polled resources as JSON text ------------------------------------------------------------------------------
// A visitor polls `GET {chat}` (or `{chat}/events`) over and over, and most of each answer is links that change only
// with the chat's URI and the `next` cursor. Their JSON is kept per chat and spliced into the answer; the rest is
// serialised as usual. The text is exactly `JSON.stringify` of the documents above (the key order is the same).

/** The serialised links of one chat for one URI and one `next` cursor. */
export interface LinksJson {
  readonly uri: string
  readonly next: number
  /** `chat.link` */
  readonly chat: string
  /** `events.link` */
  readonly events: string
  /** `info.link` inside the chat resource (attribute form) */
  readonly info: string
}

/**
 * The links for `uri` and `next`: `cached` when it has them, else made anew (the info links kept if the URI holds).
 * One simulator writes one style, so the cache need not remember it.
 */
export const linksJson = (
  cached: LinksJson | undefined,
  uri: string,
  next: number,
  style: WireStyle = documentedStyle
): LinksJson => {
  if (cached !== undefined && cached.uri === uri && cached.next === next) return cached
  return {
    uri,
    next,
    chat: JSON.stringify(chatLinks(uri, next, style)),
    events: JSON.stringify(eventLinks(uri, next, style)),
    info: cached !== undefined && cached.uri === uri ? cached.info : JSON.stringify(infoLinks(uri, false, style))
  }
}

/** `{"link":...,"event":...}`: the events document of a page. */
const eventsJson = (links: LinksJson, events: ReadonlyArray<LivePersonEvent>, style: WireStyle): string => {
  const field = eventField(events, style)
  return field.event === undefined
    ? `{"link":${links.events}}`
    : `{"link":${links.events},"event":${JSON.stringify(field.event)}}`
}

/** The chat resource, `{"chat":{"link":...,"events":...,"info":...}}`, as JSON text. */
export const chatJson = (
  links: LinksJson,
  events: ReadonlyArray<LivePersonEvent>,
  style: WireStyle,
  chat: LivePersonChat,
  now: number,
  offsetMinutes: number
): string => {
  // The fields always start with `state`, so the object is never empty: its text goes on after the links.
  const fields = JSON.stringify(infoFields(chat, now, offsetMinutes, style))
  const info = `{"link":${links.info},${fields.slice(1)}`
  return `{"chat":{"link":${links.chat},"events":${eventsJson(links, events, style)},"info":${info}}}`
}

/** The events resource, `{"events":{"link":...,"event":...}}`, as JSON text. */
export const eventsResourceJson = (
  links: LinksJson,
  events: ReadonlyArray<LivePersonEvent>,
  style: WireStyle = documentedStyle
): string => `{"events":${eventsJson(links, events, style)}}`
