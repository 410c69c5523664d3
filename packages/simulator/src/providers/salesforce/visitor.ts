/**
 * The stateless pre-chat `Visitor/*` resources: Availability, Settings, VisitorId and Breadcrumb. They need only the
 * version header, name the deployment with `org_id`/`deployment_id`, and answer in the Messages envelope (or with a
 * `SwitchServer` entry for an org configured as moved).
 */
import { empty, type Handler, json, type SimRequest, type SimResponse } from "../../module.ts"
import { header, sessionKey, versionOf } from "./access.ts"
import { type Runtime, waitTimeSince } from "./runtime.ts"
import { logInbound, sfError } from "./session.ts"

const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

/** The 18-character, case-insensitive form of a 15-character Salesforce id. */
export const to18 = (id: string): string => {
  if (id.length !== 15) return id
  let suffix = ""
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0
    for (let i = 0; i < 5; i++) {
      const char = id.charAt(chunk * 5 + i)
      if (char >= "A" && char <= "Z") bits |= 1 << i
    }
    suffix += suffixAlphabet.charAt(bits)
  }
  return id + suffix
}

/** Whether `given` (15 characters, case-sensitive, or 18, case-insensitive) names the 15-character id `own`. */
export const sameId = (given: string, own: string): boolean =>
  given.length === 18 ? given.toUpperCase() === to18(own).toUpperCase() : given === own

type Deployment = { readonly ok: true } | { readonly response: SimResponse }

/** A Visitor answer: `{ messages: [{ type, message }] }`, or the message alone for the variant's bare server. */
const visitorAnswer = (runtime: Runtime, type: string, message: Record<string, unknown>): SimResponse =>
  runtime.config.variant.visitorEnvelope === "bare" ? json(message) : json({ messages: [{ type, message }] })

/** Checks `org_id`/`deployment_id`: a moved org gets its `SwitchServer` entry, a foreign one a 400. */
const deployment = (runtime: Runtime, request: SimRequest): Deployment => {
  const org = String(request.query.org_id)
  const moved = [...runtime.config.switchServer].find(([movedOrg]) => sameId(org, movedOrg))
  if (moved !== undefined) return { response: visitorAnswer(runtime, "SwitchServer", { newUrl: moved[1] }) }
  if (!sameId(org, runtime.config.orgId) || !sameId(String(request.query.deployment_id), runtime.config.deploymentId)) {
    return { response: sfError(400, "org_id and deployment_id do not name a deployment served here") }
  }
  return { ok: true }
}

const ownButton = (runtime: Runtime, id: string) => runtime.config.buttonIds.find((button) => sameId(id, button))

/** The live session named by Breadcrumb's optional session headers, if they name one. */
const sessionOf = (runtime: Runtime, request: SimRequest) => {
  const key = sessionKey(request)
  const session = key === undefined ? undefined : runtime.sessions.get(key)
  return session !== undefined && header(request, "x-liveagent-affinity") === session.affinity ? session : undefined
}

export const visitorHandlers = (
  runtime: Runtime
): Record<"getAvailability" | "getSettings" | "getVisitorId" | "postBreadcrumb", Handler> => {
  const { hub } = runtime
  const version = versionOf
  const waitTime = (request: SimRequest, v: number, flag: string) => v >= waitTimeSince && request.query[flag] === 1
  return {
    getAvailability: (request) => {
      const v = version(request)
      if (typeof v !== "number") return v
      const found = deployment(runtime, request)
      if ("response" in found) return found.response
      const withWait = waitTime(request, v, "Availability.needEstimatedWaitTime")
      const ids = (request.query["Availability.ids"] as ReadonlyArray<unknown>).map(String)
      const results = [...new Set(ids)].map((id) => {
        const button = ownButton(runtime, id)
        const available = button !== undefined && hub.isAvailable(button)
        return {
          id,
          ...(available ? { isAvailable: true } : {}),
          ...(withWait ? { estimatedWaitTime: button === undefined ? -1 : hub.estimatedWaitSeconds(button) } : {})
        }
      })
      return visitorAnswer(runtime, "Availability", { results })
    },

    getSettings: (request) => {
      const v = version(request)
      if (typeof v !== "number") return v
      const found = deployment(runtime, request)
      if ("response" in found) return found.response
      const withWait = waitTime(request, v, "Settings.needEstimatedWaitTime")
      const ids = (request.query["Settings.buttonIds"] as ReadonlyArray<unknown>).map(String)
      const buttons = [...new Set(ids)].flatMap((id) => {
        const button = ownButton(runtime, id)
        if (button === undefined) return []
        return [
          {
            id,
            type: "Standard",
            language: "en_US",
            isAvailable: hub.isAvailable(button),
            ...(withWait ? { estimatedWaitTime: hub.estimatedWaitSeconds(button) } : {})
          }
        ]
      })
      const message = {
        pingrate: runtime.config.pingRateMs,
        contentServerUrl: `${request.url.origin}/salesforce/content`,
        buttons
      }
      return visitorAnswer(runtime, "Settings", message)
    },

    getVisitorId: (request) => {
      const v = version(request)
      if (typeof v !== "number") return v
      const found = deployment(runtime, request)
      if ("response" in found) return found.response
      return visitorAnswer(runtime, "VisitorId", { sessionId: runtime.random.uuid() })
    },

    postBreadcrumb: (request) => {
      const v = version(request)
      if (typeof v !== "number") return v
      const location = String((request.body as { location?: unknown }).location)
      // Session headers are optional and undocumented here: a live session gets the page in its log, and
      // anything else is ignored (the resource never refuses a visitor for them).
      const session = sessionOf(runtime, request)
      if (session !== undefined) logInbound(session, runtime.clock, "Breadcrumb", { location })
      return empty(runtime.config.variant.postStatus)
    }
  }
}
