/**
 * Randomized malformed requests for a provider simulator. A provider test describes a few valid requests
 * (templates) and what in them the provider must refuse when missing or wrong; the harness breaks one thing per
 * request, sends it verbatim over `node:http` (so path tricks are not normalized away by a URL parser), and
 * reports status, body and time for every request.
 */
import { request as httpRequest } from "node:http"
import { type Random, seededRandom } from "../../src/random.ts"

export interface Template {
  /** The operation it exercises, for reports. */
  readonly operation: string
  readonly method: "GET" | "POST" | "DELETE" | "PUT"
  /** Full path from the origin, including the provider prefix, without the query. */
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: { readonly type: "json" | "form"; readonly value: Readonly<Record<string, unknown>> }
  /** Headers the provider refuses the request without. */
  readonly requiredHeaders?: ReadonlyArray<string>
  /** Query parameters the provider refuses the request without. */
  readonly requiredQuery?: ReadonlyArray<string>
  /** Body fields the provider refuses the request without. */
  readonly requiredFields?: ReadonlyArray<string>
  /** Body fields whose value must be of its documented type: an object or array there is refused. */
  readonly typedFields?: ReadonlyArray<string>
  /** Secrets or ids that an unknown value makes the provider refuse, by where they travel. */
  readonly secrets?: {
    readonly headers?: ReadonlyArray<string>
    readonly query?: ReadonlyArray<string>
    readonly fields?: ReadonlyArray<string>
    /** Path segments (exact text) holding an id or key. */
    readonly segments?: ReadonlyArray<string>
  }
}

export interface Malformed {
  readonly operation: string
  readonly mutation: string
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body?: string
}

export interface Outcome extends Malformed {
  readonly status: number
  readonly text: string
  readonly json: unknown
  readonly ms: number
  /** When the request was sent again alone for being slow: how long its first answer took. */
  readonly firstMs?: number
}

const garbage = (random: Random) =>
  [
    "",
    "null",
    "-1",
    "🙂".repeat(20),
    "x".repeat(5000),
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    random.uuid(),
    random.hex(40)
  ][random.int(10)] as string

const pick = <A>(random: Random, items: ReadonlyArray<A>): A => items[random.int(items.length)] as A

const encodeBody = (type: "json" | "form", value: Readonly<Record<string, unknown>>) =>
  type === "json"
    ? JSON.stringify(value)
    : new URLSearchParams(
        Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])
      ).toString()

const contentTypeOf = (type: "json" | "form") =>
  type === "json" ? "application/json" : "application/x-www-form-urlencoded"

/** One broken request from a template; the mutation is drawn among those the template allows. */
export const mutate = (template: Template, random: Random): Malformed => {
  const query = { ...template.query }
  const headers: Record<string, string> = { ...template.headers }
  const body = template.body === undefined ? undefined : { ...template.body.value }
  let bodyType = template.body?.type
  let path = template.path
  let method: string = template.method
  let rawBody: string | undefined
  let contentType: string | undefined

  const options: Array<[string, () => void]> = []
  const raw = (type: string, text: string) => () => {
    contentType = type
    rawBody = text
  }
  for (const name of template.requiredHeaders ?? []) {
    options.push([`missing header ${name}`, () => delete headers[name]])
  }
  for (const name of template.requiredQuery ?? []) {
    options.push([`missing query ${name}`, () => delete query[name]])
  }
  for (const name of template.requiredFields ?? []) {
    options.push([`missing field ${name}`, () => body !== undefined && delete body[name]])
  }
  for (const name of template.typedFields ?? []) {
    options.push([
      `wrong type for ${name}`,
      () => {
        if (body === undefined) return
        if (bodyType === "form") body[name] = pick(random, ["abc", "{}", "1.5e999", "[1,2]"])
        else body[name] = pick(random, [{ nested: true }, [1, 2, 3], { $gt: "" }])
      }
    ])
  }
  for (const name of template.secrets?.headers ?? []) {
    options.push([
      `unknown ${name}`,
      () => {
        headers[name] = `${random.hex(16)}!${random.uuid()}`
      }
    ])
  }
  for (const name of template.secrets?.query ?? []) {
    options.push([
      `unknown ${name}`,
      () => {
        query[name] = `${random.hex(10)}.${random.hex(10)}`
      }
    ])
  }
  for (const name of template.secrets?.fields ?? []) {
    options.push([
      `unknown ${name}`,
      () => {
        if (body !== undefined) body[name] = `S${random.hex(12)}`
      }
    ])
  }
  for (const segment of template.secrets?.segments ?? []) {
    options.push([
      "unknown id in path",
      () => {
        path = path.replace(segment, random.hex(segment.length || 8))
      }
    ])
  }
  if (template.body !== undefined) {
    options.push(
      ["broken JSON body", raw("application/json", '{"text": "unterminated')],
      ["JSON array body", raw("application/json", "[1,2,3]")],
      ["form body sent as JSON", raw("application/json", "a=1&b=%ZZ")],
      ["XML body", raw("application/xml", "<request><skill>x</skill></request>")],
      ["body over 1 MB", raw(contentTypeOf(template.body.type), `{"t":"${"x".repeat(1_100_000)}"}`)],
      ["binary body", raw("application/octet-stream", "\u0000\u0001\u00ff\ufffd")]
    )
  }
  const repath = (change: (current: string) => string) => () => {
    path = change(path)
  }
  options.push(
    ["path traversal", repath((p) => `${p}/../../../../etc/passwd`)],
    ["encoded traversal", repath((p) => `${p}/%2e%2e/%2e%2e/secret`)],
    ["doubled slashes", repath((p) => p.replace(/\/([^/]+)$/, "//$1//"))],
    ["huge path segment", repath((p) => `${p}/${"a".repeat(6000)}`)],
    ["unicode path", repath((p) => `${p}/${encodeURIComponent("ünïcødé/🙂")}`)],
    [
      "unknown resource",
      repath((p) => `${p.split("/").slice(0, 3).join("/")}/Nope/${encodeURIComponent(garbage(random))}`)
    ],
    [
      "wrong method",
      () => {
        method = template.method === "GET" ? "PUT" : "PATCH"
      }
    ]
  )

  const [mutation, apply] = pick(random, options)
  apply()
  if (rawBody === undefined && body !== undefined && bodyType !== undefined) {
    rawBody = encodeBody(bodyType, body)
    contentType = contentTypeOf(bodyType)
  }
  if (contentType !== undefined) headers["content-type"] = contentType
  else bodyType = undefined
  const search = new URLSearchParams(query).toString()
  return {
    operation: template.operation,
    mutation,
    method,
    path: search === "" ? path : `${path}?${search}`,
    headers,
    ...(rawBody === undefined ? {} : { body: rawBody })
  }
}

/** Sends one request verbatim and measures it; a network failure is reported as status 0. */
export const send = (origin: string, request: Malformed): Promise<Outcome> => {
  const url = new URL(origin)
  const started = performance.now()
  return new Promise((resolve) => {
    const finish = (status: number, text: string) => {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      resolve({ ...request, status, text, json, ms: performance.now() - started })
    }
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) })
        },
        agent: false
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => finish(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")))
        response.on("error", () => finish(0, ""))
      }
    )
    outgoing.setTimeout(5000, () => outgoing.destroy())
    outgoing.on("error", () => finish(0, ""))
    if (request.body !== undefined) outgoing.write(request.body)
    outgoing.end()
  })
}

/**
 * Sends `count` malformed requests built from `templates`, `concurrency` at a time, deterministically for `seed`.
 *
 * A request slower than `slowMs` (default 1 s, the bound the suites assert) is sent once more, alone, and that
 * measurement is kept (`firstMs` keeps the first). A stall of the whole test process, where the simulator runs, holds
 * up every request in flight at once (CI runs several packages on two cores: four requests of one run once took
 * 1.2–1.3 s together, and with core's hostile and variant suites beside it, 2.5 % of a run took up to 2.3 s); an
 * input that makes the server hang, or block its event loop, does so again alone. Only a few are given that second
 * chance (5 % of the run): a server slow across the board keeps its slow answers.
 */
export const fuzz = async (options: {
  readonly origin: string
  readonly templates: ReadonlyArray<Template>
  readonly count: number
  readonly seed: number
  readonly concurrency?: number
  readonly slowMs?: number
}): Promise<Array<Outcome>> => {
  const random = seededRandom(options.seed)
  const requests = Array.from({ length: options.count }, () => mutate(pick(random, options.templates), random))
  const outcomes: Array<Outcome> = []
  let next = 0
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as Malformed
      outcomes.push(await send(options.origin, request))
    }
  }
  // Four in flight: enough to interleave with the chat running alongside, few enough that the client's own queue
  // does not count against the one-second bound on a loaded 2-core machine.
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker))
  const slowMs = options.slowMs ?? 1000
  const slow = outcomes.filter((outcome) => outcome.ms >= slowMs).length
  for (const [at, outcome] of outcomes.entries()) {
    if (outcome.ms < slowMs || slow > options.count / 20) continue
    const { status: _status, text: _text, json: _json, ms: _ms, ...request } = outcome
    outcomes[at] = { ...(await send(options.origin, request)), firstMs: outcome.ms }
  }
  return outcomes
}
