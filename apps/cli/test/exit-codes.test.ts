/**
 * Every documented exit code, produced by its cause (130 is in interactive.test.ts: Ctrl-C, SIGINT, SIGTERM).
 */
import { type ChatView, type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { closedPort, json, run, spawnCli } from "./helpers.ts"

let sim: RunningSimulator
let unavailable: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ agent: { acceptAfterMs: 200, typingMs: 200 } })
  unavailable = await startSimulator({ agent: true })
  unavailable.hub.setAvailability(false)
})
afterAll(async () => {
  await sim.close()
  await unavailable.close()
})

describe.concurrent("exit codes", () => {
  it("0: the chat ended normally", async () => {
    const result = await run(
      ["chat", "--endpoint", sim.urls.livechat, "--licence-id", String(sim.settings.livechat.licenceId)],
      {
        input: "bye\n"
      }
    )
    assert.strictEqual(result.code, 0, result.stderr)
  })

  it("2: usage error (unknown flag), with a pointer to the command's --help", async () => {
    const result = await run(["chat", "--no-such-flag"])
    assert.strictEqual(result.code, 2)
    assert.match(result.stderr, /switchboard chat has no option --no-such-flag\./)
    assert.match(result.stderr, /Run `switchboard chat --help` for its usage\./)
  })

  it("2: usage error (bad value, missing value; more in usage-errors.test.ts)", async () => {
    const result = await run(["chat", "--provider", "zendesk"])
    assert.strictEqual(result.code, 2)
    assert.match(result.stderr, /--provider must be livechat, salesforce or liveperson, not "zendesk"\./)
    const missing = await run(["demo", "--provider"])
    assert.strictEqual(missing.code, 2)
    assert.match(missing.stderr, /--provider needs a value: one of livechat, salesforce or liveperson\./)
  })

  it("2: usage error (a missing script), before any chat is opened", async () => {
    const result = await run(["chat", "--script", "/nonexistent/visitor.txt"])
    assert.strictEqual(result.code, 2)
    assert.strictEqual(result.stdout, "")
    assert.match(result.stderr, /Cannot read the script \/nonexistent\/visitor\.txt: it does not exist\./)
  })

  it("3: configuration error (missing settings), every one named with where to set it", async () => {
    const result = await run(["chat", "--provider", "salesforce", "--endpoint", "https://example.invalid/chat/rest"])
    assert.strictEqual(result.code, 3)
    assert.match(
      result.stderr,
      /Missing Salesforce Live Agent settings: organization id \(00D…\), deployment id \(572…\), chat button id \(573…\)\./
    )
    assert.match(result.stderr, /--org-id, SALESFORCE_ORG_ID, "orgId" in the config file/)
  })

  it("3: configuration error (a setting core refuses)", async () => {
    const result = await run(["chat", "--endpoint", sim.urls.livechat, "--licence-id", "-4"])
    assert.strictEqual(result.code, 3)
    assert.match(result.stderr, /Invalid LiveChat setting "licenceId": must be a positive whole number\./)
  })

  it("3: configuration error (a flag for another provider)", async () => {
    const result = await run(["chat", "--org-id", "00D5g000000SWBd"])
    assert.strictEqual(result.code, 3)
    assert.match(result.stderr, /--org-id is a Salesforce Live Agent setting, but the chat is on LiveChat\./)
  })

  it("3: configuration error (unreadable config file)", async () => {
    const result = await run(["chat", "--config", "/nonexistent/switchboard.json"])
    assert.strictEqual(result.code, 3)
    assert.match(result.stderr, /Cannot read the config file \/nonexistent\/switchboard\.json: it does not exist\./)
  })

  it("4: no agents available (Salesforce refuses the chat request)", async () => {
    const { orgId, deploymentId, buttonId } = unavailable.settings.salesforce
    const result = await run(
      [
        "chat",
        "-p",
        "salesforce",
        "--endpoint",
        unavailable.urls.salesforce,
        "--org-id",
        orgId,
        "--deployment-id",
        deploymentId,
        "--button-id",
        buttonId
      ],
      { input: "Hello\n" }
    )
    assert.strictEqual(result.code, 4, `${result.stdout}\n${result.stderr}`)
    assert.match(result.stdout, /Chat ended: no agent is available/)
    assert.match(result.stderr, /No Salesforce Live Agent agent can take a chat right now/)
  })

  it("4: no agents available (doctor)", async () => {
    const { orgId, deploymentId, buttonId } = unavailable.settings.salesforce
    const result = await run([
      "doctor",
      "-p",
      "salesforce",
      "--endpoint",
      unavailable.urls.salesforce,
      "--org-id",
      orgId,
      "--deployment-id",
      deploymentId,
      "--button-id",
      buttonId
    ])
    assert.strictEqual(result.code, 4, result.stdout)
    assert.match(result.stdout, /! Availability +no agent is available on button/)
  })

  it("5: provider unavailable (nothing listens), after --give-up-after", async () => {
    const port = await closedPort()
    const started = performance.now()
    const result = await run([
      "chat",
      "--endpoint",
      `http://127.0.0.1:${port}/livechat`,
      "--licence-id",
      "1",
      "--give-up-after",
      "1"
    ])
    assert.strictEqual(result.code, 5, `${result.stdout}\n${result.stderr}`)
    assert.isBelow(performance.now() - started, 30_000)
    assert.match(
      result.stdout,
      /Chat ended: LiveChat is unavailable: start failed \d+ time\(s\), last with ECONNREFUSED\./
    )
    assert.match(result.stderr, /Check the endpoint and your network/)
  })

  it("1: the chat failed otherwise (the provider expired the session mid-chat)", async () => {
    const child = spawnCli([
      "chat",
      "--endpoint",
      sim.urls.livechat,
      "--licence-id",
      String(sim.settings.livechat.licenceId),
      "--name",
      "Expiring"
    ])
    await child.waitFor("How can I help?")
    const { chats } = await json<{ chats: Array<ChatView> }>(await fetch(`${sim.urls.control}/chats?state=chatting`))
    const chat = chats.find((candidate) => candidate.visitorName === "Expiring")
    assert.isDefined(chat)
    await fetch(`${sim.urls.control}/chats/${chat!.id}/expire`, { method: "POST" })
    const exited = await child.exited
    assert.strictEqual(exited.code, 1, `${child.text}\n${child.stderr}`)
    assert.match(child.text, /Chat ended: the provider closed the session \(timeout\)/)
  })
})
