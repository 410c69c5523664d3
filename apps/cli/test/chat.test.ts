/**
 * Whole chats, as scripts and tests run them: the built binary, no terminal, the embedded simulator of each provider.
 */
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { run } from "./helpers.ts"

const script = join(tmpdir(), `switchboard-cli-visitor-${process.pid}.txt`)
writeFileSync(
  script,
  [
    "# a visitor who asks about a parcel",
    "Hello!",
    "/wait 0.2",
    "Where is my parcel?",
    "It is 12345.",
    "Thanks, bye!"
  ].join("\n")
)

const providers = ["livechat", "salesforce", "liveperson"] as const

describe.concurrent("switchboard chat on the embedded simulator", () => {
  for (const provider of providers) {
    it(`${provider}: a whole chat from a script, transcript printed, exit 0`, async () => {
      const result = await run(["chat", "--provider", provider, "--script", script])
      const text = result.stdout
      assert.strictEqual(result.code, 0, `${text}\n${result.stderr}`)
      assert.match(text, /Switchboard · .* · embedded simulator · scripted agent Grace/)
      assert.match(text, /\d\d:\d\d:\d\d {2}→ Grace joined the chat/)
      assert.match(text, /\d\d:\d\d:\d\d {2}Grace: Hi, I'm Grace\. How can I help\?/)
      assert.match(text, /You: Hello!/)
      assert.match(text, /You: Where is my parcel\?/)
      assert.match(text, /Grace: Let me look that order up/)
      assert.match(text, /You: It is 12345\./)
      assert.match(text, /Grace: Thanks, I found it/)
      assert.match(text, /You: Thanks, bye!/)
      assert.match(text, /■ Chat ended by Grace$/m)
      // In order: joined, then the visitor's lines each followed by an answer.
      const order = [
        "joined",
        "You: Hello!",
        "You: Where is my parcel",
        "Grace: Let me look that order up",
        "You: It is 12345",
        "Grace: Thanks, I found it",
        "Chat ended"
      ]
      const positions = order.map((needle) => text.indexOf(needle))
      assert.deepStrictEqual(
        [...positions].sort((a, b) => a - b),
        positions
      )
      assert.strictEqual(result.stderr, "")
    })

    it(`${provider}: --json prints one parseable event per line and nothing else`, async () => {
      const result = await run(["chat", "--provider", provider, "--json"], { input: "Hello\nbye\n" })
      assert.strictEqual(result.code, 0, result.stderr)
      const lines = result.stdout.trimEnd().split("\n")
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
      const types = events.map((event) => event.type)
      assert.strictEqual(types[0], "queued")
      assert.include(types, "connected")
      assert.strictEqual(types.at(-1), "ended")
      assert.deepStrictEqual(events.at(-1), { type: "ended", by: "agent", reason: "agent" })
      assert.isTrue(
        events.some((event) => event.type === "message" && event.from === "visitor" && event.text === "Hello")
      )
      assert.isTrue(events.some((event) => event.type === "message" && event.from === "agent"))
    })
  }

  it("lines on standard input when it is not a terminal; ended by the visitor after the last answer", async () => {
    const result = await run(["chat", "--reply-wait", "5"], { input: "I'd like a refund\n" })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.match(result.stdout, /Visitor lines from standard input/)
    assert.match(result.stdout, /You: I'd like a refund/)
    assert.match(result.stdout, /Grace: Refunds take three to five working days/)
    assert.match(result.stdout, /■ Chat ended by you$/m)
  })

  it("/end in a script ends the chat at once", async () => {
    const result = await run(["chat"], { input: "Hello\n/end\nnever sent\n" })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.notInclude(result.stdout, "never sent")
    assert.match(result.stdout, /■ Chat ended by you$/m)
  })

  it("switchboard demo without a terminal: a scripted visitor holds a short conversation, well within 60 s", async () => {
    const started = performance.now()
    const result = await run(["demo"])
    assert.strictEqual(result.code, 0, result.stderr)
    assert.isBelow(performance.now() - started, 60_000)
    assert.match(result.stdout, /Switchboard demo · LiveChat · embedded simulator · scripted agent Grace/)
    assert.match(result.stdout, /Visitor lines from the demo script/)
    assert.match(result.stdout, /You: Where is my parcel\?/)
    assert.match(result.stdout, /You: The number is 12345\./)
    assert.match(result.stdout, /Grace: Thanks, I found it/)
    assert.match(result.stdout, /■ Chat ended by Grace$/m)
  })

  it("the visitor's name and first question reach the agent", async () => {
    const result = await run(["chat", "--name", "Ada", "--message", "Is anyone there?", "--json"], { input: "Hello\n" })
    assert.strictEqual(result.code, 0, result.stderr)
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; text?: string })
    assert.isTrue(events.some((event) => event.type === "message" && event.text === "Is anyone there?"))
  })
})
