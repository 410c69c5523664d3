/**
 * The agent console: a person plays the agent of the provider simulator in a second tab, through its control API
 * (`/_agent`, proxied on this page's origin). It lists the chats, accepts one under an agent name, shows the
 * transcript and the visitor typing, replies (with the agent typing indicator), and ends the chat with a reason.
 */
import "./console.css"
import { fill, h } from "../dom.ts"

interface Agent {
  readonly id: string
  readonly name: string
}

type Entry =
  | { readonly kind: "queued"; readonly position: number }
  | { readonly kind: "accepted" | "transferred" | "agent-disconnected"; readonly agent: Agent }
  | { readonly kind: "message"; readonly from: "visitor" | "agent" | "system"; readonly text: string }
  | { readonly kind: "typing"; readonly from: "visitor" | "agent"; readonly on: boolean }
  | { readonly kind: "ended"; readonly by: string; readonly reason: string }

interface Chat {
  readonly id: string
  readonly provider: string
  readonly visitorName: string
  readonly state: "queued" | "chatting" | "ended"
  readonly queuePosition?: number
  readonly agent?: Agent
  readonly visitorTyping: boolean
  readonly transcript: ReadonlyArray<Entry & { readonly at: number }>
}

const api = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const response = await fetch(`/_agent${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const json = (await response.json().catch(() => ({}))) as A & { error?: { message?: string } }
  if (!response.ok) throw new Error(json.error?.message ?? `the simulator answered ${response.status}`)
  return json
}

// ---- layout --------------------------------------------------------------------------------------------------------

const list = h("ul", { class: "ac-list" })
const empty = h("p", { class: "ac-empty" }, "No chats yet. Start one from the widget.")
const heading = h("h2", { id: "ac-detail-title" }, "No chat selected")
const state = h("p", { class: "ac-state", role: "status" })
const alert = h("p", { class: "ac-alert", role: "alert" })
const transcript = h("div", { class: "ac-transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript" })
const visitorTyping = h("p", { class: "ac-typing", "aria-live": "polite" })

const agentName = h("input", { id: "ac-agent-name", value: "Grace", maxlength: "100", autocomplete: "off" })
const acceptForm = h(
  "form",
  { class: "ac-row", "aria-label": "Accept the chat" },
  h("label", { for: "ac-agent-name" }, "Agent name"),
  agentName,
  h("button", { type: "submit" }, "Accept chat")
)

const reply = h("textarea", { id: "ac-reply", rows: "2", maxlength: "10000" })
const replyForm = h(
  "form",
  { class: "ac-reply", "aria-label": "Reply" },
  h("label", { for: "ac-reply" }, "Reply as the agent"),
  reply,
  h("button", { type: "submit" }, "Send")
)

const reason = h("input", { id: "ac-end-reason", value: "resolved", maxlength: "200", autocomplete: "off" })
const endForm = h(
  "form",
  { class: "ac-row", "aria-label": "End the chat" },
  h("label", { for: "ac-end-reason" }, "End reason"),
  reason,
  h("button", { type: "submit", class: "ac-danger" }, "End chat")
)

document.body.append(
  h(
    "header",
    { class: "ac-header" },
    h("h1", {}, "Agent console"),
    h("p", {}, "Switchboard simulator: you are the agent, for every provider.")
  ),
  h(
    "main",
    { class: "ac-main" },
    h(
      "section",
      { class: "ac-chats", "aria-labelledby": "ac-chats-title" },
      h("h2", { id: "ac-chats-title" }, "Chats"),
      empty,
      list
    ),
    h(
      "section",
      { class: "ac-detail", "aria-labelledby": "ac-detail-title" },
      heading,
      state,
      alert,
      acceptForm,
      transcript,
      visitorTyping,
      replyForm,
      endForm
    )
  )
)

// ---- state ---------------------------------------------------------------------------------------------------------

let chats: ReadonlyArray<Chat> = []
let selected: string | undefined
let shownFor: string | undefined
let shownCount = 0
let listKey = ""

const current = () => chats.find((chat) => chat.id === selected)

const line = (chat: Chat, entry: Entry): string | undefined => {
  switch (entry.kind) {
    case "queued":
      return `Queued at position ${entry.position}`
    case "accepted":
      return `${entry.agent.name} accepted the chat`
    case "transferred":
      return `Transferred to ${entry.agent.name}`
    case "agent-disconnected":
      return `${entry.agent.name} lost the connection`
    case "message":
      return `${entry.from === "visitor" ? chat.visitorName : entry.from === "agent" ? (chat.agent?.name ?? "Agent") : "System"}: ${entry.text}`
    case "ended":
      return `Ended by the ${entry.by}: ${entry.reason}`
    case "typing":
      return undefined
  }
}

const renderList = () => {
  const key = JSON.stringify(chats.map((chat) => [chat.id, chat.state, chat.visitorName]))
  if (key === listKey) return
  listKey = key
  empty.hidden = chats.length > 0
  fill(
    list,
    ...[...chats].reverse().map((chat) => {
      const button = h(
        "button",
        { type: "button", "aria-pressed": String(chat.id === selected), class: `ac-chat ac-${chat.state}` },
        h("span", { class: "ac-name" }, chat.visitorName),
        h("span", { class: "ac-meta" }, `${chat.provider} · ${chat.state}`)
      )
      button.addEventListener("click", () => {
        selected = chat.id
        listKey = ""
        render()
      })
      return h("li", {}, button)
    })
  )
}

const renderDetail = () => {
  const chat = current()
  acceptForm.hidden = chat?.state !== "queued"
  replyForm.hidden = chat?.state !== "chatting"
  endForm.hidden = chat === undefined || chat.state === "ended"
  if (chat === undefined) {
    fill(heading, "No chat selected")
    fill(state)
    fill(transcript)
    fill(visitorTyping)
    shownFor = undefined
    return
  }
  fill(heading, `Chat with ${chat.visitorName}`)
  fill(
    state,
    chat.state === "queued"
      ? `Waiting in the queue${chat.queuePosition === undefined ? "" : ` (position ${chat.queuePosition})`} · ${chat.provider}`
      : chat.state === "chatting"
        ? `${chat.agent?.name ?? "An agent"} is chatting · ${chat.provider}`
        : `Ended · ${chat.provider}`
  )
  fill(visitorTyping, chat.visitorTyping ? `${chat.visitorName} is typing…` : "")
  if (shownFor !== chat.id || chat.transcript.length < shownCount) {
    shownFor = chat.id
    shownCount = 0
    fill(transcript)
  }
  for (const entry of chat.transcript.slice(shownCount)) {
    const text = line(chat, entry)
    if (text !== undefined) transcript.append(h("p", { class: `ac-entry ac-${entry.kind}` }, text))
  }
  shownCount = chat.transcript.length
  transcript.scrollTop = transcript.scrollHeight
}

const render = () => {
  renderList()
  renderDetail()
}

const refresh = async () => {
  try {
    chats = (await api<{ chats: ReadonlyArray<Chat> }>("GET", "/chats")).chats
    if (selected === undefined || current() === undefined) selected = chats.at(-1)?.id
    render()
  } catch (error) {
    fill(alert, `The simulator cannot be reached: ${error instanceof Error ? error.message : String(error)}`)
  }
  setTimeout(refresh, 400)
}

const act = (path: string, body?: unknown) => {
  const chat = current()
  if (chat === undefined) return Promise.resolve()
  fill(alert)
  return api<Chat>("POST", `/chats/${chat.id}${path}`, body).then(
    (next) => {
      chats = chats.map((other) => (other.id === next.id ? next : other))
      render()
    },
    (error: unknown) => fill(alert, error instanceof Error ? error.message : String(error))
  )
}

// ---- actions -------------------------------------------------------------------------------------------------------

acceptForm.addEventListener("submit", (event) => {
  event.preventDefault()
  act("/accept", { agent: { name: agentName.value.trim() || "Agent" } }).then(() => reply.focus())
})

let typingOn = false
let typingTimer: ReturnType<typeof setTimeout> | undefined
const setTyping = (on: boolean) => {
  clearTimeout(typingTimer)
  if (on) typingTimer = setTimeout(() => setTyping(false), 4000)
  if (on === typingOn || current()?.state !== "chatting") return
  typingOn = on
  void act("/typing", { on })
}
reply.addEventListener("input", () => setTyping(reply.value.trim() !== ""))
reply.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault()
    replyForm.requestSubmit()
  }
})
replyForm.addEventListener("submit", (event) => {
  event.preventDefault()
  const text = reply.value.trim()
  if (text === "") return
  reply.value = ""
  clearTimeout(typingTimer)
  typingOn = false // a message clears the agent's typing at the simulator
  void act("/messages", { text })
})

endForm.addEventListener("submit", (event) => {
  event.preventDefault()
  void act("/end", { reason: reason.value.trim() || "agent" })
})

render()
void refresh()
