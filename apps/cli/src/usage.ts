/**
 * Usage errors in plain words. @effect/cli says what its parser tripped on ("Received unknown argument:
 * '--provider'", "Expected one of the following cases: …", "Invalid subcommand for switchboard"), not what is wrong
 * with the command line. Once it has refused a command line, this looks at the same arguments with what the help
 * manifest knows of each command (its subcommands, options, choices and arguments) and says the first thing wrong:
 * an unknown command or option (with the closest one), an option without its value (with the choices), a bad
 * choice or number, a missing or extra argument. It only explains: @effect/cli still decides what is accepted.
 */
import type { ValidationError } from "@effect/cli"
import { argTerm } from "./help/docs.ts"
import type { CommandPage, Manifest, OptionSpec } from "./help/manifest.ts"
import { blocksOf, plainSpan } from "./help/render.ts"

export interface Explained {
  /** What is wrong. */
  readonly message: string
  /** What to do, or where to read more. */
  readonly hint: string
}

/**
 * Edits from one word to another: insertions, deletions, substitutions and swaps of two neighbours (`chta` is one
 * edit from `chat`, where @effect/cli's `AutoCorrect.levensteinDistance` counts two).
 */
export const distance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i + j))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
      }
    }
  }
  return d[a.length]![b.length]!
}

/** The candidate closest to `word`, if it is close enough to be what was meant (or the only one it begins). */
export const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const bare = (text: string) => text.replace(/^-+/, "").toLowerCase()
  const typed = bare(word)
  const starting = typed.length >= 2 ? candidates.filter((candidate) => bare(candidate).startsWith(typed)) : []
  if (starting.length === 1) return starting[0]
  let best: { readonly candidate: string; readonly edits: number } | undefined
  for (const candidate of candidates) {
    const edits = distance(typed, bare(candidate))
    if (best === undefined || edits < best.edits) best = { candidate, edits }
  }
  return best !== undefined && best.edits <= (typed.length <= 3 ? 1 : 2) ? best.candidate : undefined
}

/** `a, b or c`. */
const alternatives = (items: ReadonlyArray<string>) =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`

const isFlag = (arg: string) => arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)
const builtIn = new Set(["--help", "-h", "--version"])

/** `switchboard agent say [options] <chat-id> <text>...`. */
const usageOf = (path: ReadonlyArray<string>, page: CommandPage) =>
  [
    "switchboard",
    ...path,
    ...(page.children.length > 0 && page.args.length === 0 ? ["<command>"] : []),
    ...(page.options.length > 0 ? ["[options]"] : []),
    ...page.args.map(argTerm)
  ].join(" ")

const lowerFirst = (text: string) => `${text.charAt(0).toLowerCase()}${text.slice(1)}`

/** The first thing wrong with the arguments, if this finds it. */
const problemIn = (args: ReadonlyArray<string>, manifest: Manifest): Explained | undefined => {
  const path: Array<string> = []
  const pageAt = (at: ReadonlyArray<string>) => manifest.pages[at.join(" ")]
  const page = () => pageAt(path)!
  const command = () => ["switchboard", ...path].join(" ")
  const help = () => `Run \`${command()} --help\` for its usage.`
  // Options of the command and of the commands above it (`agent --control URL say …`).
  const known = (): Array<OptionSpec> =>
    path.flatMap((_, n) => pageAt(path.slice(0, n))!.options).concat(page().options)
  const optionNamed = (name: string) => known().find((option) => option.names.includes(name))
  const positionals: Array<string> = []

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      positionals.push(...args.slice(i + 1))
      break
    }
    if (builtIn.has(arg)) continue
    if (isFlag(arg)) {
      const equals = arg.startsWith("--") ? arg.indexOf("=") : -1
      const name = equals === -1 ? arg : arg.slice(0, equals)
      const inline = equals === -1 ? undefined : arg.slice(equals + 1)
      const option = optionNamed(name)
      if (option === undefined) {
        const elsewhere = Object.entries(manifest.pages)
          .filter(([, other]) => other.options.some((o) => o.names.includes(name)))
          .map(([key]) => key)
        if (elsewhere.length > 0) {
          return {
            message: `${name} is not an option of ${command()}: it belongs to ${alternatives(elsewhere.map((key) => `switchboard ${key}`))}.`,
            hint: `Put it after the command, as in \`switchboard ${elsewhere[0]} ${name} …\`.`
          }
        }
        const names = known().flatMap((o) => o.names.filter((n) => n.startsWith("--")))
        const guess = closest(name, names)
        return {
          message: `${command()} has no option ${name}.${guess === undefined ? "" : ` Did you mean ${guess}?`}`,
          hint: help()
        }
      }
      if (option.kind === "switch") {
        if (inline !== undefined) {
          return { message: `${name} is a switch and takes no value: write ${name}, not ${arg}.`, hint: help() }
        }
        continue
      }
      const value = inline ?? args[i + 1]
      if (inline === undefined) i++
      if (value === undefined || (inline === undefined && (optionNamed(value) !== undefined || builtIn.has(value)))) {
        const wanted =
          option.kind === "choice"
            ? `: one of ${alternatives(option.choices ?? [])}`
            : option.kind === "integer"
              ? `: a whole number (${option.placeholder})`
              : option.kind === "float"
                ? `: a number (${option.placeholder})`
                : ` (${option.placeholder})`
        const long = option.names.find((n) => n.startsWith("--"))
        const called = long === undefined || long === name ? name : `${name} (${long})`
        return {
          message: `${called} needs a value${wanted}.${value === undefined ? "" : ` ${value} is another option.`}`,
          hint: help()
        }
      }
      if (option.kind === "choice" && !(option.choices ?? []).includes(value)) {
        const guess = closest(value, option.choices ?? [])
        return {
          message: `${name} must be ${alternatives(option.choices ?? [])}, not "${value}".${guess === undefined ? "" : ` Did you mean ${guess}?`}`,
          hint: help()
        }
      }
      if (option.kind === "integer" && !/^-?\d+$/.test(value.trim())) {
        return { message: `${name} takes a whole number (${option.placeholder}), not "${value}".`, hint: help() }
      }
      if (option.kind === "float" && (value.trim() === "" || !Number.isFinite(Number(value)))) {
        return { message: `${name} takes a number (${option.placeholder}), not "${value}".`, hint: help() }
      }
      continue
    }
    const here = page()
    if (positionals.length === 0 && here.children.includes(arg)) {
      path.push(arg)
      continue
    }
    if (positionals.length === 0 && here.children.length > 0 && here.args.length === 0) {
      const guess = closest(arg, here.children)
      return {
        message: `${command()} has no command "${arg}".${guess === undefined ? "" : ` Did you mean ${guess}?`}`,
        hint: `The ${path.length === 0 ? "" : `${path.join(" ")} `}commands: ${here.children.join(", ")} (\`${command()} --help\` says what each does).`
      }
    }
    positionals.push(arg)
  }

  const here = page()
  const required = here.args.filter((arg) => !arg.optional)
  if (positionals.length < required.length) {
    const missing = required[positionals.length]!
    return {
      message: `${command()} needs ${missing.name}${missing.description === "" ? "." : `: ${lowerFirst(missing.description)}`}`,
      hint: `Usage: ${usageOf(path, here)}`
    }
  }
  if (!here.args.some((arg) => arg.repeated) && positionals.length > here.args.length) {
    const extra = positionals[here.args.length]!
    return {
      message:
        here.args.length === 0
          ? `${command()} takes no arguments, and "${extra}" is not one of its options.`
          : `Unexpected argument "${extra}": ${command()} takes ${here.args.map(argTerm).join(" ")}.`,
      hint: `Usage: ${usageOf(path, here)} (\`${command()} --help\` lists the options)`
    }
  }
  return undefined
}

/** What @effect/cli said, as one sentence. */
const said = (error: ValidationError.ValidationError) => {
  const text = blocksOf(error.error)
    .flatMap((block) => (block._tag === "Paragraph" || block._tag === "Header" ? [plainSpan(block.value)] : []))
    .join(" ")
    .trim()
  return text === "" ? "The command line is not valid." : /[.!?]$/.test(text) ? text : `${text}.`
}

/** The usage error as a message and a hint: the first thing wrong, or @effect/cli's own words. */
export const explainUsageError = (
  args: ReadonlyArray<string>,
  error: ValidationError.ValidationError,
  manifest: Manifest
): Explained =>
  problemIn(args, manifest) ?? {
    message: said(error),
    hint: "Run `switchboard --help` (or `switchboard <command> --help`) for usage."
  }
