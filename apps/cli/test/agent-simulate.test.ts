/**
 * `switchboard simulate` on its own, and `switchboard agent` playing the other side of a `switchboard chat`: one
 * person, two terminals. The agent console in a terminal: notices of messages in other chats, and typing only while
 * a reply is typed.
 */
import { readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ChatView } from "@switchboard/simulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type Child, closedPort, json, run, spawnCli, spawnPty } from "./helpers.ts"

interface Started {
  readonly url: string
  readonly urls: {
    readonly livechat: string
    readonly control: string
    readonly salesforce: string
    readonly liveperson: string
  }
  readonly agent: string | null
  readonly available: boolean
  readonly faults: ReadonlyArray<Record<string, unknown>>
  readonly settings: { readonly livechat: { readonly licenceId: number } }
}

const config = join(tmpdir(), `switchboard-cli-sim-${process.pid}.json`)
let simulate: Child
let started: Started

beforeAll(async () => {
  simulate = spawnCli(["simulate", "--port", "0", "--no-agent", "--json", "--write-config", config], {
    env: { LIVEPERSON_APP_KEY: "test-app-key-123" }
  })
  await simulate.waitFor(/^\{.*\}\n/m, 60_000)
  started = JSON.parse(simulate.stdout.split("\n")[0]!) as Started
})
afterAll(() => simulate.dispose())

const control = () => ["--control", started.urls.control]

/** Polls until `check` passes. */
const eventually = async <A>(get: () => Promise<A>, check: (value: A) => boolean, what: string): Promise<A> => {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await get()
    if (check(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const listed = async (): Promise<ReadonlyArray<ChatView>> => {
  const result = await run(["agent", "list", "--all", "--json", ...control()])
  assert.strictEqual(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as ReadonlyArray<ChatView>
}

describe("switchboard simulate", () => {
  it("prints its URLs and settings without secrets, and writes a private config file", () => {
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.strictEqual(started.urls.control, `${started.url}/_agent`)
    assert.strictEqual(started.agent, null)
    assert.notInclude(simulate.stdout, "test-app-key-123")
    assert.strictEqual(statSync(config).mode & 0o777, 0o600)
    const written = JSON.parse(readFileSync(config, "utf8")) as {
      liveperson: { appKey: string }
      livechat: { endpoint: string }
    }
    assert.strictEqual(written.liveperson.appKey, "test-app-key-123")
    assert.strictEqual(written.livechat.endpoint, started.urls.livechat)
  })

  it("prints the text overview, takes fault flags, and stops on SIGTERM with 130", async () => {
    const child = spawnCli([
      "simulate",
      "--port",
      "0",
      "--latency",
      "10-20",
      "--error-rate",
      "0.5",
      "--error-status",
      "503",
      "--unavailable"
    ])
    try {
      await child.waitFor("Ctrl-C stops it.", 60_000)
      assert.match(child.text, /Switchboard simulator · http:\/\/127\.0\.0\.1:\d+ · scripted agent Grace/)
      assert.match(child.text, /Control API \(agent side\) +http:\/\/127\.0\.0\.1:\d+\/_agent/)
      assert.match(child.text, /Agents: unavailable · Faults: 1 rule\(s\)/)
      assert.match(child.text, /app key generated/)
      child.process.kill("SIGTERM")
      const exited = await child.exited
      assert.strictEqual(exited.code, 130)
      assert.match(child.text, /Simulator stopped\./)
    } finally {
      child.dispose()
    }
  })

  it("refuses bad fault flags with a usage error", async () => {
    const result = await run(["simulate", "--port", "0", "--error-rate", "2"])
    assert.strictEqual(result.code, 2)
    assert.match(result.stderr, /--error-rate must be between 0 and 1, not 2\./)
  })
})

describe("switchboard agent", () => {
  it("no simulator: plain words and exit code 5", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/_agent`
    const result = await run(["agent", "list", "--control", url])
    assert.strictEqual(result.code, 5)
    assert.include(result.stderr, `No simulator answers at ${url}.`)
  })

  it("a chat id that is not one is a usage error even when no simulator answers", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/_agent`
    const result = await run(["agent", "say", "nope", "hi", "--control", url])
    assert.strictEqual(result.code, 2, result.stderr)
    assert.deepStrictEqual(result.stderr.trimEnd().split("\n"), [
      '✖ "nope" is not a chat id: a chat id is sf_, lp_ or lc_ and 12 hex digits, such as lc_0a1b2c3d4e5f.',
      "  `switchboard agent list` shows the chats."
    ])
  })

  it("a chat id that is not one: what a chat id looks like, and which chats there are", async () => {
    const malformed = await run(["agent", "say", "nope", "hi", ...control()])
    assert.strictEqual(malformed.code, 2, malformed.stderr)
    const [message, hint] = malformed.stderr.trimEnd().split("\n")
    assert.strictEqual(
      message,
      '✖ "nope" is not a chat id: a chat id is sf_, lp_ or lc_ and 12 hex digits, such as lc_0a1b2c3d4e5f.'
    )
    assert.match(hint!, /^ {2}(Chats now: \S+ \S+ \((waiting|with .+)\)|No chat is waiting or running now\.)/)
    assert.notMatch(malformed.stderr, /pattern|\^\(sf/)

    const unknown = await run(["agent", "show", "lc_0a1b2c3d4e5f", ...control()])
    assert.strictEqual(unknown.code, 1, unknown.stderr)
    assert.include(unknown.stderr, `✖ There is no chat lc_0a1b2c3d4e5f on ${started.urls.control}.`)
  })

  it("plays the agent of a chat, one action per call: accept, say, transfer, end", async () => {
    const chat = spawnCli(["chat", "--config", config, "--name", "Zoe"])
    try {
      await chat.waitFor("Waiting for an agent")
      const queued = await eventually(
        listed,
        (chats) => chats.some((c) => c.visitorName === "Zoe" && c.state === "queued"),
        "Zoe's chat"
      )
      const id = queued.find((c) => c.visitorName === "Zoe")!.id

      // --control given to `agent` itself reaches its subcommands
      const accepted = await run(["agent", ...control(), "accept", id, "--as", "Sam"])
      assert.strictEqual(accepted.code, 0, accepted.stderr)
      assert.match(accepted.stdout, new RegExp(`${id} +Zoe .* with Sam`))
      await chat.waitFor("Sam joined the chat")

      assert.strictEqual(
        (await run(["agent", "say", id, "Hello", "Zoe,", "how", "can", "I", "help?", ...control()])).code,
        0
      )
      await chat.waitFor("Sam: Hello Zoe, how can I help?")
      chat.write("Where is my parcel?\n")
      const answered = await eventually(
        () => run(["agent", "show", id, ...control()]),
        (result) => result.stdout.includes("Zoe: Where is my parcel?"),
        "the visitor's message on the agent side"
      )
      assert.strictEqual(answered.code, 0)

      assert.strictEqual((await run(["agent", "transfer", id, "Linus", ...control()])).code, 0)
      const ended = await run(["agent", "end", id, "--reason", "resolved", "--json", ...control()])
      assert.strictEqual(ended.code, 0, ended.stderr)
      assert.deepInclude(JSON.parse(ended.stdout) as ChatView, {
        state: "ended",
        endedBy: "agent",
        endReason: "resolved"
      })

      const exited = await chat.exited
      assert.strictEqual(exited.code, 0, chat.stderr)
      assert.match(chat.text, /■ Chat ended by (Linus|Sam)/)
    } finally {
      chat.dispose()
    }
  })

  it("the console, driven from standard input: takes the waiting chat, replies, ends it", async () => {
    const chat = spawnCli(["chat", "--config", config, "--name", "Kim"])
    try {
      await chat.waitFor("Waiting for an agent")
      const agentConsole = await run(["agent", ...control(), "--name", "Ada"], {
        input: "/accept\nHello Kim, Ada here.\n/wait 1\n/end all done\n/quit\n"
      })
      assert.strictEqual(agentConsole.code, 0, agentConsole.stderr)
      assert.match(agentConsole.stdout, /Switchboard agent console · .* · you are Ada/)
      assert.match(agentConsole.stdout, /Current chat: \S+ Kim \(LiveChat, group 0\)/)
      assert.match(agentConsole.stdout, /Ada: Hello Kim, Ada here\./)
      assert.match(agentConsole.stdout, /■ Chat ended by agent \(all done\)/)
      const exited = await chat.exited
      assert.strictEqual(exited.code, 0)
      assert.match(chat.text, /Ada joined the chat/)
      assert.match(chat.text, /Ada: Hello Kim, Ada here\./)
      assert.match(chat.text, /■ Chat ended by Ada/)
    } finally {
      chat.dispose()
    }
  })

  it("the console in a terminal: a message in another chat is announced; a /command typed is not typing", async () => {
    const noa = spawnCli(["chat", "--config", config, "--name", "Noa", "--reply-wait", "0.5"])
    const obi = spawnCli(["chat", "--config", config, "--name", "Obi", "--reply-wait", "0.5"])
    const agentConsole = spawnPty(["agent", ...control(), "--name", "Ada"])
    try {
      await noa.waitFor("Waiting for an agent")
      await obi.waitFor("Waiting for an agent")
      const chats = await eventually(
        listed,
        (all) => ["Noa", "Obi"].every((name) => all.some((c) => c.visitorName === name && c.state === "queued")),
        "Noa's and Obi's chats"
      )
      const idOf = (name: string) => chats.find((c) => c.visitorName === name && c.state === "queued")!.id
      const [noaId, obiId] = [idOf("Noa"), idOf("Obi")]
      const chat = async (id: string) => json<ChatView>(await fetch(`${started.urls.control}/chats/${id}`))

      await agentConsole.waitFor("Switchboard agent console")
      agentConsole.write(`/accept ${obiId}\r`)
      await agentConsole.waitFor(`Current chat: ${obiId} Obi`)
      agentConsole.write(`/accept ${noaId}\r`)
      await agentConsole.waitFor(`Current chat: ${noaId} Noa`)

      // Obi writes while Noa's chat is the current one: one line says so. Noa's own message is just shown.
      obi.write("Are you still there?\n")
      await agentConsole.waitFor(
        `● New message in chat ${obiId} from Obi: "Are you still there?" — /use ${obiId} to switch`
      )
      noa.write("Thanks!\n")
      await agentConsole.waitFor(/\d\d:\d\d {2}Noa: Thanks!/)
      assert.notInclude(agentConsole.text, `New message in chat ${noaId}`)

      // A command being typed is not typing: Noa never sees Ada typing while "/swi" is on the line.
      agentConsole.write("/swi")
      const until = Date.now() + 1500
      while (Date.now() < until) {
        assert.isFalse((await chat(noaId)).agentTyping, "typing a /command showed the agent typing")
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      // A reply being typed is (Ctrl-U clears the line first).
      agentConsole.write("\u0015Hi Noa")
      await eventually(
        () => chat(noaId),
        (view) => view.agentTyping,
        "Ada typing in Noa's chat"
      )
      agentConsole.write("\r")
      await noa.waitFor("Ada: Hi Noa")

      // /switch is /use: Obi's chat, with the message announced before.
      agentConsole.write(`/switch ${obiId}\r`)
      await agentConsole.waitFor(`Current chat: ${obiId} Obi`)
      await agentConsole.waitFor(/\d\d:\d\d {2}Obi: Are you still there\?/)
      agentConsole.write("/end\r")
      await obi.waitFor("Chat ended by Ada")
      agentConsole.write(`/use ${noaId}\r/end\r`)
      await noa.waitFor("Chat ended by Ada")
      agentConsole.write("/quit\r")
      assert.strictEqual((await agentConsole.exited).code, 0, agentConsole.text)
      assert.strictEqual((await noa.exited).code, 0)
      assert.strictEqual((await obi.exited).code, 0)
    } finally {
      for (const child of [noa, obi, agentConsole]) child.dispose()
    }
  })

  it("chat --human: the embedded simulator waits for a person, who answers with the agent commands it prints", async () => {
    const chat = spawnCli(["chat", "--human", "--port", "0", "--name", "Lea"])
    try {
      await chat.waitFor(/in another terminal run {2}switchboard agent --control (\S+)/)
      const url = /switchboard agent --control (\S+)/.exec(chat.text)![1]!
      await chat.waitFor("Waiting for an agent")
      const accepted = await run(["agent", "accept", "--as", "Max", "--control", url])
      assert.strictEqual(accepted.code, 0, accepted.stderr)
      await chat.waitFor("Max joined the chat")
      const id = accepted.stdout.trim().split(/\s+/)[0]!
      assert.strictEqual((await run(["agent", "say", id, "Hi Lea!", "--control", url])).code, 0)
      await chat.waitFor("Max: Hi Lea!")
      assert.strictEqual((await run(["agent", "end", id, "--control", url])).code, 0)
      const exited = await chat.exited
      assert.strictEqual(exited.code, 0)
      assert.match(chat.text, /■ Chat ended by Max/)
    } finally {
      chat.dispose()
    }
  })
})
