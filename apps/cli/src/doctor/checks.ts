/**
 * `doctor`'s checks of a real deployment: each says in plain words what is right or wrong and what to do.
 *
 * The read-only pre-chat calls each vendor offers are made directly here (core has no "probe" API yet): Salesforce
 * `Visitor/Settings` and `Visitor/Availability`, LivePerson `chat/availability` (which also checks the app key), and
 * for LiveChat, whose visitor API has no read-only call, a poll with a made-up session that must be refused in
 * LiveChat's way. `--test-chat` opens a real chat through core and ends it again. No secret is ever printed: URLs
 * with the LivePerson app key in the query are never shown.
 */
import { Redacted } from "effect"
import { ExitCode } from "../exit.ts"
import { type RemoteTarget, titles } from "../providers.ts"

export type Status = "ok" | "warn" | "fail" | "skip"

export interface Check {
  readonly name: string
  readonly status: Status
  readonly message: string
  /** The exit code this check calls for when it warns or fails. */
  readonly code?: ExitCode
}

const ok = (name: string, message: string): Check => ({ name, status: "ok", message })
const skip = (name: string, message: string): Check => ({ name, status: "skip", message })
const warn = (name: string, message: string, code: ExitCode): Check => ({ name, status: "warn", message, code })
const fail = (name: string, message: string, code: ExitCode): Check => ({ name, status: "fail", message, code })

interface Answer {
  readonly status: number
  readonly json: unknown
  readonly millis: number
}

type Outcome =
  | { readonly _tag: "Answer"; readonly answer: Answer }
  | { readonly _tag: "NoAnswer"; readonly why: string }

/** Why a request got no answer, in plain words. */
export const noAnswer = (cause: unknown, timeoutSeconds: number): string => {
  const error = cause as { name?: string; code?: string; cause?: { code?: string; message?: string } }
  if (error.name === "TimeoutError" || error.name === "AbortError") return `no answer within ${timeoutSeconds} s`
  const code = error.cause?.code ?? error.code ?? ""
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve (DNS): check the spelling"
  if (code === "ECONNREFUSED") return "the connection was refused: nothing listens on that host and port"
  if (code === "ECONNRESET") return "the connection was reset"
  if (code === "UND_ERR_CONNECT_TIMEOUT")
    return `could not connect within ${timeoutSeconds} s (firewall, VPN or proxy?)`
  if (error.cause?.message === "bad port") return "fetch refuses to connect to this port (a reserved one)"
  if (code.startsWith("CERT_") || code.includes("SELF_SIGNED") || code.includes("UNABLE_TO_VERIFY")) {
    return `the TLS certificate is not trusted (${code})`
  }
  return code === "" ? (error.cause?.message ?? "the request failed") : `the request failed (${code})`
}

const request = async (url: string, headers: Record<string, string>, timeoutSeconds: number): Promise<Outcome> => {
  const started = performance.now()
  try {
    const response = await fetch(url, {
      headers,
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
      redirect: "manual"
    })
    const text = await response.text()
    let json: unknown
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return {
      _tag: "Answer",
      answer: { status: response.status, json, millis: Math.round(performance.now() - started) }
    }
  } catch (cause) {
    return { _tag: "NoAnswer", why: noAnswer(cause, timeoutSeconds) }
  }
}

const join = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`

/** Reachability: any HTTP answer from the endpoint counts. */
const reachable = async (target: RemoteTarget, timeout: number): Promise<Check> => {
  let url: URL
  try {
    url = new URL(target.endpoint)
  } catch {
    return fail("Reachable", `"${target.endpoint}" is not a URL`, ExitCode.Configuration)
  }
  const outcome = await request(url.href, {}, timeout)
  if (outcome._tag === "NoAnswer") {
    return fail("Reachable", `${url.host}: ${outcome.why}`, ExitCode.Unavailable)
  }
  return ok(
    "Reachable",
    `${url.host} answers over ${url.protocol === "https:" ? "HTTPS" : "plain HTTP"} (${outcome.answer.millis} ms)`
  )
}

const unavailableAnswer = (name: string, answer: Answer) =>
  fail(
    name,
    `the service answered HTTP ${answer.status}: it is failing or overloaded right now; try again later`,
    ExitCode.Unavailable
  )

type Messages = {
  readonly messages?: ReadonlyArray<{ readonly type?: string; readonly message?: Record<string, unknown> }>
}

const salesforce = async (target: RemoteTarget, timeout: number): Promise<ReadonlyArray<Check>> => {
  const v = target.values
  const headers = { "X-LIVEAGENT-API-VERSION": String(v.apiVersion ?? 57), accept: "application/json" }
  const deployment = `org_id=${encodeURIComponent(String(v.orgId))}&deployment_id=${encodeURIComponent(String(v.deploymentId))}`
  const button = String(v.buttonId)
  const checks: Array<Check> = []

  const settings = await request(
    join(
      target.endpoint,
      `/Visitor/Settings?${deployment}&Settings.buttonIds=${encodeURIComponent(button)}&Settings.needEstimatedWaitTime=1`
    ),
    headers,
    timeout
  )
  if (settings._tag === "NoAnswer")
    return [fail("Deployment", `Visitor/Settings: ${settings.why}`, ExitCode.Unavailable)]
  const answer = settings.answer
  if (answer.status === 404 || answer.status === 405) {
    return [
      fail(
        "Deployment",
        `no Live Agent Chat API at this endpoint (HTTP ${answer.status}); it is the org's Chat API endpoint, ending in /chat/rest (Setup → Chat Settings)`,
        ExitCode.Configuration
      )
    ]
  }
  if (answer.status === 400) {
    return [
      fail(
        "Deployment",
        "the organization id and deployment id do not name a deployment on this endpoint; check both (and that the endpoint is the org's)",
        ExitCode.Configuration
      )
    ]
  }
  if (answer.status >= 500 || answer.status === 429) return [unavailableAnswer("Deployment", answer)]
  const entry = (answer.json as Messages | undefined)?.messages?.[0]
  if (entry?.type === "SwitchServer") {
    return [
      fail(
        "Deployment",
        `this endpoint does not serve the org; use --endpoint ${String(entry.message?.newUrl ?? "(the URL Salesforce gives)")}`,
        ExitCode.Configuration
      )
    ]
  }
  if (answer.status !== 200 || entry?.type !== "Settings") {
    return [
      fail(
        "Deployment",
        `Visitor/Settings answered HTTP ${answer.status} without deployment settings`,
        ExitCode.Configuration
      )
    ]
  }
  const buttons = (entry.message?.buttons ?? entry.message?.button ?? []) as ReadonlyArray<{
    id?: string
    type?: string
  }>
  const found = buttons.find((b) => b.id === button)
  if (found === undefined) {
    checks.push(
      fail(
        "Deployment",
        `the deployment is right, but chat button ${button} is not one of its buttons; check the button id`,
        ExitCode.Configuration
      )
    )
    return checks
  }
  checks.push(ok("Deployment", `org and deployment known; button ${button} is a ${found.type ?? "chat"} button`))

  const availability = await request(
    join(
      target.endpoint,
      `/Visitor/Availability?${deployment}&Availability.ids=${encodeURIComponent(button)}&Availability.needEstimatedWaitTime=1`
    ),
    headers,
    timeout
  )
  if (availability._tag === "NoAnswer") {
    checks.push(fail("Availability", `Visitor/Availability: ${availability.why}`, ExitCode.Unavailable))
  } else if (availability.answer.status !== 200) {
    checks.push(unavailableAnswer("Availability", availability.answer))
  } else {
    const results = ((availability.answer.json as Messages | undefined)?.messages?.[0]?.message?.results ??
      []) as ReadonlyArray<{
      id?: string
      isAvailable?: boolean
      estimatedWaitTime?: number
    }>
    const result = results.find((r) => r.id === button)
    checks.push(
      result?.isAvailable === true
        ? ok(
            "Availability",
            `an agent can take a chat on button ${button} now${result.estimatedWaitTime !== undefined && result.estimatedWaitTime >= 0 ? ` (wait about ${result.estimatedWaitTime} s)` : ""}`
          )
        : warn("Availability", `no agent is available on button ${button} right now`, ExitCode.NoAgents)
    )
  }
  checks.push(
    skip("Credentials", "Salesforce's visitor API has no secret besides these ids; add --test-chat to open a real chat")
  )
  return checks
}

const liveperson = async (target: RemoteTarget, timeout: number): Promise<ReadonlyArray<Check>> => {
  const v = target.values
  const key = Redacted.value(v.appKey as Redacted.Redacted<string>)
  const inQuery = v.appKeyIn === "query"
  const headers: Record<string, string> = {
    accept: "application/json",
    ...(inQuery ? {} : { authorization: `LivePerson appKey=${key}` })
  }
  const base = join(
    target.endpoint,
    `/api/account/${encodeURIComponent(String(v.accountId))}/chat/availability?v=1&NC=true`
  )
  const auth = inQuery ? `&appKey=${encodeURIComponent(key)}` : ""
  const skill = String(v.skill)
  const checks: Array<Check> = []

  const account = await request(`${base}${auth}`, headers, timeout)
  if (account._tag === "NoAnswer")
    return [fail("Credentials", `chat/availability: ${account.why}`, ExitCode.Unavailable)]
  const answer = account.answer
  if (answer.status === 401 || answer.status === 403) {
    return [
      fail(
        "Credentials",
        `LivePerson refused the app key (HTTP ${answer.status}): check LIVEPERSON_APP_KEY${inQuery ? "" : ", or try --app-key-in query"}`,
        ExitCode.Configuration
      )
    ]
  }
  if (answer.status === 404) {
    return [
      fail(
        "Credentials",
        `unknown account ${String(v.accountId)} at this endpoint (HTTP 404): check the account id and that the endpoint is the account's conversationVep domain`,
        ExitCode.Configuration
      )
    ]
  }
  if (answer.status >= 500 || answer.status === 429) return [unavailableAnswer("Credentials", answer)]
  if (answer.status !== 200 || typeof (answer.json as { availability?: unknown })?.availability !== "boolean") {
    return [
      fail(
        "Credentials",
        `chat/availability answered HTTP ${answer.status}, not LivePerson's answer: is the endpoint right?`,
        ExitCode.Configuration
      )
    ]
  }
  checks.push(ok("Credentials", `account ${String(v.accountId)} known, app key accepted`))
  const accountAvailable = (answer.json as { availability: boolean }).availability

  const forSkill = await request(`${base}&skill=${encodeURIComponent(skill)}${auth}`, headers, timeout)
  if (forSkill._tag === "NoAnswer") {
    checks.push(fail("Availability", `chat/availability: ${forSkill.why}`, ExitCode.Unavailable))
  } else if (forSkill.answer.status !== 200) {
    checks.push(
      forSkill.answer.status === 400
        ? fail("Availability", `LivePerson refused the skill "${skill}" (HTTP 400)`, ExitCode.Configuration)
        : unavailableAnswer("Availability", forSkill.answer)
    )
  } else if ((forSkill.answer.json as { availability?: boolean }).availability === true) {
    checks.push(ok("Availability", `an agent with skill ${skill} can take a chat now`))
  } else {
    checks.push(
      warn(
        "Availability",
        accountAvailable
          ? `no agent with skill "${skill}" is available, though agents with other skills are: is the skill name right?`
          : "no agent is available on the account right now",
        ExitCode.NoAgents
      )
    )
  }
  return checks
}

const livechat = async (target: RemoteTarget, timeout: number): Promise<ReadonlyArray<Check>> => {
  const licence = String(target.values.licenceId)
  const probe = await request(
    join(
      target.endpoint,
      `/visitors/switchboard-doctor/chat/get_pending_messages?licence_id=${encodeURIComponent(licence)}&secured_session_id=switchboard-doctor`
    ),
    { "X-API-Version": "2", accept: "application/json" },
    timeout
  )
  if (probe._tag === "NoAnswer") return [fail("API", `get_pending_messages: ${probe.why}`, ExitCode.Unavailable)]
  const answer = probe.answer
  const body = answer.json as { error?: unknown; errors?: unknown } | undefined
  // LiveChat's error bodies: `{"error": "..."}` or `{"errors": ["...", ...]}`.
  const likeLiveChat =
    body !== undefined &&
    (typeof body.error === "string" ||
      (Array.isArray(body.errors) && body.errors.every((entry: unknown) => typeof entry === "string")))
  const checks: Array<Check> = []
  if (answer.status >= 500 || answer.status === 429) return [unavailableAnswer("API", answer)]
  if ([400, 401, 404].includes(answer.status) && likeLiveChat) {
    checks.push(
      ok("API", `answers like LiveChat's visitor API v2 (a made-up session was refused with HTTP ${answer.status})`)
    )
  } else {
    checks.push(
      fail(
        "API",
        `HTTP ${answer.status}${body === undefined ? " without a JSON body" : ""}: this does not look like LiveChat's visitor API (default endpoint https://api.livechatinc.com)`,
        ExitCode.Configuration
      )
    )
    return checks
  }
  checks.push(
    skip("Credentials", `LiveChat checks licence ${licence} only when a chat starts: add --test-chat to open one`)
  )
  return checks
}

/** The provider-specific checks after reachability. */
export const providerChecks = (target: RemoteTarget, timeout: number): Promise<ReadonlyArray<Check>> => {
  switch (target.provider) {
    case "salesforce":
      return salesforce(target, timeout)
    case "liveperson":
      return liveperson(target, timeout)
    case "livechat":
      return livechat(target, timeout)
  }
}

/** Every check that needs no chat: reachability, then the provider's. */
export const runChecks = async (target: RemoteTarget, timeout: number): Promise<ReadonlyArray<Check>> => {
  const first = await reachable(target, timeout)
  if (first.status === "fail") return [first]
  return [first, ...(await providerChecks(target, timeout))]
}

/** The exit code for a list of checks: the first failure's, else the first warning's, else 0. */
export const checksExitCode = (checks: ReadonlyArray<Check>): ExitCode =>
  checks.find((check) => check.status === "fail")?.code ??
  checks.find((check) => check.status === "warn")?.code ??
  ExitCode.Ok

export const summary = (target: RemoteTarget, checks: ReadonlyArray<Check>): string => {
  const code = checksExitCode(checks)
  const title = titles[target.provider]
  if (code === ExitCode.Ok) return `${title} looks right: every check passed.`
  if (code === ExitCode.NoAgents) return `${title} is reachable and configured, but no agent is available right now.`
  if (code === ExitCode.Unavailable) return `${title} cannot be reached or is failing: see above.`
  return `${title} is misconfigured: fix what is marked above.`
}
