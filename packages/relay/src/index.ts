/**
 * `@switchboard/relay`: the server side of a web chat. It runs core for each visitor and relays the chat to the
 * browser over HTTP and Server-Sent Events; provider credentials and session secrets stay on the server.
 *
 * @example
 * ```ts
 * const relay = await createRelay({ provider: LiveChat.layer({ licenceId: 1520 }) })
 * app.route("/chat-api", relay.app)
 * ```
 */
export {
  ChatRegistry,
  type ChatSummary,
  RegistryConfig,
  type RegistrySettings,
  type StartInput
} from "./ChatRegistry.ts"
export type { Frame, MessageStatus, RelayEvent } from "./EventLog.ts"
export type { Rate } from "./RateLimit.ts"
export { createRelay, type Relay, type RelayOptions } from "./Relay.ts"
export { RelayError, type RelayErrorCode } from "./RelayError.ts"
export type { Listening } from "./Serve.ts"
