/**
 * Every published package, as its tarball: publint finds nothing to fix, and arethetypeswrong resolves its types
 * under node16 (from ESM) and bundler resolution. The packages are ESM-only by decision (see CONTRIBUTING.md), so
 * attw runs with its `esm-only` profile.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { packAll, publishedPackages, run } from "./support.ts"

let tarballs: Map<string, string>
beforeAll(async () => {
  tarballs = await packAll()
}, 120_000)

describe.each(publishedPackages().map((pkg) => pkg.name))("%s", { timeout: 60_000 }, (name) => {
  it("passes publint (strict)", async () => {
    const { stdout } = await run("pnpm", ["exec", "publint", "run", tarballs.get(name) ?? "", "--strict"])
    expect(stdout).toContain("All good!")
  })

  it("has types that resolve for node16 and bundlers (arethetypeswrong)", async () => {
    const result = await run("pnpm", ["exec", "attw", tarballs.get(name) ?? "", "--profile", "esm-only"]).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? "" })
    )
    expect(result.output).toBe("")
    expect(result.ok).toBe(true)
  })
})
