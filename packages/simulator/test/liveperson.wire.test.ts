/**
 * The LivePerson chat and events resources are written as JSON text with their links spliced in from a per-chat cache
 * (a poll mostly repeats the last one's links). The text must be exactly `JSON.stringify` of the documents.
 */
import { describe, expect, it } from "vitest"
import {
  appendLine,
  appendState,
  appendSystemLine,
  type LivePersonChat,
  type LivePersonEvent,
  systemLine,
  timestamp
} from "../src/providers/liveperson/chat.ts"
import {
  chatJson,
  chatLinks,
  documentedStyle,
  eventField,
  eventLinks,
  eventsResourceJson,
  infoOf,
  linksJson,
  type WireStyle
} from "../src/providers/liveperson/wire.ts"
import { variantProfiles } from "../src/variants.ts"

const started = Date.UTC(2026, 0, 5, 9, 0, 0)
const offset = -300

const chatWith = (overrides: Partial<LivePersonChat> = {}): LivePersonChat => ({
  id: "H7455891125398592496-c5efd02c11e494cb07f116cb4717682cK3680178",
  hubId: "lp_000000000001",
  state: "waiting",
  purged: false,
  skill: "Sales",
  skillId: 37_000_003,
  agent: undefined,
  agentTyping: false,
  visitorTyping: false,
  visitorName: "You",
  visitorId: "1214701440734022",
  rtSessionId: 4_294_967_001,
  startTime: started,
  endTime: undefined,
  lastUpdate: started + 1234,
  chatTimeoutSeconds: 40,
  context: {},
  events: [],
  busyShown: false,
  transcriptRequests: [],
  exitSurveys: [],
  keepAlive: undefined,
  maxWait: undefined,
  retention: undefined,
  ...overrides
})

const documents = (
  chat: LivePersonChat,
  uri: string,
  events: ReadonlyArray<LivePersonEvent>,
  next: number,
  style: WireStyle
) => ({
  chat: JSON.stringify({
    chat: {
      link: chatLinks(uri, next, style),
      events: { link: eventLinks(uri, next, style), ...eventField(events, style) },
      info: infoOf(chat, uri, started + 5000, offset, "chat", style)
    }
  }),
  events: JSON.stringify({ events: { link: eventLinks(uri, next, style), ...eventField(events, style) } })
})

/** The wire style of every LivePerson profile (the default first). */
const styles: ReadonlyArray<[string, WireStyle]> = variantProfiles.liveperson.map((profile) => [
  profile.name,
  { ...documentedStyle, ...profile.variants.liveperson }
])

describe("LivePerson resources as JSON text", () => {
  const uri = "http://127.0.0.1:4010/liveperson/api/account/90412733/chat/H7455891125398592496-c5ef"
  const stamp = timestamp(started, offset)

  const chats: Array<[string, LivePersonChat]> = [
    ["a waiting chat", chatWith()],
    [
      "a chat with an agent, typing, context fields and odd text",
      chatWith({
        state: "chatting",
        agent: { id: "agent-1", name: 'Zoë "Z" <b>\u2028', number: 7 },
        agentTyping: true,
        visitorTyping: true,
        visitorName: "Ada \\ Lovelace",
        context: {
          sharkVisitorId: "vis-1",
          sharkSessionId: "sess-1",
          sharkContextId: "12",
          engagementId: 1234,
          campaignId: "5678",
          language: "de-DE"
        }
      })
    ],
    [
      "an ended chat whose context id is not a number",
      chatWith({ state: "ended", endTime: started + 9000, context: { sharkContextId: "abc", engagementId: "99" } })
    ]
  ]

  for (const [name, template] of chats) {
    for (const [profile, style] of styles) {
      it(`writes ${name} exactly as JSON.stringify would (${profile})`, () => {
        const chat = { ...template, events: [] }
        appendState(chat, stamp, "waiting")
        const pages: Array<[ReadonlyArray<LivePersonEvent>, number]> = [[[], 0]]
        appendSystemLine(chat, stamp, systemLine.routing, "Thank you for choosing to chat with us.", style)
        pages.push([chat.events.slice(1), 2])
        appendLine(chat, stamp, { text: 'line with "quotes", \ud800 and 😀', by: "You", source: "visitor" }, style)
        pages.push([chat.events.slice(0), 3], [chat.events.slice(2), 3], [[], 3])
        let cached: ReturnType<typeof linksJson> | undefined
        for (const [events, next] of pages) {
          cached = linksJson(cached, uri, next, style)
          const expected = documents(chat, uri, events, next, style)
          expect(chatJson(cached, events, style, chat, started + 5000, offset)).toBe(expected.chat)
          expect(eventsResourceJson(cached, events, style)).toBe(expected.events)
        }
        // A page of one event: a bare object or a one-element array, as the style says.
        const one = chat.events.slice(2)
        expect(eventsResourceJson(linksJson(undefined, uri, 3, style), one, style)).toBe(
          JSON.stringify({
            events: {
              link: eventLinks(uri, 3, style),
              event: style.singleEvent === "object" ? one[0] : [...one]
            }
          })
        )
      })
    }
  }

  it("keeps the links of the last URI and cursor, and makes new ones when either changes", () => {
    const first = linksJson(undefined, uri, 4)
    expect(linksJson(first, uri, 4)).toBe(first)
    const moved = linksJson(first, uri, 5)
    expect(moved).not.toBe(first)
    expect(moved.info).toBe(first.info)
    expect(moved.chat).toBe(JSON.stringify(chatLinks(uri, 5)))
    const elsewhere = linksJson(moved, "https://chat.example/lp/api/account/1/chat/x", 5)
    expect(elsewhere.events).toBe(JSON.stringify(eventLinks("https://chat.example/lp/api/account/1/chat/x", 5)))
    expect(elsewhere.info).not.toBe(moved.info)
  })
})
