/**
 * The account-level pre-chat checks (providers.md §2.2 rows 1–3): availability, free slots and the estimated wait,
 * per skill from the hub. Service queues are treated as skills of the same name; `agent` (one login name) answers
 * for the account, since the hub keeps no roster.
 */
import type { ChatHub } from "../../hub.ts"
import { json, type SimRequest, type SimResponse } from "../../module.ts"

export interface AvailabilityOptions {
  readonly hub: ChatHub
  readonly skills: ReadonlyArray<string>
  /** Chat slots per skill; -1 for unlimited. */
  readonly slotsPerSkill: number
  /** A 401 answer when the request is not authorized. */
  readonly authorize: (request: SimRequest) => SimResponse | undefined
  readonly error: (status: number, message: string) => SimResponse
  /** A count or a wait as the server writes numbers (a JSON number or a numeric string). */
  readonly count: (value: number) => number | string
}

type Targets = { readonly names: ReadonlyArray<string> } | { readonly response: SimResponse }

export const makeAvailability = (options: AvailabilityOptions) => {
  const { hub, skills, slotsPerSkill, authorize, error, count } = options

  const knownAndAvailable = (skill: string) => skills.includes(skill) && hub.isAvailable(skill)

  /** Seconds; -1 when nobody is available for the skill (or for any skill, for the whole account). */
  const estimate = (skill: string | undefined): number => {
    if (skill !== undefined) return skills.includes(skill) ? hub.estimatedWaitSeconds(skill) : -1
    const known = skills.map((name) => hub.estimatedWaitSeconds(name)).filter((seconds) => seconds >= 0)
    return known.length === 0 ? -1 : Math.min(...known)
  }

  /** Authorizes, checks the parameter combinations (400) and returns the skills the query targets. */
  const targets = (request: SimRequest): Targets => {
    const denied = authorize(request)
    if (denied !== undefined) return { response: denied }
    const { skill, serviceQueue, maxWaitTime, agent } = request.query
    if (agent !== undefined && (skill !== undefined || serviceQueue !== undefined || maxWaitTime !== undefined)) {
      return { response: error(400, "agent must be used alone, without skill, serviceQueue or maxWaitTime") }
    }
    if (serviceQueue !== undefined && maxWaitTime === undefined && request.operationId === "getAvailability") {
      return { response: error(400, "serviceQueue needs maxWaitTime") }
    }
    return { names: [skill, serviceQueue].filter((name): name is string => typeof name === "string") }
  }

  const waits = (names: ReadonlyArray<string>) => (names.length === 0 ? [estimate(undefined)] : names.map(estimate))

  const openChats = (skill: string) =>
    hub.list().filter((chat) => chat.skill === skill && chat.state !== "ended").length

  return {
    getAvailability: (request: SimRequest): SimResponse => {
      const found = targets(request)
      if ("response" in found) return found.response
      const maxWait = request.query.maxWaitTime as number | undefined
      let availability =
        found.names.length === 0 ? skills.some((skill) => hub.isAvailable(skill)) : found.names.every(knownAndAvailable)
      // With maxWaitTime, the chat must also be expected to start within it (0: an agent is free now).
      if (availability && maxWait !== undefined) {
        availability = waits(found.names).every((seconds) => seconds >= 0 && seconds <= maxWait)
      }
      return json({ availability })
    },
    getAvailableSlots: (request: SimRequest): SimResponse => {
      const found = targets(request)
      if ("response" in found) return found.response
      const open = (found.names.length === 0 ? skills : found.names).filter(knownAndAvailable)
      if (open.length === 0) return json({ availableSlots: count(0) })
      if (slotsPerSkill < 0) return json({ availableSlots: count(-1) })
      return json({
        availableSlots: count(open.reduce((sum, skill) => sum + Math.max(0, slotsPerSkill - openChats(skill)), 0))
      })
    },
    getEstimatedWaitTime: (request: SimRequest): SimResponse => {
      const found = targets(request)
      if ("response" in found) return found.response
      const seconds = waits(found.names)
      return json({ estimatedWaitTime: count(seconds.some((wait) => wait < 0) ? -1 : Math.max(...seconds)) })
    }
  }
}
