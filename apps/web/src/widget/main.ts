/**
 * The sample chat widget: plain TypeScript and the DOM (no framework: the whole page ships in a few kilobytes),
 * on the relay's browser client. The chat's events are the single source of truth: every message shown (the
 * visitor's own included) comes from the relay's stream, keyed by its id, so a reload replays the conversation
 * once and a reconnect never shows a line twice.
 */
import "./widget.css"
import { type ChatEvent, type ChatInfo, createRelayClient, RelayError } from "@switchboard/relay/client"
import { clock, fill, h } from "../dom.ts"
import { endedText, queueText } from "./text.ts"

type Ended = Extract<ChatEvent, { type: "ended" }>

const relayUrl = document.querySelector<HTMLMetaElement>('meta[name="switchboard-relay"]')?.content ?? "/api"
const relay = createRelayClient(relayUrl)

// ---- the skeleton ------------------------------------------------------------------------------------------------

const launcher = h(
  "button",
  { type: "button", class: "sb-launcher", "aria-expanded": "false", "aria-controls": "sb-panel" },
  "Chat with us"
)
const title = h("h2", { id: "sb-title" }, "Chat with us")
const minimize = h("button", { type: "button", class: "sb-icon", "aria-label": "Minimize the chat window" }, "–")
const body = h("div", { class: "sb-body" })
const panel = h(
  "section",
  { id: "sb-panel", class: "sb-panel", role: "dialog", "aria-labelledby": "sb-title", hidden: true },
  h("header", { class: "sb-header" }, title, minimize),
  body
)
document.body.append(h("div", { class: "sb-widget" }, panel, launcher))

const setOpen = (open: boolean) => {
  panel.hidden = !open
  launcher.setAttribute("aria-expanded", String(open))
  launcher.textContent = open ? "Hide chat" : chat === undefined ? "Chat with us" : "Back to the chat"
  if (open) (body.querySelector<HTMLElement>("[data-autofocus]") ?? minimize).focus()
  else launcher.focus()
}
launcher.addEventListener("click", () => setOpen(panel.hidden))
minimize.addEventListener("click", () => setOpen(false))
panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape") setOpen(false)
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
  const form = h(
    "form",
    { class: "sb-form", "aria-label": "Before we start" },
    h("p", { class: "sb-hint" }, "An agent will be with you shortly. All fields are required."),
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

interface Pending {
  readonly text: string
  readonly item: HTMLDivElement
  readonly note: HTMLElement
}

let chat: ChatInfo | undefined
let agent: string | undefined
let ended: Ended | undefined
let stopListening: (() => void) | undefined
let seen = new Set<string>()
let pending: Array<Pending> = []

const status = h("p", { class: "sb-status", role: "status" })
const connection = h("p", { class: "sb-connection", role: "status" })
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

const setEnded = (event: Ended) => {
  ended = event
  fill(status, endedText(event, agent))
  showTyping(false)
  const hadFocus = chatView.contains(document.activeElement)
  composer.form.hidden = true
  endButton.hidden = true
  newChat.hidden = false
  for (const item of pending) fill(item.note, "Not sent: the chat has ended")
  pending = []
  if (hadFocus) newChat.focus()
}

const onEvent = (event: ChatEvent) => {
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
        const index = pending.findIndex((item) => item.text === event.text)
        if (index >= 0) pending.splice(index, 1)[0]?.item.remove()
      } else if (event.from === "agent") {
        showTyping(false)
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
    case "ended":
      setEnded(event)
      break
    default:
      break
  }
}

const openChat = (info: ChatInfo) => {
  chat = info
  agent = undefined
  ended = undefined
  seen = new Set()
  pending = []
  fill(log)
  fill(status, queueText())
  fill(connection)
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

/** A visitor line not yet in the chat's events; returns its status note. */
const addPending = (text: string, state: string) => {
  const note = h("span", { class: "sb-note" }, state)
  const item = h(
    "div",
    { class: "sb-message sb-from-visitor sb-pending" },
    h("span", { class: "sb-who" }, "You"),
    h("p", { class: "sb-text" }, text),
    note
  )
  pending.push({ text, item, note })
  log.append(item)
  scroll()
  return note
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
composer.form.addEventListener("submit", (event) => {
  event.preventDefault()
  const text = composer.input.value.trim()
  if (text === "" || ended !== undefined) return
  composer.input.value = ""
  sendTyping(false)
  const note = addPending(text, "Sending…")
  relay.send(text).then(
    (outcome) => fill(note, outcome === "delivered" ? "Sent" : "Waiting for an agent…"),
    (error: unknown) => fill(note, `Not sent: ${error instanceof RelayError ? error.message : "please try again"}`)
  )
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
  body.querySelector<HTMLElement>("[data-autofocus]")?.focus()
})

// ---- start: pick up this tab's chat after a reload -----------------------------------------------------------------

relay.resume().then((info) => {
  if (info === undefined) return showForm()
  openChat(info)
  setOpen(true)
})
