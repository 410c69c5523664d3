/**
 * A provider core does not know, for the tests only: "Acme Desk", an in-memory help desk whose agent the test plays.
 * It plugs into the session, the Promise client and the relay as the built-in adapters do, through the port alone
 * (`ChatProvider`): none of them names a provider, so none of them changes for it.
 */
import { Effect, Layer } from "effect"
import type { Capabilities } from "../../src/Capabilities.ts"
import type { ChatEvent } from "../../src/ChatEvent.ts"
import { ChatProvider, type Emit, type RemoteChat, type StartRequest } from "../../src/ChatProvider.ts"
import { NoAgentsAvailable } from "../../src/Errors.ts"

export const deskCapabilities: Capabilities = {
  agentTyping: true,
  visitorTyping: false,
  queuePosition: true,
  waitEstimate: false,
  transferEvents: false,
  sneakPeek: false,
  transcriptByEmail: false,
  customEvents: false,
  availability: true,
  firstMessageAtStart: false
}

/** One chat at the desk, as its agent sees it. */
export interface DeskChat {
  readonly visitorName: string
  /** What the visitor wrote, in order (the first question included, once the session sent it). */
  readonly visitorLines: Array<string>
  state: "queued" | "chatting" | "ended"
  endedBy?: "visitor" | "agent"
}

export interface Desk {
  readonly layer: Layer.Layer<ChatProvider>
  readonly chats: Array<DeskChat>
  /** Whether an agent is online (new chats are refused without one). */
  online: boolean
  /** The newest chat's agent joins, says something, ends it. */
  accept(name: string, chat?: DeskChat): void
  say(text: string, chat?: DeskChat): void
  end(detail: string, chat?: DeskChat): void
}

export const makeDesk = (): Desk => {
  const chats: Array<DeskChat> = []
  const emitters = new Map<DeskChat, Emit>()
  let lines = 0
  /** The desk acts on its own, outside the session's fibers, as a remote server would. */
  const push = (chat: DeskChat, event: ChatEvent) => {
    const emit = emitters.get(chat)
    if (emit !== undefined) Effect.runFork(emit(event))
  }
  const newest = (chat?: DeskChat) => {
    const found = chat ?? chats.at(-1)
    if (found === undefined) throw new Error("no chat at the desk")
    return found
  }

  const start = (request: StartRequest, emit: Emit) =>
    Effect.gen(function* () {
      if (!desk.online) return yield* new NoAgentsAvailable({ provider: "acme", detail: "the desk is closed" })
      const chat: DeskChat = { visitorName: request.visitorName, visitorLines: [], state: "queued" }
      chats.push(chat)
      emitters.set(chat, emit)
      yield* emit({ type: "queued", position: 1 })
      const remote: RemoteChat = {
        send: (message) =>
          Effect.suspend(() => {
            chat.visitorLines.push(message.text)
            return emit({ type: "message", id: message.id, from: "visitor", text: message.text, at: Date.now() })
          }),
        typing: () => Effect.void,
        end: Effect.sync(() => {
          if (chat.state === "ended") return
          chat.state = "ended"
          chat.endedBy = "visitor"
        }),
        pollRate: Effect.succeed(0)
      }
      return remote
    })

  const desk: Desk = {
    layer: Layer.succeed(
      ChatProvider,
      ChatProvider.of({
        name: "acme",
        title: "Acme Desk",
        capabilities: deskCapabilities,
        start,
        availability: () => Effect.sync(() => ({ available: desk.online }))
      })
    ),
    chats,
    online: true,
    accept: (name, chat) => {
      const at = newest(chat)
      at.state = "chatting"
      push(at, { type: "connected", agent: { name } })
    },
    say: (text, chat) => {
      lines += 1
      push(newest(chat), { type: "message", id: `acme-${lines}`, from: "agent", text, at: Date.now() })
    },
    end: (detail, chat) => {
      const at = newest(chat)
      at.state = "ended"
      at.endedBy = "agent"
      push(at, { type: "ended", by: "agent", reason: "agent", detail })
    }
  }
  return desk
}
