/**
 * Type tests, checked by `pnpm typecheck` (tsc includes test/). The functions below are never called: they only
 * have to compile, and every `@ts-expect-error` line must really be an error.
 */
import type { Client, ClientOptions } from "openapi-fetch"
import { describe, expectTypeOf, it } from "vitest"
import {
  type AgentDetailsEvent,
  type ChatClosedEvent,
  type ChatMessageEvent,
  createLiveChatClient,
  type ErrorBody,
  type EventOfType,
  type KnownEvent,
  type LiveChatClient,
  type LiveChatClientOptions,
  type LiveChatEvent,
  type LiveChatPaths,
  type operations,
  type PendingMessages,
  type StartChatRequest,
  type StartChatResponse,
  type Success,
  type UnknownEvent
} from "../src/index.ts"

const start = "/visitors/{visitor_id}/chat/start"
const poll = "/visitors/{visitor_id}/chat/get_pending_messages"
const send = "/visitors/{visitor_id}/chat/send_message"
const close = "/visitors/{visitor_id}/chat/close"
const params = { path: { visitor_id: "v1" } }
const secured_session_id = "CS1432649054.444adb0d90"
const auth = { licence_id: 123, secured_session_id }
const pollParams = { ...params, query: auth }

const rightCalls = async (client: LiveChatClient) => {
  const started = await client.POST(start, { params, body: { licence_id: 123, welcome_message: "Hi" } })
  expectTypeOf(started.data).toEqualTypeOf<StartChatResponse | undefined>()
  // openapi-fetch wraps bodies in its Readable<> helper: the same type, checked as mutual assignability.
  expectTypeOf(started.error).toExtend<ErrorBody | undefined>()
  expectTypeOf<ErrorBody>().toExtend<NonNullable<typeof started.error>>()
  expectTypeOf(started.response).toEqualTypeOf<Response>()

  const polled = await client.GET(poll, { params: { ...params, query: { ...auth, last_message_id: 3 } } })
  expectTypeOf(polled.data).toExtend<PendingMessages | undefined>()
  expectTypeOf<PendingMessages>().toExtend<NonNullable<typeof polled.data>>()
  expectTypeOf(polled.error).toExtend<ErrorBody | undefined>()
  if (polled.data) {
    expectTypeOf(polled.data.events).toExtend<Array<LiveChatEvent>>()
    expectTypeOf<Array<LiveChatEvent>>().toExtend<typeof polled.data.events>()
    const last = polled.data.events.at(-1)
    expectTypeOf(last?.message_id).toEqualTypeOf<number | undefined>()
  }

  const sent = await client.POST(send, { params, body: { ...auth, message: "Hello!" } })
  expectTypeOf(sent.data).toEqualTypeOf<Success | undefined>()
  const closed = await client.POST(close, { params, body: auth })
  expectTypeOf(closed.data).toEqualTypeOf<Success | undefined>()

  // The version header may still be given explicitly, but only as "2".
  await client.POST(close, { params: { ...params, header: { "X-API-Version": "2" } }, body: auth })
  const full: StartChatRequest = { licence_id: 1, welcome_message: "Hi", name: "Jane", email: "j@x.io", group: 0 }
  await client.POST(start, { params, body: full })
}

const wrongCalls = async (client: LiveChatClient) => {
  // @ts-expect-error unknown path
  await client.GET("/visitors/{visitor_id}/chat/get_messages", { params: pollParams })
  // @ts-expect-error wrong method: start is POST only
  await client.GET(start, { params })
  // @ts-expect-error wrong method: get_pending_messages is GET only
  await client.POST(poll, { params: pollParams, body: auth })
  // @ts-expect-error wrong method: there is no DELETE
  await client.DELETE(close, { params })
  // @ts-expect-error missing path parameter visitor_id
  await client.POST(close, { params: {}, body: auth })
  // @ts-expect-error missing params altogether
  await client.POST(close, { body: auth })
  // @ts-expect-error missing required query parameter secured_session_id
  await client.GET(poll, { params: { ...params, query: { licence_id: 123 } } })
  // @ts-expect-error wrong query parameter type: last_message_id is a number
  await client.GET(poll, { params: { ...params, query: { ...auth, last_message_id: "3" } } })
  // @ts-expect-error missing body
  await client.POST(close, { params })
  // @ts-expect-error missing required body field welcome_message
  await client.POST(start, { params, body: { licence_id: 123 } })
  // @ts-expect-error missing required body field message
  await client.POST(send, { params, body: auth })
  // @ts-expect-error wrong body field type: licence_id is a number (the client encodes it for forms)
  await client.POST(close, { params, body: { licence_id: "123", secured_session_id } })
  // @ts-expect-error wrong body field type: group is a number
  await client.POST(start, { params, body: { licence_id: 1, welcome_message: "Hi", group: "2" } })
  // @ts-expect-error unknown body field (typo of licence_id)
  await client.POST(close, { params, body: { licenceId: 123, secured_session_id } })
  // @ts-expect-error wrong enum value of the X-API-Version header
  await client.POST(close, { params: { ...params, header: { "X-API-Version": "3" } }, body: auth })
  // @ts-expect-error no body on the GET
  await client.GET(poll, { params: pollParams, body: auth })
}

describe("types", () => {
  it("accepts right calls and rejects wrong ones at compile time", () => {
    expectTypeOf(rightCalls).toBeFunction()
    expectTypeOf(wrongCalls).toBeFunction()
  })

  it("returns an openapi-fetch Client of the client-side paths", () => {
    expectTypeOf(createLiveChatClient).returns.toEqualTypeOf<LiveChatClient>()
    expectTypeOf<LiveChatClient>().toEqualTypeOf<Client<LiveChatPaths, "application/json">>()
    expectTypeOf(createLiveChatClient).toBeCallableWith({ baseUrl: "http://127.0.0.1:1", bodyEncoding: "json" })
    // @ts-expect-error baseUrl is required
    expectTypeOf(createLiveChatClient).toBeCallableWith({})
    // @ts-expect-error bodyEncoding is "form" or "json"
    expectTypeOf(createLiveChatClient).toBeCallableWith({ baseUrl: "http://127.0.0.1:1", bodyEncoding: "xml" })
  })

  it("extends openapi-fetch's ClientOptions, so transport options pass through", () => {
    expectTypeOf<LiveChatClientOptions>().toExtend<ClientOptions>()
    expectTypeOf<LiveChatClientOptions["fetch"]>().toEqualTypeOf<ClientOptions["fetch"]>()
    expectTypeOf<LiveChatClientOptions["Request"]>().toEqualTypeOf<ClientOptions["Request"]>()
    expectTypeOf<LiveChatClientOptions["requestInitExt"]>().toEqualTypeOf<ClientOptions["requestInitExt"]>()
    expectTypeOf<LiveChatClientOptions["bodySerializer"]>().toEqualTypeOf<ClientOptions["bodySerializer"]>()
  })

  it("keeps the spec's required X-API-Version in the generated types and drops it from the client's", () => {
    expectTypeOf<operations["closeChat"]["parameters"]["header"]>().toEqualTypeOf<{ "X-API-Version": "2" }>()
    type ClientClose = LiveChatPaths["/visitors/{visitor_id}/chat/close"]["post"]
    expectTypeOf<NonNullable<ClientClose["parameters"]["header"]>>().toEqualTypeOf<{ "X-API-Version"?: "2" }>()
    expectTypeOf<ClientClose["requestBody"]["content"]>().toEqualTypeOf<{
      "application/json": operations["closeChat"]["requestBody"]["content"]["application/json"]
    }>()
  })

  it("types events as the known union plus an open fallback", () => {
    expectTypeOf<LiveChatEvent>().toEqualTypeOf<KnownEvent | UnknownEvent>()
    expectTypeOf<EventOfType<"agent_details">>().toEqualTypeOf<AgentDetailsEvent>()
    expectTypeOf<EventOfType<"message">>().toEqualTypeOf<ChatMessageEvent>()
    expectTypeOf<EventOfType<"chat_closed">>().toEqualTypeOf<ChatClosedEvent>()
    expectTypeOf<AgentDetailsEvent["agent"]["name"]>().toEqualTypeOf<string>()
    expectTypeOf<ChatMessageEvent["user_type"]>().toEqualTypeOf<"agent" | "visitor">()
    expectTypeOf<ChatMessageEvent["text"]>().toEqualTypeOf<string>()
    expectTypeOf<UnknownEvent["type"]>().toEqualTypeOf<string>()
    expectTypeOf<UnknownEvent>().toHaveProperty("message_id").toEqualTypeOf<number>()
    // @ts-expect-error wrong enum value: "bot" is not a user_type of a known event
    const bot: ChatMessageEvent["user_type"] = "bot"
    expectTypeOf(bot).toEqualTypeOf<"agent" | "visitor">()
  })
})
