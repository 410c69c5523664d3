/**
 * Type tests: `pnpm typecheck` compiles this file, so each `@ts-expect-error` must hit a real error. The calls sit in
 * functions that are never invoked; vitest only checks that the module loads.
 */
import { describe, expect, expectTypeOf, it } from "vitest"
import {
  type ChatLocationResult,
  type ChatResponse,
  type ChatUri,
  createLivePersonClient,
  type ErrorResponse,
  type Event,
  type EventsResponse,
  eventsOf,
  type Info,
  isEvent,
  type LineEvent,
  type LivePersonClient,
  type LivePersonPaths,
  nextFrom,
  type paths,
  putOverride
} from "../src/index.ts"

const lp: LivePersonClient = createLivePersonClient({ baseUrl: "http://127.0.0.1:9", appKey: "k" })
const accountId = "25025413"
const path = { accountId, chatId: "H3079121553394024223-70f331aba40b4ae58fe9e1af832e31b9K8388834" }

describe("LivePersonPaths", () => {
  it("drops v and NC from the query the caller passes, and keeps everything else", () => {
    type AvailabilityQuery = NonNullable<LivePersonPaths["/api/account/{accountId}/chat/availability"]["get"]>
    expectTypeOf<AvailabilityQuery["parameters"]["query"]>().toEqualTypeOf<
      { skill?: string; serviceQueue?: string; maxWaitTime?: number; agent?: string } | undefined
    >()
    type InfoParams = LivePersonPaths["/api/account/{accountId}/chat/{chatId}/info"]["get"]["parameters"]
    expectTypeOf<InfoParams["query"]>().toEqualTypeOf<undefined>()
    expectTypeOf<InfoParams["path"]>().toEqualTypeOf<{ accountId: string; chatId: string }>()
    // the generated types still describe the wire: v is required there
    expectTypeOf<
      paths["/api/account/{accountId}/chat/{chatId}/events"]["get"]["parameters"]["query"]["v"]
    >().toEqualTypeOf<1>()
  })
})

describe("typed calls", () => {
  it("type the response data of each kind of call", () => {
    const calls = async () => {
      const chat = await lp.GET("/api/account/{accountId}/chat/{chatId}", { params: { path, query: { from: 4 } } })
      expectTypeOf(chat.data).toEqualTypeOf<ChatResponse | undefined>()
      const events = await lp.GET("/api/account/{accountId}/chat/{chatId}/events", { params: { path } })
      expectTypeOf(events.data).toEqualTypeOf<EventsResponse | undefined>()
      expectTypeOf(eventsOf(events.data?.events)).toEqualTypeOf<ReadonlyArray<Event>>()
      const info = await lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
      expectTypeOf(info.data).toEqualTypeOf<{ info: Info } | undefined>()
      expectTypeOf(info.error).toEqualTypeOf<ErrorResponse | undefined>()
      const typing = await lp.GET("/api/account/{accountId}/chat/{chatId}/info/agentTyping", { params: { path } })
      expectTypeOf(typing.data).toEqualTypeOf<{ agentTyping: "typing" | "not-typing" | "unknown" } | undefined>()
      const availability = await lp.GET("/api/account/{accountId}/chat/availability", {
        params: { path: { accountId }, query: { skill: "Sales" } }
      })
      expectTypeOf(availability.data).toEqualTypeOf<{ availability: boolean } | undefined>()
      const started = await lp.POST("/api/account/{accountId}/chat/request", {
        params: { path: { accountId } },
        body: { request: { skill: "Sales" } }
      })
      expectTypeOf(started.data).toEqualTypeOf<undefined>()
      const name = await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
        params: { path, header: putOverride },
        body: { visitorName: "Natalie" }
      })
      expectTypeOf(name.data).toEqualTypeOf<undefined>()
      expectTypeOf(name.response).toEqualTypeOf<Response>()
    }
    expect(typeof calls).toBe("function")
  })

  it("rejects wrong calls", () => {
    const calls = async () => {
      // @ts-expect-error unknown path
      await lp.GET("/api/account/{accountId}/chat/{chatId}/outcome", { params: { path } })
      // @ts-expect-error wrong method: chat/request is POST only
      await lp.GET("/api/account/{accountId}/chat/request", { params: { path: { accountId } } })
      // @ts-expect-error wrong method: the setters are tunnelled through POST, PUT is not declared
      await lp.PUT("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
        params: { path },
        body: { visitorName: "Natalie" }
      })
      // @ts-expect-error missing required path parameter chatId
      await lp.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path: { accountId } } })
      await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
        // @ts-expect-error missing the required X-HTTP-Method-Override header
        params: { path },
        body: { visitorName: "Natalie" }
      })
      await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorName", {
        params: { path, header: putOverride },
        // @ts-expect-error missing required body field visitorName
        body: {}
      })
      await lp.POST("/api/account/{accountId}/chat/{chatId}/info/visitorTyping", {
        params: { path, header: putOverride },
        // @ts-expect-error wrong enum value
        body: { visitorTyping: "maybe" }
      })
      await lp.POST("/api/account/{accountId}/chat/{chatId}/events", {
        params: { path },
        // @ts-expect-error a visitor can only end the chat, not set another state
        body: { event: { "@type": "state", state: "chatting" } }
      })
      await lp.POST("/api/account/{accountId}/chat/{chatId}/events", {
        params: { path },
        // @ts-expect-error wrong body type: text must be a string
        body: { event: { "@type": "line", text: 42 } }
      })
      await lp.POST("/api/account/{accountId}/chat/request", {
        params: { path: { accountId } },
        // @ts-expect-error the fields must be wrapped in `request`
        body: { skill: "Sales" }
      })
      await lp.GET("/api/account/{accountId}/chat/{chatId}/events", {
        // @ts-expect-error from is a number
        params: { path, query: { from: "4" } }
      })
      await lp.GET("/api/account/{accountId}/chat/availability", {
        // @ts-expect-error v is sent by the factory; the caller cannot pass it
        params: { path: { accountId }, query: { v: 1 } }
      })
      // @ts-expect-error missing body on a POST that requires one
      await lp.POST("/api/account/{accountId}/chat/{chatId}/transcriptRequest", {
        params: { path, header: putOverride }
      })
    }
    expect(typeof calls).toBe("function")
  })

  it("rejects bad factory options", () => {
    // @ts-expect-error baseUrl is required
    const noBase = () => createLivePersonClient({ appKey: "k" })
    // @ts-expect-error appKeyIn is "header" or "query"
    const badPlacement = () => createLivePersonClient({ baseUrl: "http://x", appKey: "k", appKeyIn: "cookie" })
    expect([typeof noBase, typeof badPlacement]).toEqual(["function", "function"])
  })
})

describe("helpers", () => {
  it("narrow and type the helper results", () => {
    const event = {} as Event
    if (isEvent(event, "line")) expectTypeOf(event).toEqualTypeOf<LineEvent>()
    expectTypeOf(nextFrom).returns.toEqualTypeOf<number | undefined>()
    const result = {} as ChatLocationResult
    if (result.error === undefined) expectTypeOf(result.data).toEqualTypeOf<ChatUri>()
    else expectTypeOf(result.error.reason).toEqualTypeOf<"missing" | "malformed" | "foreign">()
  })
})
