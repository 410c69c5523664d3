/** What the widget says, in one place: queue, agent, end reasons. */
import type { ChatEvent } from "@switchboard/relay/client"

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

export const endedText = (ended: Ended, agent: string | undefined): string => {
  switch (ended.reason) {
    case "agent":
      return `${agent ?? "The agent"} ended the chat.`
    case "visitor":
      return "You ended the chat."
    case "no-agent":
      return "No agent was available to take the chat."
    case "timeout":
      return "The chat ended after a period of inactivity."
    case "rejected":
      return "The chat request was refused."
    case "conflict":
      return "The chat was opened somewhere else."
    case "error":
      return "The chat ended because of a technical problem."
    default:
      // Reasons newer than this widget (e.g. LivePerson's `disconnected`) still get a sentence.
      return (ended.reason as string) === "disconnected"
        ? "The agent's connection was lost and the chat ended."
        : "The chat has ended."
  }
}
