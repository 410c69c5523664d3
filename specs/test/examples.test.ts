import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { describe, expect, it } from "vitest"
import { loadSpec, providers } from "../src/index.ts"
import { collectExamples, operationsWithoutExamples } from "./examples.ts"

/** An ajv instance that knows the whole document under the id `spec`, so `#/components/...` refs resolve. */
const validatorFor = (document: object) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
  addFormats.default(ajv)
  for (const format of ["int32", "int64", "float", "double"]) ajv.addFormat(format, true)
  ajv.addSchema(document, "spec")
  return (pointer: string) => {
    const fragment = pointer.split("/").map(encodeURIComponent).join("/")
    return ajv.compile({ $ref: `spec#${fragment}` })
  }
}

describe.each(providers)("%s spec examples", (provider) => {
  const document = loadSpec(provider)
  const cases = collectExamples(document)
  const validator = validatorFor(document)

  it("has examples", () => {
    expect(cases.length).toBeGreaterThan(10)
  })

  it.each(cases.map((example) => [example.at, example] as const))("%s validates against its schema", (_, example) => {
    const validate = validator(example.schemaPointer)
    const valid = validate(example.value)
    expect(validate.errors ?? [], `example at ${example.at}`).toEqual([])
    expect(valid).toBe(true)
  })

  it("illustrates every operation with a request example (when it has a body) and a response example", () => {
    expect(operationsWithoutExamples(document)).toEqual([])
  })
})
