/** Packing the workspace's published packages the way `pnpm publish` would. */
import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

export const run = promisify(execFile)
export const root = fileURLToPath(new URL("../../../", import.meta.url))

export interface Published {
  readonly name: string
  readonly dir: string
}

/** Every workspace package that is not private. */
export const publishedPackages = (): Array<Published> =>
  ["specs", ...readdirSync(join(root, "packages")).map((name) => join("packages", name))]
    .map((dir) => ({
      dir: join(root, dir),
      manifest: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir }))

/** Packs every published package into a fresh folder; returns tarball paths by package name. */
export const packAll = async (): Promise<Map<string, string>> => {
  const destination = await mkdtemp(join(tmpdir(), "switchboard-pack-"))
  const tarballs = new Map<string, string>()
  for (const { name, dir } of publishedPackages()) {
    const { stdout } = await run("pnpm", ["pack", "--pack-destination", destination], { cwd: dir })
    const tarball = stdout.trim().split("\n").at(-1) ?? ""
    tarballs.set(name, tarball)
  }
  return tarballs
}
