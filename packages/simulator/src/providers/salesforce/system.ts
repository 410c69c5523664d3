/**
 * The `System/*` resources: SessionId (open, delete), the Messages long poll, and the handover repairs
 * ReconnectSession (v37+) and ResyncSession (v29–36).
 */
import { empty, type Handler, json } from "../../module.ts"
import { authorize, header, invalid, sessionKey, versionOf } from "./access.ts"
import { sessionData } from "./chat.ts"
import { type Runtime, reconnectSince } from "./runtime.ts"
import {
  acknowledge,
  type Entry,
  enqueue,
  flush,
  hold,
  newSession,
  nextPayload,
  type Session,
  sfError
} from "./session.ts"

type SystemOperation = "getSessionId" | "deleteSession" | "getMessages" | "reconnectSession" | "resyncSession"

/**
 * Restores a session after a handover: the new affinity token, the visitor's sequence counter back to zero (unless
 * the variant keeps it), and a ChasitorSessionData entry. What the visitor received up to `offset` is known to it
 * (and part of the snapshot's transcript); what it did not receive is the backlog, queued again where the variant's
 * `redelivery` puts it: behind the snapshot by default, so nothing is lost.
 */
const reconnect = (runtime: Runtime, session: Session, offset: number): void => {
  const { redelivery, transcript, resetSequence } = runtime.config.variant
  if (session.movedTo !== undefined) {
    session.affinity = session.movedTo
    session.movedTo = undefined
  }
  if (resetSequence === true) session.lastInbound = 0
  session.queue = session.queue.filter((entry) => entry.deliveredIn === undefined || entry.offset > offset)
  const data = sessionData(runtime, session, transcript === "overlapping")
  const backlog = session.queue.filter(
    (entry) => entry.type !== "ChasitorSessionData" && !(redelivery === "none" && entry.type === "ChatMessage")
  )
  session.queue = []
  const requeue = () => {
    for (const entry of backlog) {
      entry.offset = session.nextOffset++
      entry.deliveredIn = undefined
      delete entry.waitFor
      session.queue.push(entry)
    }
  }
  const before = redelivery === "before" || redelivery === "before-separately"
  if (before) requeue()
  const snapshot = enqueue(session, runtime.clock, "ChasitorSessionData", data)
  if (!before) requeue()
  if (redelivery === "before-separately" && backlog.length > 0) snapshot.waitFor = backlog.at(-1) as Entry
  if (redelivery === "after-separately") for (const entry of backlog) entry.waitFor = snapshot
  flush(session)
}

export const systemHandlers = (runtime: Runtime): Record<SystemOperation, Handler> => {
  const { sessions, clock, random, config } = runtime
  return {
    getSessionId: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      if (header(request, "x-liveagent-affinity") !== "null") {
        return sfError(400, "X-LIVEAGENT-AFFINITY must be the literal null when creating a session")
      }
      const id = random.uuid()
      const session = newSession({
        id,
        key: `${id}!${random.uuid()}`,
        affinity: random.hex(8),
        apiVersion: version,
        firstOffset: 50_000_000 + random.int(10_000_000)
      })
      sessions.set(session.key, session)
      runtime.byId.set(session.id, session)
      runtime.touch(session)
      return json({
        id: session.id,
        key: session.key,
        affinityToken: session.affinity,
        clientPollTimeout: config.clientPollTimeoutSeconds
      })
    },

    deleteSession: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      const found = authorize(sessions, request, request.params.sessionKey)
      if ("response" in found) return found.response
      if (found.session.phase === "ended") return invalid()
      runtime.terminate(found.session, "visitor", "the visitor deleted the session")
      return empty(200)
    },

    getMessages: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      const found = authorize(sessions, request, sessionKey(request))
      if ("response" in found) return found.response
      const { session } = found
      if (session.held !== undefined && !session.held.signal.aborted) {
        // Only one poll may be open per session: the second one terminates the chat (§1.7).
        runtime.terminate(session, "system", "a second concurrent System/Messages poll")
        return sfError(409, "Concurrent long poll: the chat is terminated; start a new session")
      }
      const ack = Number(request.query.ack)
      acknowledge(session, ack)
      const last = session.last
      const repeatable = last !== undefined && ack === last.sequence && ack === session.sequence
      if (repeatable && !session.lastDuplicated && runtime.faults.delivery("salesforce", "getMessages").duplicate) {
        // Duplicate delivery: the envelope just acknowledged once more, with its own sequence, which a client
        // recognises as already seen. Re-ordering is never applied: entries keep the documented server order.
        session.lastDuplicated = true
        runtime.touch(session)
        return json(last)
      }
      const payload = nextPayload(session)
      if (payload !== undefined) {
        runtime.touch(session)
        return json(payload)
      }
      if (session.phase === "ended") {
        // The poll after the chat ended was answered and has now been acknowledged: the session is over.
        runtime.retire(session, invalid())
        return invalid()
      }
      if (request.signal.aborted) return empty(204)
      return hold(session, clock, ack, request.signal, config.pollHoldMs, () => runtime.touch(session))
    },

    reconnectSession: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      if (version < reconnectSince) {
        return sfError(404, `ReconnectSession does not exist in API version ${version}; use ResyncSession`)
      }
      const found = authorize(sessions, request, sessionKey(request), true)
      if ("response" in found) return found.response
      const { session } = found
      reconnect(runtime, session, Number(request.query["ReconnectSession.offset"]))
      const { resetSequence } = config.variant
      const message =
        resetSequence === "absent"
          ? { affinityToken: session.affinity }
          : { resetSequence, affinityToken: session.affinity }
      return json({ messages: [{ type: "ReconnectSession", message }] })
    },

    resyncSession: (request) => {
      const version = versionOf(request)
      if (typeof version !== "number") return version
      if (version >= reconnectSince) {
        return sfError(404, `ResyncSession does not exist in API version ${version}; use ReconnectSession`)
      }
      const found = authorize(sessions, request, sessionKey(request), true)
      if ("response" in found) return found.response
      const { session } = found
      if (request.query.SessionId !== session.id || session.phase === "ended") return json({ isValid: false })
      if (session.movedTo !== undefined) {
        session.affinity = session.movedTo
        session.movedTo = undefined
      }
      return json({ isValid: true, key: session.key, affinityToken: session.affinity })
    }
  }
}
