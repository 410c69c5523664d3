/**
 * The event, error and capability reference (docs/reference.md), generated from core's own schemas and data: the
 * descriptions are the schemas' `description` annotations, the fields their types.
 */
import { Capabilities, ChatEvent, Errors } from "@switchboard/core"
import { Option, type Schema, SchemaAST } from "effect"

const describe = (ast: SchemaAST.AST): string =>
  Option.getOrElse(SchemaAST.getDescriptionAnnotation(ast), () => "").replaceAll("\n", " ")

const cell = (text: string) => text.replaceAll("|", "\\|")

/** `name: type` for each field, `?` when optional. */
const fieldsOf = (fields: Schema.Struct.Fields, skip: ReadonlySet<string>): string =>
  Object.entries(fields)
    .filter(([name]) => !skip.has(name))
    .map(([name, field]) => {
      const ast = field.ast as
        | SchemaAST.AST
        | { _tag: "PropertySignatureDeclaration"; isOptional: boolean; type: SchemaAST.AST }
      const optional = ast._tag === "PropertySignatureDeclaration" && ast.isOptional
      const type =
        ast._tag === "PropertySignatureDeclaration" ? String(ast.type).replace(/ \| undefined$/, "") : String(field)
      return `\`${name}${optional ? "?" : ""}: ${type}\``
    })
    .join(", ")

export const generateReference = (): string => {
  const lines: Array<string> = [
    "# Events, errors and capabilities",
    "",
    "Generated from `@switchboard/core`'s schemas by `packages/release-checks` (`UPDATE_REFERENCE=1 pnpm --filter",
    "@switchboard/release-checks test`); a test fails when this file and the code disagree. The same shapes travel",
    "in the Effect API, the Promise facade and the relay's Server-Sent Events.",
    "",
    "## Events",
    "",
    "| `type` | fields | meaning |",
    "|---|---|---|"
  ]
  for (const member of ChatEvent.ChatEvent.members) {
    const type = String((member.fields.type as unknown as { literals: ReadonlyArray<string> }).literals[0])
    const fields = fieldsOf(member.fields, new Set(["type"]))
    lines.push(`| \`${type}\` | ${cell(fields)} | ${cell(describe(member.ast))} |`)
  }
  lines.push(
    "",
    "## Errors",
    "",
    "Every error is an `Error` with a `_tag`; its `message` says what to do and never carries a secret.",
    ""
  )
  lines.push("| `_tag` | fields | meaning |", "|---|---|---|")
  for (const member of Errors.ChatError.members) {
    const tag = (member as unknown as { _tag: string })._tag
    const fields = fieldsOf((member as unknown as { fields: Schema.Struct.Fields }).fields, new Set(["_tag"]))
    // A class schema is a transformation: its description sits on the declaration it decodes to.
    const ast = member.ast._tag === "Transformation" ? member.ast.to : member.ast
    lines.push(`| \`${tag}\` | ${cell(fields)} | ${cell(describe(ast))} |`)
  }
  lines.push("", "## Capabilities", "", "What each provider's visitor API can do; user interfaces branch on these.", "")
  const providers = ["salesforce", "liveperson", "livechat"] as const
  lines.push(`| capability | ${providers.join(" | ")} |`, `|---|${providers.map(() => "---").join("|")}|`)
  for (const key of Object.keys(Capabilities.capabilities.salesforce) as Array<keyof Capabilities.Capabilities>) {
    lines.push(
      `| \`${key}\` | ${providers.map((p) => (Capabilities.capabilities[p][key] ? "yes" : "no")).join(" | ")} |`
    )
  }
  return `${lines.join("\n")}\n`
}
