/**
 * Finds every example in an OpenAPI 3.1 document and the schema it illustrates.
 *
 * Locations covered: media types and parameters/headers (`example` or `examples` beside a `schema`, with
 * `$ref`s to `components/examples` resolved), and schema objects' own JSON Schema `examples` arrays.
 */
import type { OpenApiDocument } from "../src/index.ts"

export interface ExampleCase {
  /** Where the example stands, as a JSON pointer into the document. */
  readonly at: string
  /** JSON pointer of the schema it must satisfy. */
  readonly schemaPointer: string
  readonly value: unknown
}

const escapeSegment = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1")

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Follows a local `$ref` (`#/...`); anything else is returned as it is. */
export const resolve = (document: object, node: unknown): unknown => {
  if (!isObject(node) || typeof node.$ref !== "string" || !node.$ref.startsWith("#/")) return node
  return node.$ref
    .slice(2)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), document)
}

export const collectExamples = (document: OpenApiDocument): Array<ExampleCase> => {
  const cases: Array<ExampleCase> = []
  const visit = (node: unknown, pointer: string, inComponentsExamples: boolean): void => {
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${pointer}/${index}`, inComponentsExamples)
      return
    }
    if (!isObject(node)) return
    if (!inComponentsExamples) {
      if ("schema" in node && isObject(node.schema)) {
        const schemaPointer = `${pointer}/schema`
        if ("example" in node) cases.push({ at: `${pointer}/example`, schemaPointer, value: node.example })
        if (isObject(node.examples)) {
          for (const [name, example] of Object.entries(node.examples)) {
            const resolved = resolve(document, example)
            if (isObject(resolved) && "value" in resolved) {
              cases.push({ at: `${pointer}/examples/${escapeSegment(name)}`, schemaPointer, value: resolved.value })
            }
          }
        }
      } else if (Array.isArray(node.examples) && ("type" in node || "properties" in node || "$ref" in node)) {
        for (const [index, value] of node.examples.entries()) {
          cases.push({ at: `${pointer}/examples/${index}`, schemaPointer: pointer, value })
        }
      }
    }
    for (const [key, child] of Object.entries(node)) {
      const childPointer = `${pointer}/${escapeSegment(key)}`
      visit(child, childPointer, inComponentsExamples || childPointer === "/components/examples")
    }
  }
  visit(document, "", false)
  return cases
}

const hasExample = (document: object, holder: unknown): boolean => {
  const content = (resolve(document, holder) as { content?: Record<string, Record<string, unknown>> } | undefined)
    ?.content
  return Object.values(content ?? {}).some((media) => media.example !== undefined || isObject(media.examples))
}

const hasContent = (document: object, holder: unknown): boolean =>
  Object.keys((resolve(document, holder) as { content?: object } | undefined)?.content ?? {}).length > 0

/** "operationId: request|response" for every operation lacking an example where it has a body. */
export const operationsWithoutExamples = (document: OpenApiDocument): Array<string> =>
  Object.values(document.paths).flatMap((item) =>
    Object.values(item).flatMap((operation) => {
      if (!isObject(operation) || typeof operation.operationId !== "string") return []
      const responses = Object.values((operation.responses ?? {}) as Record<string, unknown>)
      const missing: Array<string> = []
      if (operation.requestBody !== undefined && !hasExample(document, operation.requestBody)) missing.push("request")
      if (responses.some((response) => hasContent(document, response))) {
        if (!responses.some((response) => hasExample(document, response))) missing.push("response")
      }
      return missing.map((what) => `${operation.operationId}: ${what}`)
    })
  )
