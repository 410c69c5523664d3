/**
 * Every command's help page, built from what @effect/cli knows of the command tree (`Command.getHelp`,
 * `Command.getUsage`, each `withDescription`), post-processed into one readable page:
 *
 * - one title line (`switchboard 0.0.0 — summary`, the CliApp's name, version and summary) instead of two;
 * - `$ switchboard agent say [options] <chat-id> <text>...`, the whole command path, instead of `$ say …`;
 * - COMMANDS: each subcommand with the first paragraph of its description, not every usage padded to the longest;
 * - OPTIONS and ARGUMENTS without @effect/cli's stock lines ("A user-defined piece of text.", "This setting is
 *   optional."; defaults are in the descriptions, see `describedDefault` in `options.ts`);
 * - the examples (after a level-2 "Examples" header in a description) in their own EXAMPLES section;
 * - the CliApp's footer (the exit codes) last.
 *
 * `render.ts` turns a page into text at the terminal's width.
 */
import { CliConfig, Command, HelpDoc, Span, type Usage } from "@effect/cli"
import { Option } from "effect"
import type { ArgSpec, CommandPage, Manifest, OptionSpec } from "./manifest.ts"
import { blocksOf, plainSpan } from "./render.ts"

/** A command as help sees it: its own help and usage (without its subcommands'), and its subcommands. */
export interface HelpNode {
  readonly name: string
  readonly help: () => HelpDoc.HelpDoc
  readonly usage: () => Usage.Usage
  readonly children: ReadonlyArray<HelpNode>
}

/** What the CliApp shows on every page. */
export interface AppInfo {
  readonly name: string
  readonly version: string
  readonly summary: Span.Span
  readonly footer: HelpDoc.HelpDoc
}

const config = CliConfig.make({ showBuiltIns: false })

/** `command` is the command before `Command.withSubcommands`; `children` are its subcommands. */
export const helpNode = <Name extends string, R, E, A>(
  command: Command.Command<Name, R, E, A>,
  children: ReadonlyArray<HelpNode> = []
): HelpNode => ({
  name: [...Command.getNames(command)][0] ?? "",
  help: () => Command.getHelp(command, config),
  usage: () => Command.getUsage(command),
  children
})

type Block = ReturnType<typeof blocksOf>[number]

/** The blocks under each level-1 header of @effect/cli's help (`DESCRIPTION`, `ARGUMENTS`, `OPTIONS`). */
const sectionsOf = (doc: HelpDoc.HelpDoc): Record<string, Array<Block>> => {
  const sections: Record<string, Array<Block>> = {}
  let current = ""
  for (const block of blocksOf(doc)) {
    if (block._tag === "Header" && block.level === 1) current = plainSpan(block.value)
    else sections[current] = [...(sections[current] ?? []), block]
  }
  return sections
}

/** @effect/cli's stock description of a value's type (`Primitive.getHelp`). */
const primitives = [
  /^A user-defined piece of text\.$/,
  /^An integer\.$/,
  /^A floating point number\.$/,
  /^A true or false value\.$/,
  /^One of the following: /,
  /^A date without a time-zone/,
  /^An existing (file|directory)/,
  /^A file or directory/
]

/** Stock lines not worth showing: the type (the placeholder says it), "optional" (every option is), repetition. */
const stock = [...primitives, /^This setting is optional\./, /^This (argument|option) (must|may) be repeated/]

const kindOf = (primitive: string | undefined): OptionSpec["kind"] =>
  primitive === undefined
    ? "text"
    : primitive.startsWith("A true or false")
      ? "switch"
      : primitive.startsWith("One of the following")
        ? "choice"
        : primitive.startsWith("An integer")
          ? "integer"
          : primitive.startsWith("A floating point")
            ? "float"
            : "text"

interface Definition {
  /** Option names (`-p`, `--provider`) or the argument's name (`<chat-id>`). */
  readonly names: ReadonlyArray<string>
  readonly primitive: string | undefined
  readonly description: string
}

/** One entry of @effect/cli's OPTIONS or ARGUMENTS list, taken apart. */
const definitionOf = ([term, doc]: readonly [Span.Span, HelpDoc.HelpDoc]): Definition => {
  const text = plainSpan(term)
  const names = text.match(/(?<=^|[\s(,])(--?[A-Za-z][\w-]*|<[^>]+>)/g) ?? []
  const paragraphs = blocksOf(doc).flatMap((block) => (block._tag === "Paragraph" ? [plainSpan(block.value)] : []))
  const primitive = paragraphs.find((paragraph) => primitives.some((pattern) => pattern.test(paragraph)))
  const description = paragraphs.filter((paragraph) => !stock.some((pattern) => pattern.test(paragraph))).join(" ")
  return { names, primitive, description }
}

const definitionsIn = (blocks: ReadonlyArray<Block> | undefined): Array<Definition> =>
  (blocks ?? []).flatMap((block) => (block._tag === "DescriptionList" ? block.definitions.map(definitionOf) : []))

/** Options and arguments, in order, from the command's usage. */
const shapeOf = (usage: Usage.Usage) => {
  const options: Array<Omit<OptionSpec, "kind">> = []
  const args: Array<Omit<ArgSpec, "description">> = []
  const walk = (node: Usage.Usage, optional: boolean, repeated: boolean): void => {
    switch (node._tag) {
      case "Named": {
        const [first] = node.names
        if (first?.startsWith("-")) {
          const accepted = Option.getOrUndefined(node.acceptedValues)
          const choices = accepted?.includes(" | ") ? accepted.split(" | ") : undefined
          options.push({
            names: [...node.names].sort((a, b) => a.length - b.length),
            ...(accepted === undefined ? {} : { placeholder: choices ? choices.join("|") : accepted }),
            ...(choices === undefined ? {} : { choices })
          })
        } else if (first?.startsWith("<")) {
          args.push({ name: first, optional, repeated })
        }
        break
      }
      case "Optional":
        walk(node.usage, true, repeated)
        break
      case "Repeated":
        walk(node.usage, optional, true)
        break
      case "Concat":
      case "Alternation":
        walk(node.left, optional, repeated)
        walk(node.right, optional, repeated)
        break
      default:
        break
    }
  }
  walk(usage, false, false)
  return { options, args }
}

/** `-p, --provider livechat|salesforce|liveperson`. */
export const optionTerm = (option: OptionSpec): string =>
  `${option.names.join(", ")}${option.placeholder === undefined ? "" : ` ${option.placeholder}`}`

/** `<chat-id>`, `[<chat-id>]`, `<text>...`. */
export const argTerm = (arg: Pick<ArgSpec, "name" | "optional" | "repeated">): string => {
  const term = `${arg.name}${arg.repeated ? "..." : ""}`
  return arg.optional ? `[${term}]` : term
}

const list = (entries: ReadonlyArray<readonly [string, string]>): HelpDoc.HelpDoc => {
  const [first, ...rest] = entries.map(([term, text]): [Span.Span, HelpDoc.HelpDoc] => [
    Span.text(term),
    HelpDoc.p(text)
  ])
  return first === undefined ? HelpDoc.empty : HelpDoc.descriptionList([first, ...rest])
}

const isExamplesHeader = (block: Block) =>
  block._tag === "Header" && block.level > 1 && plainSpan(block.value).toLowerCase() === "examples"

/** A description's paragraphs and its examples (what follows its "Examples" header). */
const descriptionOf = (node: HelpNode) => {
  const blocks = sectionsOf(node.help()).DESCRIPTION ?? []
  const at = blocks.findIndex(isExamplesHeader)
  return at === -1 ? { text: blocks, examples: [] } : { text: blocks.slice(0, at), examples: blocks.slice(at + 1) }
}

/** The first paragraph of a command's description: its line in its parent's COMMANDS. */
export const summaryOf = (node: HelpNode): string => {
  const first = descriptionOf(node).text.find((block) => block._tag === "Paragraph")
  return first === undefined ? "" : plainSpan(first.value)
}

const builtIns: ReadonlyArray<readonly [string, string]> = [
  ["-h, --help", "Show this help; after a command, that command's help."],
  ["--version", "Print the version."]
]

const pageOf = (node: HelpNode, path: ReadonlyArray<string>, app: AppInfo): CommandPage => {
  const sections = sectionsOf(node.help())
  const shape = shapeOf(node.usage())
  const optionDefinitions = definitionsIn(sections.OPTIONS)
  const argDefinitions = definitionsIn(sections.ARGUMENTS)
  const find = (names: ReadonlyArray<string>, definitions: ReadonlyArray<Definition>) =>
    definitions.find((definition) => definition.names.some((name) => names.includes(name)))
  const options: Array<OptionSpec> = shape.options.map((option) => ({
    ...option,
    kind: option.placeholder === undefined ? "switch" : kindOf(find(option.names, optionDefinitions)?.primitive)
  }))
  const args: Array<ArgSpec> = shape.args.map((arg) => ({
    ...arg,
    description: find([arg.name], argDefinitions)?.description ?? ""
  }))
  const description = descriptionOf(node)
  const command = [app.name, ...path].join(" ")
  const argsUsage = args.map((arg) => ` ${argTerm(arg)}`).join("")
  const optionsUsage = options.length > 0 ? " [options]" : ""
  const usage =
    path.length === 0
      ? [`$ ${command} <command> [options]`]
      : [
          `$ ${command}${optionsUsage}${argsUsage}`,
          ...(node.children.length > 0 ? [`$ ${command} <command> [options]`] : [])
        ]
  const doc = HelpDoc.blocks([
    HelpDoc.p(Span.spans([Span.strong(`${app.name} ${app.version}`), Span.text(" — "), app.summary])),
    HelpDoc.h1("USAGE"),
    HelpDoc.p(usage.join("\n")),
    ...(description.text.length > 0 ? [HelpDoc.h1("DESCRIPTION"), ...description.text] : []),
    ...(node.children.length > 0
      ? [HelpDoc.h1("COMMANDS"), list(node.children.map((child) => [child.name, summaryOf(child)]))]
      : []),
    ...(args.length > 0 ? [HelpDoc.h1("ARGUMENTS"), list(args.map((arg) => [argTerm(arg), arg.description]))] : []),
    ...(options.length > 0 || path.length === 0
      ? [
          HelpDoc.h1("OPTIONS"),
          list([
            ...options.map((option): readonly [string, string] => [
              optionTerm(option),
              find(option.names, optionDefinitions)?.description ?? ""
            ]),
            ...(path.length === 0 ? builtIns : [])
          ])
        ]
      : []),
    ...(description.examples.length > 0 ? [HelpDoc.h1("EXAMPLES"), ...description.examples] : []),
    app.footer
  ])
  return { children: node.children.map((child) => child.name), options, args, doc }
}

/** Every page of the tree, keyed by command path (`""` for the root). */
export const manifestOf = (root: HelpNode, app: AppInfo): Manifest => {
  const pages: Record<string, CommandPage> = {}
  const visit = (node: HelpNode, path: ReadonlyArray<string>) => {
    pages[path.join(" ")] = pageOf(node, path, app)
    for (const child of node.children) visit(child, [...path, child.name])
  }
  visit(root, [])
  return { version: app.version, pages }
}
