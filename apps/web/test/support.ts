/**
 * Page objects for the browser tests (roles and labels, as a screen reader user would find things) and the
 * screenshot helper: every state goes to test-results/screenshots/<project>/ and into the report.
 */
import { copyFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import AxeBuilder from "@axe-core/playwright"
import { type Browser, expect, type Page, type TestInfo } from "@playwright/test"

export const widget = (page: Page) => {
  const panel = page.getByRole("dialog", { name: "Chat with us" })
  return {
    page,
    panel,
    launcher: page.locator(".sb-launcher"),
    name: panel.getByLabel("Name"),
    email: panel.getByLabel("Email"),
    question: panel.getByLabel("Your question"),
    startButton: panel.getByRole("button", { name: "Start chat" }),
    status: panel.locator(".sb-status"),
    log: panel.getByRole("log", { name: "Messages" }),
    typing: panel.locator(".sb-typing"),
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
      await page.getByRole("button", { name: new RegExp(`^${visitorName}`) }).click()
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
  // `UPDATE_DOCS_SCREENSHOTS=1 pnpm exec playwright test` refreshes the README's pictures.
  if (process.env.UPDATE_DOCS_SCREENSHOTS && testInfo.project.name === "salesforce") {
    const docs: Record<string, string> = { "06-conversation": "widget.png", "console-chat": "console.png" }
    const target = docs[name]
    if (target !== undefined) copyFileSync(path, join("docs", target))
  }
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
