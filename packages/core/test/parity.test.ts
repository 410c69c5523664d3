/**
 * The Promise facade has every operation of the Effect session: checked at the type level (a key or a signature
 * that differs fails `tsc` on this file, which the package's typecheck covers), and at run time through the facade
 * against the simulators (the features behind capabilities, start, pollRate).
 */
import { type RunningSimulator, startSimulator } from "@switchboard/simulator"
import type { Effect, Stream, SubscriptionRef } from "effect"
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest"
import type { ChatEvent } from "../src/ChatEvent.ts"
import { type Chat, type ChatState, openChat } from "../src/promise.ts"
import type { ChatSession } from "../src/Session.ts"

/** What an Effect operation of the session becomes in the facade. */
type Promised<T> =
  T extends SubscriptionRef.SubscriptionRef<infer S> // (a Ref is an Effect too: first)
    ? S
    : T extends (...args: infer A) => Effect.Effect<infer R, infer _E, never>
      ? (...args: A) => Promise<R>
      : T extends Effect.Effect<infer R, infer _E, never>
        ? () => Promise<R>
        : T extends Stream.Stream<infer A>
          ? AsyncIterable<A>
          : T

type SessionKeys = keyof ChatSession
type FacadeKeys = Exclude<keyof Chat, typeof Symbol.asyncDispose>

describe("the Promise facade's surface equals the Effect session's", () => {
  it("the same names, each operation as a promise of the same result with the same arguments", () => {
    expectTypeOf<Exclude<SessionKeys, FacadeKeys>>().toEqualTypeOf<never>()
    expectTypeOf<Exclude<FacadeKeys, SessionKeys>>().toEqualTypeOf<never>()
    expectTypeOf<{ readonly [K in SessionKeys]: Promised<ChatSession[K]> }>().toEqualTypeOf<{
      readonly [K in SessionKeys]: Chat[K]
    }>()
    expectTypeOf<Chat["events"]>().toEqualTypeOf<AsyncIterable<ChatEvent>>()
    expectTypeOf<Chat["state"]>().toEqualTypeOf<ChatState>()
  })
})

let sim: RunningSimulator

beforeEach(async () => {
  sim = await startSimulator({ validateResponses: true })
})

afterEach(async () => {
  await sim.close()
  expect(sim.violations).toEqual([])
})

const connected = async (chat: Chat) => {
  for await (const event of chat.events) if (event.type === "connected") return
}

const waitForChat = async (provider: "salesforce" | "liveperson") => {
  for (;;) {
    const found = sim.hub.list({ provider })[0]
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("the facade's operations, run", () => {
  it("Salesforce: start, sneakPeek, customEvent and pollRate reach the provider", async () => {
    await using chat = await openChat({
      provider: "salesforce",
      baseUrl: sim.urls.salesforce,
      orgId: sim.settings.salesforce.orgId,
      deploymentId: sim.settings.salesforce.deploymentId,
      buttonId: sim.settings.salesforce.buttonId,
      apiVersion: sim.settings.salesforce.apiVersion,
      visitorName: "Ada"
    })
    await chat.start() // already started by openChat: resolves, starts nothing twice
    const view = await waitForChat("salesforce")
    sim.hub.accept(view.id, { name: "Grace" })
    await connected(chat)
    await chat.sneakPeek("I am writing ab")
    await chat.customEvent("page", "/checkout")
    const log = JSON.stringify(sim.hub.nativeLog(view.id))
    expect(log).toContain("I am writing ab")
    expect(log).toContain("/checkout")
    expect(await chat.pollRate()).toBeGreaterThan(0)
    await expect(chat.requestTranscript("ada@example.com")).rejects.toMatchObject({ _tag: "InvalidInput" })
    expect(sim.hub.list({ provider: "salesforce" })).toHaveLength(1)
  })

  it("LivePerson: requestTranscript is accepted; after end every operation rejects with ChatClosed", async () => {
    const chat = await openChat({
      provider: "liveperson",
      baseUrl: sim.urls.liveperson,
      accountId: sim.settings.liveperson.accountId,
      appKey: sim.settings.liveperson.appKey,
      skill: sim.settings.liveperson.skills[0] ?? "Sales",
      polling: { interval: "100 millis" },
      visitorName: "Ada"
    })
    const view = await waitForChat("liveperson")
    sim.hub.accept(view.id, { name: "Grace" })
    await connected(chat)
    await chat.requestTranscript("ada@example.com")
    await expect(chat.sneakPeek("draft")).rejects.toMatchObject({ _tag: "InvalidInput" })
    await chat.end()
    for (const late of [chat.start(), chat.send("late"), chat.customEvent("a", "b"), chat.requestTranscript("a@b.co")])
      await expect(late).rejects.toMatchObject({ _tag: "ChatClosed" })
    expect(await chat.pollRate()).toBe(0)
  })
})
