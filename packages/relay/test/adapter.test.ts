/**
 * The relay takes any `Layer<ChatProvider>`: a provider core has no adapter for (Acme Desk, core's test adapter)
 * runs a chat through it, availability included, with the relay unchanged.
 */
import { assert, describe, it } from "vitest"
import { makeDesk } from "../../core/test/support/desk.ts"
import { createRelay } from "../src/index.ts"
import { call, events, visitor } from "./support.ts"

describe("relay: an adapter core does not know", () => {
  it("starts, streams both ways, answers availability and ends the chat at the desk", async () => {
    const desk = makeDesk()
    await using relay = await createRelay({ provider: desk.layer, logLevel: "Error" })
    const availability = await call(relay, "GET", "/availability")
    assert.deepStrictEqual(await availability.json(), { available: true })

    const ada = await visitor(relay, "Ada", "Is my parcel lost?")
    assert.strictEqual((ada.started.chat as { provider: string }).provider, "acme")
    const stream = await events(relay, ada.id, ada.auth)
    await stream.until("queued", (event) => event.type === "queued")
    desk.accept("Grace")
    await stream.until("connected", (event) => event.type === "connected")
    const sent = await call(relay, "POST", `/chats/${ada.id}/messages`, { body: { text: "Hello" }, headers: ada.auth })
    assert.strictEqual(sent.status, 200)
    assert.deepStrictEqual(desk.chats[0]?.visitorLines, ["Is my parcel lost?", "Hello"])
    desk.say("It is at the depot")
    await stream.until("the agent's line", (event) => event.type === "message" && event.text === "It is at the depot")

    const ended = await call(relay, "POST", `/chats/${ada.id}/end`, { headers: ada.auth })
    assert.strictEqual(ended.status, 200)
    await stream.done
    assert.deepInclude(desk.chats[0], { state: "ended", endedBy: "visitor" })
  })
})
