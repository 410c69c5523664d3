/**
 * Page objects for the browser tests (roles and labels, as a screen reader user would find things) and the
 * screenshot helpers: every state goes to test-results/screenshots/<project>/ and into the report, and the README's
 * pictures are written to docs/ by the tests that reach their states.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import AxeBuilder from "@axe-core/playwright"
import { type Browser, expect, type Locator, type Page, type TestInfo } from "@playwright/test"

export const widget = (page: Page) => {
  const panel = page.getByRole("dialog", { name: "Chat with us" })
  return {
    page,
    panel,
    root: page.locator(".sb-widget"),
    launcher: page.locator(".sb-launcher"),
    /** The unread count the launcher's badge shows (its `::after`), or "" when there is none. */
    badge: () =>
      page.locator(".sb-launcher").evaluate((launcher) => {
        const content = getComputedStyle(launcher, "::after").content
        return content === "none" ? "" : content.replace(/^"|"$/g, "")
      }),
    minimize: panel.getByRole("button", { name: "Minimize the chat window" }),
    name: panel.getByLabel("Name"),
    email: panel.getByLabel("Email"),
    question: panel.getByLabel("Your question"),
    startButton: panel.getByRole("button", { name: "Start chat" }),
    /** The pre-chat form's first line (the wait, or that no agent is online) and its alert. */
    hint: panel.locator(".sb-hint"),
    alert: panel.getByRole("alert"),
    status: panel.locator(".sb-status"),
    log: panel.getByRole("log", { name: "Messages" }),
    typing: panel.locator(".sb-typing"),
    /** The widget's own link to the relay ("Reconnecting…"). */
    connection: panel.locator(".sb-connection"),
    /** The "reconnecting to support" line (the provider cannot be reached), apart from the link to the relay. */
    reconnecting: panel.locator(".sb-reconnecting"),
    retry: panel.getByRole("button", { name: /^Retry sending/ }),
    input: panel.getByLabel("Message", { exact: true }),
    send: panel.getByRole("button", { name: "Send" }),
    end: panel.getByRole("button", { name: "End chat" }),
    newChat: panel.getByRole("button", { name: "Start a new chat" }),
    /** The text of every line in the log, in order. */
    lines: () => panel.getByRole("log", { name: "Messages" }).locator(".sb-text").allTextContents(),
    async start(name: string, question: string) {
      await page.goto("/")
      await this.launcher.click()
      await this.name.fill(name)
      await this.email.fill(`${name.split(" ")[0]?.toLowerCase()}@example.com`)
      await this.question.fill(question)
      await this.startButton.click()
      await expect(this.status).toContainText("Waiting for an agent")
    },
    async say(text: string) {
      await this.input.fill(text)
      await this.send.click()
    }
  }
}

export type Widget = ReturnType<typeof widget>

/** The agent console in its own browser context (another person, another tab). */
export const agentConsole = async (browser: Browser, baseURL: string) => {
  const context = await browser.newContext({ baseURL })
  const page = await context.newPage()
  await page.goto("/console.html")
  const detail = page.locator(".ac-detail")
  return {
    page,
    context,
    transcript: page.getByRole("log", { name: "Transcript" }),
    visitorTyping: page.locator(".ac-typing"),
    reply: page.getByLabel("Reply as the agent"),
    async open(visitorName: string) {
      // The newest waiting chat of that visitor: a repeated test (`--repeat-each`) finds its earlier chats there too.
      await page
        .getByRole("button", { name: new RegExp(`^${visitorName}\\s*\\w+ · queued$`) })
        .first()
        .click()
      await expect(page.getByRole("heading", { name: `Chat with ${visitorName}` })).toBeVisible()
    },
    async accept(agentName: string) {
      await page.getByLabel("Agent name").fill(agentName)
      await page.getByRole("button", { name: "Accept chat" }).click()
      await expect(detail.locator(".ac-state")).toContainText(`${agentName} is chatting`)
    },
    async say(text: string) {
      await this.reply.fill(text)
      await detail.getByRole("button", { name: "Send" }).click()
      await expect(this.transcript).toContainText(text)
    },
    async end(reason: string) {
      await page.getByLabel("End reason").fill(reason)
      await page.getByRole("button", { name: "End chat" }).click()
      await expect(detail.locator(".ac-state")).toContainText("Ended")
    }
  }
}

/** Saves a screenshot of the state under test-results/screenshots/<project>/ and attaches it to the report. */
export const shot = async (page: Page, testInfo: TestInfo, name: string) => {
  const folder = join("test-results", "screenshots", testInfo.project.name)
  mkdirSync(folder, { recursive: true })
  const path = join(folder, `${name}.png`)
  await page.screenshot({ path, animations: "disabled" })
  await testInfo.attach(name, { path, contentType: "image/png" })
}

const docs = fileURLToPath(new URL("../docs/", import.meta.url))

export interface DocsShot {
  /** The one project that writes this picture (each picture has one author). */
  readonly project: "livechat" | "salesforce" | "availability"
  /** Crops to this element, plus `margin` pixels around it (within the viewport); the whole viewport otherwise. */
  readonly of?: Locator
  readonly margin?: number
}

/**
 * Writes one of the README's pictures, docs/<name>.png, from the state the test has just asserted: every run of the
 * tests redraws them, so they show the widget as it is. Times of day are hidden (they come from the simulator's
 * clock), so an unchanged widget redraws the same picture.
 */
export const docsShot = async (page: Page, testInfo: TestInfo, name: string, options: DocsShot) => {
  if (testInfo.project.name !== options.project) return
  const path = join(docs, `${name}.png`)
  let clip: { x: number; y: number; width: number; height: number } | undefined
  if (options.of !== undefined) {
    const box = await options.of.boundingBox()
    const viewport = page.viewportSize()
    if (box === null || viewport === null) throw new Error(`docs/${name}.png: nothing to crop to`)
    const margin = options.margin ?? 16
    const x = Math.max(0, Math.floor(box.x - margin))
    const y = Math.max(0, Math.floor(box.y - margin))
    const right = Math.min(viewport.width, Math.ceil(box.x + box.width + margin))
    const bottom = Math.min(viewport.height, Math.ceil(box.y + box.height + margin))
    clip = { x, y, width: right - x, height: bottom - y }
  }
  await page.mouse.move(0, 0) // no hover colors
  // Through the CSSOM: the pages' Content Security Policy refuses the stylesheet `screenshot({ style })` would add.
  const times = (visibility: string) =>
    page.evaluate((value) => {
      for (const time of document.querySelectorAll<HTMLElement>(".sb-at")) time.style.visibility = value
    }, visibility)
  await times("hidden")
  try {
    await page.screenshot({ path, animations: "disabled", caret: "hide", ...(clip === undefined ? {} : { clip }) })
  } finally {
    await times("")
  }
  await testInfo.attach(`docs/${name}.png`, { path, contentType: "image/png" })
}

/** Serious and critical axe-core violations on the page as it is now, with where they are. */
export interface AxeProblem {
  readonly rule: string
  readonly impact: string
  readonly help: string
  readonly nodes: ReadonlyArray<string>
}

export const axeProblems = async (page: Page): Promise<Array<AxeProblem>> => {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      rule: violation.id,
      impact: String(violation.impact),
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(" "))
    }))
}
