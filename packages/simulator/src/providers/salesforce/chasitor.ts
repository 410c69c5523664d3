/**
 * The `Chasitor/*` resources and MultiNoun: ChasitorInit, the sequenced chat requests (de-duplicated by
 * `X-LIVEAGENT-SEQUENCE`, 500 before ChatEstablished) and ChasitorResyncState.
 */
import { empty, type Handler, type SimRequest, type SimResponse, text } from "../../module.ts"
import { authorize, invalid, sequenceOf, sessionKey, versionOf } from "./access.ts"
import { type Action, applyNoun, checkNoun, readNouns, requestChat } from "./chat.ts"
import { idleTimeoutSince, type Runtime } from "./runtime.ts"
import { sfError } from "./session.ts"
import { sameId } from "./visitor.ts"

type ChasitorOperation =
  | "chasitorInit"
  | "sendChatMessage"
  | "chasitorTyping"
  | "chasitorNotTyping"
  | "chasitorSneakPeek"
  | "chatEnd"
  | "sendCustomEvent"
  | "chasitorIdleTimeoutWarning"
  | "multiNoun"
  | "chasitorResyncState"

type Fields = Record<string, unknown>

const sameIdOrFalse = (given: unknown, own: string): boolean => typeof given === "string" && sameId(given, own)

export const chasitorHandlers = (runtime: Runtime): Record<ChasitorOperation, Handler> => {
  const { sessions, config } = runtime
  const { sequenceDedupe, postStatus, chasitorInitBody } = config.variant
  /** A POST's success: 200 without a body, or the variant's 202. */
  const done = (): SimResponse => empty(postStatus)
  /** ChasitorInit's success: 200 `OK` (or without a body, as documented), or the variant's 202. */
  const initiated = (): SimResponse => (postStatus === 202 || chasitorInitBody === "empty" ? done() : text("OK"))
  /** Whether a request numbered `sequence` was applied already (never, for a server that does not de-duplicate). */
  const seen = (sequence: number | undefined, last: number) =>
    sequenceDedupe === "drop" && sequence !== undefined && sequence <= last

  /**
   * A sequenced chat request: a sequence already applied answers 200 without effect (a retry after a lost
   * answer); an ended chat 403; a chat not yet established 500 (the real server fails there too); otherwise the
   * actions apply in order and the sequence is remembered.
   */
  const chasitor = (request: SimRequest, actions: () => ReadonlyArray<Action> | string): SimResponse => {
    const version = versionOf(request)
    if (typeof version !== "number") return version
    const found = authorize(sessions, request, sessionKey(request))
    if ("response" in found) return found.response
    const { session } = found
    const sequence = sequenceOf(request)
    if (seen(sequence, session.lastInbound)) return done()
    const list = actions()
    if (typeof list === "string") return sfError(400, list)
    if (session.phase === "ended") return invalid()
    if (session.phase !== "chatting") return sfError(500, "Chat not established")
    // A ChatEnd inside a MultiNoun ends the chat: the nouns after it are not applied.
    const open = () => session.phase === "chatting"
    for (const action of list) if (open()) applyNoun(runtime, session, action)
    if (sequence !== undefined) session.lastInbound = Math.max(session.lastInbound, sequence)
    return done()
  }

  const single =
    (noun: Action["noun"]): Handler =>
    (request) =>
      chasitor(request, () => {
        const body = (request.body ?? {}) as Fields
        const problem = checkNoun(noun, body)
        return problem === undefined ? [{ noun, body }] : problem
      })

  return {
    chasitorInit: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      const found = authorize(sessions, request, sessionKey(request))
      if ("response" in found) return found.response
      const { session } = found
      const sequence = sequenceOf(request)
      if (seen(sequence, session.lastInbound)) return initiated()
      if (session.phase === "ended") return invalid()
      if (session.phase !== "idle") return sfError(400, "This session already requested a chat")
      const body = request.body as Fields
      if (body.sessionId !== session.id) return sfError(400, "sessionId is not the id of this session")
      if (!sameIdOrFalse(body.organizationId, config.orgId) || !sameIdOrFalse(body.deploymentId, config.deploymentId)) {
        return sfError(400, "organizationId and deploymentId do not name a deployment served here")
      }
      if (sequence !== undefined) session.lastInbound = Math.max(session.lastInbound, sequence)
      requestChat(runtime, session, body, version)
      return initiated()
    },

    sendChatMessage: single("ChatMessage"),
    chasitorTyping: single("ChasitorTyping"),
    chasitorNotTyping: single("ChasitorNotTyping"),
    chasitorSneakPeek: single("ChasitorSneakPeek"),
    chatEnd: single("ChatEnd"),
    sendCustomEvent: single("CustomEvent"),

    chasitorIdleTimeoutWarning: (request) => {
      const version = versionOf(request)
      if (typeof version === "number" && version < idleTimeoutSince) {
        return sfError(404, `ChasitorIdleTimeoutWarningEvent does not exist in API version ${version}`)
      }
      return single("ChasitorIdleTimeoutWarningEvent")(request)
    },

    multiNoun: (request) =>
      chasitor(request, () => readNouns((request.body as { nouns: ReadonlyArray<Fields> }).nouns)),

    chasitorResyncState: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      const found = authorize(sessions, request, sessionKey(request))
      if ("response" in found) return found.response
      if (!sameIdOrFalse((request.body as Fields).organizationId, config.orgId)) {
        return sfError(400, "organizationId is not the organization of this session")
      }
      return found.session.phase === "ended" ? invalid() : done()
    }
  }
}
