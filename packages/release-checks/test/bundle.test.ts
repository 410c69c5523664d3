/**
 * Browser weight: the browser-facing entry (`@switchboard/relay/client`, what a widget ships) bundled and minified
 * with esbuild, then gzipped. The budget is written in CONTRIBUTING.md; raising it is a decision, not a fix.
 * (Core itself, Promise facade included, runs on the server: browsers never hold provider credentials.)
 */
import { gzipSync } from "node:zlib"
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

/** Bytes, minified and gzipped. */
const budget = 2_500

describe("browser bundle", () => {
  it(`@switchboard/relay/client stays within ${budget} bytes minified + gzip`, async () => {
    const result = await build({
      stdin: { contents: 'export * from "@switchboard/relay/client"', resolveDir: import.meta.dirname, loader: "ts" },
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent"
    })
    const code = result.outputFiles[0]?.contents ?? new Uint8Array()
    const gzipped = gzipSync(code).byteLength
    console.log(
      `@switchboard/relay/client: ${code.byteLength} bytes minified, ${gzipped} bytes gzip (budget ${budget})`
    )
    expect(result.errors).toEqual([])
    expect(gzipped).toBeLessThanOrEqual(budget)
  })
})
