/**
 * Where chat output goes. On a terminal: lines scroll above a footer made of a status line (spinner, "is typing")
 * and the input prompt, which keeps what the user is typing. Elsewhere: plain lines on standard output.
 */
import * as readline from "node:readline"
import { Effect, Queue, type Scope } from "effect"
import type { Style } from "../style.ts"
import { symbols, visibleLength } from "../style.ts"

export interface Screen {
  /** Prints a whole line (above the footer on a terminal). */
  readonly line: (text: string) => void
  /** The status line under the transcript; terminal only (ignored elsewhere). */
  readonly status: (text: string | undefined) => void
}

/** What the person at the terminal did. */
export type Action =
  | { readonly _tag: "Line"; readonly text: string }
  /** A key that changed the line being typed, which `line` is (after the key). */
  | { readonly _tag: "Keystroke"; readonly line: string }
  | { readonly _tag: "Eof" }
  | { readonly _tag: "Interrupt" }

/**
 * Whether a line, as typed so far, is a message to send rather than a command: only typing a message counts as
 * typing for the other side. `/end`, `/use …` are commands; `//text` sends `/text`.
 */
export const isMessageText = (line: string): boolean => {
  const text = line.trimStart()
  return text !== "" && (!text.startsWith("/") || text.startsWith("//"))
}

/** Plain lines on standard output (or nothing, for `--json`, where standard output carries events only). */
export const lineScreen = (write: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Screen => ({
  line: write,
  status: () => {}
})

export const silentScreen: Screen = { line: () => {}, status: () => {} }

export interface TerminalScreen extends Screen {
  readonly actions: Queue.Dequeue<Action>
  /** From now on, Ctrl-C exits at once (code 130): nothing is left to end gracefully. */
  readonly quitOnInterrupt: () => void
}

/**
 * The interactive terminal, raw mode through `readline`, restored when the scope closes. Ctrl-C is reported as an
 * `Interrupt` action (the chat is ended before exiting); a second Ctrl-C exits at once with code 130.
 */
export const terminalScreen = (style: Style): Effect.Effect<TerminalScreen, never, Scope.Scope> =>
  Effect.gen(function* () {
    const actions = yield* Queue.unbounded<Action>()
    const input = process.stdin
    const output = process.stdout
    const rl = readline.createInterface({ input, output, terminal: true, historySize: 200, prompt: "" })
    const prompt = `${style.cyan(symbols.arrow)} `
    rl.setPrompt(prompt)
    let status: string | undefined
    let statusShown = false
    let closing = false
    let interrupts = 0

    const internal = rl as unknown as { prevRows?: number }
    /** Moves to the start of the footer and erases it. */
    const clearFooter = () => {
      const rows = rl.getCursorPos().rows
      readline.moveCursor(output, 0, -(rows + (statusShown ? 1 : 0)))
      readline.cursorTo(output, 0)
      readline.clearScreenDown(output)
      statusShown = false
      internal.prevRows = 0 // readline would otherwise move up again from where it last drew the prompt
    }
    const drawFooter = () => {
      if (status !== undefined) {
        output.write(`${status}\n`)
        statusShown = true
      }
      rl.prompt(true)
    }

    /** readline has written the prompt, the line and a newline: the line is erased, the chat prints it its way. */
    const onLine = (text: string) => {
      const columns = output.columns || Number.POSITIVE_INFINITY
      const rows = Math.max(1, Math.ceil((visibleLength(prompt) + text.length) / columns))
      readline.moveCursor(output, 0, -(rows + (statusShown ? 1 : 0)))
      readline.cursorTo(output, 0)
      readline.clearScreenDown(output)
      statusShown = false
      internal.prevRows = 0
      drawFooter()
      Queue.unsafeOffer(actions, { _tag: "Line", text })
    }
    const onSigint = () => {
      interrupts += 1
      if (interrupts > 1) {
        output.write("\n")
        process.exit(130)
      }
      Queue.unsafeOffer(actions, { _tag: "Interrupt" })
    }
    const onClose = () => {
      if (!closing) Queue.unsafeOffer(actions, { _tag: "Eof" })
    }
    const onKeypress = (
      _text: string | undefined,
      key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined
    ) => {
      if (key === undefined || key.meta === true) return
      // Of the control keys, only those that edit the line (Ctrl-U, -W, -K, -H) change what is being typed.
      if (key.ctrl === true && !["u", "w", "k", "h"].includes(key.name ?? "")) return
      if (key.name === "return" || key.name === "enter" || key.name === "tab") return
      // readline's own keypress listener came first, so `rl.line` already has this key.
      Queue.unsafeOffer(actions, { _tag: "Keystroke", line: rl.line })
    }
    rl.on("line", onLine)
    rl.on("SIGINT", onSigint)
    rl.on("close", onClose)
    input.on("keypress", onKeypress)
    drawFooter()

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closing = true
        input.off("keypress", onKeypress)
        clearFooter()
        rl.close()
        input.unref?.()
      })
    )

    const screen: TerminalScreen = {
      actions,
      quitOnInterrupt: () => {
        interrupts = Math.max(interrupts, 1)
      },
      line: (text) => {
        if (closing) {
          output.write(`${text}\n`)
          return
        }
        clearFooter()
        output.write(`${text}\n`)
        drawFooter()
      },
      status: (text) => {
        if (text === status || closing) return
        clearFooter()
        status = text
        drawFooter()
      }
    }
    return screen
  })
