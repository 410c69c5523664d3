import { expect, test } from "@playwright/test"
import { endedText, nextTryText, unreadText } from "../src/widget/text.ts"
import { agentConsole, axeProblems, docsShot, shot, widget } from "./support.ts"

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
  await docsShot(page, testInfo, "widget", { project: "salesforce", of: visitor.root })
  // The chat's own part of the console: the list beside it shows whatever other chats the stack has.
  await docsShot(agent.page, testInfo, "console", { project: "salesforce", of: agent.page.locator(".ac-detail") })

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

  // The agent ends it; the widget says so and why: Salesforce's ChatEnded carries the agent's reason, LiveChat's
  // chat_closed has none.
  await agent.end("resolved")
  const endedLine = testInfo.project.name === "salesforce" ? "Grace ended the chat: resolved" : "Grace ended the chat."
  await expect(visitor.status).toHaveText(endedLine)
  await expect(visitor.input).toBeHidden()
  await expect(visitor.newChat).toBeVisible()
  await shot(page, testInfo, "08-ended")
  await docsShot(page, testInfo, "widget-ended", { project: "salesforce", of: visitor.root })
  await shot(agent.page, testInfo, "console-ended")

  // After another reload the ended chat still reads the same, once.
  await page.reload()
  await expect(visitor.status).toHaveText(endedLine)
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

test("a message that was not sent gets a Retry button, which sends it once", async ({
  page,
  browser,
  baseURL
}, testInfo) => {
  const visitor = widget(page)
  await visitor.start("Rita Retry", "Has my parcel left?")
  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Rita Retry")
  await agent.accept("Grace")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")

  // The relay cannot be reached for this one send: the line stays in the log, "Not sent", with Retry beside it.
  await page.route("**/api/chats/*/messages", (route) => route.abort("connectionfailed"), { times: 1 })
  await visitor.say("Is it still in the depot?")
  await expect(visitor.log.locator(".sb-pending")).toContainText(
    "Not sent: The chat service cannot be reached. Check your connection."
  )
  await expect(visitor.retry).toHaveAccessibleName("Retry sending “Is it still in the depot?”")
  await shot(page, testInfo, "not-sent")
  await docsShot(page, testInfo, "widget-not-sent", { project: "livechat", of: visitor.root })
  expect(await axeProblems(page), "a line not sent").toEqual([])

  // From the keyboard: back from the composer to Retry, then Enter. The same line is sent, and the focus comes back.
  await visitor.input.focus()
  await page.keyboard.press("Shift+Tab")
  await expect(visitor.retry).toBeFocused()
  await page.keyboard.press("Enter")
  await expect(agent.transcript).toContainText("Rita Retry: Is it still in the depot?")
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  await expect(visitor.retry).toHaveCount(0)
  await expect(visitor.input).toBeFocused()

  // A later line arrives after it, so a second copy of the retried one would be in the transcript by then.
  await visitor.say("Thanks")
  await expect(agent.transcript).toContainText("Rita Retry: Thanks")
  await expect(agent.transcript.getByText("Rita Retry: Is it still in the depot?", { exact: true })).toHaveCount(1)
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  expect(await visitor.lines()).toEqual(["Has my parcel left?", "Is it still in the depot?", "Thanks"])
  await agent.context.close()
})

test("a retry after the answer was lost (the relay had the line) does not send it twice", async ({
  page,
  browser,
  baseURL
}) => {
  const visitor = widget(page)
  await visitor.start("Lou Lost", "Where is my order?")

  // No agent yet: the relay takes the line and holds it (its answer would be "pending"), but the page never hears
  // back, so to the visitor it was not sent.
  const tries: Array<string> = []
  await page.route("**/api/chats/*/messages", async (route) => {
    tries.push((route.request().postDataJSON() as { clientMessageId: string }).clientMessageId)
    if (tries.length > 1) return route.continue()
    await route.fetch()
    await route.abort("connectionfailed")
  })
  await visitor.say("Order 10442")
  await expect(visitor.log.locator(".sb-pending").last()).toContainText("Not sent")
  await visitor.retry.click()
  await expect(visitor.log.locator(".sb-pending").last()).toContainText("Waiting for an agent…")
  expect(tries).toHaveLength(2)
  expect(tries[1]).toBe(tries[0]) // the same line, by the same id: the relay joins the send it already has

  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Lou Lost")
  await agent.accept("Grace")
  await visitor.say("Thanks")
  await expect(agent.transcript).toContainText("Lou Lost: Thanks")
  await expect(agent.transcript.getByText("Lou Lost: Order 10442", { exact: true })).toHaveCount(1)
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  expect(await visitor.lines()).toEqual(["Where is my order?", "Order 10442", "Thanks"])
  await agent.context.close()
})

test("the launcher follows whether an agent is online; the form says so, and still tries @availability", async ({
  page
}, testInfo) => {
  const agents = (available: boolean) =>
    page.request
      .put("/_agent/availability", { data: { available } })
      .then((answer) => expect(answer.status()).toBe(200))
  const visitor = widget(page)
  await agents(false)
  await page.goto("/")
  await expect(visitor.launcher).toHaveText("Chat with us (no agents online)")
  await expect(visitor.launcher).toHaveAttribute("data-offline")
  await shot(page, testInfo, "offline")
  await docsShot(page, testInfo, "widget-offline", { project: "availability", of: visitor.launcher, margin: 24 })
  expect(await axeProblems(page), "the offline launcher").toEqual([])

  await visitor.launcher.click()
  await expect(visitor.hint).toHaveText(
    "No agent is online right now, so your chat may not be answered. You can still try. All fields are required."
  )
  // The visitor tries anyway: Salesforce refuses the chat, and the form says so in plain words.
  await visitor.name.fill("Olive Offline")
  await visitor.email.fill("olive@example.com")
  await visitor.question.fill("Is anyone there?")
  await visitor.startButton.click()
  await expect(visitor.alert).toHaveText("No agent can take a chat right now. Please try again later.")

  // Agents come back: the window asks again when it opens, and the launcher follows once it is closed.
  await agents(true)
  await visitor.minimize.click()
  await visitor.launcher.click()
  await expect(visitor.hint).toHaveText("An agent will be with you in less than a minute. All fields are required.")
  await visitor.minimize.click()
  await expect(visitor.launcher).toHaveText("Chat with us")
  await expect(visitor.launcher).not.toHaveAttribute("data-offline")

  // And it starts now.
  await visitor.launcher.click()
  await visitor.startButton.click()
  await expect(visitor.status).toContainText("Waiting for an agent")
})

test("agent messages that arrive while the chat is hidden are counted on the launcher until it is opened", async ({
  page,
  browser,
  baseURL
}, testInfo) => {
  const visitor = widget(page)
  await visitor.start("Uma Unread", "Can I change the delivery address?")
  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Uma Unread")
  await agent.accept("Grace")
  await agent.say("Hello Uma")
  await expect(visitor.log).toContainText("Hello Uma")
  expect(await visitor.badge()).toBe("") // read in the open window: nothing unread

  await visitor.input.press("Escape")
  await expect(visitor.panel).toBeHidden()
  await agent.say("Yes, I can change it")
  await agent.say("What is the new address?")
  await expect(visitor.launcher).toHaveAccessibleName("Back to the chat, 2 unread messages")
  expect(await visitor.badge()).toBe("2")
  await shot(page, testInfo, "unread")
  await docsShot(page, testInfo, "widget-unread", { project: "livechat", of: visitor.launcher, margin: 24 })
  expect(await axeProblems(page), "unread messages").toEqual([])

  await visitor.launcher.click()
  await expect(visitor.log).toContainText("What is the new address?")
  expect(await visitor.badge()).toBe("")
  await expect(visitor.launcher).toHaveAccessibleName("Hide chat")
  await agent.say("Take your time")
  await expect(visitor.log).toContainText("Take your time")
  expect(await visitor.badge()).toBe("")
  await agent.context.close()
})

test.describe("on a 375 × 667 phone screen", () => {
  test.use({ viewport: { width: 375, height: 667 } })

  test("the open chat covers the whole screen, above the page, which does not scroll behind it; it closes", async ({
    page,
    browser,
    baseURL
  }, testInfo) => {
    const visitor = widget(page)
    await visitor.start("Phil Phone", "Do you ship abroad?")
    const agent = await agentConsole(browser, baseURL as string)
    await agent.open("Phil Phone")
    await agent.accept("Grace")
    await agent.say("Hello Phil, we do")
    await expect(visitor.log).toContainText("Hello Phil, we do")

    expect(await visitor.panel.boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 667 })
    // Whatever is at the top (where the page's header is), in the corners and in the middle is the chat window.
    const covered = await page.evaluate(() => {
      const panel = document.getElementById("sb-panel")
      const points = [
        [187, 1],
        [1, 1],
        [374, 1],
        [187, 333],
        [1, 666],
        [374, 666]
      ] as const
      return points.map(([x, y]) => panel?.contains(document.elementFromPoint(x, y)) ?? false)
    })
    expect(covered).toEqual([true, true, true, true, true, true])
    await expect(visitor.panel).toHaveAttribute("aria-modal", "true")
    await expect(visitor.launcher).toBeHidden()
    // The page behind is made taller than the screen: it still cannot scroll while the chat is open.
    await page.evaluate(() => {
      const spacer = document.createElement("div")
      spacer.style.height = "2000px"
      document.body.append(spacer)
    })
    await expect(page.locator("html")).toHaveCSS("overflow-y", "hidden")
    await shot(page, testInfo, "phone")
    await docsShot(page, testInfo, "widget-phone", { project: "livechat" })
    expect(await axeProblems(page), "full screen on a phone").toEqual([])

    // Tab goes round inside the window, and the close control is in reach.
    await visitor.end.focus()
    await page.keyboard.press("Tab")
    await expect(visitor.minimize).toBeFocused()
    await expect(visitor.minimize).toBeInViewport()
    await page.keyboard.press("Shift+Tab")
    await expect(visitor.end).toBeFocused()
    await visitor.minimize.click()
    await expect(visitor.panel).toBeHidden()
    await expect(visitor.launcher).toBeFocused()
    await expect(page.locator("html")).not.toHaveCSS("overflow-y", "hidden")
    await agent.context.close()
  })
})

test("the end of a chat reads as a sentence for every reason, with the provider's detail when it gave one", () => {
  type Ended = Parameters<typeof endedText>[0]
  const cases: ReadonlyArray<readonly [Ended, string]> = [
    [
      { type: "ended", by: "agent", reason: "agent", detail: "resolved: parcel located" },
      "Grace ended the chat: resolved: parcel located"
    ],
    [{ type: "ended", by: "agent", reason: "agent" }, "Grace ended the chat."],
    [{ type: "ended", by: "visitor", reason: "visitor" }, "You ended the chat."],
    [{ type: "ended", by: "provider", reason: "no-agent" }, "Nobody was available to take the chat."],
    [{ type: "ended", by: "provider", reason: "timeout" }, "The chat ended after a period of inactivity."],
    [{ type: "ended", by: "provider", reason: "rejected" }, "The chat request was refused."],
    [{ type: "ended", by: "provider", reason: "conflict" }, "The chat was opened somewhere else, so it ended here."],
    [{ type: "ended", by: "provider", reason: "disconnected" }, "The agent's connection was lost and the chat ended."],
    [
      { type: "ended", by: "provider", reason: "error", detail: "livechat could not be reached for 60 s" },
      "The chat could not continue: livechat could not be reached for 60 s"
    ],
    [{ type: "ended", by: "provider", reason: "error", detail: "  " }, "The chat could not continue."]
  ]
  for (const [event, sentence] of cases) expect(endedText(event, "Grace"), event.reason).toBe(sentence)
  expect(endedText({ type: "ended", by: "agent", reason: "agent" }, undefined)).toBe("The agent ended the chat.")
  // A reason newer than this widget still reads as a sentence.
  expect(endedText({ type: "ended", by: "provider", reason: "moved" } as unknown as Ended, "Grace")).toBe(
    "The chat has ended."
  )
  expect(unreadText(0)).toBe("")
  expect(unreadText(1)).toBe(", 1 unread message")
  expect(unreadText(2)).toBe(", 2 unread messages")
  expect(nextTryText(10_000, 6_200)).toBe("next try in 4 s")
  expect(nextTryText(10_000, 10_000)).toBe("trying again now")
})

test("support unreachable: a reconnecting line, the composer still works, and the line clears once it answers", async ({
  page,
  browser,
  baseURL,
  request
}, testInfo) => {
  const visitor = widget(page)
  await visitor.start("Rob Reconnect", "Is anyone there?")
  const agent = await agentConsole(browser, baseURL as string)
  await agent.open("Rob Reconnect")
  await agent.accept("Grace")
  await expect(visitor.status).toHaveText("You are chatting with Grace.")

  // What the live region says over the outage, change by change: it must not repeat itself at each failed attempt.
  await visitor.reconnecting.getByRole("status").evaluate((region) => {
    const said: Array<string> = []
    Object.assign(window, { said })
    new MutationObserver(() => said.push(region.textContent ?? "")).observe(region, {
      childList: true,
      characterData: true,
      subtree: true
    })
  })

  // The simulator's LiveChat answers every poll and every send with 503 until the rules are removed (they apply to
  // every LiveChat chat of this stack, so the outage is kept short).
  const rules = await Promise.all(
    ["getPendingMessages", "sendMessage"].map(async (operation) => {
      const added = await request.post("/_agent/faults", {
        data: { provider: "livechat", operation, errorRate: 1, statuses: [503] }
      })
      expect(added.status()).toBe(201)
      return ((await added.json()) as { id: number }).id
    })
  )
  try {
    // The composer stays usable: the line waits in the relay's session until support answers again.
    await visitor.say("Still there?")
    await expect(visitor.reconnecting).toHaveText(/^Reconnecting to support… (next try in \d+ s|trying again now)$/)
    await expect(visitor.reconnecting.getByRole("status")).toHaveText("Reconnecting to support…")
    await expect(visitor.connection).toBeEmpty() // the widget's own link to the relay is fine
    await expect(visitor.input).toBeEditable()
    await expect(visitor.log.locator(".sb-pending")).toContainText("Waiting until support can be reached again")
    await shot(page, testInfo, "reconnecting")
  } finally {
    for (const id of rules) await request.delete(`/_agent/faults/${id}`)
  }
  await expect(visitor.reconnecting.getByRole("status")).toBeEmpty()
  await expect(visitor.reconnecting).toBeEmpty()
  expect(await page.evaluate(() => (window as unknown as { said: Array<string> }).said)).toEqual([
    "Reconnecting to support…",
    ""
  ])
  await expect(agent.transcript).toContainText("Rob Reconnect: Still there?")
  await expect(visitor.log.locator(".sb-pending")).toHaveCount(0)
  await agent.say("Yes, still here")
  await expect(visitor.log).toContainText("Yes, still here")
  await expect(agent.transcript.getByText("Rob Reconnect: Still there?", { exact: true })).toHaveCount(1)
  expect(await visitor.lines()).toEqual(["Is anyone there?", "Still there?", "Yes, still here"])
  await agent.context.close()
})
