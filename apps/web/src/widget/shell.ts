/**
 * The widget's shell: the launcher (with its unread badge) and the chat window it opens, which the pre-chat form or
 * the chat fills. Below 480 px the open window covers the whole viewport (widget.css): it is modal then, and Tab
 * stays inside it, since the page behind cannot be seen.
 */
import { fill, h } from "../dom.ts"
import { unreadText } from "./text.ts"

/**
 * `closedLabel`: what the launcher says while the window is hidden ("Chat with us", "Chat with us (no agents
 * online)", "Back to the chat"); `refresh()` after it changes.
 */
export const makeShell = (closedLabel: () => string) => {
  // While messages are unread the launcher's name says how many ("Back to the chat, 2 unread messages"), and its
  // `data-unread` draws the badge (widget.css, `::after`): generated content is not text the name must contain.
  const label = h("span", {}, "Chat with us")
  const launcher = h(
    "button",
    { type: "button", class: "sb-launcher", "aria-expanded": "false", "aria-controls": "sb-panel" },
    label
  )
  const minimize = h("button", { type: "button", class: "sb-icon", "aria-label": "Minimize the chat window" }, "–")
  const body = h("div", { class: "sb-body" })
  const panel = h(
    "section",
    { id: "sb-panel", class: "sb-panel", role: "dialog", "aria-labelledby": "sb-title", hidden: true },
    h("header", { class: "sb-header" }, h("h2", { id: "sb-title" }, "Chat with us"), minimize),
    body
  )
  const root = h("div", { class: "sb-widget" }, panel, launcher)
  const fullScreen = matchMedia("(max-width: 479.98px)")
  /** Agent messages that arrived while the window was hidden; opening it clears them. */
  let unread = 0

  const showLauncher = () => {
    const text = panel.hidden ? closedLabel() : "Hide chat"
    fill(label, text)
    if (unread === 0) {
      launcher.removeAttribute("aria-label")
      launcher.removeAttribute("data-unread")
    } else {
      launcher.setAttribute("aria-label", `${text}${unreadText(unread)}`)
      launcher.setAttribute("data-unread", unread > 99 ? "99+" : String(unread))
    }
  }

  const showModal = () => {
    if (!panel.hidden && fullScreen.matches) panel.setAttribute("aria-modal", "true")
    else panel.removeAttribute("aria-modal")
  }

  const setOpen = (open: boolean) => {
    panel.hidden = !open
    root.classList.toggle("sb-open", open)
    launcher.setAttribute("aria-expanded", String(open))
    if (open) unread = 0
    showLauncher()
    showModal()
    if (open) (body.querySelector<HTMLElement>("[data-autofocus]") ?? minimize).focus()
    else launcher.focus()
  }

  /** What Tab can reach in the window now, in order. */
  const focusable = () =>
    [...panel.querySelectorAll<HTMLElement>("a[href], button, input, textarea, select, [tabindex]")].filter(
      (element) => element.tabIndex >= 0 && !element.matches(":disabled") && element.getClientRects().length > 0
    )

  fullScreen.addEventListener("change", showModal)
  launcher.addEventListener("click", () => setOpen(panel.hidden))
  minimize.addEventListener("click", () => setOpen(false))
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") return setOpen(false)
    if (event.key !== "Tab" || !fullScreen.matches) return
    // Full screen the page behind is covered: Tab wraps around inside the window rather than leaving it.
    const all = focusable()
    const [first, last] = [all[0], all.at(-1)]
    if (first === undefined || last === undefined) return
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault()
      first.focus()
    }
  })
  document.body.append(root)

  return {
    /** Where the form or the chat goes. */
    body,
    launcher,
    setOpen,
    /** The launcher's words again (`closedLabel` changed); `offline` greys it (no agent online, no chat). */
    refresh: (offline: boolean) => {
      launcher.toggleAttribute("data-offline", offline)
      showLauncher()
    },
    /** Whether the window is open. */
    isOpen: () => !panel.hidden,
    /** An agent message arrived: counted on the launcher while the window is hidden. */
    agentMessage: () => {
      if (!panel.hidden) return
      unread += 1
      showLauncher()
    }
  }
}
