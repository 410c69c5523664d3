/**
 * `switchboard doctor` against the simulator standing in for a real deployment: what passes, what is reported as
 * misconfigured or unreachable, in plain words, with the documented exit codes, and never a secret.
 */
import { type ChatView, type RunningSimulator, startSimulator } from "@switchboard/simulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { closedPort, json, run } from "./helpers.ts"

const secret = "doctor-secret-app-key-42"
let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ agent: false, liveperson: { appKey: secret } })
})
afterAll(() => sim.close())

const salesforce = () => [
  "-p",
  "salesforce",
  "--endpoint",
  sim.urls.salesforce,
  "--org-id",
  sim.settings.salesforce.orgId,
  "--deployment-id",
  sim.settings.salesforce.deploymentId
]
const liveperson = () => [
  "-p",
  "liveperson",
  "--endpoint",
  sim.urls.liveperson,
  "--account-id",
  sim.settings.liveperson.accountId
]
const livechat = () => [
  "-p",
  "livechat",
  "--endpoint",
  sim.urls.livechat,
  "--licence-id",
  String(sim.settings.livechat.licenceId)
]

const noSecret = (result: { stdout: string; stderr: string }) => {
  assert.notInclude(result.stdout, secret)
  assert.notInclude(result.stderr, secret)
}

describe.concurrent("switchboard doctor", () => {
  it("LiveChat: settings, reachability and the API pass (exit 0)", async () => {
    const result = await run(["doctor", ...livechat()])
    assert.strictEqual(result.code, 0, result.stdout)
    assert.match(result.stdout, /Checking LiveChat at http:\/\/127\.0\.0\.1:\d+\/livechat/)
    assert.match(result.stdout, /✔ Settings +licence \d+/)
    assert.match(result.stdout, /✔ Reachable +127\.0\.0\.1:\d+ answers over plain HTTP/)
    assert.match(result.stdout, /✔ API +answers like LiveChat's visitor API v2/)
    assert.match(result.stdout, /– Credentials +LiveChat checks licence \d+ only when a chat starts/)
    assert.match(result.stdout, /LiveChat looks right: every check passed\./)
  })

  it("Salesforce: deployment and button known, an agent available (exit 0)", async () => {
    const result = await run(["doctor", ...salesforce(), "--button-id", sim.settings.salesforce.buttonId])
    assert.strictEqual(result.code, 0, result.stdout)
    assert.match(result.stdout, /✔ Deployment +org and deployment known; button \w+ is a Standard button/)
    assert.match(result.stdout, /✔ Availability +an agent can take a chat on button/)
  })

  it("Salesforce: an unknown button is a misconfiguration (exit 3)", async () => {
    const result = await run(["doctor", ...salesforce(), "--button-id", "5735g000000ZZZZ"])
    assert.strictEqual(result.code, 3, result.stdout)
    assert.match(
      result.stdout,
      /✖ Deployment +the deployment is right, but chat button 5735g000000ZZZZ is not one of its buttons/
    )
    assert.match(result.stdout, /Salesforce Live Agent is misconfigured: fix what is marked above\./)
  })

  it("Salesforce: a wrong endpoint path is explained (exit 3)", async () => {
    const result = await run([
      "doctor",
      "-p",
      "salesforce",
      "--endpoint",
      `${sim.url}/salesforce/chat/rest/nope`,
      "--org-id",
      sim.settings.salesforce.orgId,
      "--deployment-id",
      sim.settings.salesforce.deploymentId,
      "--button-id",
      sim.settings.salesforce.buttonId
    ])
    assert.strictEqual(result.code, 3, result.stdout)
  })

  it("LivePerson: a refused app key is named, and no key is ever printed (exit 3)", async () => {
    const result = await run(["doctor", ...liveperson(), "--skill", "Sales"], {
      env: { LIVEPERSON_APP_KEY: `${secret}-wrong` }
    })
    assert.strictEqual(result.code, 3, result.stdout)
    assert.match(result.stdout, /✔ Settings +account \d+ · skill Sales · app key •••••• \(hidden\)/)
    assert.match(result.stdout, /✖ Credentials +LivePerson refused the app key \(HTTP 401\): check LIVEPERSON_APP_KEY/)
    noSecret(result)
  })

  it("LivePerson: the right key, in the header or the query, passes without being printed (exit 0)", async () => {
    for (const where of ["header", "query"]) {
      const result = await run(["doctor", ...liveperson(), "--skill", "Sales", "--app-key-in", where], {
        env: { LIVEPERSON_APP_KEY: secret }
      })
      assert.strictEqual(result.code, 0, result.stdout)
      assert.match(result.stdout, /✔ Credentials +account \d+ known, app key accepted/)
      noSecret(result)
    }
  })

  it("LivePerson: an unknown skill is pointed out (exit 4)", async () => {
    const result = await run(["doctor", ...liveperson(), "--skill", "Astrology"], {
      env: { LIVEPERSON_APP_KEY: secret }
    })
    assert.strictEqual(result.code, 4, result.stdout)
    assert.match(result.stdout, /no agent with skill "Astrology" is available, though agents with other skills are/)
  })

  it("unreachable: nothing listens there (exit 5)", async () => {
    const port = await closedPort()
    const result = await run([
      "doctor",
      "-p",
      "livechat",
      "--endpoint",
      `http://127.0.0.1:${port}`,
      "--licence-id",
      "1"
    ])
    assert.strictEqual(result.code, 5, result.stdout)
    assert.match(
      result.stdout,
      /✖ Reachable +127\.0\.0\.1:\d+: the connection was refused: nothing listens on that host and port/
    )
    assert.match(result.stdout, /LiveChat cannot be reached or is failing/)
  })

  it("a server that is not LiveChat's API (exit 3)", async () => {
    const result = await run(["doctor", "-p", "livechat", "--endpoint", sim.urls.control, "--licence-id", "1"])
    assert.strictEqual(result.code, 3, result.stdout)
    assert.match(result.stdout, /does not look like LiveChat's visitor API/)
  })

  it("no endpoint: nothing to check, in plain words (exit 3)", async () => {
    const result = await run(["doctor", "-p", "livechat"])
    assert.strictEqual(result.code, 3)
    assert.match(result.stderr, /Nothing to check: no LiveChat endpoint was given\./)
  })

  it("--json: one object with every check and the exit code", async () => {
    const result = await run(["doctor", ...livechat(), "--json"])
    assert.strictEqual(result.code, 0)
    const report = JSON.parse(result.stdout) as {
      provider: string
      checks: Array<{ name: string; status: string }>
      exitCode: number
    }
    assert.strictEqual(report.provider, "livechat")
    assert.strictEqual(report.exitCode, 0)
    assert.deepStrictEqual(
      report.checks.map((check) => check.name),
      ["Settings", "Reachable", "API", "Credentials"]
    )
  })

  it("--test-chat opens a real chat through core and ends it at the provider", async () => {
    const result = await run(["doctor", ...livechat(), "--test-chat"])
    assert.strictEqual(result.code, 0, result.stdout)
    assert.match(result.stdout, /✔ Test chat +a chat was opened and ended again/)
    const { chats } = await json<{ chats: Array<ChatView> }>(await fetch(`${sim.urls.control}/chats?provider=livechat`))
    const test = chats.find((chat) => chat.visitorName === "Switchboard doctor")
    assert.isDefined(test)
    assert.strictEqual(test!.endedBy, "visitor")
  })

  it("--test-chat on Salesforce with no agent: exit 4", async () => {
    const offline = await startSimulator({ agent: false })
    try {
      offline.hub.setAvailability(false)
      const s = offline.settings.salesforce
      const result = await run([
        "doctor",
        "-p",
        "salesforce",
        "--endpoint",
        offline.urls.salesforce,
        "--org-id",
        s.orgId,
        "--deployment-id",
        s.deploymentId,
        "--button-id",
        s.buttonId,
        "--test-chat"
      ])
      assert.strictEqual(result.code, 4, result.stdout)
      assert.match(result.stdout, /! Test chat +No Salesforce Live Agent agent can take a chat right now/)
    } finally {
      await offline.close()
    }
  })
})
