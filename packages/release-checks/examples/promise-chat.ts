// A whole chat with the Promise facade, against the simulator's LiveChat and its scripted agent.
import { openChat } from "@switchboard/core/promise"
import { startSimulator } from "@switchboard/simulator"

const sim = await startSimulator({ agent: { name: "Grace", acceptAfterMs: 100, typingMs: 50 } })
{
  await using chat = await openChat({
    provider: "livechat",
    baseUrl: sim.urls.livechat,
    licenceId: sim.settings.livechat.licenceId,
    visitorName: "Ada",
    firstMessage: "Hello!"
  })
  for await (const event of chat.events) {
    console.log(JSON.stringify(event))
    if (event.type === "connected") await chat.send("Where is my order?")
    if (event.type === "message" && event.from === "agent" && event.text.includes("number"))
      await chat.send("It is 10442.")
    if (event.type === "message" && event.from === "agent" && event.text.includes("arrives")) break
  }
} // `await using` ended the chat at the provider
const ended = sim.hub.list({ provider: "livechat" })[0]
await sim.close()
if (ended?.endedBy !== "visitor") throw new Error(`the chat was not ended by the visitor: ${ended?.state}`)
console.log("promise example: done")
