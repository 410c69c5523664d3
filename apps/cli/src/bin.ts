#!/usr/bin/env node
/**
 * Interim entry point: prints each provider's operations from the specs the clients are generated from.
 * The interactive demo chat replaces this once core and the simulator exist.
 */
import { operations, providers } from "@switchboard/specs"

const titles = { salesforce: "Salesforce Live Agent", liveperson: "LivePerson Chat", livechat: "LiveChat v2" }

for (const provider of providers) {
  const list = operations(provider)
  console.log(`\n${titles[provider]} (@switchboard/client-${provider}): ${list.length} operations`)
  for (const { method, path, operationId } of list) {
    console.log(`  ${method.toUpperCase().padEnd(6)} ${path.padEnd(58)} ${operationId}`)
  }
}
