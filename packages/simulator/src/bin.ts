#!/usr/bin/env node
/**
 * `switchboard-simulator`: the three provider simulators and the control API on one port, until Ctrl-C.
 * Arguments are parsed by Node's own `util.parseArgs`.
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import type { FaultRule } from "./faults.ts"
import { startSimulator } from "./simulator.ts"
import { profileVariants, type Variants, variantProfiles } from "./variants.ts"

const usage = `Usage: switchboard-simulator [options]

Serves the Salesforce Live Agent, LivePerson and LiveChat visitor APIs and the agent control API.

Options:
  --port <n>        TCP port (default 4010; 0 picks a free one)
  --host <addr>     interface to listen on (default 127.0.0.1)
  --seed <n>        seed for ids, secrets and fault draws (default 1)
  --agent           run the scripted agent (accepts chats and answers)
  --agent-name <s>  the scripted agent's name (default Grace)
  --faults <file>   JSON file with a list of fault rules (see the README)
  --validate        check every response against the specs and report violations on exit
  --variant <p:n>   play the server variant of profile n for provider p (repeat it for several providers):
                    ${Object.entries(variantProfiles)
                      .map(([provider, profiles]) => `${provider}:${profiles.map((profile) => profile.name).join("|")}`)
                      .join("\n                    ")}
  -h, --help        show this help

Example:
  switchboard-simulator --port 4010 --agent --variant liveperson:xml-strings
  curl -s http://127.0.0.1:4010/_agent/chats`

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string", default: "1" },
    agent: { type: "boolean", default: false },
    "agent-name": { type: "string" },
    faults: { type: "string" },
    validate: { type: "boolean", default: false },
    variant: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", short: "h", default: false }
  },
  strict: true
})

const fail = (message: string): never => {
  console.error(`switchboard-simulator: ${message}\n\n${usage}`)
  process.exit(2)
}

if (values.help) {
  console.log(usage)
  process.exit(0)
}

const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0-65535, not ${values.port}`)
const seed = Number(values.seed)
if (!Number.isInteger(seed)) fail(`--seed must be a whole number, not ${values.seed}`)

const faults = (() => {
  if (values.faults === undefined) return []
  try {
    const parsed: unknown = JSON.parse(readFileSync(values.faults, "utf8"))
    if (!Array.isArray(parsed)) return fail(`${values.faults} must hold a JSON list of fault rules`)
    return parsed as Array<FaultRule>
  } catch (error) {
    return fail(`cannot read ${values.faults}: ${(error as Error).message}`)
  }
})()

const variants: Variants = {}
for (const selector of values.variant) {
  try {
    Object.assign(variants, profileVariants(selector))
  } catch (error) {
    fail((error as Error).message)
  }
}

const sim = await startSimulator({
  variants,
  port,
  host: values.host,
  seed,
  faults,
  validateResponses: values.validate,
  agent: values.agent ? (values["agent-name"] === undefined ? true : { name: values["agent-name"] }) : false
}).catch((error: Error) => fail(`cannot listen on ${values.host}:${port}: ${error.message}`))

const { salesforce, liveperson, livechat } = sim.settings
const playing = values.variant.length === 0 ? "" : `\n  Server variants        ${values.variant.join(", ")}\n`
console.log(`Switchboard simulator on ${sim.url}${values.agent ? " (scripted agent on)" : ""}
${playing}
  Salesforce Live Agent  ${sim.urls.salesforce}
      org ${salesforce.orgId}  deployment ${salesforce.deploymentId}  button ${salesforce.buttonId}
  LivePerson             ${sim.urls.liveperson}/api/account/${liveperson.accountId}/chat
      account ${liveperson.accountId}  (app key: see sim.settings or --help of the CLI)
  LiveChat               ${sim.urls.livechat}/visitors/{visitor_id}/chat
      licence ${livechat.licenceId}
  Agent control API      ${sim.urls.control}   (GET /chats, POST /chats/{id}/accept ...)

Ctrl-C to stop.`)

const stop = async () => {
  await sim.close()
  if (values.validate) {
    console.log(sim.violations.length === 0 ? "No spec violations." : JSON.stringify(sim.violations, null, 2))
  }
  process.exit(0)
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
