/**
 * Help pages as text that fits the terminal. @effect/cli's own renderer (`HelpDoc.toAnsiText`) never wraps: each
 * paragraph is one unbreakable `Doc.text`, and it takes no width. This renders the same `HelpDoc` data, wrapped to
 * `width`: paragraphs word-wrapped, description lists in two columns (short terms) or stacked (long ones), and
 * examples (`$ command` paragraphs) broken between arguments with a shell continuation (`\`).
 *
 * It imports no package at run time (only @effect/cli's types), so `switchboard --help` can use it before anything
 * heavy is loaded.
 */
import type * as HelpDoc from "@effect/cli/HelpDoc"
import type * as Span from "@effect/cli/HelpDoc/Span"
import type { Style } from "../style.ts"

export interface RenderOptions {
  readonly width: number
  readonly style: Style
}

/** Help never gets narrower than this, nor wider than `maxWidth`: longer lines are hard to read. */
export const minWidth = 40
export const maxWidth = 120

/** The width help is wrapped to: `COLUMNS`, else the terminal's width, else 80; kept within 40 to 120. */
export const helpWidth = (
  env: NodeJS.ProcessEnv = process.env,
  stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stdout
): number => {
  const fromEnv = Number.parseInt(env.COLUMNS ?? "", 10)
  const columns =
    Number.isInteger(fromEnv) && fromEnv > 0
      ? fromEnv
      : stream.isTTY === true && stream.columns !== undefined && stream.columns > 0
        ? stream.columns
        : 80
  return Math.min(maxWidth, Math.max(minWidth, columns))
}

type Paint = (text: string) => string

interface Fragment {
  readonly text: string
  readonly paint: Paint
}

/** A word: fragments with no space between them, each painted its own way. */
type Word = ReadonlyArray<Fragment>

const same: Paint = (text) => text
const then =
  (outer: Paint, inner: Paint): Paint =>
  (text) =>
    outer(inner(text))

const fragmentsOf = (span: Span.Span, style: Style, paint: Paint = same): Array<Fragment> => {
  switch (span._tag) {
    case "Text":
      return [{ text: span.value, paint }]
    case "URI":
      return [{ text: span.value, paint: then(paint, style.cyan) }]
    case "Strong":
      return fragmentsOf(span.value, style, then(paint, style.bold))
    case "Weak":
      return fragmentsOf(span.value, style, then(paint, style.dim))
    case "Highlight":
      return fragmentsOf(span.value, style, then(paint, span.color._tag === "Red" ? style.red : style.cyan))
    case "Sequence":
      return [...fragmentsOf(span.left, style, paint), ...fragmentsOf(span.right, style, paint)]
  }
}

/** The span's text, without styles. */
export const plainSpan = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Strong":
    case "Weak":
    case "Highlight":
      return plainSpan(span.value)
    case "Sequence":
      return plainSpan(span.left) + plainSpan(span.right)
  }
}

/** The blocks of a document, in order (sequences flattened, empties dropped). */
export const blocksOf = (doc: HelpDoc.HelpDoc): Array<Exclude<HelpDoc.HelpDoc, HelpDoc.Sequence | HelpDoc.Empty>> => {
  switch (doc._tag) {
    case "Empty":
      return []
    case "Sequence":
      return [...blocksOf(doc.left), ...blocksOf(doc.right)]
    default:
      return [doc]
  }
}

const widthOf = (word: Word) => word.reduce((sum, fragment) => sum + fragment.text.length, 0)
const paintWord = (word: Word) => word.map((fragment) => fragment.paint(fragment.text)).join("")

/** Lines of words: `\n` in the text breaks a line; runs of spaces separate words. */
const linesOfWords = (fragments: ReadonlyArray<Fragment>): Array<Array<Word>> => {
  const lines: Array<Array<Word>> = [[]]
  let word: Array<Fragment> = []
  const endWord = () => {
    if (word.length > 0) lines[lines.length - 1]!.push(word)
    word = []
  }
  for (const fragment of fragments) {
    const pieces = fragment.text.split(/( +|\n)/)
    for (const piece of pieces) {
      if (piece === "") continue
      if (piece === "\n") {
        endWord()
        lines.push([])
      } else if (piece.startsWith(" ")) {
        endWord()
      } else {
        word.push({ text: piece, paint: fragment.paint })
      }
    }
  }
  endWord()
  return lines
}

/** A word too long for a whole line is cut into pieces that fit. */
const splitLong = (word: Word, room: number): Array<Word> => {
  if (widthOf(word) <= room) return [word]
  const pieces: Array<Word> = []
  let piece: Array<Fragment> = []
  let used = 0
  for (const fragment of word) {
    let text = fragment.text
    while (text.length > 0) {
      const take = Math.min(text.length, room - used)
      piece.push({ text: text.slice(0, take), paint: fragment.paint })
      used += take
      text = text.slice(take)
      if (used === room) {
        pieces.push(piece)
        piece = []
        used = 0
      }
    }
  }
  if (piece.length > 0) pieces.push(piece)
  return pieces
}

/** Word-wraps to `width`: the first line starts with `first`, the others with `rest` (both already counted). */
const wrap = (fragments: ReadonlyArray<Fragment>, width: number, first: string, rest: string): Array<string> => {
  const out: Array<string> = []
  for (const words of linesOfWords(fragments)) {
    let line = out.length === 0 ? first : rest
    let used = line.length
    let empty = true
    for (const whole of words) {
      for (const word of splitLong(whole, Math.max(1, width - rest.length))) {
        const size = widthOf(word)
        if (!empty && used + 1 + size > width) {
          out.push(line)
          line = rest
          used = rest.length
          empty = true
        }
        line += `${empty ? "" : " "}${paintWord(word)}`
        used += (empty ? 0 : 1) + size
        empty = false
      }
    }
    out.push(line)
  }
  return out.map((line) => line.trimEnd())
}

/** Shell words: quoted strings stay whole; a flag and its value stay together. */
const shellUnits = (command: string): Array<string> => {
  const words = command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []
  const units: Array<string> = []
  for (const word of words) {
    const previous = units.at(-1)
    const takesValue = previous !== undefined && /^-[^ ]*$/.test(previous) && !previous.includes("=")
    if (takesValue && !word.startsWith("-") && word !== "|" && !word.startsWith("<"))
      units[units.length - 1] = `${previous} ${word}`
    else units.push(word)
  }
  return units
}

/**
 * `$ command`, broken between arguments with `\` and the rest indented, so it still pastes into a shell. A word is
 * never cut: one longer than a whole line (a long URL in a narrow terminal) overflows it.
 */
const commandLines = (command: string, width: number, indent: string): Array<string> => {
  const room = width - indent.length - 2 // keep room for " \"
  const continued = "   "
  // A flag and its value stay together when they fit on a line of their own.
  const units = shellUnits(command).flatMap((unit) =>
    continued.length + 1 + unit.length > room ? (unit.match(/"[^"]*"|'[^']*'|\S+/g) ?? [unit]) : [unit]
  )
  const lines: Array<string> = []
  let line = "$"
  for (const unit of units) {
    if (line !== "$" && line !== continued && line.length + 1 + unit.length > room) {
      lines.push(`${line} \\`)
      line = continued
    }
    line += ` ${unit}`
  }
  lines.push(line)
  return lines.map((text) => `${indent}${text}`)
}

/** A paragraph of the form `$ command` (code), optionally followed by a comment: an example. */
const exampleOf = (span: Span.Span): { readonly command: string; readonly comment: string } | undefined => {
  const head = span._tag === "Sequence" ? span.left : span
  if (head._tag !== "Highlight") return undefined
  const command = plainSpan(head)
  if (!command.startsWith("$ ")) return undefined
  const comment = span._tag === "Sequence" ? plainSpan(span.right).trim().replace(/^#\s*/, "") : ""
  return { command: command.slice(2), comment }
}

/** One description list: two columns when every term is short, else each term on its own line. */
const renderList = (list: HelpDoc.DescriptionList, width: number, indent: string, style: Style): Array<string> => {
  const terms = list.definitions.map(([term]) => plainSpan(term))
  const column = Math.max(...terms.map((term) => term.length))
  const twoColumns = column <= 16 && width - indent.length - column - 2 >= 30
  const out: Array<string> = []
  list.definitions.forEach(([term, doc], i) => {
    const text = terms[i]!
    // The paragraphs of a definition run together, one space apart.
    const joined = blocksOf(doc).flatMap((block, n) =>
      block._tag === "Paragraph" || block._tag === "Header"
        ? [...(n === 0 ? [] : [{ text: " ", paint: same }]), ...fragmentsOf(block.value, style)]
        : []
    )
    if (twoColumns) {
      const hang = `${indent}${" ".repeat(column + 2)}`
      const lead = `${indent}${style.bold(text)}${" ".repeat(column - text.length + 2)}`
      const lines = wrap(joined, width, hang, hang)
      out.push(`${lead}${(lines[0] ?? "").slice(hang.length)}`.trimEnd(), ...lines.slice(1))
    } else {
      out.push(...wrap(fragmentsOf(term, style, style.bold), width, indent, `${indent}    `))
      if (joined.length > 0) out.push(...wrap(joined, width, `${indent}    `, `${indent}    `))
    }
  })
  return out
}

/**
 * The page as text: `# HEADER` lines flush left and their content indented by two; a blank line between
 * paragraphs, examples and sections; no line longer than `width` (a word too long for a line is cut).
 */
export const renderHelp = (doc: HelpDoc.HelpDoc, options: RenderOptions): string => {
  const { style } = options
  const width = Math.max(minWidth, options.width)
  const out: Array<string> = []
  let indent = ""
  const gap = () => {
    if (out.length > 0 && out[out.length - 1] !== "") out.push("")
  }
  let previous: string | undefined
  for (const block of blocksOf(doc)) {
    switch (block._tag) {
      case "Header": {
        gap()
        const base = block.level <= 1 ? "" : indent
        out.push(...wrap(fragmentsOf(block.value, style, style.bold), width, base, base))
        indent = `${base}  `
        break
      }
      case "Paragraph": {
        if (previous === "Paragraph" || previous === "DescriptionList" || previous === "Enumeration") gap()
        const example = exampleOf(block.value)
        if (example === undefined) {
          out.push(...wrap(fragmentsOf(block.value, style), width, indent, indent))
        } else {
          if (example.comment !== "")
            out.push(...wrap([{ text: `# ${example.comment}`, paint: style.dim }], width, indent, `${indent}# `))
          out.push(...commandLines(example.command, width, indent))
        }
        break
      }
      case "DescriptionList": {
        if (previous === "Paragraph" || previous === "Enumeration") gap()
        out.push(...renderList(block, width, indent, style))
        break
      }
      case "Enumeration": {
        if (previous === "Paragraph" || previous === "DescriptionList") gap()
        for (const element of block.elements) {
          const fragments = blocksOf(element).flatMap((inner) =>
            inner._tag === "Paragraph" || inner._tag === "Header" ? fragmentsOf(inner.value, style) : []
          )
          out.push(...wrap(fragments, width, `${indent}- `, `${indent}  `))
        }
        break
      }
    }
    previous = block._tag
  }
  while (out.at(-1) === "") out.pop()
  return `${out.join("\n")}\n`
}
