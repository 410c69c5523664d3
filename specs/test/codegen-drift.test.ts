import { execFile } from "node:child_process"
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { providers, specPath } from "../src/index.ts"

const run = promisify(execFile)
const bin = fileURLToPath(new URL("../node_modules/.bin/openapi-typescript", import.meta.url))
const generated = (provider: string) =>
  fileURLToPath(new URL(`../../packages/client-${provider}/src/generated/${provider}.ts`, import.meta.url))

/** Exit code of `openapi-typescript <spec> -o <output> --check`, the command behind each client's codegen:check. */
const check = async (spec: string, output: string) =>
  run(bin, [spec, "-o", output, "--check"]).then(
    () => 0,
    (error: { code?: number }) => error.code ?? 1
  )

const scratch = await mkdtemp(join(tmpdir(), "switchboard-drift-"))
afterAll(() => rm(scratch, { recursive: true, force: true }))

// openapi-typescript takes a few seconds per spec on a busy 2-core machine (turbo runs tasks side by side).
describe.each(providers)("%s codegen drift check", { timeout: 120_000 }, (provider) => {
  it("passes while the committed types match the spec", async () => {
    expect(await check(specPath(provider), generated(provider))).toBe(0)
  })

  it("fails once the spec changes without regeneration", async () => {
    const spec = join(scratch, `${provider}.yaml`)
    const output = join(scratch, `${provider}.ts`)
    const original = await readFile(specPath(provider), "utf8")
    const extra =
      "  /drift-probe:\n    get:\n      operationId: driftProbe\n      responses:\n        '204':\n          description: x\n"
    await writeFile(spec, original.replace(/^paths:\n/m, `paths:\n${extra}`))
    await copyFile(generated(provider), output)
    expect(await check(spec, output)).not.toBe(0)
  })
})
