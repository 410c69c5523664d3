/**
 * The Promise facade, as a team without Effect uses it: `openChat`, `for await`, `await using`, typed rejections.
 */
import { type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  type Chat,
  ChatClosed,
  type ChatEvent,
  createChatClient,
  InvalidConfiguration,
  InvalidInput,
  openChat
} from "../src/promise.ts"

let sim: RunningSimulator

beforeEach(async () => {
  sim = await startSimulator({ validateResponses: true })
})

afterEach(async () => {
  await sim.close()
  expect(sim.violations).toEqual([])
})

/** The simulator's LiveChat, polled briskly. */
const livechat = () =>
  ({
    provider: "livechat",
    baseUrl: sim.urls.livechat,
    licenceId: sim.settings.livechat.licenceId,
    polling: { active: "100 millis", normal: "100 millis", idle: "200 millis" },
    retry: { baseDelay: "20 millis" }
  }) as const

const open = () => openChat({ ...livechat(), visitorName: "Ada", firstMessage: "Hi" })

const until = async (chat: Chat, match: (event: ChatEvent) => boolean): Promise<ChatEvent> => {
  for await (const event of chat.events) if (match(event)) return event
  throw new Error("the events ended first")
}

const waitFor = async <A>(check: () => A | undefined, ms = 5000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("openChat", () => {
  it("runs a chat with plain promises and async iteration", async () => {
    const chat = await open()
    expect(chat.provider).toBe("livechat")
    expect(chat.capabilities.agentTyping).toBe(false)
    const view = await waitFor(() => sim.hub.list({ provider: "livechat" })[0])
    sim.hub.accept(view.id, { name: "Grace" })
    await until(chat, (event) => event.type === "connected")
    expect(chat.state.status).toBe("connected")
    expect(chat.state.agent?.name).toBe("Grace")
    await chat.send("Where is my parcel?")
    sim.hub.say(view.id, "On its way")
    const reply = await until(chat, (event) => event.type === "message" && event.from === "agent")
    expect(reply).toMatchObject({ type: "message", from: "agent", text: "On its way" })
    await chat.end()
    expect(sim.hub.get(view.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect(chat.state.status).toBe("ended")
  })

  it("`await using` ends the chat at the provider when the block exits", async () => {
    let id = ""
    {
      await using chat = await open()
      id = (await waitFor(() => sim.hub.list({ provider: "livechat" })[0])).id
      expect(chat.state.status).toBe("queued")
    }
    expect(sim.hub.get(id)).toMatchObject({ state: "ended", endedBy: "visitor" })
  })

  it("breaking out of `for await` ends the iteration, not the chat; a new loop replays the history", async () => {
    await using chat = await open()
    for await (const event of chat.events) {
      if (event.type === "queued") break
    }
    const view = await waitFor(() => sim.hub.list({ provider: "livechat" })[0])
    expect(sim.hub.get(view.id).state).toBe("queued")
    sim.hub.accept(view.id, { name: "Grace" })
    const types: Array<string> = []
    for await (const event of chat.events) {
      types.push(event.type)
      if (event.type === "connected") break
    }
    expect(types).toEqual(["queued", "message", "connected"])
    await chat.send("still here")
    expect(sim.hub.get(view.id).state).toBe("chatting")
  })

  it("rejects with typed errors that are Error subclasses carrying their tag", async () => {
    const chat = await open()
    const empty = await chat.send("   ").catch((error: unknown) => error)
    expect(empty).toBeInstanceOf(InvalidInput)
    expect(empty).toBeInstanceOf(Error)
    expect((empty as InvalidInput)._tag).toBe("InvalidInput")
    await chat.end()
    await chat.end()
    const late = await chat.send("after the end").catch((error: unknown) => error)
    expect(late).toBeInstanceOf(ChatClosed)

    const bad = await openChat({ provider: "livechat", licenceId: -1, visitorName: "Ada" }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(InvalidConfiguration)
    expect((bad as Error).message).toContain("licenceId")
  })

  it("a wrong licence is refused as Unauthorized and leaves nothing running", async () => {
    const error = await openChat({
      provider: "livechat",
      baseUrl: sim.urls.livechat,
      licenceId: sim.settings.livechat.licenceId + 1,
      visitorName: "Ada"
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { _tag: string }
    )
    expect(error?._tag).toBe("Unauthorized")
    expect(error?.message).not.toMatch(/secured_session_id|CS\d/)
  })
})

describe("createChatClient: many chats, one runtime and pool", () => {
  const client = () => createChatClient(livechat())
  const chatsAt = () => sim.hub.list({ provider: "livechat" })

  it("opens chats side by side; each ends on its own; close() ends the rest at the provider", async () => {
    const shop = await client()
    expect(shop.provider).toBe("livechat")
    expect(shop.capabilities.availability).toBe(false)
    const [ada, bob, cy] = await Promise.all(
      ["Ada", "Bob", "Cy"].map((visitorName) => shop.open({ visitorName, firstMessage: `Hi, I am ${visitorName}` }))
    )
    expect(shop.size).toBe(3)
    const views = await waitFor(() => (chatsAt().length === 3 ? chatsAt() : undefined))
    const bobs = views.find((view) => view.visitorName === "Bob")!
    sim.hub.accept(bobs.id, { name: "Grace" })
    await until(bob!, (event) => event.type === "connected")
    await bob!.send("Only Bob says this")
    expect(sim.hub.get(bobs.id).transcript).toContainEqual(expect.objectContaining({ text: "Only Bob says this" }))
    expect(ada!.state.status).toBe("queued") // the others are untouched

    await ada!.end()
    expect(shop.size).toBe(2)
    expect(ada!.state.status).toBe("ended")
    await bob!.send("Still here") // ending Ada's chat left Bob's running

    await shop.close()
    expect(shop.size).toBe(0)
    for (const view of views) expect(sim.hub.get(view.id)).toMatchObject({ state: "ended", endedBy: "visitor" })
    expect(cy!.state.status).toBe("ended")
    expect(await shop.open({ visitorName: "Dee" }).catch((error: unknown) => error)).toBeInstanceOf(ChatClosed)
    expect(chatsAt()).toHaveLength(3) // nothing was started after close()
    await shop.close() // idempotent
  })

  it("a chat still starting when close() is called is ended at the provider, and its open() rejects", async () => {
    const shop = await client()
    sim.faults.add({ provider: "livechat", operation: "startChat", latencyMs: 300 })
    const opening = shop.open({ visitorName: "Eve" }).catch((error: unknown) => error)
    await shop.close()
    expect(await opening).toBeInstanceOf(ChatClosed)
    const [view] = chatsAt()
    expect(view).toBeDefined()
    expect(sim.hub.get(view!.id).state).toBe("ended")
  })

  it("bad settings reject before any chat: InvalidConfiguration; LiveChat has no availability call", async () => {
    const bad = await createChatClient({ provider: "livechat", licenceId: -1 }).catch((error: unknown) => error)
    expect(bad).toBeInstanceOf(InvalidConfiguration)
    await using shop = await client()
    expect(await shop.availability().catch((error: unknown) => error)).toBeInstanceOf(InvalidInput)
  })
})
