/** Wire fixtures for the client tests: realistic values taken from the spec's examples. */
import type { RecordedRequest } from "@switchboard/testkit"
import type { ChasitorInit, MessagesResponse, SessionId } from "../src/index.ts"

export const sessionIdBody: SessionId = {
  id: "49d50d5a-790f-40ec-98ca-8b813e6f0347",
  key: "49d50d5a-790f-40ec-98ca-8b813e6f0347!c007a252-0f76-473f-b411-588930e09be0",
  affinityToken: "2c931fa0",
  clientPollTimeout: 40
}

export const chasitorInitBody: ChasitorInit = {
  organizationId: "00DD0000000JVXs",
  deploymentId: "572D0000000002R",
  buttonId: "573D0000000002W",
  sessionId: sessionIdBody.id,
  userAgent: "Lynx/2.8.8",
  language: "en-US",
  screenResolution: "1900x1080",
  visitorName: "Frank Underwood",
  prechatDetails: [],
  prechatEntities: [],
  receiveQueueUpdates: true,
  isPost: true
}

export const messagesBody: MessagesResponse = {
  messages: [
    {
      type: "ChatRequestSuccess",
      message: { queuePosition: 1, geoLocation: { countryCode: "US", countryName: "United States" } }
    },
    { type: "ChatMessage", message: { name: "pablo g", text: "hello json" } },
    { type: "AgentNotTyping", message: {} }
  ],
  sequence: 4,
  offset: 54647226
}

/** The X-LIVEAGENT-* headers of a recorded request, with the names as the spec spells them. */
export const liveAgentHeaders = (request: RecordedRequest): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith("x-liveagent-")) out[name.toUpperCase()] = String(value)
  }
  return out
}

/** Everything about a recorded request that the wire format pins down, in one comparable object. */
export interface Wire {
  readonly method: string
  readonly path: string
  readonly search: string
  readonly headers: Record<string, string>
  readonly contentType: string | undefined
  readonly body: string
}

export const wire = (request: RecordedRequest): Wire => ({
  method: request.method,
  path: request.url.pathname,
  search: request.url.search,
  headers: liveAgentHeaders(request),
  contentType: request.headers["content-type"],
  body: request.body
})
