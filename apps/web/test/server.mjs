// The browser tests' server (Playwright's webServer): simulator (scripted agent off: the tests play the agent in the
// console page), relay and the built widget, on 127.0.0.1.
// Usage: node test/server.mjs --provider livechat --port 5180 [--availability-cache "0 millis"]
import { parseArgs } from "node:util"
import { startStack } from "../server/stack.mjs"

const { values } = parseArgs({
  options: {
    provider: { type: "string", default: "livechat" },
    port: { type: "string", default: "5180" },
    "availability-cache": { type: "string" }
  }
})

const stack = await startStack({
  provider: values.provider,
  webPort: Number(values.port),
  relayOptions: {
    logLevel: "Warning",
    ...(values["availability-cache"] === undefined ? {} : { availabilityCache: values["availability-cache"] })
  }
})
console.log(`[test server] ${values.provider}: ${stack.urls.widget} (console ${stack.urls.console})`)

const stop = () => stack.close().then(() => process.exit(0))
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
