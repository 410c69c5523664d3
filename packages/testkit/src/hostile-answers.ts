/**
 * The bodies the hostile proxy answers with: shaped like each provider's answers (so a client gets past its first
 * bytes), built from small reusable buffers (the proxy runs in the test process, whose memory the tests measure).
 */
import type { Classified, HostileProvider } from "./classify.ts"

const json = { "content-type": "application/json" } as const

/** 64 KiB of `x`: the filler of every large body. */
const filler = Buffer.alloc(64 * 1024, "x")

/** One element of an endless list, about 64 KiB, ending with a comma. */
const endlessUnit = (provider: HostileProvider | undefined): Buffer => {
  const text = filler.toString("latin1")
  switch (provider) {
    case "salesforce":
      return Buffer.from(`{"type":"ChatMessage","message":{"name":"Agent","text":"${text}"}},`)
    case "liveperson":
      return Buffer.from(`{"@id":"1","@type":"line","text":"${text}","textType":"plain","source":"agent"},`)
    case "livechat":
      return Buffer.from(`{"message_id":1,"timestamp":0,"type":"message","user_type":"agent","text":"${text}"},`)
    default:
      return Buffer.from(`"${text}",`)
  }
}

const endlessPrefixes: Record<HostileProvider | "none", string> = {
  salesforce: '{"messages":[',
  liveperson: '{"chat":{"events":{"event":[',
  livechat: '{"events":[',
  none: "["
}

const units = new Map<HostileProvider | "none", Buffer>()

/** The opening of an endless JSON answer and the unit repeated after it, forever. */
export const endlessBody = (what: Classified): { readonly prefix: Buffer; readonly unit: Buffer } => {
  const key = what.provider ?? "none"
  let unit = units.get(key)
  if (unit === undefined) {
    unit = endlessUnit(what.provider)
    units.set(key, unit)
  }
  return { prefix: Buffer.from(endlessPrefixes[key]), unit }
}

/** What a trickled answer spells out, one byte at a time (then spaces, forever). */
export const trickleText = (what: Classified): string => `${endlessPrefixes[what.provider ?? "none"]}{"text":"`

/**
 * A valid JSON document of `size` bytes (give or take a few) shaped as the answer to `what`: the provider's envelope
 * with no events and a long `padding` string. Written as prefix, `count` times the filler, and suffix.
 */
export const hugeBody = (
  what: Classified,
  size: number
): { readonly prefix: Buffer; readonly filler: Buffer; readonly count: number; readonly suffix: Buffer } => {
  let prefix: string
  let suffix: string
  if (what.provider === "salesforce" && what.operation === "poll") {
    // `sequence` 0 is never above the client's ack: a client that swallowed the page has nothing to apply.
    prefix = '{"messages":[{"type":"Padding","message":{"padding":"'
    suffix = '"}}],"sequence":0,"offset":0}'
  } else if (what.provider === "liveperson" && what.name === "getChat") {
    prefix = '{"chat":{"link":[],"events":{"link":[]},"info":{"state":"chatting","padding":"'
    suffix = '"}}}'
  } else if (what.provider === "liveperson" && what.name === "getChatEvents") {
    prefix = '{"events":{"link":[],"padding":"'
    suffix = '"}}'
  } else if (what.provider === "livechat") {
    prefix = '{"events":[],"success":true,"padding":"'
    suffix = '"}'
  } else {
    prefix = '{"padding":"'
    suffix = '"}'
  }
  const count = Math.max(1, Math.ceil((size - prefix.length - suffix.length) / filler.length))
  return { prefix: Buffer.from(prefix), filler, count, suffix: Buffer.from(suffix) }
}

const truncatedTemplates: Record<HostileProvider | "none", string> = {
  salesforce: '{"messages":[{"type":"ChatMessage","message":{"name":"Agent","te',
  liveperson: '{"chat":{"link":[{"@href":"http://',
  livechat: '{"events":[{"message_id":',
  none: '{"success":tr'
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** The real answer cut in half (never valid JSON), or a cut template when the real one was empty. */
export const malformedBody = (what: Classified, real: Buffer): Buffer => {
  const text = real.toString("utf8")
  if (text.trim().length >= 2) {
    const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)))
    if (!parses(cut)) return Buffer.from(cut)
  }
  return Buffer.from(truncatedTemplates[what.provider ?? "none"])
}

export const htmlPage = (status: 200 | 502): { readonly headers: Record<string, string>; readonly body: Buffer } => {
  const title = status === 200 ? "Service notice" : "502 Bad Gateway"
  const text =
    status === 200
      ? "We are performing scheduled maintenance. Please try again later."
      : "The upstream server returned an invalid response."
  return {
    headers: { "content-type": "text/html; charset=utf-8" },
    body: Buffer.from(
      `<!DOCTYPE html>\n<html><head><title>${title}</title></head>` +
        `<body><h1>${title}</h1><p>${text}</p><hr><address>nginx</address></body></html>\n`
    )
  }
}

/** The simulator's own link layout for a LivePerson chat URI (see the simulator's `liveperson/wire.ts`). */
const livePersonLinks = (uri: string, next: number) => ({
  chat: [
    ["self", uri],
    ["events", `${uri}/events`],
    ["info", `${uri}/info`],
    ["next", `${uri}?from=${next}`],
    ["transcript-request", `${uri}/transcriptRequest`],
    ["transcript-with-subject-request", `${uri}/transcriptWithSubjectRequest`],
    ["exit-survey", `${uri}/exitSurvey`],
    ["custom-variables", `${uri}/customVariables`]
  ].map(([rel, href]) => ({ "@href": href, "@rel": rel })),
  events: [
    { "@href": `${uri}/events`, "@rel": "self" },
    { "@href": `${uri}/events?from=${next}`, "@rel": "next" }
  ]
})

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null

/** Points every `next` link of a LivePerson link list at `from`. */
const nextAt = (links: unknown, from: number): unknown =>
  Array.isArray(links)
    ? links.map((link) =>
        isObject(link) && (link["@rel"] === "next" || link.rel === "next")
          ? Object.fromEntries(
              Object.entries(link).map(([key, value]) =>
                (key === "@href" || key === "href") && typeof value === "string"
                  ? [key, value.replace(/([?&]from=)\d+/, `$1${from}`)]
                  : [key, value]
              )
            )
          : link
      )
    : links

/**
 * An empty LivePerson page for a poll from `from`: the last real page the proxy saw for that chat with its events
 * removed and `next` left at `from` (what the simulator answers when nothing is new), or, before any was seen, one
 * built on the simulator's layout.
 */
export const emptyLivePersonPage = (what: Classified, from: number, uri: string, last: unknown): Buffer => {
  if (what.name === "getChatEvents") {
    const links = isObject(last) && isObject(last.events) ? last.events.link : livePersonLinks(uri, from).events
    return Buffer.from(JSON.stringify({ events: { link: nextAt(links, from) } }))
  }
  if (isObject(last) && isObject(last.chat) && isObject(last.chat.events)) {
    const chat = last.chat
    const events = chat.events as Json
    return Buffer.from(
      JSON.stringify({
        chat: { ...chat, link: nextAt(chat.link, from), events: { link: nextAt(events.link, from) } }
      })
    )
  }
  const links = livePersonLinks(uri, from)
  const info = { state: "chatting", chatSessionKey: what.chat ?? "", chatTimeout: 40, agentTyping: "not-typing" }
  return Buffer.from(JSON.stringify({ chat: { link: links.chat, events: { link: links.events }, info } }))
}

/** The valid empty answer of the provider, for `instant-empty`. */
export const instantEmpty = (
  what: Classified,
  method: string,
  livePersonPage: () => Buffer
): { readonly status: number; readonly headers: Record<string, string>; readonly body: Buffer } => {
  switch (what.provider) {
    case "salesforce":
      return { status: 204, headers: {}, body: Buffer.alloc(0) }
    case "liveperson":
      if (what.operation === "poll") return { status: 200, headers: json, body: livePersonPage() }
      // LivePerson's POSTs answer 201 with no body.
      return method === "POST"
        ? { status: 201, headers: {}, body: Buffer.alloc(0) }
        : { status: 200, headers: json, body: Buffer.from("{}") }
    case "livechat":
      return { status: 200, headers: json, body: Buffer.from('{"events":[]}') }
    default:
      return { status: 204, headers: {}, body: Buffer.alloc(0) }
  }
}

export const jsonHeaders = json
