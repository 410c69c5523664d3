/**
 * The control API under `/_agent` (documented in `control-api.yaml`): the agent side and the test knobs over HTTP.
 */
import type { Provider } from "@switchboard/specs"
import { ManualClock, type SimClock } from "./clock.ts"
import type { FaultRule, Faults } from "./faults.ts"
import { type Agent, type ChatHub, type ChatState, HubError } from "./hub.ts"
import { empty, json, type OperationModule, type ProviderModule, type SimRequest, type SimResponse } from "./module.ts"

const codes: Record<number, string> = {
  400: "bad_request",
  404: "not_found",
  405: "not_allowed",
  409: "conflict",
  413: "too_large"
}

const error = (status: number, message: string) =>
  json({ error: { code: codes[status] ?? (status >= 500 ? "internal" : "bad_request"), message } }, status)

/** Runs an agent action and maps a refused one (unknown chat, wrong state) to its documented error. */
const act = (action: () => unknown, status = 200): SimResponse => {
  try {
    return json(action(), status)
  } catch (cause) {
    if (cause instanceof HubError) return error(cause.status, cause.message)
    throw cause
  }
}

interface Body {
  readonly agent?: Partial<Agent>
  readonly text?: string
  readonly on?: boolean
  readonly reason?: string
  readonly available?: boolean
  readonly skill?: string
  readonly ms?: number
}

export const makeControl = (
  hub: ChatHub,
  faults: Faults,
  clock: SimClock,
  modules: ReadonlyArray<ProviderModule>
): OperationModule => {
  const body = (request: SimRequest) => (request.body ?? {}) as Body
  const chatId = (request: SimRequest) => request.params.chatId as string
  const availability = (skill?: string) => ({
    available: hub.isAvailable(skill),
    estimatedWaitSeconds: skill === undefined ? (hub.isAvailable() ? 0 : -1) : hub.estimatedWaitSeconds(skill)
  })
  return {
    prefix: "/_agent",
    error,
    handlers: {
      listChats: (request) => {
        const filter: { provider?: Provider; state?: ChatState } = {}
        if (request.query.provider !== undefined) filter.provider = request.query.provider as Provider
        if (request.query.state !== undefined) filter.state = request.query.state as ChatState
        return json({ chats: hub.list(filter) })
      },
      getChat: (request) => act(() => ({ ...hub.get(chatId(request)), nativeLog: hub.nativeLog(chatId(request)) })),
      acceptChat: (request) => act(() => hub.accept(chatId(request), body(request).agent)),
      sendAgentMessage: (request) => act(() => hub.say(chatId(request), body(request).text as string)),
      setAgentTyping: (request) => act(() => hub.typing(chatId(request), body(request).on as boolean)),
      transferChat: (request) => act(() => hub.transfer(chatId(request), body(request).agent)),
      endChat: (request) => act(() => hub.end(chatId(request), body(request).reason)),
      disconnectAgent: (request) => act(() => hub.disconnect(chatId(request))),
      expireSession: (request) => act(() => hub.expire(chatId(request))),
      handoverSession: (request) =>
        act(() => {
          const chat = hub.get(chatId(request))
          const module = modules.find((candidate) => candidate.provider === chat.provider)
          if (chat.state === "ended" || module?.handover?.(chat.id) !== true) {
            throw new HubError(409, `chat ${chat.id} cannot be handed over (${chat.provider}, ${chat.state})`)
          }
          return hub.get(chat.id)
        }),
      getAvailability: (request) => json(availability(request.query.skill as string | undefined)),
      setAvailability: (request) => {
        const { available, skill } = body(request)
        hub.setAvailability(available as boolean, skill)
        return json(availability(skill))
      },
      listFaults: () => json({ rules: faults.list() }),
      addFault: (request) => json({ id: faults.add(request.body as FaultRule) }, 201),
      replaceFaults: (request) => {
        faults.set(request.body as Array<FaultRule>)
        return empty(204)
      },
      clearFaults: () => {
        faults.clear()
        return empty(204)
      },
      removeFault: (request) =>
        faults.remove(Number(request.params.faultId))
          ? empty(204)
          : error(404, `no fault rule ${request.params.faultId}`),
      advanceClock: async (request) => {
        if (!(clock instanceof ManualClock))
          return error(409, "this simulator runs on wall time; start it with a manual clock")
        await clock.advance(body(request).ms as number)
        return json({ now: new Date(clock.now()).toISOString() })
      }
    }
  }
}
