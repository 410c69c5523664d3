/**
 * What the widget says, in one place: availability, queue, agent, end reasons, unread count, provider reconnection.
 */
import type { Availability, ChatEvent } from "@switchboard/relay/client"

type Ended = Extract<ChatEvent, { type: "ended" }>

const minutes = (seconds: number) =>
  seconds < 60 ? "less than a minute" : `about ${Math.round(seconds / 60)} minute${seconds < 90 ? "" : "s"}`

export const queueText = (position?: number, wait?: number): string => {
  const parts = ["Waiting for an agent…"]
  if (position !== undefined)
    parts.push(position <= 1 ? "You are next in the queue." : `You are number ${position} in the queue.`)
  if (wait !== undefined && wait >= 0) parts.push(`Expected wait: ${minutes(wait)}.`)
  return parts.join(" ")
}

/** Why the chat ended, without a final stop: the provider's `detail` may follow it. */
const endedReason = (ended: Ended, agent: string | undefined): string => {
  switch (ended.reason) {
    case "visitor":
      return "You ended the chat"
    case "agent":
      return `${agent ?? "The agent"} ended the chat`
    case "no-agent":
      return "Nobody was available to take the chat"
    case "timeout":
      return "The chat ended after a period of inactivity"
    case "rejected":
      return "The chat request was refused"
    case "conflict":
      return "The chat was opened somewhere else, so it ended here"
    case "disconnected":
      return "The agent's connection was lost and the chat ended"
    case "error":
      return "The chat could not continue"
    default:
      return unknownReason(ended.reason)
  }
}

/** A reason newer than this widget still gets a sentence; the `never` makes the compiler list the known ones. */
const unknownReason = (_reason: never): string => "The chat has ended"

/**
 * The sentence shown when a chat ends: who or what ended it, then the provider's detail when it gave one (an agent's
 * "resolved: parcel located", what went wrong for `error`).
 */
export const endedText = (ended: Ended, agent: string | undefined): string => {
  const reason = endedReason(ended, agent)
  const detail = ended.detail?.trim()
  return detail ? `${reason}: ${detail}` : `${reason}.`
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** What the launcher's name adds for the agent messages that arrived while the chat window was hidden. */
export const unreadText = (unread: number): string =>
  unread > 0 ? `, ${plural(unread, "unread message", "unread messages")}` : ""

/**
 * The pre-chat form's first line, from the provider's availability: a wait estimate where it gives one, a plain
 * warning when no agent is online (the form still works: one may come online), and a neutral line when the provider
 * cannot tell or the relay could not ask.
 */
export const formHint = (availability: Availability | undefined): string => {
  if (availability?.available === false) {
    return "No agent is online right now, so your chat may not be answered. You can still try. All fields are required."
  }
  const wait = availability?.estimatedWaitSeconds
  return `An agent will be with you ${wait === undefined ? "shortly" : `in ${minutes(wait)}`}. All fields are required.`
}

/** What the launcher says while the window is hidden and there is no chat yet. */
export const launcherText = (availability: Availability | undefined): string =>
  availability?.available === false ? "Chat with us (no agents online)" : "Chat with us"

/** What is said, once, while the provider cannot be reached (the countdown beside it is not announced). */
export const reconnectingText = "Reconnecting to support…"

/** The countdown to the session's next try at the provider, in whole seconds. */
export const nextTryText = (retryAt: number, now: number): string => {
  const seconds = Math.ceil((retryAt - now) / 1000)
  return seconds > 0 ? `next try in ${seconds} s` : "trying again now"
}
