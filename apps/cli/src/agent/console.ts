/**
 * The agent console: a person plays the agent against a running simulator (its control API), in a terminal or
 * from commands on standard input. It watches the queue, shows the current chat's transcript as it grows, announces
 * new messages in the other chats (the ones taken here, and the waiting ones) in one line, and sends the agent's
 * typing while they type a reply (not while they type a /command).
 */
import type { ChatView, TranscriptEntry } from "@switchboard/simulator"
import { Duration, Effect, Option, Queue, Schedule, Stream } from "effect"
import { type Action, isMessageText, lineScreen, type Screen, terminalScreen } from "../chat/screen.ts"
import { stdinLines } from "../chat/script.ts"
import type { CliFailure } from "../exit.ts"
import { titles } from "../providers.ts"
import { clock, colourFor, makeStyle, type Style, symbols } from "../style.ts"
import type { Control } from "./control.ts"

export const consoleHelp: ReadonlyArray<readonly [string, string]> = [
  ["/list", "chats waiting and running"],
  ["/accept [ID]", "take a waiting chat (the oldest without ID); it becomes the current chat"],
  ["/use ID", "switch the current chat (/switch ID too)"],
  ["text", "anything else is a reply in the current chat (//text sends a slash)"],
  ["/type [on|off]", 'show or hide "typing" to the visitor (typing a reply does it too)'],
  ["/transfer NAME", "hand the current chat to another agent"],
  ["/end [REASON]", "end the current chat"],
  ["/show", "the current chat's whole transcript"],
  ["/wait SECONDS", "pause (for scripts on standard input)"],
  ["/help", "this list"],
  ["/quit", "leave the console (chats stay as they are; Ctrl-D and Ctrl-C too)"]
]

/** The chat's routing, in the provider's words. */
const routing = (chat: ChatView) =>
  chat.provider === "salesforce"
    ? `button ${chat.skill}`
    : chat.provider === "liveperson"
      ? `skill ${chat.skill}`
      : `group ${chat.skill}`

const short = (chat: ChatView) => `${chat.id} ${chat.visitorName} (${titles[chat.provider]}, ${routing(chat)})`

export const chatLine = (chat: ChatView, style: Style): string => {
  const state =
    chat.state === "queued"
      ? style.yellow(`waiting${chat.queuePosition === undefined ? "" : ` #${chat.queuePosition}`}`)
      : chat.state === "chatting"
        ? style.green(`with ${chat.agent?.name ?? "an agent"}`)
        : style.dim(`ended by ${chat.endedBy ?? "?"}${chat.endReason ? ` (${chat.endReason})` : ""}`)
  return `${style.bold(chat.id)}  ${chat.visitorName.padEnd(12)} ${titles[chat.provider].padEnd(22)} ${state}  ${style.dim(`since ${clock(Date.parse(chat.createdAt))}`)}`
}

/** One transcript entry as a line, or `undefined` for entries shown elsewhere (typing) or not at all. */
export const entryLine = (entry: TranscriptEntry, chat: ChatView, style: Style): string | undefined => {
  const at = style.dim(clock(entry.at))
  switch (entry.kind) {
    case "queued":
      return `${at}  ${style.dim(`${chat.visitorName} is waiting (#${entry.position})`)}`
    case "accepted":
      return `${at}  ${style.cyan("→")} ${entry.agent.name} accepted the chat`
    case "message":
      return entry.from === "visitor"
        ? `${at}  ${style.bold(style.green(chat.visitorName))}: ${entry.text}`
        : entry.from === "agent"
          ? `${at}  ${style.bold(style.magenta(chat.agent?.name ?? "Agent"))}: ${entry.text}`
          : `${at}  ${style.dim(entry.text)}`
    case "typing":
      return undefined
    case "transferred":
      return `${at}  ${style.cyan("⇄")} transferred to ${entry.agent.name}`
    case "agent-disconnected":
      return `${at}  ${style.yellow(`${entry.agent.name} disconnected`)}`
    case "ended":
      return `${at}  ${style.bold(`■ Chat ended by ${entry.by === "visitor" ? chat.visitorName : entry.by}`)}${entry.reason ? style.dim(` (${entry.reason})`) : ""}`
  }
}

/** The visitor's messages in a chat, oldest first. */
const visitorMessages = (chat: ChatView): Array<string> =>
  chat.transcript.flatMap((entry) => (entry.kind === "message" && entry.from === "visitor" ? [entry.text] : []))

/** A message in a notice: one line, at most 60 characters. */
const preview = (text: string) => {
  const line = text.replace(/\s+/g, " ").trim()
  return `"${line.length > 60 ? `${line.slice(0, 59)}…` : line}"`
}

interface ConsoleOptions {
  readonly control: Control
  readonly name: string
  readonly interactive: boolean
}

export const runConsole = (options: ConsoleOptions): Effect.Effect<void, CliFailure> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { control } = options
      const style = makeStyle(colourFor(process.stdout))
      // Fails early, in plain words, when nothing answers.
      const initial = yield* control.list()
      const terminal = options.interactive ? yield* terminalScreen(style) : undefined
      const screen: Screen = terminal ?? lineScreen()
      const actions: Queue.Dequeue<Action> = terminal?.actions ?? (yield* stdinActions)

      screen.line(
        `${style.bold("Switchboard agent console")} ${style.dim(`${symbols.bullet} ${control.url} ${symbols.bullet} you are ${options.name}`)}`
      )
      screen.line(style.dim("/accept takes the oldest waiting chat, then type replies. /help lists the commands."))
      screen.line("")

      const seenChats = new Set(initial.map((chat) => chat.id))
      const shown = new Map<string, number>() // transcript entries already printed, per chat
      // Visitor messages already seen or announced, per chat: only later ones are announced.
      const announced = new Map(initial.map((chat) => [chat.id, visitorMessages(chat).length]))
      let current: string | undefined
      let visitorTyping = false
      let lastTypingSent = 0
      let typingOn = false

      const print = (text: string) => screen.line(text)
      const refreshStatus = (chat: ChatView | undefined) => {
        const typing = chat !== undefined && chat.state === "chatting" && chat.visitorTyping
        if (typing === visitorTyping) return
        visitorTyping = typing
        screen.status(typing && chat ? style.dim(`${chat.visitorName} is typing…`) : undefined)
      }
      const showNew = (chat: ChatView) => {
        const from = shown.get(chat.id) ?? 0
        for (const entry of chat.transcript.slice(from)) {
          const line = entryLine(entry, chat, style)
          if (line !== undefined) print(line)
        }
        shown.set(chat.id, chat.transcript.length)
      }
      const report = (error: CliFailure) =>
        Effect.sync(() => {
          print(style.red(`${symbols.fail} ${error.message}`))
          if (error.hint !== undefined) print(`  ${style.dim(error.hint)}`)
        })

      const listChats = control.list().pipe(
        Effect.tap((chats) =>
          Effect.sync(() => {
            const open = chats.filter((chat) => chat.state !== "ended")
            if (open.length === 0) print(style.dim("No chats waiting or running."))
            for (const chat of open) print(`${chat.id === current ? style.cyan("›") : " "} ${chatLine(chat, style)}`)
          })
        ),
        Effect.catchAll(report)
      )

      const select = (chat: ChatView) =>
        Effect.sync(() => {
          current = chat.id
          print(style.dim(`Current chat: ${short(chat)}`))
          if (!shown.has(chat.id)) shown.set(chat.id, 0)
          showNew(chat)
        })

      const oldestWaiting = control
        .list("queued")
        .pipe(
          Effect.map((chats) =>
            Option.fromNullable(
              chats.filter((chat) => chat.state === "queued").sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]
                ?.id
            )
          )
        )
      // On a terminal the person sees the queue; a script waits up to 30 s for a chat to come.
      const nextWaiting = options.interactive
        ? oldestWaiting
        : Effect.gen(function* () {
            for (let tries = 0; tries < 120; tries++) {
              const id = yield* oldestWaiting
              if (Option.isSome(id)) return id
              yield* Effect.sleep("250 millis")
            }
            return Option.none<string>()
          })

      const accept = (id: string | undefined) =>
        Effect.gen(function* () {
          const target = id ?? Option.getOrUndefined(yield* nextWaiting)
          if (target === undefined) {
            print(style.dim("No chat is waiting."))
            return
          }
          const chat = yield* control.accept(target, options.name)
          yield* select(chat)
        }).pipe(Effect.catchAll(report))

      const withCurrent = (action: (id: string) => Effect.Effect<ChatView, CliFailure>) =>
        current === undefined
          ? Effect.sync(() => print(style.yellow("No current chat: /accept one first (or /use ID).")))
          : action(current).pipe(
              Effect.tap((chat) => Effect.sync(() => showNew(chat))),
              Effect.asVoid,
              Effect.catchAll(report)
            )

      const setTyping = (on: boolean) =>
        current === undefined
          ? Effect.void
          : control.typing(current, on).pipe(
              Effect.tap(() =>
                Effect.sync(() => {
                  typingOn = on
                  lastTypingSent = Date.now()
                })
              ),
              Effect.asVoid,
              Effect.catchAll(() => Effect.void)
            )

      const command = (raw: string) => {
        const text = raw.trim()
        if (text === "") return Effect.succeed(true)
        if (!text.startsWith("/") || text.startsWith("//")) {
          const message = text.startsWith("//") ? text.slice(1) : text
          typingOn = false
          return withCurrent((id) => control.say(id, message)).pipe(Effect.as(true))
        }
        const [name, ...rest] = text.slice(1).split(/\s+/)
        const argument = rest.join(" ").trim()
        switch (name?.toLowerCase()) {
          case "list":
          case "ls":
            return listChats.pipe(Effect.as(true))
          case "accept":
            return accept(argument === "" ? undefined : argument).pipe(Effect.as(true))
          case "use":
          case "switch":
            return (
              argument === ""
                ? Effect.sync(() => print(style.yellow(`/${name} needs a chat id (see /list).`)))
                : control.get(argument).pipe(Effect.flatMap(select), Effect.catchAll(report))
            ).pipe(Effect.as(true))
          case "say":
            return withCurrent((id) => control.say(id, argument)).pipe(Effect.as(true))
          case "type":
          case "typing":
            return withCurrent((id) => control.typing(id, argument !== "off")).pipe(Effect.as(true))
          case "transfer":
            return (
              argument === ""
                ? Effect.sync(() => print(style.yellow("/transfer needs the other agent's name.")))
                : withCurrent((id) => control.transfer(id, argument))
            ).pipe(Effect.as(true))
          case "end":
            return withCurrent((id) => control.end(id, argument === "" ? undefined : argument)).pipe(Effect.as(true))
          case "show":
            return withCurrent((id) =>
              control.get(id).pipe(Effect.tap(() => Effect.sync(() => shown.set(id, 0))))
            ).pipe(Effect.as(true))
          case "wait":
          case "sleep": {
            const seconds = argument === "" ? 1 : Number(argument)
            return (
              Number.isFinite(seconds) && seconds >= 0
                ? Effect.sleep(Duration.millis(seconds * 1000))
                : Effect.sync(() => print(style.yellow("/wait needs a number of seconds.")))
            ).pipe(Effect.as(true))
          }
          case "help":
          case "?":
            return Effect.sync(() => {
              for (const [usage, meaning] of consoleHelp)
                print(`  ${style.bold(usage.padEnd(16))} ${style.dim(meaning)}`)
            }).pipe(Effect.as(true))
          case "quit":
          case "exit":
          case "q":
            return Effect.succeed(false)
          default:
            return Effect.sync(() => print(style.yellow(`Unknown command /${name}; /help lists them.`))).pipe(
              Effect.as(true)
            )
        }
      }

      // Watches the queue and the current chat.
      const watch = Effect.gen(function* () {
        const chats = yield* control.list()
        for (const chat of chats) {
          if (!seenChats.has(chat.id)) {
            seenChats.add(chat.id)
            announced.set(chat.id, visitorMessages(chat).length)
            if (chat.state === "queued") {
              print(
                `${style.yellow("●")} New chat ${style.bold(chat.id)} from ${chat.visitorName} on ${titles[chat.provider]} ${style.dim("— /accept to take it")}`
              )
            }
          }
          const messages = visitorMessages(chat)
          const before = announced.get(chat.id) ?? messages.length
          announced.set(chat.id, messages.length)
          // The current chat shows its messages itself; of the others, the ones taken here and the waiting ones.
          const watched = chat.state === "queued" || (chat.state === "chatting" && shown.has(chat.id))
          const latest = messages.at(-1)
          if (chat.id !== current && watched && messages.length > before && latest !== undefined) {
            print(
              `${style.yellow("●")} New message in chat ${style.bold(chat.id)} from ${chat.visitorName}: ${preview(latest)} ${style.dim(`— /use ${chat.id} to switch`)}`
            )
          }
        }
        const now = chats.find((chat) => chat.id === current)
        if (now !== undefined) showNew(now)
        refreshStatus(now)
        if (typingOn && Date.now() - lastTypingSent > 3000) yield* setTyping(false)
      }).pipe(Effect.catchAll(() => Effect.void))
      yield* Effect.forkScoped(Effect.repeat(watch, Schedule.spaced("700 millis")))

      for (;;) {
        const action = yield* Queue.take(actions)
        if (action._tag === "Eof" || action._tag === "Interrupt") break
        if (action._tag === "Keystroke") {
          // Only a reply being typed is typing: a /command is not, and clearing the line stops it.
          if (!isMessageText(action.line)) {
            if (typingOn) yield* setTyping(false)
          } else if (Date.now() - lastTypingSent > 2000 || !typingOn) {
            yield* setTyping(true)
          }
          continue
        }
        const go = yield* command(action.text)
        if (!go) break
      }
      // One last look, so the end of a script sees its effects.
      yield* watch
    })
  )

/** Lines on standard input as console actions (for scripts and tests). */
const stdinActions = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<Action>()
  yield* stdinLines().pipe(
    Stream.runForEach((text) => Queue.offer(queue, { _tag: "Line", text })),
    Effect.catchAll(() => Effect.void),
    Effect.zipRight(Queue.offer(queue, { _tag: "Eof" })),
    Effect.forkScoped
  )
  return queue as Queue.Dequeue<Action>
})
