/**
 * The "reconnecting to support" line: shown while the relay's session cannot reach the provider (`connection-lost`,
 * one event per failed attempt) and cleared by `connection-restored` or the end of the chat. It is not the widget's
 * own link to the relay, which has a line of its own.
 *
 * Screen readers hear "Reconnecting to support…" once per outage (a polite live region whose text is set once);
 * the countdown to the next try sits beside it, outside the live region, so its ticking is never announced.
 */
import type { ChatEvent } from "@switchboard/relay/client"
import { fill, h } from "../dom.ts"
import { nextTryText, reconnectingText } from "./text.ts"

type ConnectionLost = Extract<ChatEvent, { type: "connection-lost" }>

export const makeReconnecting = () => {
  const said = h("span", { class: "sb-reconnecting-text", role: "status" })
  const countdown = h("span", { class: "sb-countdown" })
  // Never `hidden` (a live region must be in the page before its text changes): `data-down` shows it.
  const element = h("p", { class: "sb-reconnecting" }, said, " ", countdown)
  let down = false
  let retryAt = 0
  let timer: ReturnType<typeof setInterval> | undefined

  const tick = () => fill(countdown, nextTryText(retryAt, Date.now()))

  const clear = () => {
    clearInterval(timer)
    timer = undefined
    down = false
    element.removeAttribute("data-down")
    fill(said)
    fill(countdown)
  }

  return {
    element,
    /** Whether the provider is unreachable now (messages wait in the session's outbox meanwhile). */
    get down() {
      return down
    },
    lost: (event: ConnectionLost) => {
      retryAt = event.retryAt
      if (!down) {
        down = true
        element.setAttribute("data-down", "")
        fill(said, reconnectingText)
      }
      tick()
      timer ??= setInterval(tick, 1000)
    },
    clear
  }
}
