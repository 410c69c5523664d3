// A whole chat with the Effect API, against the simulator's Salesforce Live Agent and its scripted agent.
import { Salesforce, Session } from "@switchboard/core"
import { startSimulator } from "@switchboard/simulator"
import { Console, Effect, Stream } from "effect"

const sim = await startSimulator({ agent: { name: "Grace", acceptAfterMs: 100, typingMs: 50 } })

const chat = Effect.gen(function* () {
  const session = yield* Session.open({ visitorName: "Ada", firstMessage: "Hello!" })
  yield* session.events.pipe(
    Stream.tap((event) => Console.log(JSON.stringify(event))),
    Stream.tap((event) => (event.type === "connected" ? session.send("Where is my order?") : Effect.void)),
    Stream.tap((event) =>
      event.type === "message" && event.from === "agent" && event.text.includes("number")
        ? session.send("It is 10442.")
        : Effect.void
    ),
    Stream.takeUntil((event) => event.type === "message" && event.from === "agent" && event.text.includes("arrives")),
    Stream.runDrain
  )
}) // closing the scope ends the chat at the provider

await Effect.runPromise(
  chat.pipe(
    Effect.scoped,
    Effect.provide(Salesforce.layer({ baseUrl: sim.urls.salesforce, ...sim.settings.salesforce })),
    Effect.timeout("20 seconds")
  )
)
const ended = sim.hub.list({ provider: "salesforce" })[0]
await sim.close()
if (ended?.endedBy !== "visitor") throw new Error(`the chat was not ended by the visitor: ${ended?.state}`)
console.log("effect example: done")
