/**
 * What the parts of the Salesforce simulator share: the resolved options and the simulator context, plus the two
 * session-wide operations the entry module implements (retiring a session, re-arming its expiry).
 */
import type { SimClock } from "../../clock.ts"
import type { Faults } from "../../faults.ts"
import type { ChatHub, EndedBy } from "../../hub.ts"
import type { SimResponse } from "../../module.ts"
import type { Random } from "../../random.ts"
import type { SalesforceVariant } from "../../variants.ts"
import type { Session } from "./session.ts"

/** The visitor idle timeout announced in `ChatEstablished.chasitorIdleTimeout` and enforced by the server. */
export interface IdleTimeout {
  /** Seconds after the agent's last message when the visitor's window shows a warning. */
  readonly warningSeconds: number
  /** Seconds after the agent's last message when the server ends the chat. */
  readonly timeoutSeconds: number
}

/** The options with their defaults applied. */
export interface Config {
  readonly orgId: string
  readonly deploymentId: string
  /** Every chat button of the deployment; the first is `settings.buttonId`. */
  readonly buttonIds: ReadonlyArray<string>
  readonly apiVersion: number
  readonly clientPollTimeoutSeconds: number
  readonly pollHoldMs: number
  readonly sessionTimeoutMs: number
  readonly sneakPeekEnabled: boolean
  readonly chasitorIdleTimeout: IdleTimeout | undefined
  readonly pingRateMs: number
  readonly switchServer: ReadonlyMap<string, string>
  /** The server variant played (every knob resolved). */
  readonly variant: Required<SalesforceVariant>
}

export interface Runtime {
  readonly hub: ChatHub
  readonly clock: SimClock
  readonly random: Random
  readonly faults: Faults
  readonly config: Config
  /** Live sessions by key (a retired session leaves it). */
  readonly sessions: Map<string, Session>
  /** Live sessions by public id. */
  readonly byId: Map<string, Session>
  /** Ends the session for good (later calls answer 403); a held poll gets `held`. */
  retire(session: Session, held: SimResponse): void
  /** Ends the session and, if it is still live, its chat (the hub hears `closed(by, reason)`). */
  terminate(session: Session, by: Exclude<EndedBy, "agent">, reason: string): void
  /** (Re)arms the session's expiry: no Messages poll for `sessionTimeoutMs` (a held poll keeps it alive). */
  touch(session: Session): void
  /** Runs a hub call, ignoring a refusal (the chat ended meanwhile) or a failing hub listener. */
  tell(action: () => void): void
}

/** Oldest API version this simulator serves (most resources exist since 29.0). */
export const minApiVersion = 29
/** From this version on: `ChasitorIdleTimeoutWarningEvent` and `chasitorIdleTimeout`. */
export const idleTimeoutSince = 35
/** From this version on: `ReconnectSession` (and no more `ResyncSession`). */
export const reconnectSince = 37
/** From this version on: estimated wait times. */
export const waitTimeSince = 47
