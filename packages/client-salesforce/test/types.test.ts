/**
 * Type tests: checked by `pnpm typecheck` (tsc over test/). The calls sit in functions that never run, so vitest
 * only sees that the file loads.
 */
import { describe, expect, expectTypeOf, it } from "vitest"
import {
  type AvailabilityResponse,
  createSalesforceClient,
  type ErrorBody,
  endSessionParams,
  type Message,
  type MessageOf,
  type MessagesResponse,
  type MessageType,
  newSessionHeaders,
  type ReconnectSessionResponse,
  SalesforceSession,
  type SessionId,
  sequencedHeaders,
  sessionHeaders,
  type VisitorIdResponse
} from "../src/index.ts"

const client = createSalesforceClient({ baseUrl: "http://127.0.0.1:9/chat/rest" })
const session = SalesforceSession.make({ key: "k", affinityToken: "a" })
const query = { org_id: "00DD0000000JVXs", deployment_id: "572D0000000002R" }

const wellTyped = async () => {
  // The version header is optional at every call site: the client sends it.
  const created = await client.GET("/System/SessionId", { params: { header: newSessionHeaders() } })
  expectTypeOf(created.data).toEqualTypeOf<SessionId | undefined>()
  expectTypeOf(created.error).toEqualTypeOf<string | ErrorBody | undefined>()

  const polled = await client.GET("/System/Messages", {
    params: { header: sessionHeaders(session), query: { ack: -1 } }
  })
  // openapi-fetch wraps bodies in its `Readable<…>`: equivalent (assignable both ways), not always identical.
  expectTypeOf(polled.data).toExtend<MessagesResponse | undefined>()
  expectTypeOf<MessagesResponse | undefined>().toExtend<typeof polled.data>()
  for (const entry of polled.data?.messages ?? []) {
    expectTypeOf(entry).toExtend<Message>()
    expectTypeOf<Message>().toExtend<typeof entry>()
    if (entry.type === "ChatMessage") expectTypeOf(entry.message.text).toEqualTypeOf<string>()
    if (entry.type === "ChatEstablished") expectTypeOf(entry.message.name).toEqualTypeOf<string>()
    if (entry.type === "QueueUpdate") expectTypeOf(entry.message.position).toEqualTypeOf<number>()
    if (entry.type === "ChatRequestFail") expectTypeOf(entry.message.reason).toEqualTypeOf<string>()
  }

  const reconnected = await client.GET("/System/ReconnectSession", {
    params: { header: sessionHeaders(session), query: { "ReconnectSession.offset": 1 } }
  })
  expectTypeOf(reconnected.data).toEqualTypeOf<ReconnectSessionResponse | undefined>()

  const init = await client.POST("/Chasitor/ChasitorInit", {
    params: { header: sequencedHeaders(session, 1) },
    body: {
      organizationId: "00DD0000000JVXs",
      deploymentId: "572D0000000002R",
      buttonId: "573D0000000002W",
      sessionId: "id",
      userAgent: "ua",
      language: "en-US",
      screenResolution: "1x1",
      prechatDetails: [{ label: "Email", value: "a@b.c", transcriptFields: [], displayToAgent: "true" }],
      prechatEntities: [],
      receiveQueueUpdates: true,
      isPost: true
    },
    parseAs: "text"
  })
  expectTypeOf(init.data).toEqualTypeOf<string | undefined>()

  await client.POST("/Chasitor/ChasitorTyping", { params: { header: sequencedHeaders(session, 2) } })
  await client.POST("/Chasitor/ChatEnd", {
    params: { header: sequencedHeaders(session, 3) },
    body: { reason: "client" }
  })
  await client.POST("/Visitor/Breadcrumb", { body: { location: "https://www.example.com" } })
  await client.DELETE("/System/SessionId/{sessionKey}", { params: endSessionParams(session) })

  const availability = await client.GET("/Visitor/Availability", {
    params: { query: { ...query, "Availability.ids": ["573D0000000002W"] } }
  })
  expectTypeOf(availability.data).toEqualTypeOf<AvailabilityResponse | undefined>()
  const visitor = await client.GET("/Visitor/VisitorId", { params: { query } })
  expectTypeOf(visitor.data).toEqualTypeOf<VisitorIdResponse | undefined>()
}

const illTyped = async () => {
  // @ts-expect-error unknown path
  await client.GET("/System/Nothing", {})
  // @ts-expect-error wrong method: Messages is GET only
  await client.POST("/System/Messages", { params: { header: sessionHeaders(session), query: { ack: -1 } } })
  // @ts-expect-error wrong method: ChatMessage is POST only
  await client.GET("/Chasitor/ChatMessage", { params: { header: sequencedHeaders(session, 1) } })
  // @ts-expect-error missing required query parameter `ack`
  await client.GET("/System/Messages", { params: { header: sessionHeaders(session) } })
  // @ts-expect-error missing required session headers
  await client.GET("/System/Messages", { params: { query: { ack: -1 } } })
  await client.GET("/System/Messages", {
    // @ts-expect-error missing X-LIVEAGENT-SESSION-KEY
    params: { header: { "X-LIVEAGENT-AFFINITY": "a" }, query: { ack: -1 } }
  })
  await client.GET("/System/Messages", {
    // @ts-expect-error ack is an integer, not a string
    params: { header: sessionHeaders(session), query: { ack: "-1" } }
  })
  await client.POST("/Chasitor/ChatMessage", {
    // @ts-expect-error ChatMessage needs X-LIVEAGENT-SEQUENCE
    params: { header: sessionHeaders(session) },
    body: { text: "hi" }
  })
  await client.POST("/Chasitor/ChatMessage", {
    // @ts-expect-error the sequence is a number
    params: { header: { ...sessionHeaders(session), "X-LIVEAGENT-SEQUENCE": "1" } },
    body: { text: "hi" }
  })
  // @ts-expect-error missing body
  await client.POST("/Chasitor/ChatMessage", { params: { header: sequencedHeaders(session, 1) } })
  // @ts-expect-error missing required body field `text`
  await client.POST("/Chasitor/ChatMessage", { params: { header: sequencedHeaders(session, 1) }, body: {} })
  // @ts-expect-error wrong body type: text is a string
  await client.POST("/Chasitor/ChatMessage", { params: { header: sequencedHeaders(session, 1) }, body: { text: 42 } })
  await client.POST("/Chasitor/ChasitorIdleTimeoutWarningEvent", {
    params: { header: sessionHeaders(session) },
    // @ts-expect-error wrong enum value
    body: { idleTimeoutWarningEvent: "started" }
  })
  await client.POST("/Chasitor/ChatEnd", {
    params: { header: sequencedHeaders(session, 1) },
    // @ts-expect-error a visitor only ends a chat as "client"
    body: { reason: "agent" }
  })
  await client.GET("/Visitor/Availability", {
    // @ts-expect-error Availability.ids is a list
    params: { query: { ...query, "Availability.ids": "573D0000000002W" } }
  })
  await client.GET("/Visitor/Availability", {
    // @ts-expect-error needEstimatedWaitTime only takes 1
    params: { query: { ...query, "Availability.ids": ["573D0000000002W"], "Availability.needEstimatedWaitTime": 2 } }
  })
  // @ts-expect-error the session key is a path parameter of DELETE
  await client.DELETE("/System/SessionId/{sessionKey}", { params: { header: { "X-LIVEAGENT-AFFINITY": "a" } } })
  // @ts-expect-error baseUrl is required
  createSalesforceClient({})
  // @ts-expect-error apiVersion is a number or a string
  createSalesforceClient({ baseUrl: "http://127.0.0.1", apiVersion: true })
}

describe("types", () => {
  it("keeps the message union discriminated", () => {
    expectTypeOf<MessageType>().toEqualTypeOf<
      | "ChatRequestSuccess"
      | "ChatRequestFail"
      | "QueueUpdate"
      | "ChatEstablished"
      | "ChatMessage"
      | "AgentTyping"
      | "AgentNotTyping"
      | "AgentDisconnect"
      | "ChatTransferred"
      | "TransferToButtonInitiated"
      | "AgentJoinedConference"
      | "AgentLeftConference"
      | "ChatEnded"
      | "ChasitorSessionData"
      | "CustomEvent"
      | "NewVisitorBreadcrumb"
      | "SensitiveDataRules"
      | "FileTransfer"
      | "RichMessage"
      | "ChasitorIdleTimeoutWarningEvent"
      | "ReconnectSession"
      | "Availability"
    >()
    expectTypeOf<MessageOf<"ChatMessage">["message"]["text"]>().toEqualTypeOf<string>()
    expectTypeOf<MessageOf<"ReconnectSession">["message"]["resetSequence"]>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<MessageOf<"FileTransfer">["message"]["type"]>().toEqualTypeOf<
      "Requested" | "Canceled" | "Success" | "Failure"
    >()
    expect([typeof wellTyped, typeof illTyped]).toEqual(["function", "function"])
  })
})
