/**
 * What a request to one of the three visitor chat APIs is, read from its method, path and (LivePerson `POST events`
 * only) body: the provider, the step of a chat it belongs to (start, poll, send, end) and the operation's own name.
 *
 * Paths are recognised by their shape, wherever the API is mounted: Salesforce under `.../chat/rest/`, LivePerson
 * under `.../api/account/{accountId}/chat/`, LiveChat under `.../visitors/{visitor_id}/chat/`. The operation names
 * are the operationIds of `specs/<provider>/openapi.yaml`.
 */

export type HostileProvider = "salesforce" | "liveperson" | "livechat"

/**
 * - `start`: Salesforce `GET System/SessionId` and `POST Chasitor/ChasitorInit`; LivePerson `POST chat/request`;
 *   LiveChat `POST chat/start`.
 * - `poll`: Salesforce `GET System/Messages`; LivePerson `GET {chat}` and `GET {chat}/events` (the `next` link);
 *   LiveChat `get_pending_messages`.
 * - `send`: Salesforce `POST Chasitor/ChatMessage`; LivePerson `POST {chat}/events` with a `line`; LiveChat
 *   `POST send_message`.
 * - `end`: Salesforce `POST Chasitor/ChatEnd` and `DELETE System/SessionId/{key}`; LivePerson `POST {chat}/events`
 *   with `state: ended`; LiveChat `POST close`.
 * - `other`: everything else (LivePerson availability, visitor name and typing, Salesforce typing...).
 */
export type HostileOperation = "start" | "poll" | "send" | "end" | "other"

export interface Classified {
  /** Undefined for a path none of the three APIs has. */
  readonly provider: HostileProvider | undefined
  readonly operation: HostileOperation
  /** The spec's operationId (`getSessionId`, `requestChat`, `getPendingMessages`...), or the path when unknown. */
  readonly name: string
  /** LivePerson: the chat's id, for polls and events; LiveChat: the visitor id. */
  readonly chat?: string
}

const salesforcePath = /\/chat\/rest\/(.*)$/
const livePersonPath = /\/api\/account\/[^/]+\/chat\/(.*)$/
const liveChatPath = /\/visitors\/([^/]+)\/chat\/([^/]+)$/

/** Account-level LivePerson resources under `chat/`: never a chat id. */
const livePersonAccountResources = new Set([
  "request",
  "availability",
  "availableSlots",
  "estimatedWaitTime",
  "preSurvey",
  "offlineSurvey"
])

const classified = (provider: HostileProvider, operation: HostileOperation, name: string, chat?: string): Classified =>
  chat === undefined ? { provider, operation, name } : { provider, operation, name, chat }

const salesforce = (method: string, rest: string): Classified => {
  const route = rest.replace(/\/+$/, "")
  if (route === "System/SessionId" && method === "GET") return classified("salesforce", "start", "getSessionId")
  if (/^System\/SessionId\/[^/]+$/.test(route) && method === "DELETE") {
    return classified("salesforce", "end", "deleteSession")
  }
  if (route === "Chasitor/ChasitorInit" && method === "POST") return classified("salesforce", "start", "chasitorInit")
  if (route === "System/Messages" && method === "GET") return classified("salesforce", "poll", "getMessages")
  if (route === "Chasitor/ChatMessage" && method === "POST") return classified("salesforce", "send", "chatMessage")
  if (route === "Chasitor/ChatEnd" && method === "POST") return classified("salesforce", "end", "chatEnd")
  return classified("salesforce", "other", `${method} ${route}`)
}

/** `line` → send, `state: ended` → end; read from the JSON body (a form body is searched as text). */
const livePersonEvent = (body: string | undefined): HostileOperation => {
  if (body === undefined) return "other"
  try {
    const parsed = JSON.parse(body) as { event?: { "@type"?: unknown; state?: unknown } } | null
    const event = parsed?.event
    if (event?.["@type"] === "line") return "send"
    if (event?.["@type"] === "state" && event.state === "ended") return "end"
    return "other"
  } catch {
    if (/line/.test(body)) return "send"
    if (/state/.test(body) && /ended/.test(body)) return "end"
    return "other"
  }
}

const livePerson = (method: string, rest: string, body: string | undefined): Classified => {
  const route = rest.replace(/\/+$/, "")
  if (route === "request") {
    return method === "POST"
      ? classified("liveperson", "start", "requestChat")
      : classified("liveperson", "other", `${method} request`)
  }
  if (route === "availability" && method === "GET") return classified("liveperson", "other", "getAvailability")
  const segments = route.split("/")
  const chat = segments[0] ?? ""
  if (livePersonAccountResources.has(chat) || chat === "")
    return classified("liveperson", "other", `${method} ${route}`)
  if (segments.length === 1 && method === "GET") return classified("liveperson", "poll", "getChat", chat)
  if (segments.length === 2 && segments[1] === "events") {
    if (method === "GET") return classified("liveperson", "poll", "getChatEvents", chat)
    if (method === "POST") return classified("liveperson", livePersonEvent(body), "addChatEvent", chat)
  }
  return classified("liveperson", "other", `${method} ${segments.slice(1).join("/") || "chat"}`, chat)
}

const liveChat = (method: string, visitor: string, action: string): Classified => {
  switch (action) {
    case "start":
      if (method === "POST") return classified("livechat", "start", "startChat", visitor)
      break
    case "get_pending_messages":
      // The docs say GET; a Ruby client wraps it as POST, and the simulator may accept both.
      if (method === "GET" || method === "POST") return classified("livechat", "poll", "getPendingMessages", visitor)
      break
    case "send_message":
      if (method === "POST") return classified("livechat", "send", "sendMessage", visitor)
      break
    case "close":
      if (method === "POST") return classified("livechat", "end", "closeChat", visitor)
      break
  }
  return classified("livechat", "other", `${method} ${action}`, visitor)
}

/** Whether `classify` needs the request's body to tell the operation (LivePerson `POST {chat}/events`). */
export const needsBody = (method: string, path: string): boolean =>
  method === "POST" && /\/api\/account\/[^/]+\/chat\/[^/]+\/events\/?$/.test(path.split("?")[0] ?? "")

/** Classifies one request. `path` may carry a query; `body` is read only where `needsBody` says so. */
export const classify = (method: string, path: string, body?: string): Classified => {
  const verb = method.toUpperCase()
  let pathname = path.split("?")[0] ?? ""
  try {
    pathname = decodeURI(pathname)
  } catch {
    // A malformed escape: classify the path as it came.
  }
  const lp = livePersonPath.exec(pathname)
  if (lp !== null) return livePerson(verb, lp[1] ?? "", body)
  const lc = liveChatPath.exec(pathname)
  if (lc !== null) return liveChat(verb, lc[1] ?? "", lc[2] ?? "")
  const sf = salesforcePath.exec(pathname)
  if (sf !== null) return salesforce(verb, sf[1] ?? "")
  return { provider: undefined, operation: "other", name: `${verb} ${pathname}` }
}
