import { expect, test } from "@playwright/test"
import { agentConsole, axeProblems, shot, widget } from "./support.ts"

test("a visitor chats with an agent in the console: both ways, typing, a reload mid-chat, the agent ends it @all-providers", async ({
  page,
  browser,
  baseURL
}, testInfo) => {
  const visitor = widget(page)
  await page.goto("/")
  await shot(page, testInfo, "01-page")
  await visitor.launcher.click()
  await expect(visitor.name).toBeFocused()
  await shot(page, testInfo, "02-pre-chat-form")
  await visitor.name.fill("Ada Lovelace")
  await visitor.email.fill("ada@example.com")
  await visitor.question.fill("Where is my parcel?")
  await visitor.startButton.click()
  await expect(visitor.status).toContainText("Waiting for an agent")
  await expect(visitor.input).toBeFocused()

  // What the provider can show decides what the widget shows (capabilities, not provider names).
  const { capabilities } = await page.evaluate(async () => {
    const id = sessionStorage.getItem("switchboard.chat")
    return ((await (await fetch(`/api/chats/${id}`)).json()) as { chat: { capabilities: Record<string, boolean> } })
      .chat
  })
  if (capabilities.queuePosition) await expect(visitor.status).toContainText("You are next in the queue.")
  await shot(page, testInfo, "03-queued")

  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Ada Lovelace")
  await agent.accept("Grace")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")
  await expect(visitor.log).toContainText("Where is my parcel?")
  await expect(agent.transcript).toContainText("Ada Lovelace: Where is my parcel?")

  // Agent typing, then the agent's message.
  await agent.reply.fill("Hello Ada, let me check")
  if (capabilities.agentTyping) {
    await expect(visitor.typing).toHaveText("Grace is typing…")
    await shot(page, testInfo, "04-agent-typing")
  }
  await agent.page.getByRole("button", { name: "Send" }).click()
  await expect(visitor.log).toContainText("Hello Ada, let me check")
  await expect(visitor.typing).toBeEmpty()

  // Visitor typing goes through the relay to the agent; then the visitor's message.
  await visitor.input.pressSequentially("It was due", { delay: 20 })
  if (capabilities.visitorTyping) await expect(agent.visitorTyping).toHaveText("Ada Lovelace is typing…")
  await visitor.input.pressSequentially(" yesterday")
  await visitor.input.press("Enter")
  await expect(agent.transcript).toContainText("Ada Lovelace: It was due yesterday")
  await expect(visitor.log.locator(".sb-from-visitor").last()).toContainText("It was due yesterday")
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  await expect(agent.visitorTyping).toBeEmpty()
  await shot(page, testInfo, "06-conversation")
  await shot(agent.page, testInfo, "console-chat")

  // A reload mid-chat, while the agent writes: everything once, nothing lost, nothing doubled.
  const before = await visitor.lines()
  await agent.say("Found it: order 10442")
  await page.reload()
  await expect(visitor.panel).toBeVisible()
  await expect(visitor.log).toContainText("Found it: order 10442")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")
  expect(await visitor.lines()).toEqual([...before, "Found it: order 10442"])
  await agent.say("It arrives tomorrow")
  await expect(visitor.log).toContainText("It arrives tomorrow")
  await visitor.say("Thank you!")
  await expect(agent.transcript).toContainText("Ada Lovelace: Thank you!")
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  expect(await visitor.lines()).toEqual([...before, "Found it: order 10442", "It arrives tomorrow", "Thank you!"])
  await shot(page, testInfo, "07-after-reload")

  // The agent ends it; the widget says so and why.
  await agent.end("resolved")
  await expect(visitor.status).toHaveText("Grace ended the chat.")
  await expect(visitor.input).toBeHidden()
  await expect(visitor.newChat).toBeVisible()
  await shot(page, testInfo, "08-ended")
  await shot(agent.page, testInfo, "console-ended")

  // After another reload the ended chat still reads the same, once.
  await page.reload()
  await expect(visitor.status).toHaveText("Grace ended the chat.")
  expect(await visitor.lines()).toEqual([...before, "Found it: order 10442", "It arrives tomorrow", "Thank you!"])
  await agent.context.close()
})

test("an agent message with HTML and script renders as text, in the widget and the console", async ({
  page,
  browser,
  baseURL
}, testInfo) => {
  const visitor = widget(page)
  await visitor.start("Mallory Tester", "Is <b>bold</b> shown as bold?")
  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Mallory Tester")
  await agent.accept("Grace")
  const payload = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script><b>bold</b> & "quotes"`
  await agent.say(payload)
  const line = visitor.log.locator(".sb-from-agent .sb-text").last()
  await expect(line).toHaveText(payload)
  await expect(visitor.log.locator("img, script, b")).toHaveCount(0)
  await expect(visitor.log.locator(".sb-from-visitor .sb-text").first()).toHaveText("Is <b>bold</b> shown as bold?")
  await expect(agent.transcript.locator("img, script, b")).toHaveCount(0)
  await expect(agent.transcript).toContainText("Mallory Tester: Is <b>bold</b> shown as bold?")
  expect(await page.evaluate(() => (window as { __xss?: string }).__xss)).toBeUndefined()
  expect(await agent.page.evaluate(() => (window as { __xss?: string }).__xss)).toBeUndefined()
  await shot(page, testInfo, "xss-as-text")
  await agent.context.close()
})

test("axe-core finds no serious or critical accessibility violations, in every state", async ({
  page,
  browser,
  baseURL
}) => {
  const visitor = widget(page)
  await page.goto("/")
  expect(await axeProblems(page), "page with the launcher").toEqual([])
  await visitor.launcher.click()
  expect(await axeProblems(page), "pre-chat form").toEqual([])
  await visitor.name.fill("Axel")
  await visitor.email.fill("axel@example.com")
  await visitor.question.fill("Is this accessible?")
  await visitor.startButton.click()
  await expect(visitor.status).toContainText("Waiting for an agent")
  expect(await axeProblems(page), "queued").toEqual([])
  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Axel")
  expect(await axeProblems(agent.page), "console, queued chat").toEqual([])
  await agent.accept("Grace")
  await agent.say("Hello Axel")
  await expect(visitor.log).toContainText("Hello Axel")
  await visitor.say("Thanks")
  await expect(agent.transcript).toContainText("Axel: Thanks")
  expect(await axeProblems(page), "chatting").toEqual([])
  expect(await axeProblems(agent.page), "console, chatting").toEqual([])
  await agent.end("resolved")
  await expect(visitor.newChat).toBeVisible()
  expect(await axeProblems(page), "ended").toEqual([])
  await agent.context.close()
})

test("keyboard only: open, fill the form, chat, end and close, without a mouse", async ({ page, browser, baseURL }) => {
  const visitor = widget(page)
  await page.goto("/")
  await visitor.launcher.focus()
  await page.keyboard.press("Enter")
  await expect(visitor.name).toBeFocused()
  await page.keyboard.type("Kim Keys")
  await page.keyboard.press("Tab")
  await expect(visitor.email).toBeFocused()
  await page.keyboard.type("kim@example.com")
  await page.keyboard.press("Tab")
  await expect(visitor.question).toBeFocused()
  await page.keyboard.type("Can I do this without a mouse?")
  await page.keyboard.press("Tab")
  await expect(visitor.startButton).toBeFocused()
  await page.keyboard.press("Enter")
  await expect(visitor.input).toBeFocused()

  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Kim Keys")
  await agent.accept("Grace")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")
  await page.keyboard.type("Typed and sent with Enter")
  await page.keyboard.press("Enter")
  await expect(agent.transcript).toContainText("Kim Keys: Typed and sent with Enter")

  // Escape hides the window and gives focus back to the launcher, which brings it back.
  await page.keyboard.press("Escape")
  await expect(visitor.panel).toBeHidden()
  await expect(visitor.launcher).toBeFocused()
  await expect(visitor.launcher).toHaveAttribute("aria-expanded", "false")
  await page.keyboard.press("Enter")
  await expect(visitor.panel).toBeVisible()
  await expect(visitor.input).toBeFocused()

  // Tab to "End chat" and end it: focus moves to "Start a new chat", the reason is in the status.
  await page.keyboard.press("Tab")
  await expect(visitor.send).toBeFocused()
  await page.keyboard.press("Tab")
  await expect(visitor.end).toBeFocused()
  await page.keyboard.press("Enter")
  await expect(visitor.status).toHaveText("You ended the chat.")
  await expect(visitor.newChat).toBeFocused()
  await expect(agent.transcript).toContainText("Ended by the visitor")
  await page.keyboard.press("Enter")
  await expect(visitor.name).toBeFocused()
  await agent.context.close()
})

test("a relay refusal is shown next to the form, and the visitor can try again", async ({ page }) => {
  const visitor = widget(page)
  await page.goto("/")
  await visitor.launcher.click()
  await visitor.name.fill("Quinn")
  await visitor.email.fill("quinn@example.com")
  await visitor.question.fill("x".repeat(2000))
  // Bypass the form's own limit to see the relay's answer (a script or a tampered page could do the same).
  await visitor.question.evaluate((element: HTMLTextAreaElement) => {
    element.removeAttribute("maxlength")
    element.value += "x"
  })
  await visitor.startButton.click()
  await expect(visitor.panel.getByRole("alert")).toHaveText(
    "question is 2001 characters long; at most 2000 are allowed"
  )
  await visitor.question.fill("A normal question")
  await visitor.startButton.click()
  await expect(visitor.status).toContainText("Waiting for an agent")
})
