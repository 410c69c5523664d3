/**
 * The consumer's first hour, automated: the published tarballs installed with npm into a fresh project outside the
 * workspace, the example programs type-checked against the packed types (strict, library checks on), compiled,
 * and run against the simulator.
 */
import { copyFile, mkdtemp, readdir, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { packAll, run } from "./support.ts"

const examples = fileURLToPath(new URL("../examples/", import.meta.url))

describe("a fresh npm project", () => {
  it("installs the tarballs, type-checks and runs the Effect, Promise and Promise-client examples", {
    timeout: 600_000
  }, async () => {
    const tarballs = await packAll()
    const project = await mkdtemp(join(tmpdir(), "switchboard-consumer-"))
    // The tarballs are direct dependencies, and overrides point the packages' own dependencies on one another at
    // them too (`$name` refers to the direct dependency), so nothing is fetched from the registry under our names.
    const dependencies = {
      ...Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`])),
      effect: "3.22.4",
      typescript: "5.9.3",
      "@types/node": "20.19.43"
    }
    const overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, `$${name}`]))
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module", dependencies, overrides }, null, 2)
    )
    for (const file of await readdir(examples)) await copyFile(join(examples, file), join(project, file))

    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project })
    const checked = await run("npx", ["tsc", "-p", "tsconfig.json"], { cwd: project }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? "tsc failed"
    )
    expect(checked).toBe("")

    // An example that fails or hangs says what it printed, and how it ended (a timeout kills it with SIGTERM). Each
    // takes a few seconds alone; the bound is generous because CI runs this beside three other suites on two cores.
    const example = (file: string) =>
      run("node", [file], { cwd: project, timeout: 120_000 }).catch(
        (error: { stdout?: string; stderr?: string; signal?: string; code?: number }) => {
          throw new Error(
            `node ${file} failed (exit ${error.code ?? "-"}, signal ${error.signal ?? "-"})\n--- stdout ---\n${error.stdout}\n--- stderr ---\n${error.stderr}`
          )
        }
      )
    const effect = await example("dist/effect-chat.js")
    expect(effect.stdout).toContain('"type":"connected"')
    expect(effect.stdout).toContain("effect example: done")
    const promise = await example("dist/promise-chat.js")
    expect(promise.stdout).toContain('"type":"connected"')
    expect(promise.stdout).toContain("promise example: done")
    const client = await example("dist/client-chats.js")
    expect(client.stdout).toContain("2 chats open")
    expect(client.stdout).toContain("client example: done")
  })
})
