/**
 * How LivePerson resources look on the wire: the error body, the app-key check, the public chat URI (built from
 * the origin the request arrived at) and the `chat`, `events` and `info` documents with their links in the
 * documented order.
 */
import type { components } from "@switchboard/client-liveperson"
import type { SimRequest } from "../../module.ts"
import { type LivePersonChat, type LivePersonEvent, timestamp } from "./chat.ts"

type Schemas = components["schemas"]

/** `internalCode` per status: 1 bad request (vendor example), 10 authorisation, 12 chat session not found. */
export const internalCode = (status: number): number =>
  status === 400 ? 1 : status === 401 ? 10 : status === 404 ? 12 : status

/** The error body every LivePerson error carries (providers.md §2.6). */
export const errorBody = (time: string, message: string, status: number) => ({
  error: { time, message, internalCode: internalCode(status) }
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

const link = (href: string, rel: string): Schemas["AttributeLink"] => ({ "@href": href, "@rel": rel })

/**
 * `chat.link` in the documented order (a production client reads `link[3]` as next): self, events, info, next,
 * transcript-request, transcript-with-subject-request, exit-survey, custom-variables.
 */
export const chatLinks = (uri: string, next: number): Array<Schemas["AttributeLink"]> => [
  link(uri, "self"),
  link(`${uri}/events`, "events"),
  link(`${uri}/info`, "info"),
  link(`${uri}?from=${next}`, "next"),
  link(`${uri}/transcriptRequest`, "transcript-request"),
  link(`${uri}/transcriptWithSubjectRequest`, "transcript-with-subject-request"),
  link(`${uri}/exitSurvey`, "exit-survey"),
  link(`${uri}/customVariables`, "custom-variables")
]

/** `events.link`: self, next. */
export const eventLinks = (uri: string, next: number): Array<Schemas["AttributeLink"]> => [
  link(`${uri}/events`, "self"),
  link(`${uri}/events?from=${next}`, "next")
]

/**
 * `info.link`: self, visitor-name, visitor-typing, agent-typing. The standalone info resource shows them without
 * the `@` prefix, as the vendor's example does; inside the chat resource they carry it.
 */
const infoLinks = (uri: string, form: "attribute" | "plain"): Schemas["Links"] =>
  [
    [`${uri}/info`, "self"],
    [`${uri}/info/visitorName`, "visitor-name"],
    [`${uri}/info/visitorTyping`, "visitor-typing"],
    [`${uri}/info/agentTyping`, "agent-typing"]
  ].map(([href, rel]) =>
    form === "plain" ? { href: href as string, rel: rel as string } : link(href as string, rel as string)
  )

/** The events of a page as the XML-derived JSON has them: absent, one bare object, or an array. */
export const eventField = (
  events: ReadonlyArray<LivePersonEvent>,
  singleAsObject: boolean
): { event?: LivePersonEvent | Array<LivePersonEvent> } =>
  events.length === 0
    ? {}
    : events.length === 1 && singleAsObject
      ? { event: events[0] as LivePersonEvent }
      : { event: [...events] }

const integer = /^-?[0-9]+$/

/** The fields of a chat's info document after its links (providers.md §2.4). Agent fields appear once one joined. */
const infoFields = (chat: LivePersonChat, now: number, offsetMinutes: number): Omit<Schemas["Info"], "link"> => {
  const { context } = chat
  const duration = Math.max(0, Math.floor(((chat.endTime ?? now) - chat.startTime) / 1000))
  return {
    state: chat.state,
    chatSessionKey: chat.id,
    skillName: chat.skill,
    skillId: chat.skillId,
    ...(chat.agent === undefined ? {} : { agentName: chat.agent.name, agentId: chat.agent.number }),
    startTime: timestamp(chat.startTime, offsetMinutes),
    duration,
    lastUpdate: timestamp(chat.lastUpdate, offsetMinutes),
    chatTimeout: chat.chatTimeoutSeconds,
    visitorId: Number(chat.visitorId),
    agentTyping: chat.agent === undefined ? "unknown" : chat.agentTyping ? "typing" : "not-typing",
    visitorTyping: chat.visitorTyping ? "typing" : "not-typing",
    visitorName: chat.visitorName,
    rtSessionId: chat.rtSessionId,
    ...(context.sharkVisitorId === undefined ? {} : { sharkVisitorId: context.sharkVisitorId }),
    ...(context.sharkSessionId === undefined ? {} : { sharkSessionId: context.sharkSessionId }),
    ...(context.sharkContextId !== undefined && integer.test(context.sharkContextId)
      ? { sharkContextId: context.sharkContextId }
      : {}),
    ...(context.engagementId === undefined ? {} : { engagementId: context.engagementId }),
    ...(context.campaignId === undefined ? {} : { campaignId: context.campaignId }),
    ...(context.language === undefined ? {} : { language: context.language })
  }
}

/** The info document of a chat (providers.md §2.4). Agent fields appear once an agent has joined. */
export const infoOf = (
  chat: LivePersonChat,
  uri: string,
  now: number,
  offsetMinutes: number,
  form: "attribute" | "plain"
): Schemas["Info"] => ({ link: infoLinks(uri, form), ...infoFields(chat, now, offsetMinutes) })

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

/** The links for `uri` and `next`: `cached` when it has them, else made anew (the info links kept if the URI holds). */
export const linksJson = (cached: LinksJson | undefined, uri: string, next: number): LinksJson => {
  if (cached !== undefined && cached.uri === uri && cached.next === next) return cached
  return {
    uri,
    next,
    chat: JSON.stringify(chatLinks(uri, next)),
    events: JSON.stringify(eventLinks(uri, next)),
    info: cached !== undefined && cached.uri === uri ? cached.info : JSON.stringify(infoLinks(uri, "attribute"))
  }
}

/** `{"link":...,"event":...}`: the events document of a page. */
const eventsJson = (links: LinksJson, events: ReadonlyArray<LivePersonEvent>, singleAsObject: boolean): string => {
  const field = eventField(events, singleAsObject)
  return field.event === undefined
    ? `{"link":${links.events}}`
    : `{"link":${links.events},"event":${JSON.stringify(field.event)}}`
}

/** The chat resource, `{"chat":{"link":...,"events":...,"info":...}}`, as JSON text. */
export const chatJson = (
  links: LinksJson,
  events: ReadonlyArray<LivePersonEvent>,
  singleAsObject: boolean,
  chat: LivePersonChat,
  now: number,
  offsetMinutes: number
): string => {
  // The fields always start with `state`, so the object is never empty: its text goes on after the links.
  const fields = JSON.stringify(infoFields(chat, now, offsetMinutes))
  const info = `{"link":${links.info},${fields.slice(1)}`
  return `{"chat":{"link":${links.chat},"events":${eventsJson(links, events, singleAsObject)},"info":${info}}}`
}

/** The events resource, `{"events":{"link":...,"event":...}}`, as JSON text. */
export const eventsResourceJson = (
  links: LinksJson,
  events: ReadonlyArray<LivePersonEvent>,
  singleAsObject: boolean
): string => `{"events":${eventsJson(links, events, singleAsObject)}}`
