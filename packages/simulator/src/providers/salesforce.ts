/**
 * The Salesforce Live Agent Chat REST API simulator (providers.md §1), mounted under `/salesforce/chat/rest`.
 *
 * `GET System/SessionId` opens a session (`id`, secret `key`, `affinityToken`, `clientPollTimeout`); every
 * `System/*` and `Chasitor/*` call then needs the version, affinity and session-key headers (a wrong key or
 * affinity answers 403). `ChasitorInit` opens a chat in the hub on the button (the hub's skill), and everything the
 * visitor learns arrives on the `System/Messages` long poll: one envelope per 200, `sequence` acknowledged as
 * `ack`, un-acknowledged entries delivered again, 204 when the hold window ends, 409 (and the chat ends) for a
 * second concurrent poll. Outbound requests are de-duplicated by `X-LIVEAGENT-SEQUENCE`. An injected 503 moves the
 * session to a new affinity token until `ReconnectSession` (v37+) or `ResyncSession` (v29–36) repairs it; a
 * session not polled for `sessionTimeoutMs` expires. The visitor's own messages are never echoed.
 */
import { empty, type Handler, type ProviderModule, type SimContext, type SimResponse } from "../module.ts"
import { resolveVariants, type SalesforceVariant } from "../variants.ts"
import { header, invalid, moved, sessionKey } from "./salesforce/access.ts"
import { chasitorHandlers } from "./salesforce/chasitor.ts"
import type { Config, IdleTimeout, Runtime } from "./salesforce/runtime.ts"
import { asTextError, release, type Session, sfError } from "./salesforce/session.ts"
import { systemHandlers } from "./salesforce/system.ts"
import { visitorHandlers } from "./salesforce/visitor.ts"

export type { IdleTimeout } from "./salesforce/runtime.ts"

/** How the Salesforce simulator behaves; every field is optional. */
export interface SalesforceOptions {
  /** The organization id clients send as `organizationId` and `org_id` (15 characters); default `00D5g000000SWBd`. */
  readonly orgId?: string
  /** The chat deployment id (`deploymentId`, `deployment_id`); default `5725g000000SWBd`. */
  readonly deploymentId?: string
  /** The deployment's chat buttons (hub skills); the first is `settings.buttonId`. Default `["5735g000000SWBd"]`. */
  readonly buttonIds?: ReadonlyArray<string>
  /** The API version to use, reported in `settings.apiVersion`; default 57. Every version from 29 on is served. */
  readonly apiVersion?: number
  /** `clientPollTimeout` of new sessions, in seconds; default 40. */
  readonly clientPollTimeoutSeconds?: number
  /** How long a Messages poll is held before a 204, in ms of clock time; default `clientPollTimeoutSeconds` - 10 s. */
  readonly pollHoldMs?: number
  /** A session with no Messages poll for this long (clock time) expires; default 120,000 ms. */
  readonly sessionTimeoutMs?: number
  /** `sneakPeekEnabled` in ChatEstablished and ChatTransferred; default true. */
  readonly sneakPeekEnabled?: boolean
  /** Visitor idle timeout announced in ChatEstablished (v35+) and enforced by the server; default off. */
  readonly chasitorIdleTimeout?: IdleTimeout
  /** `pingrate` of Visitor/Settings, in ms; default 50,000. */
  readonly pingRateMs?: number
  /** Orgs served elsewhere: Visitor resources for them answer a `SwitchServer` entry with the URL. Default none. */
  readonly switchServer?: Readonly<Record<string, string>>
}

/** What a client needs to talk to the Salesforce simulator besides its base URL. */
export interface SalesforceSettings {
  /** `organizationId` of ChasitorInit and `org_id` of Visitor resources. */
  readonly orgId: string
  /** `deploymentId` of ChasitorInit and `deployment_id` of Visitor resources. */
  readonly deploymentId: string
  /** The default chat button (`buttonId`). */
  readonly buttonId: string
  /** Every chat button of the deployment. */
  readonly buttonIds: ReadonlyArray<string>
  /** The newest `X-LIVEAGENT-API-VERSION` the simulator speaks (older ones from 29 are served too). */
  readonly apiVersion: number
}

const idPattern = /^[a-zA-Z0-9]{15}$/

/** How long a poll is held in the variant with short polls. */
const shortHoldMs = 1000

const resolve = (options: SalesforceOptions, variant: Required<SalesforceVariant>): Config => {
  const orgId = options.orgId ?? "00D5g000000SWBd"
  const deploymentId = options.deploymentId ?? "5725g000000SWBd"
  const buttonIds = options.buttonIds ?? ["5735g000000SWBd"]
  for (const id of [orgId, deploymentId, ...buttonIds]) {
    if (!idPattern.test(id)) throw new TypeError(`Salesforce ids must have 15 letters or digits, got ${id}`)
  }
  if (buttonIds.length === 0) throw new TypeError("Salesforce needs at least one button id")
  const clientPollTimeoutSeconds = options.clientPollTimeoutSeconds ?? 40
  return {
    orgId,
    deploymentId,
    buttonIds,
    apiVersion: options.apiVersion ?? 57,
    clientPollTimeoutSeconds,
    pollHoldMs:
      variant.pollHold === "short"
        ? shortHoldMs
        : (options.pollHoldMs ?? Math.max(1, clientPollTimeoutSeconds - 10) * 1000),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 120_000,
    sneakPeekEnabled: options.sneakPeekEnabled ?? true,
    chasitorIdleTimeout: options.chasitorIdleTimeout,
    pingRateMs: options.pingRateMs ?? 50_000,
    switchServer: new Map(Object.entries(options.switchServer ?? {})),
    variant
  }
}

export const makeSalesforce = (
  context: SimContext,
  options: SalesforceOptions = {},
  variant: SalesforceVariant = {}
): ProviderModule & {
  readonly settings: SalesforceSettings
  /** Moves the session behind a hub chat to a new affinity token (as an injected 503 does); false if none. */
  handover(chatId: string): boolean
} => {
  const { hub, clock, random, faults } = context
  const config = resolve(options, resolveVariants({ salesforce: variant }).salesforce)
  /** Errors in the variant's form: `{ "error": ... }` as made, or a text line. */
  const styled =
    config.variant.errorBody === "text"
      ? (response: SimResponse | Promise<SimResponse>) =>
          response instanceof Promise ? response.then(asTextError) : asTextError(response)
      : (response: SimResponse | Promise<SimResponse>) => response
  const styledHandlers = (handlers: Record<string, Handler>): Record<string, Handler> =>
    config.variant.errorBody === "text"
      ? Object.fromEntries(Object.entries(handlers).map(([id, handle]) => [id, (request) => styled(handle(request))]))
      : handlers
  const settings: SalesforceSettings = {
    orgId: config.orgId,
    deploymentId: config.deploymentId,
    buttonId: config.buttonIds[0] as string,
    buttonIds: [...config.buttonIds],
    apiVersion: config.apiVersion
  }
  /** Set by `close()`: no timer is armed any more. */
  let closed = false

  const runtime: Runtime = {
    hub,
    clock,
    random,
    faults,
    config,
    sessions: new Map(),
    byId: new Map(),
    retire: (session, held) => {
      if (session.gone) return
      session.gone = true
      runtime.sessions.delete(session.key)
      runtime.byId.delete(session.id)
      session.expiry?.cancel()
      session.expiry = undefined
      session.idle?.cancel()
      session.idle = undefined
      release(session, held)
    },
    terminate: (session, by, reason) => {
      const hubId = session.hubId
      const live = session.phase !== "ended"
      session.phase = "ended"
      runtime.retire(session, invalid())
      if (hubId !== undefined && live) runtime.tell(() => hub.closed(hubId, by, reason))
    },
    touch: (session) => {
      session.expiry?.cancel()
      session.expiry = undefined
      if (session.gone || closed) return
      session.expiry = clock.setTimeout(() => {
        session.expiry = undefined
        // A held poll keeps the session alive; its end arms the deadline again.
        if (session.gone || session.held !== undefined) return
        const seconds = Math.round(config.sessionTimeoutMs / 1000)
        runtime.terminate(session, "timeout", `no System/Messages poll for ${seconds} s`)
      }, config.sessionTimeoutMs)
    },
    tell: (action) => {
      try {
        action()
      } catch {
        // The chat ended meanwhile, or a hub listener failed: the wire answer stands.
      }
    }
  }

  /** Moves a session to a new affinity token: the old one answers 503 (a held poll too) until a reconnect. */
  const handover = (session: Session): void => {
    if (session.gone || session.movedTo !== undefined) return
    let next = random.hex(8)
    while (next === session.affinity) next = random.hex(8)
    session.movedTo = next
    release(session, moved())
  }

  return {
    provider: "salesforce",
    prefix: "/salesforce/chat/rest",
    settings,
    handlers: styledHandlers({ ...systemHandlers(runtime), ...chasitorHandlers(runtime), ...visitorHandlers(runtime) }),
    error: (status, message) => styled(sfError(status, message)) as SimResponse,
    fault: (status, request) => {
      // A 503 is the affinity handover: the session named by the request moves to a new token. The answer itself
      // stays the pipeline's (with its Retry-After). A 503 on the repair calls only says "still in progress".
      if (status !== 503 || request.operationId === "reconnectSession" || request.operationId === "resyncSession") {
        return undefined
      }
      const key = request.operationId === "deleteSession" ? request.params.sessionKey : sessionKey(request)
      const session = key === undefined ? undefined : runtime.sessions.get(key)
      if (session !== undefined && header(request, "x-liveagent-affinity") === session.affinity) handover(session)
      return undefined
    },
    handover: (chatId) => {
      const nativeId = hub.list({ provider: "salesforce" }).find((chat) => chat.id === chatId)?.nativeId
      const session = nativeId === undefined ? undefined : runtime.byId.get(nativeId)
      if (session === undefined) return false
      handover(session)
      return true
    },
    close: () => {
      closed = true
      for (const session of runtime.sessions.values()) {
        session.expiry?.cancel()
        session.expiry = undefined
        session.idle?.cancel()
        session.idle = undefined
        release(session, empty(204))
      }
    }
  }
}
