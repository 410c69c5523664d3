/** The polling mix: share of each request kind, in percent, drawn per request by the load generator's workers. */
export const mix = [
  /** LiveChat `GET get_pending_messages?last_message_id=N` (empty or small page). */
  ["lc.poll", 42],
  /** LivePerson `GET {chat}?from=N` (the chat resource: links, new events, info). */
  ["lp.poll", 38],
  /** Salesforce `GET System/Messages?ack=N` long poll: agent messages, or 204 after the hold. */
  ["sf.poll", 12],
  /** LiveChat `POST send_message` (form body). */
  ["lc.send", 3],
  /** LivePerson `POST {chat}/events` with a line. */
  ["lp.send", 3],
  /** Salesforce `POST Chasitor/ChatMessage` with the next `X-LIVEAGENT-SEQUENCE`. */
  ["sf.send", 2]
]
