import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { generateReference } from "./reference.ts"
import { root } from "./support.ts"

const file = join(root, "docs", "reference.md")

describe("docs/reference.md", () => {
  it("matches core's event and error schemas and capabilities", () => {
    const generated = generateReference()
    if (process.env.UPDATE_REFERENCE === "1") writeFileSync(file, generated)
    expect(readFileSync(file, "utf8"), "regenerate with UPDATE_REFERENCE=1").toBe(generated)
  })
})
