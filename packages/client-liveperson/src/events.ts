/**
 * Helpers for the XML-derived JSON of the chat and events resources: links in two forms, single events as bare
 * objects, and the `next` cursor.
 */
import type { components } from "./generated/liveperson.ts"

type Schemas = components["schemas"]
type Event = Schemas["Event"]
type Link = Schemas["Link"]

/**
 * The event types the spec knows. {@link Event} also admits any other `@type` (`UnknownEvent`), so comparing
 * `event["@type"]` alone does not narrow it: use {@link isEvent}.
 *
 * @category models
 */
export type KnownEvent =
  | Schemas["StateEvent"]
  | Schemas["LineEvent"]
  | Schemas["UrlEvent"]
  | Schemas["A2aTransferEvent"]
  | Schemas["LineStatusEvent"]

/** The `@type` of a {@link KnownEvent}. @category models */
export type KnownEventType = KnownEvent["@type"]

/** A page of events with `event` as one object, an array or absent (the `events` of `getChat`/`getChatEvents`). */
export interface EventContainer {
  readonly event?: Event | ReadonlyArray<Event> | undefined
}

const noEvents: ReadonlyArray<Event> = Object.freeze([])

/**
 * The events of a page as an array. The server sends `event` as an array, as a single object when there is one
 * event, or leaves it out when the page is empty. An array is returned as is (not copied).
 *
 * @example
 * ```ts
 * const { data } = await lp.GET("/api/account/{accountId}/chat/{chatId}/events", { params: { path } })
 * for (const event of eventsOf(data?.events)) console.log(event["@id"], event["@type"])
 * ```
 *
 * @category helpers
 */
export const eventsOf = (container: EventContainer | undefined): ReadonlyArray<Event> => {
  const event = container?.event
  return event === undefined ? noEvents : isEventArray(event) ? event : [event]
}

const isEventArray = (event: Event | ReadonlyArray<Event>): event is ReadonlyArray<Event> => Array.isArray(event)

/**
 * Narrows an event to the known type named by `type`. This is needed because the open fallback type keeps `@type`
 * a plain string.
 *
 * @example
 * ```ts
 * if (isEvent(event, "line") && event.source === "agent") show(event.text)
 * ```
 *
 * @category helpers
 */
export const isEvent = <T extends KnownEventType>(
  event: Event,
  type: T
): event is Extract<KnownEvent, { readonly "@type": T }> => event["@type"] === type

/**
 * The href of the first link with relation `rel`, in either form (`@href`/`@rel` or `href`/`rel`), from a link
 * array or a single link object. Returns `undefined` when there is none.
 *
 * @example
 * ```ts
 * const next = findLink(data.chat.link, "next") // "https://…/chat/H…?from=4"
 * ```
 *
 * @category helpers
 */
export const findLink = (links: Link | ReadonlyArray<Link> | undefined, rel: string): string | undefined => {
  if (links === undefined) return undefined
  if (!Array.isArray(links)) return linkRel(links as Link) === rel ? linkHref(links as Link) : undefined
  for (const link of links as ReadonlyArray<Link>) if (linkRel(link) === rel) return linkHref(link)
  return undefined
}

const linkRel = (link: Link): string => ("@rel" in link ? link["@rel"] : link.rel)
const linkHref = (link: Link): string => ("@href" in link ? link["@href"] : link.href)

const fromParam = /[?&]from=([0-9]+)(?:[&#]|$)/

/**
 * The `from` cursor of a `next` link href (`{chat}?from=4` or `{chat}/events?from=4`) for the next typed
 * `getChat`/`getChatEvents` call. The factory adds `v` and the app key again, which the href omits. Returns
 * `undefined` when the href is missing or has no numeric `from`.
 *
 * @example
 * ```ts
 * const from = nextFrom(findLink(data.events.link, "next"))
 * const page = await lp.GET("/api/account/{accountId}/chat/{chatId}/events", {
 *   params: { path, query: from === undefined ? {} : { from } }
 * })
 * ```
 *
 * @category helpers
 */
export const nextFrom = (href: string | undefined): number | undefined => {
  if (href === undefined) return undefined
  const digits = fromParam.exec(href)?.[1]
  if (digits === undefined) return undefined
  const from = Number(digits)
  return Number.isSafeInteger(from) ? from : undefined
}
