/**
 * `@switchboard/core`: one resource-safe chat session over Salesforce Live Agent, LivePerson and LiveChat.
 * Namespaces, Effect style: `Session.open`, `LiveChat.layer`, `ChatProvider`...
 */
export * as Capabilities from "./Capabilities.ts"
export * as ChatEvent from "./ChatEvent.ts"
export * as ChatProvider from "./ChatProvider.ts"
export * as Errors from "./Errors.ts"
export * as Metrics from "./Metrics.ts"
export * as LiveChat from "./providers/LiveChat.ts"
export * as LivePerson from "./providers/LivePerson.ts"
export * as Salesforce from "./providers/Salesforce.ts"
export * as Retry from "./Retry.ts"
export * as Session from "./Session.ts"
