/**
 * The sample chat widget: plain TypeScript and the DOM (no framework: the whole page ships in a few kilobytes),
 * on the relay's browser client. The chat's events are the single source of truth: every message shown (the
 * visitor's own included) comes from the relay's stream, keyed by its id, so a reload replays the conversation
 * once and a reconnect never shows a line twice.
 */
import "./widget.css"
import {
  type Availability,
  type ChatEvent,
  type ChatInfo,
  createRelayClient,
  newClientMessageId,
  RelayError,
  type RelayEvent
} from "@switchboard/relay/client"
import { clock, fill, h } from "../dom.ts"
import { makeReconnecting } from "./reconnecting.ts"
import { makeShell } from "./shell.ts"
import { endedText, formHint, launcherText, queueText } from "./text.ts"

type Ended = Extract<ChatEvent, { type: "ended" }>

const relayUrl = document.querySelector<HTMLMetaElement>('meta[name="switchboard-relay"]')?.content ?? "/api"
const relay = createRelayClient(relayUrl)

// ---- the launcher and the chat window ----------------------------------------------------------------------------

const shell = makeShell(() => (chat === undefined ? launcherText(availability) : "Back to the chat"))
const { body, setOpen } = shell

// ---- availability: the launcher and the form follow whether an agent can take a chat now ---------------------------

/** The relay's last answer; undefined while unknown, where the provider cannot tell, or when the relay failed. */
let availability: Availability | undefined
/** The provider cannot tell (LiveChat): the widget stops asking. */
let cannotTell = false
/** The pre-chat form's first line, while the form is shown. */
let hint: HTMLElement | undefined

const showAvailability = () => {
  shell.refresh(chat === undefined && availability?.available === false)
  if (hint !== undefined) fill(hint, formHint(availability))
}

/**
 * Asks the relay (which asks the provider at most every few seconds, whatever the number of pages), while there is
 * no chat: at load, when the window opens, when the tab comes back into view and every minute. Once the relay says
 * the provider cannot tell, it asks no more. A failure is not the
 * visitor's business: the launcher then stays as it is without availability.
 */
const checkAvailability = () => {
  if (chat !== undefined || cannotTell) return
  relay.availability().then(
    (answer) => {
      availability = answer
      cannotTell = answer === undefined
      showAvailability()
    },
    () => {
      availability = undefined
      showAvailability()
    }
  )
}
setInterval(() => {
  if (document.visibilityState === "visible") checkAvailability()
}, 60_000)
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") checkAvailability()
})
shell.launcher.addEventListener("click", () => {
  if (shell.isOpen()) checkAvailability()
})

// ---- the pre-chat form --------------------------------------------------------------------------------------------

const field = (id: string, label: string, control: HTMLInputElement | HTMLTextAreaElement) =>
  h("div", { class: "sb-field" }, h("label", { for: id }, label), control)

const showForm = (problem?: string) => {
  const name = h("input", {
    id: "sb-name",
    name: "name",
    autocomplete: "name",
    required: true,
    maxlength: "80",
    "data-autofocus": true
  })
  const email = h("input", {
    id: "sb-email",
    name: "email",
    type: "email",
    autocomplete: "email",
    required: true,
    maxlength: "254"
  })
  const question = h("textarea", { id: "sb-question", name: "question", required: true, maxlength: "2000", rows: "3" })
  const alert = h("p", { class: "sb-alert", role: "alert" }, problem ?? "")
  const submit = h("button", { type: "submit", class: "sb-primary" }, "Start chat")
  hint = h("p", { class: "sb-hint" }, formHint(availability))
  const form = h(
    "form",
    { class: "sb-form", "aria-label": "Before we start" },
    hint,
    field("sb-name", "Name", name),
    field("sb-email", "Email", email),
    field("sb-question", "Your question", question),
    alert,
    submit
  )
  form.addEventListener("submit", (event) => {
    event.preventDefault()
    submit.disabled = true
    fill(alert)
    relay.start({ name: name.value, email: email.value, question: question.value }).then(
      (info) => {
        openChat(info)
        // Shown at once; replaced by the chat's own line when the provider has it (some send it once an agent joins).
        addPending(question.value.trim(), "Waiting for an agent…")
        composer.input.focus()
      },
      (error: unknown) => {
        submit.disabled = false
        fill(alert, error instanceof RelayError ? error.message : "The chat could not start. Please try again.")
      }
    )
  })
  fill(body, form)
}

// ---- the chat ------------------------------------------------------------------------------------------------------

/** A visitor line not yet in the chat's events: its status note, and a retry button once a send failed. */
interface Pending {
  readonly text: string
  readonly item: HTMLDivElement
  readonly note: HTMLElement
  readonly retry: HTMLButtonElement
  /** Sent with every try, so that the relay sends the line once however often it is retried. */
  readonly clientMessageId: string
  sending: boolean
}

let chat: ChatInfo | undefined
let agent: string | undefined
let ended: Ended | undefined
let stopListening: (() => void) | undefined
let seen = new Set<string>()
let pending: Array<Pending> = []

const status = h("p", { class: "sb-status", role: "status" })
const connection = h("p", { class: "sb-connection", role: "status" })
const reconnecting = makeReconnecting()
const log = h("div", { class: "sb-log", role: "log", "aria-live": "polite", "aria-label": "Messages" })
const typing = h("p", { class: "sb-typing", "aria-live": "polite" })
const composer = (() => {
  const input = h("textarea", { id: "sb-input", rows: "2", maxlength: "2000", "data-autofocus": true })
  const send = h("button", { type: "submit", class: "sb-primary" }, "Send")
  const form = h(
    "form",
    { class: "sb-composer", "aria-label": "Write a message" },
    h("label", { for: "sb-input" }, "Message"),
    input,
    send
  )
  return { form, input, send }
})()
const endButton = h("button", { type: "button", class: "sb-secondary" }, "End chat")
const newChat = h("button", { type: "button", class: "sb-primary", hidden: true }, "Start a new chat")
const chatView = h(
  "div",
  { class: "sb-chat" },
  status,
  connection,
  reconnecting.element,
  log,
  typing,
  composer.form,
  h("div", { class: "sb-actions" }, endButton, newChat)
)

const bubble = (from: "agent" | "visitor" | "system", who: string, text: string, at?: number) =>
  h(
    "div",
    { class: `sb-message sb-from-${from}` },
    h("span", { class: "sb-who" }, who),
    h("p", { class: "sb-text" }, text),
    ...(at === undefined ? [] : [h("span", { class: "sb-at" }, clock(at))])
  )

const scroll = () => {
  log.scrollTop = log.scrollHeight
}

const showTyping = (on: boolean) => fill(typing, on ? `${agent ?? "The agent"} is typing…` : "")

/** A pending line leaves the log (its own line arrived, or it is dropped); the keyboard focus does not get lost. */
const removePending = (entry: Pending) => {
  pending = pending.filter((other) => other !== entry)
  const hadFocus = entry.item.contains(document.activeElement)
  entry.item.remove()
  if (hadFocus && !composer.form.hidden) composer.input.focus()
}

const setEnded = (event: Ended) => {
  ended = event
  fill(status, endedText(event, agent))
  showTyping(false)
  reconnecting.clear()
  const hadFocus = chatView.contains(document.activeElement)
  composer.form.hidden = true
  endButton.hidden = true
  newChat.hidden = false
  for (const entry of pending) {
    fill(entry.note, "Not sent: the chat has ended")
    entry.retry.remove()
  }
  pending = []
  if (hadFocus) newChat.focus()
}

/** The compiler checks that `onEvent` names every event type; a type newer than this widget is ignored. */
const unhandled = (_event: never) => undefined

const onEvent = (event: RelayEvent) => {
  switch (event.type) {
    case "queued":
      if (agent === undefined) fill(status, queueText(event.position, event.estimatedWaitSeconds))
      break
    case "connected":
    case "transferred":
      agent = event.agent.name
      fill(status, event.type === "connected" ? `You are chatting with ${agent}.` : `${agent} has taken over the chat.`)
      break
    case "agent-left":
      fill(status, "The agent lost the connection. Please wait…")
      showTyping(false)
      break
    case "typing":
      showTyping(event.on)
      break
    case "message": {
      if (seen.has(event.id)) break // a line is shown once, whatever the stream replays
      seen.add(event.id)
      if (event.from === "visitor") {
        // Its pending line; one that failed last, since the visitor may have typed a failed line again.
        const same = pending.filter((item) => item.text === event.text)
        const entry = same.find((item) => !item.item.classList.contains("sb-failed")) ?? same[0]
        if (entry !== undefined) removePending(entry)
      } else if (event.from === "agent") {
        showTyping(false)
        shell.agentMessage()
      }
      const who = event.from === "visitor" ? "You" : event.from === "agent" ? (agent ?? "Agent") : "Notice"
      const item = bubble(event.from, who, event.text, event.at)
      const firstPending = pending[0]?.item
      if (firstPending === undefined) log.append(item)
      else log.insertBefore(item, firstPending)
      scroll()
      break
    }
    case "discontinuity":
      log.append(bubble("system", "Notice", "Some earlier messages could not be shown."))
      break
    case "connection-lost":
      reconnecting.lost(event)
      break
    case "connection-restored":
      reconnecting.clear()
      break
    case "ended":
      setEnded(event)
      break
    case "message-status":
      onMessageStatus(event)
      break
    case "unknown": // a provider event core passes through untouched: nothing to show
      break
    default:
      unhandled(event)
  }
}

const openChat = (info: ChatInfo) => {
  chat = info
  hint = undefined
  showAvailability()
  agent = undefined
  ended = undefined
  seen = new Set()
  pending = []
  fill(log)
  fill(status, queueText())
  fill(connection)
  reconnecting.clear()
  showTyping(false)
  composer.form.hidden = false
  composer.input.value = ""
  endButton.hidden = false
  newChat.hidden = true
  fill(body, chatView)
  stopListening?.()
  stopListening = relay.listen({
    event: onEvent,
    connection: (state) => fill(connection, state === "reconnecting" ? "Reconnecting…" : ""),
    gone: () => {
      setEnded({ type: "ended", by: "provider", reason: "timeout" })
      fill(status, "This chat is no longer available.")
    }
  })
}

/** A visitor line shown at once, until the chat's own line replaces it. */
const addPending = (text: string, state: string): Pending => {
  const note = h("span", { class: "sb-note" }, state)
  const short = text.length > 60 ? `${text.slice(0, 60)}…` : text
  const label = `Retry sending “${short}”` // the visible "Retry", and which line it is for
  const retry = h("button", { type: "button", class: "sb-retry", hidden: true, "aria-label": label }, "Retry")
  const item = h(
    "div",
    { class: "sb-message sb-from-visitor sb-pending" },
    h("span", { class: "sb-who" }, "You"),
    h("p", { class: "sb-text" }, text),
    h("span", { class: "sb-state" }, note, retry)
  )
  const entry: Pending = { text, item, note, retry, clientMessageId: newClientMessageId(), sending: false }
  retry.addEventListener("click", () => send(entry))
  pending.push(entry)
  log.append(item)
  scroll()
  return entry
}

/** What a line the relay accepted but the provider has not yet taken says meanwhile. */
const waitingNote = () =>
  reconnecting.down
    ? "Waiting until support can be reached again"
    : agent === undefined
      ? "Waiting for an agent…"
      : "Sending…"

/**
 * Sends a pending line, the first time or again from its retry button. The same line stays in the log either way:
 * a retry that succeeds leaves one line, replaced by the chat's own once the provider has it.
 */
const send = (entry: Pending) => {
  if (entry.sending || ended !== undefined) return
  entry.sending = true
  entry.item.classList.remove("sb-failed")
  entry.retry.setAttribute("aria-disabled", "true") // not `disabled`: that would drop the keyboard focus
  fill(entry.note, "Sending…")
  const settled = () => {
    entry.sending = false
    entry.retry.removeAttribute("aria-disabled")
    return pending.includes(entry) // false once its line arrived or the chat ended: nothing left to say
  }
  relay.send(entry.text, entry.clientMessageId).then(
    (outcome) => {
      if (!settled()) return
      fill(entry.note, outcome === "delivered" ? "Sent" : waitingNote())
      if (entry.retry.hidden) return
      const hadFocus = document.activeElement === entry.retry
      entry.retry.hidden = true
      if (hadFocus) composer.input.focus()
    },
    (error: unknown) => {
      if (settled()) notSent(entry, error instanceof RelayError ? error.message : "please try again.")
    }
  )
}

/** The line did not reach the provider: it says why, and Retry sends it again (once, by its client message id). */
const notSent = (entry: Pending, why: string) => {
  entry.item.classList.add("sb-failed")
  fill(entry.note, `Not sent: ${why}`)
  entry.retry.hidden = false
}

/** How a line the relay answered "pending" for ended (it failed later, or went out). */
const onMessageStatus = (event: Extract<RelayEvent, { type: "message-status" }>) => {
  const entry = pending.find((item) => item.clientMessageId === event.clientMessageId)
  if (entry === undefined || entry.sending) return // its own line arrived already, or a retry is on its way
  if (event.status === "failed") notSent(entry, event.error.message)
  else fill(entry.note, "Sent")
}

// Visitor typing, through the relay: "on" at the first keystroke, "off" after 3 s of quiet or when sent.
let typingOn = false
let typingTimer: ReturnType<typeof setTimeout> | undefined
const sendTyping = (on: boolean) => {
  clearTimeout(typingTimer)
  if (on) typingTimer = setTimeout(() => sendTyping(false), 3000)
  if (on === typingOn || chat === undefined || !chat.capabilities.visitorTyping || ended !== undefined) return
  typingOn = on
  relay.typing(on).catch(() => undefined) // a hint: never worth bothering the visitor
}

composer.input.addEventListener("input", () => sendTyping(composer.input.value.trim() !== ""))
composer.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault()
    composer.form.requestSubmit()
  }
})
// The composer stays usable while support is unreachable: the session queues the line and sends it later.
composer.form.addEventListener("submit", (event) => {
  event.preventDefault()
  const text = composer.input.value.trim()
  if (text === "" || ended !== undefined) return
  composer.input.value = ""
  sendTyping(false)
  send(addPending(text, "Sending…"))
})

// Not `disabled` while ending: a disabled button drops the keyboard focus, which then belongs to "Start a new chat".
let ending = false
endButton.addEventListener("click", () => {
  if (ending) return
  ending = true
  endButton.setAttribute("aria-disabled", "true")
  const done = () => {
    ending = false
    endButton.removeAttribute("aria-disabled")
  }
  relay.end().then(done, done)
})

newChat.addEventListener("click", () => {
  stopListening?.()
  relay.forget()
  chat = undefined
  showForm()
  checkAvailability()
  body.querySelector<HTMLElement>("[data-autofocus]")?.focus()
})

// ---- start: pick up this tab's chat after a reload -----------------------------------------------------------------

relay.resume().then((info) => {
  if (info === undefined) {
    showForm()
    return checkAvailability()
  }
  openChat(info)
  setOpen(true)
})
