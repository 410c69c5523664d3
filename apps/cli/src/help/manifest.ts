/**
 * The help manifest: every command's help page (as @effect/cli `HelpDoc` data) and command-line shape (options,
 * arguments, subcommands), keyed by command path (`""`, `"chat"`, `"agent say"`). `pnpm build` writes it to
 * `dist/help.json` from the command tree (`generate.ts`), so `--help` is answered without loading Effect,
 * @effect/cli or any command (see `bin.ts`); without the file, `main.ts` builds the same pages from the tree.
 *
 * Nothing here imports a package at run time.
 */
import { readFileSync } from "node:fs"
import type * as HelpDoc from "@effect/cli/HelpDoc"

/** An option as the command line sees it. */
export interface OptionSpec {
  /** `--provider`, `-p`. */
  readonly names: ReadonlyArray<string>
  /** What the value is: a switch takes none. */
  readonly kind: "switch" | "text" | "integer" | "float" | "choice"
  /** The placeholder shown in help (`URL`, `N`); the choices for `choice`. */
  readonly placeholder?: string
  readonly choices?: ReadonlyArray<string>
}

/** A positional argument. */
export interface ArgSpec {
  /** `<chat-id>`. */
  readonly name: string
  readonly optional: boolean
  readonly repeated: boolean
  /** What it is, from its help. */
  readonly description: string
}

export interface CommandPage {
  /** The subcommands' names. */
  readonly children: ReadonlyArray<string>
  readonly options: ReadonlyArray<OptionSpec>
  readonly args: ReadonlyArray<ArgSpec>
  /** The whole help page. */
  readonly doc: HelpDoc.HelpDoc
}

export interface Manifest {
  /** The package version it was built for; another version's manifest is not used. */
  readonly version: string
  readonly pages: Readonly<Record<string, CommandPage>>
}

/** The arguments before `--` (after it, everything is a value). */
const beforeDashes = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  return end === -1 ? args : args.slice(0, end)
}

/**
 * Whether the command line asks for help: `-h` or `--help` anywhere (as @effect/cli decides), or nothing at all
 * (`switchboard` alone shows its help).
 */
export const helpRequested = (args: ReadonlyArray<string>): boolean =>
  args.length === 0 || beforeDashes(args).some((arg) => arg === "--help" || arg === "-h")

/** Whether the command line asks for the version (`--version` anywhere, as @effect/cli decides). */
export const versionRequested = (args: ReadonlyArray<string>): boolean =>
  !helpRequested(args) && beforeDashes(args).includes("--version")

/**
 * The command the arguments name, as @effect/cli finds it: from the root, each argument that names a subcommand of
 * the command reached so far leads to it (`agent --control URL say …` is `agent say`).
 */
export const commandPath = (args: ReadonlyArray<string>, manifest: Manifest): ReadonlyArray<string> => {
  const path: Array<string> = []
  for (const arg of beforeDashes(args)) {
    if (manifest.pages[path.join(" ")]?.children.includes(arg)) path.push(arg)
  }
  return path
}

/** The package's version, from its package.json. */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version

/** Where `pnpm build` writes the manifest: `dist/help.json`. */
export const manifestUrl = new URL("../help.json", import.meta.url)

/** The built manifest, if there is one for this version. */
export const readManifest = (version: string): Manifest | undefined => {
  try {
    const manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as Manifest
    return manifest.version === version ? manifest : undefined
  } catch {
    return undefined
  }
}
