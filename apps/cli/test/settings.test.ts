/**
 * Where settings come from (flags, then environment, then config file; secrets never from flags), the visitor
 * script format, colours and the exit-code mapping: in process, on the sources.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { assert, describe, it } from "vitest"
import { endedExitCode } from "../src/chat/run.ts"
import { parseStep } from "../src/chat/script.ts"
import { ExitCode, exitCodeOf, exitCodeTable } from "../src/exit.ts"
import type { ProviderName, RemoteTarget, Target, TargetInput } from "../src/providers.ts"
import { describeTarget, resolveTarget } from "../src/settings.ts"
import { colourFor, stripAnsi } from "../src/style.ts"

interface Given {
  readonly provider?: ProviderName
  readonly endpoint?: string
  readonly config?: string
  readonly flags?: Record<string, string | number>
}

const input = (values: Given): TargetInput => ({
  provider: Option.fromNullable(values.provider),
  endpoint: Option.fromNullable(values.endpoint),
  config: Option.fromNullable(values.config),
  flags: Object.fromEntries(Object.entries(values.flags ?? {}).map(([key, value]) => [key, Option.some(value)]))
})

const resolve = (values: Given, env: NodeJS.ProcessEnv = {}) => Effect.runPromiseExit(resolveTarget(input(values), env))

const remote = async (values: Given, env: NodeJS.ProcessEnv = {}): Promise<RemoteTarget> => {
  const exit = await resolve(values, env)
  assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
  const target = (exit as Exit.Success<Target, never>).value
  assert.strictEqual(target._tag, "Remote")
  return target as RemoteTarget
}

const failure = async (values: Given, env: NodeJS.ProcessEnv = {}) => {
  const exit = await resolve(values, env)
  assert.isTrue(Exit.isFailure(exit))
  const error = Cause.squash((exit as Exit.Failure<Target, unknown>).cause) as {
    code: number
    message: string
    hint?: string
  }
  return error
}

const configFile = (content: unknown) => {
  const path = join(tmpdir(), `switchboard-cli-${process.pid}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content))
  return path
}

describe("provider settings", () => {
  it("no endpoint anywhere: the embedded simulator, LiveChat by default", async () => {
    const exit = await resolve({})
    assert.deepStrictEqual(Exit.isSuccess(exit) && exit.value, { _tag: "Embedded", provider: "livechat" })
  })

  it("SWITCHBOARD_PROVIDER and the config file choose the provider; --provider wins", async () => {
    const file = configFile({ provider: "liveperson" })
    const fromFile = await resolve({ config: file })
    assert.strictEqual(Exit.isSuccess(fromFile) && fromFile.value.provider, "liveperson")
    const fromEnv = await resolve({ config: file }, { SWITCHBOARD_PROVIDER: "salesforce" })
    assert.strictEqual(Exit.isSuccess(fromEnv) && fromEnv.value.provider, "salesforce")
    const fromFlag = await resolve({ config: file, provider: "livechat" }, { SWITCHBOARD_PROVIDER: "salesforce" })
    assert.strictEqual(Exit.isSuccess(fromFlag) && fromFlag.value.provider, "livechat")
  })

  it("flags win over the environment, which wins over the config file", async () => {
    const file = configFile({ livechat: { endpoint: "https://file.example", licenceId: 1, group: 7 } })
    const env = { LIVECHAT_BASE_URL: "https://env.example", LIVECHAT_LICENCE_ID: "2" }
    const target = await remote({ config: file, flags: { licenceId: 3 } }, env)
    assert.strictEqual(target.endpoint, "https://env.example")
    assert.deepStrictEqual(target.values, { licenceId: 3, group: 7 })
    assert.deepStrictEqual(target.sources, {
      endpoint: "LIVECHAT_BASE_URL",
      licenceId: "--licence-id",
      group: `the config file ${file}`
    })
  })

  it("SWITCHBOARD_CONFIG names the config file", async () => {
    const file = configFile({
      salesforce: { endpoint: "https://x.example/chat/rest", orgId: "o", deploymentId: "d", buttonId: "b" }
    })
    const target = await remote({ provider: "salesforce" }, { SWITCHBOARD_CONFIG: file })
    assert.deepStrictEqual(target.values, { orgId: "o", deploymentId: "d", buttonId: "b" })
  })

  it("the LivePerson app key comes from the environment or the file, redacted, and is never shown", async () => {
    const target = await remote(
      { provider: "liveperson", endpoint: "https://lp.example", flags: { accountId: "123", skill: "Sales" } },
      { LIVEPERSON_APP_KEY: "s3cr3t-key" }
    )
    assert.isTrue(Redacted.isRedacted(target.values.appKey))
    assert.strictEqual(Redacted.value(target.values.appKey as Redacted.Redacted<string>), "s3cr3t-key")
    const shown = JSON.stringify(describeTarget(target))
    assert.notInclude(shown, "s3cr3t-key")
    assert.include(shown, "hidden")
    assert.notInclude(String(target.values.appKey), "s3cr3t-key")
    const file = configFile({ liveperson: { appKey: "from-file" } })
    const fromFile = await remote({
      provider: "liveperson",
      endpoint: "https://lp.example",
      config: file,
      flags: { accountId: "1", skill: "S" }
    })
    assert.strictEqual(Redacted.value(fromFile.values.appKey as Redacted.Redacted<string>), "from-file")
  })

  it("names every missing setting and where to set it", async () => {
    const error = await failure({ provider: "liveperson", endpoint: "https://lp.example" })
    assert.strictEqual(error.code, ExitCode.Configuration)
    assert.strictEqual(error.message, "Missing LivePerson settings: account id, skill, application key (secret).")
    assert.include(error.hint, "--account-id, LIVEPERSON_ACCOUNT_ID")
    assert.include(error.hint, "Set the application key (secret) with LIVEPERSON_APP_KEY,")
  })

  it("refuses malformed numbers, foreign flags, flags without an endpoint, and unknown config keys", async () => {
    assert.match(
      (await failure({ endpoint: "https://x", flags: { licenceId: "12a" } })).message,
      /must be a whole number, not "12a"/
    )
    assert.match((await failure({ flags: { orgId: "x" } })).message, /--org-id is a Salesforce Live Agent setting/)
    assert.match(
      (await failure({ flags: { licenceId: 5 } })).message,
      /--licence-id was given, but no LiveChat endpoint/
    )
    assert.match(
      (await failure({ config: configFile({ livechat: { licenseId: 1 } }) })).message,
      /unknown LiveChat setting "licenseId"/
    )
    assert.match((await failure({ config: configFile({ zendesk: {} }) })).message, /unknown key "zendesk"/)
    assert.match((await failure({ config: configFile("{ not json") })).message, /is not valid JSON/)
    assert.match((await failure({}, { SWITCHBOARD_PROVIDER: "zendesk" })).message, /SWITCHBOARD_PROVIDER is "zendesk"/)
  })
})

describe("visitor scripts", () => {
  it("parses messages, comments, waits, /end and escaped slashes", () => {
    assert.deepStrictEqual(parseStep("  Hello  "), { _tag: "Message", text: "Hello" })
    assert.deepStrictEqual(parseStep("# note"), { _tag: "Skip" })
    assert.deepStrictEqual(parseStep(""), { _tag: "Skip" })
    assert.deepStrictEqual(parseStep("//etc/hosts"), { _tag: "Message", text: "/etc/hosts" })
    assert.deepStrictEqual(parseStep("/END"), { _tag: "End" })
    assert.strictEqual(parseStep("/wait 1.5")._tag, "Wait")
    assert.strictEqual(parseStep("/wait soon")._tag, "Invalid")
    assert.strictEqual(parseStep("/dance")._tag, "Invalid")
  })
})

describe("colours", () => {
  it("NO_COLOR wins, FORCE_COLOR forces, otherwise a terminal decides", () => {
    assert.isFalse(colourFor({ isTTY: true }, { NO_COLOR: "1" }))
    assert.isFalse(colourFor({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" }))
    assert.isTrue(colourFor({ isTTY: false }, { FORCE_COLOR: "1" }))
    assert.isTrue(colourFor({ isTTY: true }, {}))
    assert.isTrue(colourFor({ isTTY: true }, { NO_COLOR: "" }))
    assert.isFalse(colourFor({ isTTY: false }, {}))
    assert.isFalse(colourFor({ isTTY: true }, { TERM: "dumb" }))
    assert.strictEqual(stripAnsi("\u001b[1mbold\u001b[22m"), "bold")
  })
})

describe("exit codes", () => {
  it("each of core's errors and each way a chat ends has its documented code", () => {
    const code = (error: { _tag: string }) => exitCodeOf(Cause.fail(error))
    assert.strictEqual(code({ _tag: "NoAgentsAvailable" }), 4)
    assert.strictEqual(code({ _tag: "InvalidConfiguration" }), 3)
    assert.strictEqual(code({ _tag: "Unauthorized" }), 3)
    assert.strictEqual(code({ _tag: "ProviderUnavailable" }), 5)
    assert.strictEqual(code({ _tag: "ChatRequestRejected" }), 1)
    assert.strictEqual(exitCodeOf(Cause.interrupt("x" as never)), 130)
    assert.strictEqual(exitCodeOf(Cause.die(new Error("bug"))), 1)
    assert.strictEqual(endedExitCode({ reason: "visitor" }), 0)
    assert.strictEqual(endedExitCode({ reason: "agent" }), 0)
    assert.strictEqual(endedExitCode({ reason: "no-agent" }), 4)
    assert.strictEqual(endedExitCode({ reason: "error" }), 5)
    assert.strictEqual(endedExitCode({ reason: "timeout" }), 1)
  })

  it("the README documents the same table as --help", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    for (const [code, meaning] of exitCodeTable) {
      assert.match(readme, new RegExp(`\\| ${code} +\\| ${literal(meaning)} +\\|`))
    }
  })
})
