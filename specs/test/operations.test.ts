import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { operations, type Provider, providers } from "../src/index.ts"

interface Listed {
  readonly operationId: string
  readonly method: string
  readonly path: string
  readonly reference: string
}

/** The operations the reference documents, checked in beside each spec: nothing may be dropped silently. */
const listed = (provider: Provider): ReadonlyArray<Listed> =>
  JSON.parse(readFileSync(new URL(`../${provider}/operations.json`, import.meta.url), "utf8"))

describe.each(providers)("%s spec operations", (provider) => {
  const inSpec = operations(provider)

  it("are exactly the reference's operations, with their methods and paths", () => {
    const key = ({ operationId, method, path }: { operationId: string; method: string; path: string }) =>
      `${operationId} ${method.toUpperCase()} ${path}`
    expect(inSpec.map(key).sort()).toEqual(listed(provider).map(key).sort())
  })

  it("have unique operationIds and a summary each", () => {
    const ids = inSpec.map((operation) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(
      inSpec.filter((operation) => operation.summary.trim() === "").map((operation) => operation.operationId)
    ).toEqual([])
  })
})
