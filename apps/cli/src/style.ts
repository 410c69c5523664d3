/**
 * Terminal styling: colours only when the stream is a terminal and `NO_COLOR` is unset (https://no-color.org),
 * `FORCE_COLOR` to force them on; times, durations and a spinner. Nothing here writes anything, and nothing here
 * imports a package: `--help` and `--version` use it before anything heavy is loaded (see `bin.ts`).
 */

type Stream = { readonly isTTY?: boolean }

/** Whether to colour what goes to `stream`: NO_COLOR wins, then FORCE_COLOR, then "is it a terminal". */
export const colourFor = (stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true
  return stream.isTTY === true && env.TERM !== "dumb"
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`

export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly blue: (text: string) => string
  readonly magenta: (text: string) => string
  readonly cyan: (text: string) => string
}

const plain = (text: string) => text

export const makeStyle = (enabled: boolean): Style =>
  enabled
    ? {
        enabled,
        bold: sgr(1, 22),
        dim: sgr(2, 22),
        red: sgr(31, 39),
        green: sgr(32, 39),
        yellow: sgr(33, 39),
        blue: sgr(34, 39),
        magenta: sgr(35, 39),
        cyan: sgr(36, 39)
      }
    : {
        enabled,
        bold: plain,
        dim: plain,
        red: plain,
        green: plain,
        yellow: plain,
        blue: plain,
        magenta: plain,
        cyan: plain
      }

/** Styles for standard output and standard error, each decided by its own stream. */
export const stdoutStyle = (): Style => makeStyle(colourFor(process.stdout))
export const stderrStyle = (): Style => makeStyle(colourFor(process.stderr))

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const escapes = /\u001b\[[0-9;?]*[A-Za-z]/g

/** The text without ANSI escape sequences. */
export const stripAnsi = (text: string): string => text.replace(escapes, "")

/** Printed width of a text (escape sequences take no room). */
export const visibleLength = (text: string): number => stripAnsi(text).length

const two = (n: number) => String(n).padStart(2, "0")

/** `09:41` (local time). */
export const clock = (at: number): string => {
  const date = new Date(at)
  return `${two(date.getHours())}:${two(date.getMinutes())}`
}

/** `09:41:07` (local time). */
export const clockSeconds = (at: number): string => `${clock(at)}:${two(new Date(at).getSeconds())}`

/** `45 s`, `2 min`, `1 h 5 min`. */
export const duration = (seconds: number): string => {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** `1st`, `2nd`, `3rd`, `11th`. */
export const ordinal = (n: number): string => {
  const tens = n % 100
  if (tens >= 11 && tens <= 13) return `${n}th`
  return `${n}${n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th"}`
}

export const spinnerFrames: ReadonlyArray<string> = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** The few symbols the CLI prints. */
export const symbols = {
  ok: "✔",
  fail: "✖",
  warn: "!",
  skip: "–",
  arrow: "›",
  bullet: "·"
} as const
