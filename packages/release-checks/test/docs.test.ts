/** The API reference (TypeDoc over every published entry point) builds with no warning. */
import { describe, expect, it } from "vitest"
import { root, run } from "./support.ts"

describe("API reference", () => {
  it("builds with TypeDoc, warnings treated as errors", { timeout: 240_000 }, async () => {
    const result = await run("pnpm", ["exec", "typedoc", "--options", "docs/typedoc.json"], { cwd: root }).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout}\n${error.stderr}` })
    )
    expect(result.output).not.toMatch(/\[warning\]|\[error\]/)
    expect(result.ok).toBe(true)
  })
})
