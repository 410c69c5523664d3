/**
 * Turns chat events into what the person sees: a live terminal view (spinner while queued, "is typing", times), a
 * plain transcript, or one JSON event per line.
 */
import type { Capabilities, ChatEvent } from "@switchboard/core"
import { clock, clockSeconds, duration, ordinal, type Style, spinnerFrames, symbols } from "../style.ts"
import type { Screen } from "./screen.ts"

type Event = ChatEvent.ChatEvent
type Ended = ChatEvent.ChatEventOf<"ended">

export type RenderMode = "terminal" | "plain" | "json"

export interface Renderer {
  readonly event: (event: Event) => void
  /** Terminal: a spinner with "Connecting to …" until the provider has the chat. */
  readonly connecting: (what: string) => void
  /** Terminal: the visitor's line is shown at once; its echo from the provider is then skipped. */
  readonly visitorSent: (text: string) => void
  readonly notDelivered: (text: string, reason: string) => void
  /** A dim line of information (never in JSON mode). */
  readonly note: (text: string) => void
  /** Terminal: "Ending the chat…" until it has ended. */
  readonly ending: () => void
  /** Stops the spinner. */
  readonly close: () => void
  readonly ended: () => Ended | undefined
}

export interface RendererOptions {
  readonly mode: RenderMode
  readonly style: Style
  readonly screen: Screen
  readonly capabilities: Capabilities.Capabilities
  /** The provider's name as people know it ("Salesforce"), for "reconnecting to …". */
  readonly provider: string
  /** For `--json`: writes one line of standard output. */
  readonly writeJson?: (line: string) => void
  readonly now?: () => number
}

const indent = (text: string, width: number) => text.split(/\r?\n/).join(`\n${" ".repeat(width)}`)

export const endedText = (ended: Ended, agent: string | undefined): string => {
  switch (ended.reason) {
    case "visitor":
      return "Chat ended by you"
    case "agent":
      return `Chat ended by ${agent ?? "the agent"}`
    case "no-agent":
      return "Chat ended: no agent is available"
    case "timeout":
      return "Chat ended: the provider closed the session (timeout)"
    case "rejected":
      return `Chat ended: the provider refused the chat${ended.detail ? ` (${ended.detail})` : ""}`
    case "conflict":
      return "Chat ended: another connection took over the session"
    case "disconnected":
      return "Chat ended: the provider dropped it after the agent's connection was lost"
    case "error":
      return `Chat ended: ${ended.detail ?? "the provider failed"}`
    default:
      // A reason a newer core knows and this CLI does not: shown as it is.
      return `Chat ended (${String(ended.reason)}${ended.detail ? `: ${ended.detail}` : ""})`
  }
}

export const makeRenderer = (options: RendererOptions): Renderer => {
  const { mode, style, screen, capabilities } = options
  const now = options.now ?? Date.now
  const time = (at: number) => style.dim(mode === "terminal" ? clock(at) : clockSeconds(at))
  const gap = mode === "terminal" ? 7 : 10 // width of the time column
  let agent: string | undefined
  let queue: { position?: number; wait?: number } | undefined
  let connecting: string | undefined
  let closing = false
  let typing = false
  let ended: Ended | undefined
  let lastQueueLine: string | undefined
  /** The provider cannot be reached: the last `connection-lost` (until `connection-restored` or `ended`). */
  let lost: ChatEvent.ChatEventOf<"connection-lost"> | undefined
  let frame = 0
  let spinner: ReturnType<typeof setInterval> | undefined
  const pending: Array<string> = []

  const agentName = (name: string) => style.bold(style.magenta(name))
  const you = style.bold(style.green("You"))
  const print = (at: number, text: string) => screen.line(`${time(at)}  ${text}`)

  const queueText = () => {
    const parts = ["Waiting for an agent"]
    if (queue?.position !== undefined && capabilities.queuePosition) parts.push(`${ordinal(queue.position)} in line`)
    if (queue?.wait !== undefined && queue.wait > 0 && capabilities.waitEstimate)
      parts.push(`about ${duration(queue.wait)}`)
    return parts.join(` ${symbols.bullet} `)
  }

  /** "Reconnecting to Salesforce… next try in 4 s", counting down while the spinner runs. */
  const reconnectingText = (event: ChatEvent.ChatEventOf<"connection-lost">) => {
    const wait = Math.max(0, Math.ceil((event.retryAt - now()) / 1000))
    return `Reconnecting to ${options.provider}… ${wait > 0 ? `next try in ${wait} s` : "trying now"} ${symbols.bullet} attempt ${event.attempt}`
  }

  const refreshStatus = () => {
    if (mode !== "terminal") return
    if (ended !== undefined) {
      stopSpinner()
      screen.status(undefined)
    } else if (lost !== undefined && !closing) {
      screen.status(
        `${style.yellow(spinnerFrames[frame % spinnerFrames.length] ?? "")} ${style.yellow(reconnectingText(lost))}`
      )
    } else if (closing) {
      stopSpinner()
      screen.status(style.dim("Ending the chat at the provider… (Ctrl-C quits at once)"))
    } else if (connecting !== undefined && queue === undefined && agent === undefined) {
      screen.status(`${style.cyan(spinnerFrames[frame % spinnerFrames.length] ?? "")} ${style.dim(connecting)}`)
    } else if (queue !== undefined && agent === undefined) {
      screen.status(`${style.cyan(spinnerFrames[frame % spinnerFrames.length] ?? "")} ${style.dim(queueText())}`)
    } else if (typing && agent !== undefined) {
      screen.status(style.dim(`${agent} is typing…`))
    } else {
      screen.status(undefined)
    }
  }

  const startSpinner = () => {
    if (mode !== "terminal" || spinner !== undefined) return
    spinner = setInterval(() => {
      frame += 1
      refreshStatus()
    }, 100)
    spinner.unref()
  }
  const stopSpinner = () => {
    if (spinner !== undefined) clearInterval(spinner)
    spinner = undefined
  }

  const message = (event: ChatEvent.ChatEventOf<"message">) => {
    if (event.from === "visitor") {
      const index = pending.indexOf(event.text)
      if (index >= 0) {
        pending.splice(index, 1) // already shown when sent
        return
      }
      print(event.at, `${you}: ${indent(event.text, gap + 5)}`)
    } else if (event.from === "agent") {
      typing = false
      const name = agent ?? "Agent"
      print(event.at, `${agentName(name)}: ${indent(event.text, gap + name.length + 2)}`)
    } else {
      print(event.at, style.dim(indent(event.text, gap)))
    }
  }

  const pretty = (event: Event) => {
    switch (event.type) {
      case "queued": {
        queue = {
          ...(event.position === undefined ? {} : { position: event.position }),
          ...(event.estimatedWaitSeconds === undefined ? {} : { wait: event.estimatedWaitSeconds })
        }
        if (mode === "terminal") {
          startSpinner()
        } else {
          const text = queueText()
          if (text !== lastQueueLine) print(now(), style.dim(text))
          lastQueueLine = text
        }
        break
      }
      case "connected":
        agent = event.agent.name
        stopSpinner()
        print(now(), `${style.cyan("→")} ${agentName(agent)} joined the chat`)
        break
      case "message":
        message(event)
        break
      case "typing":
        typing = event.on
        break
      case "transferred": {
        const from = agent
        agent = event.agent.name
        typing = false
        print(now(), `${style.cyan("⇄")} Transferred${from ? ` from ${from}` : ""} to ${agentName(agent)}`)
        break
      }
      case "agent-left":
        print(now(), style.yellow(`${agent ?? "The agent"} left; waiting for another agent`))
        agent = undefined
        typing = false
        startSpinner()
        break
      case "discontinuity":
        print(now(), style.yellow(`${symbols.warn} Some events may have been missed (${event.reason})`))
        break
      case "connection-lost": {
        const first = lost === undefined
        lost = event
        if (first) {
          const until = clockSeconds(event.giveUpAt)
          print(
            now(),
            style.yellow(
              `${symbols.warn} ${options.provider} cannot be reached (${event.detail}); retrying until ${until}`
            )
          )
        }
        if (mode === "terminal") startSpinner()
        else print(now(), style.dim(reconnectingText(event)))
        break
      }
      case "connection-restored":
        lost = undefined
        print(
          now(),
          style.green(
            `${symbols.ok} Reconnected to ${options.provider} after ${duration(Math.max(1, Math.round(event.downForMs / 1000)))}`
          )
        )
        if (queue === undefined || agent !== undefined) stopSpinner()
        break
      case "ended": {
        ended = event
        lost = undefined
        stopSpinner()
        const ok = event.reason === "visitor" || event.reason === "agent"
        const text = endedText(event, agent)
        print(now(), ok ? style.bold(`■ ${text}`) : style.yellow(`■ ${text}`))
        break
      }
      case "unknown":
        break
    }
    refreshStatus()
  }

  const json = (event: Event) => {
    if (event.type === "ended") ended = event
    options.writeJson?.(JSON.stringify(event))
  }

  return {
    event: mode === "json" ? json : pretty,
    connecting: (what) => {
      if (mode !== "terminal") return
      connecting = what
      startSpinner()
      refreshStatus()
    },
    visitorSent: (text) => {
      if (mode !== "terminal") return
      pending.push(text)
      print(now(), `${you}: ${indent(text, gap + 5)}`)
    },
    notDelivered: (text, reason) => {
      const index = pending.indexOf(text)
      if (index >= 0) pending.splice(index, 1)
      if (mode === "json") return
      print(
        now(),
        style.red(`${symbols.fail} Not delivered: "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" (${reason})`)
      )
    },
    note: (text) => {
      if (mode !== "json") screen.line(style.dim(text))
    },
    ending: () => {
      closing = true
      refreshStatus()
    },
    close: () => {
      stopSpinner()
      if (mode === "terminal") screen.status(undefined)
    },
    ended: () => ended
  }
}
