// Two visitors at once through one Promise client (one runtime, one connection pool), against the simulator's
// LiveChat and its scripted agent; closing the client ends both chats at the provider.
import { createChatClient } from "@switchboard/core/promise"
import { startSimulator } from "@switchboard/simulator"

const sim = await startSimulator({ agent: { name: "Grace", acceptAfterMs: 100, typingMs: 50 } })
{
  await using support = await createChatClient({
    provider: "livechat",
    baseUrl: sim.urls.livechat,
    licenceId: sim.settings.livechat.licenceId
  })
  const chats = await Promise.all(
    ["Ada", "Bob"].map((visitorName) => support.open({ visitorName, firstMessage: `Hello, I am ${visitorName}.` }))
  )
  await Promise.all(
    chats.map(async (chat) => {
      for await (const event of chat.events) {
        if (event.type === "connected") {
          await chat.send("Where is my order?")
          return
        }
      }
    })
  )
  console.log(`${support.size} chats open`)
} // `await using` closed the client: both chats ended at the provider
const views = sim.hub.list({ provider: "livechat" })
await sim.close()
if (views.length !== 2 || views.some((view) => view.endedBy !== "visitor")) {
  throw new Error(`not both chats ended by the visitor: ${views.map((view) => view.state).join(", ")}`)
}
console.log("client example: done")
