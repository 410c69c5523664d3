/** Chat views as the hub hands them out (events, agent actions, the control API): snapshots of the chat. */
import { describe, expect, it } from "vitest"
import { createSimulator } from "../src/index.ts"

describe("hub views", () => {
  it("are snapshots: a view keeps the transcript and fields of its time, in the documented key order", async () => {
    const sim = createSimulator({ clock: "manual" })
    const { licenceId } = sim.settings.livechat
    const started = await sim.fetch("http://sim.local/livechat/visitors/ada/chat/start", {
      method: "POST",
      headers: { "X-API-Version": "2", "content-type": "application/x-www-form-urlencoded" },
      body: `licence_id=${licenceId}&welcome_message=Hello`
    })
    expect(started.status).toBe(200)
    const id = sim.hub.list()[0]?.id ?? ""
    const queued = sim.hub.get(id)
    const heard: Array<number> = []
    sim.hub.on((event) => heard.push(event.chat.transcript.length))
    const accepted = sim.hub.accept(id, { name: "Grace" })
    const said = sim.hub.say(id, "Hi, I am Grace")
    sim.hub.say(id, "How can I help?")

    expect(queued).toMatchObject({ state: "queued", queuePosition: 1, estimatedWaitSeconds: 0 })
    expect(queued.transcript.map((entry) => entry.kind)).toEqual(["queued", "message"])
    expect(accepted.transcript.map((entry) => entry.kind)).toEqual(["queued", "message", "accepted"])
    expect(said.transcript).toHaveLength(4)
    expect(said.transcript).toBe(said.transcript)
    expect(heard).toEqual([3, 4, 5])
    expect(sim.hub.get(id).transcript).toHaveLength(5)

    const shown = JSON.parse(JSON.stringify(said)) as Record<string, unknown>
    expect(Object.keys(shown)).toEqual([
      "id",
      "provider",
      "nativeId",
      "skill",
      "visitorName",
      "state",
      "agent",
      "agentTyping",
      "visitorTyping",
      "createdAt",
      "acceptedAt",
      "transcript"
    ])
    expect({ ...said }).toEqual(shown)
    expect(structuredClone(said)).toEqual(shown)
    sim.hub.end(id, "agent")
    expect(Object.keys(sim.hub.get(id)).slice(-4)).toEqual(["endedAt", "endedBy", "endReason", "transcript"])
    sim.dispose()
  })
})
