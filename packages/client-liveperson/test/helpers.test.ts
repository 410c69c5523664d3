import { describe, expect, it } from "vitest"
import { type Event, eventsOf, findLink, isEvent, type Link, nextFrom, parseChatLocation } from "../src/index.ts"

const origin = "https://va-a.convep.liveperson.net"
const accountId = "25025413"
const chatId = "H3079121553394024223-70f331aba40b4ae58fe9e1af832e31b9K8388834"
const chatUri = `${origin}/api/account/${accountId}/chat/${chatId}`

describe("parseChatLocation", () => {
  it("reads an absolute Location from a response", () => {
    const response = new Response(null, { status: 201, headers: { Location: chatUri } })
    expect(parseChatLocation(response, { baseUrl: origin, accountId })).toEqual({
      data: { href: chatUri, accountId, chatId }
    })
  })

  it("resolves a relative Location against the base URL, path prefix included", () => {
    const result = parseChatLocation(`api/account/${accountId}/chat/${chatId}`, { baseUrl: `${origin}/proxy` })
    expect(result.data).toEqual({
      href: `${origin}/proxy/api/account/${accountId}/chat/${chatId}`,
      accountId,
      chatId
    })
    expect(parseChatLocation(`/api/account/${accountId}/chat/${chatId}`, { baseUrl: origin }).data?.href).toBe(chatUri)
  })

  it("drops the query string and fragment (which may carry the app key)", () => {
    const result = parseChatLocation(`${chatUri}/?v=1&appKey=secret#x`, { baseUrl: origin })
    expect(result.data).toEqual({ href: chatUri, accountId, chatId })
  })

  it.each([
    ["no header", new Response(null, { status: 201 }), "missing"],
    ["null", null, "missing"],
    ["blank", "  ", "missing"],
    ["not a URL", "http://[::1", "malformed"],
    ["an event URI", `${chatUri}/events/5`, "malformed"],
    ["an account-level resource", `${origin}/api/account/${accountId}/chat/request`, "malformed"],
    ["another origin", `https://evil.example/api/account/${accountId}/chat/${chatId}`, "foreign"],
    ["another scheme", chatUri.replace("https:", "http:"), "foreign"],
    ["outside the base path", chatUri, "foreign", `${origin}/proxy`],
    ["another account", `${origin}/api/account/28561192/chat/${chatId}`, "foreign"]
  ] as const)("rejects %s as %s", (_, source, reason, baseUrl: string = origin) => {
    const result = parseChatLocation(source, { baseUrl, accountId })
    expect(result.data).toBeUndefined()
    expect(result.error?._tag).toBe("ChatLocationError")
    expect(result.error?.reason).toBe(reason)
    expect(result.error?.message.length).toBeGreaterThan(10)
  })

  it("never puts the query string into the error", () => {
    const result = parseChatLocation(`https://evil.example/x?appKey=s3cr3t`, { baseUrl: origin })
    expect(result.error?.reason).toBe("foreign")
    expect(JSON.stringify(result.error)).not.toContain("s3cr3t")
    expect(result.error?.location).toBe("https://evil.example/x")
  })

  it("with sameOrigin false, accepts another origin (a proxy passing the upstream Location through)", () => {
    const upstream = `http://127.0.0.1:4020/api/account/${accountId}/chat/${chatId}`
    const proxy = "http://127.0.0.1:4011"
    expect(parseChatLocation(upstream, { baseUrl: proxy, accountId }).error?.reason).toBe("foreign")
    expect(parseChatLocation(upstream, { baseUrl: proxy, accountId, sameOrigin: false })).toEqual({
      data: { href: upstream, accountId, chatId }
    })
    const wrongAccount = parseChatLocation(upstream, { baseUrl: proxy, accountId: "1", sameOrigin: false })
    expect(wrongAccount.error?.reason).toBe("foreign")
    expect(parseChatLocation(`${upstream}/events`, { baseUrl: proxy, sameOrigin: false }).error?.reason).toBe(
      "malformed"
    )
  })

  it("throws only for a base URL that is not a URL", () => {
    expect(() => parseChatLocation(chatUri, { baseUrl: "not a url" })).toThrow(TypeError)
  })
})

describe("nextFrom", () => {
  it.each([
    [`${chatUri}?from=4`, 4],
    [`${chatUri}/events?from=15`, 15],
    [`${chatUri}/events?NC=true&from=0`, 0],
    [`${chatUri}/events?from=7&v=1`, 7],
    [`${chatUri}/events`, undefined],
    [`${chatUri}/events?from=abc`, undefined],
    [`${chatUri}/events?xfrom=3`, undefined],
    [undefined, undefined]
  ])("reads %s as %s", (href, from) => {
    expect(nextFrom(href)).toBe(from)
  })
})

describe("findLink", () => {
  const attribute: Array<Link> = [
    { "@href": `${chatUri}/events`, "@rel": "self" },
    { "@href": `${chatUri}/events?from=5`, "@rel": "next" }
  ]
  const plain: Array<Link> = [
    { href: `${chatUri}/info`, rel: "self" },
    { href: `${chatUri}/info/visitorName`, rel: "visitor-name" }
  ]

  it("finds links in the @ form and the plain form", () => {
    expect(findLink(attribute, "next")).toBe(`${chatUri}/events?from=5`)
    expect(findLink(plain, "visitor-name")).toBe(`${chatUri}/info/visitorName`)
  })

  it("accepts a single link object, and misses cleanly", () => {
    const single: Link = { "@href": `${origin}/api/account/28561192/chat/request`, "@rel": "a2a-transfer" }
    expect(findLink(single, "a2a-transfer")).toBe(`${origin}/api/account/28561192/chat/request`)
    expect(findLink(single, "next")).toBeUndefined()
    expect(findLink(attribute, "exit-survey")).toBeUndefined()
    expect(findLink(undefined, "next")).toBeUndefined()
  })
})

describe("eventsOf and isEvent", () => {
  const state: Event = { "@id": "0", "@type": "state", time: "2017-02-27T06:30:00.695-05:00", state: "waiting" }
  const line: Event = {
    "@id": "1",
    "@type": "line",
    time: "2017-02-27T06:30:00.696-05:00",
    text: "Thank you for choosing to chat with us.",
    source: "system",
    systemMessageId: "4"
  }
  const unknown: Event = { "@id": "2", "@type": "cobrowse-invite" }

  it("normalizes an absent, single or array `event`", () => {
    expect(eventsOf(undefined)).toEqual([])
    expect(eventsOf({})).toEqual([])
    expect(eventsOf({ event: line })).toEqual([line])
    const many = [state, line]
    expect(eventsOf({ event: many })).toBe(many)
  })

  it("narrows known types and leaves unknown ones alone", () => {
    const texts = eventsOf({ event: [state, line, unknown] }).flatMap((event) =>
      isEvent(event, "line") ? [`${event.source}: ${event.text}`] : []
    )
    expect(texts).toEqual(["system: Thank you for choosing to chat with us."])
    expect(isEvent(state, "state")).toBe(true)
    expect(isEvent(unknown, "line")).toBe(false)
  })
})
