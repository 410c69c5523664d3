/**
 * Request and response validation driven by an OpenAPI 3.1 document: the provider specs in `specs/` (the same files
 * the clients are generated from) and the simulator's own control API document.
 *
 * Each operation is compiled lazily into ajv validators: parameters (path, query, header) and form bodies with type
 * coercion, as they arrive as text; JSON bodies and responses without it.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const escapeSegment = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1")
const pointer = (...segments: ReadonlyArray<string>) => segments.map((s) => `/${escapeSegment(s)}`).join("")

export const methods = ["get", "put", "post", "delete", "patch", "head", "options"] as const

/** One problem found in a request or response, in words a client developer can act on. */
export interface Problem {
  /** Where: `query.ack`, `header.x-liveagent-session-key`, `body/text`, `status`... */
  readonly at: string
  readonly message: string
}

export interface RequestInput {
  readonly params: Record<string, string>
  /** Parsed query; values are coerced in place to the spec's types. */
  readonly query: Record<string, unknown>
  /** Lower-cased header names. */
  readonly headers: Record<string, string>
  /** Media type without parameters, or undefined when the request had no body. */
  readonly contentType: string | undefined
  /** Parsed body (JSON value, form fields as an object, text), coerced in place for forms. */
  body: unknown
}

export interface CompiledOperation {
  readonly operationId: string
  readonly method: (typeof methods)[number]
  /** The spec's path template, e.g. `/System/SessionId/{sessionKey}`. */
  readonly path: string
  /** Names of query parameters whose schema is an array (their values are collected and split on commas). */
  readonly arrayQuery: ReadonlySet<string>
  readonly bodyRequired: boolean
  readonly bodyTypes: ReadonlyArray<string>
  validateRequest(input: RequestInput): Array<Problem>
  /** `headers` with lower-case names, as a `SimResponse` has them. */
  validateResponse(
    status: number,
    contentType: string | undefined,
    body: unknown,
    headers: Readonly<Record<string, string>>
  ): Array<Problem>
}

const describeErrors = (errors: ReadonlyArray<ErrorObject> | null | undefined, where: string): Array<Problem> =>
  (errors ?? []).slice(0, 5).map((error) => {
    const field = error.instancePath === "" ? where : `${where}${error.instancePath}`
    const extra =
      error.keyword === "required"
        ? ` (${String((error.params as { missingProperty?: string }).missingProperty)})`
        : error.keyword === "enum"
          ? ` (${(error.params as { allowedValues?: Array<unknown> }).allowedValues?.map(String).join(", ")})`
          : error.keyword === "additionalProperties"
            ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
            : ""
    return { at: field, message: `${error.message ?? "is invalid"}${extra}` }
  })

/**
 * On a parameter: servers accept a request without it, although clients must send it (the generated clients keep it
 * required). Used where the reference records real servers as more lenient than the documented contract.
 */
export const serverOptional = "x-switchboard-server-optional"

/**
 * On a schema: further shapes a server may send or accept besides the schema itself (`anyOf` for validation), which
 * the generated clients do not see. Used for documented or plausible shapes that real servers are not known to use,
 * so that the typed contract stays the one real servers follow.
 */
export const serverAlso = "x-switchboard-server-also"

/** A copy of the document with the server-leniency extensions applied for validation (see above). */
export const forServers = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(forServers)
  if (!isObject(node)) return node
  const out: Json = {}
  for (const [key, value] of Object.entries(node)) if (key !== serverAlso) out[key] = forServers(value)
  if (node[serverOptional] === true) out.required = false
  const also = node[serverAlso]
  return Array.isArray(also) ? { anyOf: [out, ...also.map(forServers)] } : out
}

/** Compiles the operations of one OpenAPI document (its server-leniency extensions applied). */
export const compileDocument = (source: Json): ReadonlyArray<CompiledOperation> => {
  const document = forServers(source) as Json
  const options = { strict: false, allErrors: false, validateSchema: false } as const
  const plain = new Ajv2020(options)
  const coercing = new Ajv2020({ ...options, coerceTypes: "array" })
  for (const ajv of [plain, coercing]) {
    addFormats.default(ajv)
    for (const format of ["int32", "int64", "float", "double"]) ajv.addFormat(format, true)
    ajv.addSchema(document, "doc")
  }
  const refTo = (at: string) => ({ $ref: `doc#${at.split("/").map(encodeURIComponent).join("/")}` })

  /** The value at a JSON pointer of the document. */
  const read = (at: string): unknown =>
    at
      .slice(1)
      .split("/")
      .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), document)

  /** Follows a local `$ref`, returning the target and its pointer. */
  const deref = (node: unknown, at: string): { node: unknown; at: string } =>
    isObject(node) && typeof node.$ref === "string" && node.$ref.startsWith("#/")
      ? deref(read(node.$ref.slice(1)), node.$ref.slice(1))
      : { node, at }

  const paths = isObject(document.paths) ? document.paths : {}
  return Object.entries(paths).flatMap(([path, rawItem]) => {
    const { node: item, at: itemAt } = deref(rawItem, pointer("paths", path))
    if (!isObject(item)) return []
    const shared = Array.isArray(item.parameters) ? item.parameters.map((p, i) => [p, `${itemAt}/parameters/${i}`]) : []
    return methods.flatMap((method) => {
      const operation = item[method]
      if (!isObject(operation) || typeof operation.operationId !== "string") return []
      const operationAt = `${itemAt}/${method}`
      const own = Array.isArray(operation.parameters)
        ? operation.parameters.map((p, i) => [p, `${operationAt}/parameters/${i}`])
        : []
      const parameters = new Map<string, { name: string; location: string; required: boolean; schemaAt: string }>()
      for (const [raw, at] of [...shared, ...own] as Array<[unknown, string]>) {
        const { node, at: resolvedAt } = deref(raw, at)
        if (!isObject(node) || typeof node.name !== "string" || typeof node.in !== "string") continue
        const name = node.in === "header" ? node.name.toLowerCase() : node.name
        parameters.set(`${node.in}:${name}`, {
          name,
          location: node.in,
          required: node.required === true,
          schemaAt: `${resolvedAt}/schema`
        })
      }
      const arrayQuery = new Set(
        [...parameters.values()]
          .filter((p) => p.location === "query")
          .filter((p) => {
            const schema = deref(read(p.schemaAt), p.schemaAt).node
            return isObject(schema) && schema.type === "array"
          })
          .map((p) => p.name)
      )
      const body = deref(operation.requestBody, `${operationAt}/requestBody`)
      const bodyContent = isObject(body.node) && isObject(body.node.content) ? body.node.content : {}
      const bodyTypes = Object.keys(bodyContent)
      const bodyRequired = isObject(body.node) && body.node.required === true

      const locations = ["path", "query", "header"] as const
      let paramValidators: Map<string, ValidateFunction> | undefined
      const compileParams = () => {
        paramValidators = new Map(
          locations.map((location) => {
            const own = [...parameters.values()].filter((p) => p.location === location)
            const schema = {
              type: "object",
              properties: Object.fromEntries(own.map((p) => [p.name, refTo(p.schemaAt)])),
              required: own.filter((p) => p.required).map((p) => p.name)
            }
            return [location, coercing.compile(schema)] as const
          })
        )
        return paramValidators
      }
      const bodyValidators = new Map<string, ValidateFunction>()
      const bodyValidator = (type: string) => {
        let validate = bodyValidators.get(type)
        if (validate === undefined) {
          const ajv = type === "application/json" || type.endsWith("+json") ? plain : coercing
          validate = ajv.compile(refTo(`${body.at}/content/${escapeSegment(type)}/schema`))
          bodyValidators.set(type, validate)
        }
        return validate
      }
      const responseValidators = new Map<string, ValidateFunction>()

      const compiled: CompiledOperation = {
        operationId: operation.operationId,
        method,
        path,
        arrayQuery,
        bodyRequired,
        bodyTypes,
        validateRequest: (input) => {
          const validators = paramValidators ?? compileParams()
          const problems: Array<Problem> = []
          const inputs = { path: input.params, query: input.query, header: input.headers }
          for (const location of locations) {
            const validate = validators.get(location)
            if (validate !== undefined && !validate(inputs[location])) {
              problems.push(...describeErrors(validate.errors, location))
            }
          }
          if (input.body === undefined) {
            if (bodyRequired) problems.push({ at: "body", message: "a request body is required" })
          } else if (bodyTypes.length === 0) {
            // Bodies on operations that take none are ignored, as the providers do.
          } else if (input.contentType === undefined || !bodyTypes.includes(input.contentType)) {
            problems.push({
              at: "header.content-type",
              message: `must be one of ${bodyTypes.join(", ")} (was ${input.contentType ?? "missing"})`
            })
          } else {
            const validate = bodyValidator(input.contentType)
            if (!validate(input.body)) problems.push(...describeErrors(validate.errors, "body"))
          }
          return problems
        },
        validateResponse: (status, contentType, responseBody, headers) => {
          const responses = isObject(operation.responses) ? operation.responses : {}
          const key = [String(status), `${String(status)[0]}XX`, "default"].find((k) => k in responses)
          if (key === undefined) return [{ at: "status", message: `${status} is not documented for this operation` }]
          const response = deref(responses[key], `${operationAt}/responses/${key}`)
          if (!isObject(response.node)) return []
          const problems: Array<Problem> = []
          const declaredHeaders = isObject(response.node.headers) ? response.node.headers : {}
          for (const [name, header] of Object.entries(declaredHeaders)) {
            const resolved = deref(header, "").node
            if (isObject(resolved) && resolved.required === true && !Object.hasOwn(headers, name.toLowerCase())) {
              problems.push({ at: `header.${name}`, message: "required response header is missing" })
            }
          }
          const content = isObject(response.node.content) ? response.node.content : {}
          const types = Object.keys(content)
          if (responseBody === undefined) {
            return problems
          }
          if (types.length === 0) {
            return [...problems, { at: "body", message: `${status} must have no body` }]
          }
          if (contentType === undefined || !types.includes(contentType)) {
            return [
              ...problems,
              { at: "header.content-type", message: `must be one of ${types.join(", ")} (was ${contentType})` }
            ]
          }
          const cacheKey = `${key} ${contentType}`
          let validate = responseValidators.get(cacheKey)
          if (validate === undefined) {
            validate = plain.compile(refTo(`${response.at}/content/${escapeSegment(contentType)}/schema`))
            responseValidators.set(cacheKey, validate)
          }
          if (!validate(responseBody)) problems.push(...describeErrors(validate.errors, "body"))
          return problems
        }
      }
      return [compiled]
    })
  })
}
