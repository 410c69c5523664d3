/**
 * `@switchboard/simulator`: stateful simulators of the Salesforce Live Agent, LivePerson and LiveChat visitor chat
 * APIs on one HTTP server, with an agent side (programmatic and under `/_agent`) and fault injection.
 *
 * @example
 * ```ts
 * import { startSimulator } from "@switchboard/simulator"
 *
 * await using sim = await startSimulator({ agent: true })
 * console.log(sim.urls.livechat) // http://127.0.0.1:<port>/livechat
 * ```
 */
export { ManualClock, type SimClock, systemClock, type Timer } from "./clock.ts"
export type { ActiveFaultRule, FaultRule } from "./faults.ts"
export { Faults } from "./faults.ts"
export {
  type Agent,
  ChatHub,
  type ChatState,
  type ChatView,
  type EndedBy,
  HubError,
  type HubEvent,
  type TranscriptEntry
} from "./hub.ts"
export type { Violation } from "./pipeline.ts"
export type { LiveChatOptions, LiveChatSettings } from "./providers/livechat.ts"
export type { LivePersonOptions, LivePersonSettings } from "./providers/liveperson.ts"
export type { SalesforceOptions, SalesforceSettings } from "./providers/salesforce.ts"
export { defaultRules, type ReplyRule, type ScriptedAgentOptions } from "./scripted-agent.ts"
export {
  createSimulator,
  type RunningSimulator,
  type Simulator,
  type SimulatorOptions,
  startSimulator
} from "./simulator.ts"
export {
  defaultVariants,
  type LiveChatVariant,
  type LivePersonVariant,
  profileVariants,
  resolveVariants,
  type SalesforceVariant,
  type VariantProfile,
  type Variants,
  variantProfiles,
  variantValues
} from "./variants.ts"
