/**
 * The interactive chat through a pseudo-terminal (`script`), and signals: whatever ends the process ends the chat
 * at the provider first, which the simulator's control API confirms.
 */
import { type ChatView, type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { afterAll, afterEach, assert, beforeAll, describe, it, onTestFinished } from "vitest"
import { type Child, json, spawnCli, spawnPty } from "./helpers.ts"

let sim: RunningSimulator
const children: Array<Child> = []
const track = (child: Child) => {
  children.push(child)
  return child
}

beforeAll(async () => {
  sim = await startSimulator({ agent: { acceptAfterMs: 300, typingMs: 600 } })
})
afterAll(() => sim.close())
afterEach(() => {
  for (const child of children.splice(0)) child.dispose()
})

const liveChat = () => ["--endpoint", sim.urls.livechat, "--licence-id", String(sim.settings.livechat.licenceId)]

/** The one chat of this simulator that has not ended. */
const openChat = async (): Promise<ChatView> => {
  const { chats } = await json<{ chats: Array<ChatView> }>(await fetch(`${sim.urls.control}/chats`))
  const open = chats.filter((chat) => chat.state !== "ended")
  assert.lengthOf(open, 1, JSON.stringify(chats.map((chat) => [chat.id, chat.state])))
  return open[0]!
}

const chatById = async (id: string) => json<ChatView>(await fetch(`${sim.urls.control}/chats/${id}`))

describe("switchboard chat in a terminal", () => {
  it("a whole chat on the embedded simulator: spinner, the agent joining, typed lines, /end", async () => {
    const child = track(spawnPty(["chat"]))
    await child.waitFor("Type a message and press Enter")
    await child.waitFor("Grace joined the chat")
    await child.waitFor("Grace: Hi, I'm Grace. How can I help?")
    child.write("Where is my parcel?\r")
    await child.waitFor("Let me look that order up")
    child.write("/end\r")
    const exited = await child.exited
    assert.strictEqual(exited.code, 0, child.text)
    const text = child.text
    assert.match(text, /Connecting to LiveChat…|Waiting for an agent/)
    assert.match(text, /\d\d:\d\d {2}You: Where is my parcel\?/)
    // Shown once when sent; the provider's echo of it is not printed again.
    assert.strictEqual(text.split("You: Where is my parcel?").length - 1, 1)
    assert.match(text, /■ Chat ended by you/)
  })

  it("Ctrl-C mid-chat ends the chat at the simulator, then exits with 130 within 2 s", async () => {
    const child = track(spawnPty(["chat", ...liveChat()]))
    await child.waitFor("How can I help?")
    const chat = await openChat()
    assert.strictEqual(chat.state, "chatting")
    const pressed = performance.now()
    child.write("\u0003")
    const exited = await child.exited
    assert.strictEqual(exited.code, 130, child.text)
    assert.isBelow(exited.at - pressed, 2000)
    const after = await chatById(chat.id)
    assert.strictEqual(after.state, "ended")
    assert.strictEqual(after.endedBy, "visitor")
    assert.match(child.text, /■ Chat ended by you/)
  })

  it("Ctrl-D ends the chat at the simulator and exits with 0", async () => {
    const child = track(spawnPty(["chat", ...liveChat()]))
    await child.waitFor("How can I help?")
    const chat = await openChat()
    child.write("\u0004")
    const exited = await child.exited
    assert.strictEqual(exited.code, 0, child.text)
    const after = await chatById(chat.id)
    assert.strictEqual(after.endedBy, "visitor")
  })

  it("unknown slash commands are refused without being sent; /help lists the commands", async () => {
    const child = track(spawnPty(["chat", ...liveChat()]))
    await child.waitFor("How can I help?")
    child.write("/nope\r")
    await child.waitFor("Unknown command /nope; /help lists them.")
    child.write("/help\r")
    await child.waitFor("/end      end the chat")
    const chat = await openChat()
    assert.isFalse(chat.transcript.some((entry) => entry.kind === "message" && entry.text.includes("/nope")))
    child.write("/end\r")
    assert.strictEqual((await child.exited).code, 0)
  })

  it("Salesforce: queue position while queued, the agent typing, and the visitor's keystrokes sent as typing", async () => {
    const queueing = await startSimulator({ agent: false })
    onTestFinished(() => queueing.close())
    const child = track(
      spawnPty([
        "chat",
        "--provider",
        "salesforce",
        "--endpoint",
        queueing.urls.salesforce,
        "--org-id",
        queueing.settings.salesforce.orgId,
        "--deployment-id",
        queueing.settings.salesforce.deploymentId,
        "--button-id",
        queueing.settings.salesforce.buttonId
      ])
    )
    await child.waitFor("Waiting for an agent · 1st in line")
    const [chat] = queueing.hub.list()
    assert.isDefined(chat)
    queueing.hub.accept(chat!.id, { name: "Linus" })
    await child.waitFor("Linus joined the chat")
    queueing.hub.typing(chat!.id, true)
    await child.waitFor("Linus is typing…")
    queueing.hub.say(chat!.id, "Hello from Linus")
    await child.waitFor("Linus: Hello from Linus")
    child.write("abc")
    const deadline = Date.now() + 10_000
    while (!queueing.hub.get(chat!.id).visitorTyping && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.isTrue(queueing.hub.get(chat!.id).visitorTyping, "the visitor's typing reached the agent side")
    queueing.hub.transfer(chat!.id, { name: "Grace" })
    await child.waitFor("Transferred from Linus to Grace")
    child.write("\r")
    queueing.hub.end(chat!.id)
    const exited = await child.exited
    assert.strictEqual(exited.code, 0, child.text)
    assert.match(child.text, /■ Chat ended by Grace/)
  })

  it("typing a /command is not typing for the agent; typing a message is", async () => {
    const queueing = await startSimulator({ agent: false })
    onTestFinished(() => queueing.close())
    const { orgId, deploymentId, buttonId } = queueing.settings.salesforce
    const child = track(
      spawnPty([
        "chat",
        "-p",
        "salesforce",
        "--endpoint",
        queueing.urls.salesforce,
        "--org-id",
        orgId,
        "--deployment-id",
        deploymentId,
        "--button-id",
        buttonId
      ])
    )
    await child.waitFor("Waiting for an agent")
    const [chat] = queueing.hub.list()
    queueing.hub.accept(chat!.id, { name: "Linus" })
    await child.waitFor("Linus joined the chat")
    child.write("/hel")
    const until = Date.now() + 1500
    while (Date.now() < until) {
      assert.isFalse(queueing.hub.get(chat!.id).visitorTyping, "typing a /command showed the visitor typing")
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.write("\u0015Hello") // Ctrl-U clears the line first
    const deadline = Date.now() + 10_000
    while (!queueing.hub.get(chat!.id).visitorTyping && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.isTrue(queueing.hub.get(chat!.id).visitorTyping, "typing a message showed the visitor typing")
    child.write("\u0015/end\r")
    assert.strictEqual((await child.exited).code, 0, child.text)
  })
})

describe("signals without a terminal", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} mid-chat ends the chat at the simulator, then exits with 130 within 2 s`, async () => {
      const child = track(spawnCli(["chat", ...liveChat()]))
      await child.waitFor("How can I help?")
      const chat = await openChat()
      const sent = performance.now()
      child.process.kill(signal)
      const exited = await child.exited
      assert.strictEqual(exited.code, 130, `${child.text}\n${child.stderr}`)
      assert.isBelow(exited.at - sent, 2000)
      const after = await chatById(chat.id)
      assert.strictEqual(after.state, "ended")
      assert.strictEqual(after.endedBy, "visitor")
      assert.match(child.text, /■ Chat ended by you/)
    })
  }

  it("a provider that stopped answering cannot hold the process: SIGTERM exits with 130 within 10 s", async () => {
    const vanishing = await startSimulator({ agent: { acceptAfterMs: 200, typingMs: 200 } })
    const child = track(
      spawnCli([
        "chat",
        "--endpoint",
        vanishing.urls.livechat,
        "--licence-id",
        String(vanishing.settings.livechat.licenceId)
      ])
    )
    await child.waitFor("How can I help?")
    await vanishing.close()
    await child.waitFor("Reconnecting to LiveChat") // the CLI has seen the provider gone
    const sent = performance.now()
    child.process.kill("SIGTERM")
    const exited = await child.exited
    assert.strictEqual(exited.code, 130)
    assert.isBelow(exited.at - sent, 10_000)
  })

  for (const provider of ["salesforce", "livechat"] as const) {
    it(`${provider} killed mid-chat: the terminal shows the reconnecting state, and --give-up-after 10 ends the chat within 10 s of the outage (exit 5)`, async () => {
      const vanishing = await startSimulator({ agent: { acceptAfterMs: 200, typingMs: 200 } })
      const endpoint =
        provider === "salesforce"
          ? [
              "--endpoint",
              vanishing.urls.salesforce,
              "--org-id",
              vanishing.settings.salesforce.orgId,
              "--deployment-id",
              vanishing.settings.salesforce.deploymentId,
              "--button-id",
              vanishing.settings.salesforce.buttonId
            ]
          : ["--endpoint", vanishing.urls.livechat, "--licence-id", String(vanishing.settings.livechat.licenceId)]
      const child = track(spawnPty(["chat", "-p", provider, "--give-up-after", "10", ...endpoint]))
      await child.waitFor("How can I help?")
      const killed = performance.now()
      await vanishing.close()
      const title = provider === "salesforce" ? "Salesforce Live Agent" : "LiveChat"
      await child.waitFor(`${title} cannot be reached`, 15_000)
      await child.waitFor(new RegExp(`Reconnecting to ${title}… (next try in \\d+ s|trying now) · attempt \\d+`))
      await child.waitFor("■ Chat ended:", 30_000)
      const ended = performance.now() - killed
      // The budget counts from the first failed poll (at most one poll interval after the kill), and is honoured.
      assert.isAtLeast(ended, 9_000, "not given up before the budget")
      assert.isAtMost(ended, 15_000, "ended within 10 s of the outage, plus a poll interval and slack")
      assert.match(child.text, /could not be reached for 1\d s/)
      const exited = await child.exited
      assert.strictEqual(exited.code, 5)
      assert.isAtMost(exited.at - killed - ended, 8_000, "the end request to the dead provider is bounded too")
    })
  }

  it("--json: SIGINT still ends with an ended event on standard output", async () => {
    const child = track(spawnCli(["chat", "--json", ...liveChat()]))
    await child.waitFor('"type":"connected"')
    child.process.kill("SIGINT")
    const exited = await child.exited
    assert.strictEqual(exited.code, 130)
    const events = child.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; by?: string })
    assert.deepInclude(events.at(-1), { type: "ended", by: "visitor" })
  })
})
