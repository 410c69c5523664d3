/**
 * The tests run the built binary (`node dist/bin.js`), as a user would. `pnpm test` (turbo) builds the CLI and its
 * dependencies first (`test` depends on `build`); this setup is the safety net for `pnpm exec vitest run` after an
 * edit: it rebuilds the CLI's own `dist/` (and its help manifest, `dist/help.json`) when it is missing or older than
 * any file in `src/`.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name)
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }, 0)

export default function setup() {
  // What `pnpm build` makes: the compiled CLI, then its help manifest from it.
  const built = [join(root, "dist", "bin.js"), join(root, "dist", "help.json")]
  const stale = built.some(
    (file) =>
      !existsSync(file) ||
      statSync(file).mtimeMs < Math.max(newest(join(root, "src")), statSync(join(root, "package.json")).mtimeMs)
  )
  if (stale) {
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: root, stdio: "inherit" }
    )
    execFileSync(process.execPath, [join(root, "dist", "help", "generate.js")], { cwd: root, stdio: "inherit" })
  }
}
