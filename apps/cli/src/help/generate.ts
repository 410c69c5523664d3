/**
 * `node dist/help/generate.js`, the last step of `pnpm build`: writes every command's help page and command-line
 * shape to `dist/help.json` (see `manifest.ts`), from the command tree.
 */
import { writeFileSync } from "node:fs"
import { app, tree } from "../cli.ts"
import { manifestOf } from "./docs.ts"
import { manifestUrl } from "./manifest.ts"

writeFileSync(manifestUrl, `${JSON.stringify(manifestOf(tree, app))}\n`)
