#!/usr/bin/env node
/**
 * `switchboard`: the entry point. `--version` and `--help` are answered here, from package.json and the help
 * manifest built with the CLI (`dist/help.json`, see `help/manifest.ts`), without loading Effect, @effect/cli or any
 * command: that keeps them well under 300 ms (`pnpm bench`). Everything else, and help when there is no manifest,
 * is `main.ts`, loaded only then.
 */
import { commandPath, helpRequested, packageVersion, readManifest, versionRequested } from "./help/manifest.ts"
import { helpWidth, renderHelp } from "./help/render.ts"
import { stdoutStyle } from "./style.ts"

// A closed pipe on standard output (`switchboard chat --json | head -1`) is not an error worth a stack trace.
process.stdout.on("error", () => {})

const args = process.argv.slice(2)

/** Prints the version or the help page asked for; false when that takes the whole CLI. */
const answered = (): boolean => {
  if (versionRequested(args)) {
    process.stdout.write(`${packageVersion()}\n`)
    return true
  }
  if (!helpRequested(args)) return false
  const manifest = readManifest(packageVersion())
  const page = manifest?.pages[commandPath(args, manifest).join(" ")]
  if (page === undefined) return false
  process.stdout.write(renderHelp(page.doc, { width: helpWidth(), style: stdoutStyle() }))
  return true
}

if (!answered()) await import("./main.ts")
