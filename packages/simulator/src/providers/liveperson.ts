/**
 * The LivePerson legacy Chat REST API simulator ("Server Chat API", visitor side; providers.md §2), mounted under
 * `/liveperson`: paths are `/liveperson/api/account/{accountId}/...`.
 *
 * `POST chat/request` answers 201 with the chat URI in `Location`; the chat is an append-only event log (ids from
 * "0") polled through `GET {chat}` or `GET {chat}/events?from=N`, and every request to it is the keep-alive. Agent
 * actions from the hub become `state` events and agent or system `line` events; typing is only visible in `info`.
 * Ended chats stay readable for a retention window, then answer 404 with internalCode 12.
 */
import type { components } from "@switchboard/client-liveperson"
import type { ChatView } from "../hub.ts"
import {
  empty,
  json,
  jsonText,
  type ProviderModule,
  type SimContext,
  type SimRequest,
  type SimResponse
} from "../module.ts"
import { type LivePersonVariant, resolveVariants } from "../variants.ts"
import { makeAvailability } from "./liveperson/availability.ts"
import {
  appendLine,
  appendState,
  appendSystemLine,
  type ChatContext,
  endedEvent,
  type LivePersonChat,
  type LivePersonEvent,
  newChatKey,
  newVisitorId,
  shuffle,
  stopTimers,
  systemLine,
  timestamp
} from "./liveperson/chat.ts"
import { makeLifecycle, tell } from "./liveperson/lifecycle.ts"
import { checkAnswers, exitSurvey, offlineSurvey, preChatSurvey } from "./liveperson/surveys.ts"
import {
  chatJson,
  chatUri,
  errorBody,
  eventsResourceJson,
  hasAppKey,
  infoOf,
  type LinksJson,
  linksJson,
  numberIn,
  publicBase
} from "./liveperson/wire.ts"

type Schemas = components["schemas"]

/** How the LivePerson simulator behaves; every field is optional. */
export interface LivePersonOptions {
  /** The account (site) id in every path; default `"90412733"`. */
  readonly accountId?: string
  /**
   * The application key every call must carry (header or `appKey` query); default 32 hex characters drawn from the
   * simulator's seed (read it from `sim.settings.liveperson`).
   */
  readonly appKey?: string
  /** Skill names of the account; the first serves a chat request without `skill`. Default Sales, Support, Billing. */
  readonly skills?: ReadonlyArray<string>
  /** `info.chatTimeout` when the chat request has no `interactionTimeout`; default 40 (seconds). */
  readonly chatTimeoutSeconds?: number
  /** How long an ended chat stays readable (clock time) before it answers 404, internalCode 12; default 300,000 ms. */
  readonly retentionMs?: number
  /** UTC offset of every timestamp the API writes, in minutes; default -300 (`-05:00`, as in the vendor's examples). */
  readonly utcOffsetMinutes?: number
  /** Chat slots per skill for `availableSlots` (open chats use them up); default -1, unlimited. */
  readonly slotsPerSkill?: number
  /** Refuse a chat request without `LETagVisitorId` and `LETagSessionId` (401 "Invalid User"); default false. */
  readonly requireMonitoringIds?: boolean
  /** The account's captcha feature is on: every chat request is refused with 401 "Bad captcha"; default false. */
  readonly captcha?: boolean
  /** `ssoKey` values the customer authentication service accepts in `conversation.json`; default any. */
  readonly ssoKeys?: ReadonlyArray<string>
  /**
   * Serve a page holding one event as a bare object (the XML-derived quirk) rather than an array; default true.
   * @deprecated Use the `singleEvent` knob of `variants.liveperson`, which wins when both are given.
   */
  readonly singleEventAsObject?: boolean
}

/** What a client needs to talk to the LivePerson simulator besides its base URL. */
export interface LivePersonSettings {
  /** The account id of every path (`/api/account/{accountId}/...`). */
  readonly accountId: string
  /** The application key: `Authorization: LivePerson appKey=<key>` or `?appKey=<key>`. A secret. */
  readonly appKey: string
  /** Skill names a chat request may name as `skill`. */
  readonly skills: ReadonlyArray<string>
}

type ChatRequest = Schemas["ChatRequest"]
type Found = { readonly chat: LivePersonChat; readonly uri: string } | { readonly response: SimResponse }

const prefix = "/liveperson"

/** Forgets the oldest entries of an insertion-ordered map beyond `limit`. */
const bound = <K, V>(map: Map<K, V>, limit: number): void => {
  for (const key of map.keys()) {
    if (map.size <= limit) break
    map.delete(key)
  }
}

export const makeLivePerson = (
  context: SimContext,
  options: LivePersonOptions = {},
  variant: LivePersonVariant = {}
): ProviderModule & { readonly settings: LivePersonSettings } => {
  const { hub, clock, random, faults } = context
  const skills =
    options.skills !== undefined && options.skills.length > 0 ? options.skills : ["Sales", "Support", "Billing"]
  const settings: LivePersonSettings = {
    accountId: options.accountId ?? "90412733",
    appKey: options.appKey ?? random.hex(32),
    skills
  }
  const defaultTimeout = options.chatTimeoutSeconds ?? 40
  const retentionMs = options.retentionMs ?? 300_000
  const offset = options.utcOffsetMinutes ?? -300
  const slotsPerSkill = options.slotsPerSkill ?? -1
  const style = resolveVariants({
    liveperson: {
      ...(options.singleEventAsObject === undefined
        ? {}
        : { singleEvent: options.singleEventAsObject ? "object" : "array" }),
      ...variant
    }
  }).liveperson
  /**
   * A survey as served: its empty elements (`title`, `lastKnownValue`) are `""` as in the vendor's examples, or
   * `null` in the variant that writes empty elements so.
   */
  const surveyIn = (survey: Schemas["Survey"]): unknown =>
    style.emptyElements === "null"
      ? JSON.parse(JSON.stringify(survey), (_, value: unknown) => (value === "" ? null : value))
      : survey
  /** The visitor's own lines in the variant that does not echo them: kept in the log, left out of its pages. */
  const unseen = new WeakSet<LivePersonEvent>()
  const ssoKeys = options.ssoKeys === undefined ? undefined : new Set(options.ssoKeys)

  /** Chats the chat service holds: open ones and ended ones inside the retention window. */
  const chats = new Map<string, LivePersonChat>()
  /** Chat keys handed out by `conversation.json`, waiting for the authenticated chat request. */
  const reservations = new Map<string, true>()
  /** Visitor ids handed out in `info.visitorId`; a chat request may link to one of them. */
  const visitors = new Map<string, true>()
  const skillId = (skill: string) => 37_000_000 + 11 * Math.max(0, skills.indexOf(skill)) + 3
  let rtSessions = 4_294_967_000

  const now = () => clock.now()
  const stamp = () => timestamp(clock.now(), offset)
  const error = (status: number, message: string): SimResponse =>
    json(errorBody(stamp(), message, status, style), status)
  const invalidUser = () => error(401, "Invalid User")
  const notFound = () => error(404, "Chat session not found")

  const { finish, armKeepAlive, showBusy, giveUp, portFor } = makeLifecycle({
    hub,
    clock,
    skills,
    skillId,
    retentionMs,
    stamp,
    forget: (chat) => {
      if (chats.get(chat.id) === chat) chats.delete(chat.id)
    },
    lines: style
  })

  // ---- access ------------------------------------------------------------------------------------------------------

  /** 401 for a missing or wrong app key, or for another account (§2.6; account-level operations declare no 404). */
  const authorize = (request: SimRequest): SimResponse | undefined => {
    if (!hasAppKey(request, settings.appKey)) return error(401, "Invalid User (missing or unknown app key)")
    if (request.params.accountId !== settings.accountId) return error(401, "Invalid User (unknown account)")
    return undefined
  }

  /** Authorizes, finds the chat (404 internalCode 12 when the service does not hold it) and touches it. */
  const access = (request: SimRequest): Found => {
    const denied = authorize(request)
    if (denied !== undefined) return { response: denied }
    const chat = chats.get(request.params.chatId as string)
    if (chat === undefined || chat.purged) return { response: notFound() }
    chat.lastUpdate = now()
    return { chat, uri: chatUri(publicBase(request, prefix), settings.accountId, chat.id) }
  }

  /** Runs a chat-scoped handler after `access`. */
  const withChat =
    (handle: (chat: LivePersonChat, uri: string, request: SimRequest) => SimResponse) =>
    (request: SimRequest): SimResponse => {
      const found = access(request)
      return "response" in found ? found.response : handle(found.chat, found.uri, request)
    }

  /** The events the visitor's pages show (all of them, unless the variant hides the visitor's own lines). */
  const shown = (events: Array<LivePersonEvent>): Array<LivePersonEvent> =>
    style.visitorLines === "echoed" ? events : events.filter((event) => !unseen.has(event))

  /** The events from `from` on, with the duplicate and re-order delivery faults applied; `next` is last id + 1. */
  const deliver = (chat: LivePersonChat, from: number, operation: string) => {
    const fresh = shown(chat.events.slice(from))
    const last = fresh.at(-1)
    const next = last === undefined ? from : Number(last["@id"]) + 1
    const seen = Math.min(from, chat.events.length)
    if (seen === 0 && fresh.length < 2) return { events: fresh, next }
    const decision = faults.delivery("liveperson", operation)
    let events = fresh
    if (decision.duplicate && seen > 0) {
      // Up to three events the client already got, again (what a server replaying a lost page would send).
      events = [...shown(chat.events.slice(Math.max(0, seen - 1 - random.int(3)), seen)), ...fresh]
    }
    if (decision.reorder && events.length > 1) events = shuffle(events, random)
    return { events, next }
  }

  // ---- handlers ----------------------------------------------------------------------------------------------------

  const requestChat = (request: SimRequest): SimResponse => {
    const denied = authorize(request)
    if (denied !== undefined) return denied
    const body = (request.body as { readonly request: ChatRequest }).request
    if (options.captcha === true) return error(401, "Bad captcha")
    const skill = body.skill ?? (skills[0] as string)
    if (!skills.includes(skill)) return error(400, `skill "${skill.slice(0, 60)}" does not exist on this account`)
    const { participantId, conversationId } = body
    if ((participantId === undefined) !== (conversationId === undefined)) {
      return error(400, "participantId and conversationId must be sent together (authenticated chats)")
    }
    if (conversationId !== undefined && !reservations.has(conversationId)) return invalidUser()
    if (options.requireMonitoringIds === true && (!body.LETagVisitorId || !body.LETagSessionId)) return invalidUser()
    if (body.visitorId !== undefined && !visitors.has(String(body.visitorId))) return invalidUser()
    if (body.survey !== undefined) {
      const problem = checkAnswers(preChatSurvey, body.survey.id, body.survey.question, { requireMandatory: true })
      if (problem !== undefined) return error(400, problem)
    }
    if (conversationId !== undefined) reservations.delete(conversationId)

    const started = now()
    const visitorId = body.visitorId === undefined ? newVisitorId(random) : String(body.visitorId)
    visitors.set(visitorId, true)
    bound(visitors, 100_000)
    const chatContext: ChatContext = {
      ...(body.LETagVisitorId === undefined ? {} : { sharkVisitorId: body.LETagVisitorId }),
      ...(body.LETagSessionId === undefined ? {} : { sharkSessionId: body.LETagSessionId }),
      ...(body.LETagContextId === undefined ? {} : { sharkContextId: body.LETagContextId }),
      ...(body.engagementId === undefined ? {} : { engagementId: body.engagementId }),
      ...(body.campaignId === undefined ? {} : { campaignId: body.campaignId }),
      ...(body.language === undefined ? {} : { language: body.language })
    }
    const chat: LivePersonChat = {
      id: conversationId ?? newChatKey(random),
      hubId: "",
      state: "waiting",
      purged: false,
      skill,
      skillId: skillId(skill),
      agent: undefined,
      agentTyping: false,
      visitorTyping: false,
      visitorName: "You",
      visitorId,
      rtSessionId: ++rtSessions,
      startTime: started,
      endTime: undefined,
      lastUpdate: started,
      chatTimeoutSeconds: body.interactionTimeout ?? defaultTimeout,
      context: chatContext,
      events: [],
      busyShown: false,
      transcriptRequests: [],
      exitSurveys: [],
      keepAlive: undefined,
      maxWait: undefined,
      retention: undefined
    }
    appendState(chat, stamp(), "waiting")
    appendSystemLine(chat, stamp(), systemLine.routing, "Thank you for choosing to chat with us.", style)
    chats.set(chat.id, chat)
    armKeepAlive(chat)
    let view: ChatView | undefined
    try {
      view = hub.open({
        provider: "liveperson",
        nativeId: chat.id,
        skill,
        visitorName: chat.visitorName,
        port: portFor(chat)
      })
    } catch {
      // A listener failed after the hub registered the chat.
      view = hub.findByNativeId("liveperson", chat.id)
    }
    chat.hubId = view?.id ?? ""

    // §4.2: nobody can take the chat. It is created all the same, says "busy" (line 2), and ends once maxWaitTime
    // passes (at once for 0); without maxWaitTime it stays waiting until an agent accepts or it times out.
    const available = hub.isAvailable(skill)
    if (chat.state === "waiting" && !available) showBusy(chat)
    const maxWait = body.maxWaitTime
    if (chat.state === "waiting" && maxWait !== undefined) {
      const reason = `no agent accepted the chat within maxWaitTime (${maxWait} s)`
      if (maxWait === 0 && !available) giveUp(chat, "no agent available (maxWaitTime 0)")
      else if (maxWait > 0) chat.maxWait = clock.setTimeout(() => giveUp(chat, reason), maxWait * 1000)
    }
    const uri = chatUri(publicBase(request, prefix), settings.accountId, chat.id)
    return empty(201, { location: uri })
  }

  const addChatEvent = withChat((chat, uri, request) => {
    const event = (request.body as Schemas["AddEventRequest"]).event
    if (event["@type"] === "line") {
      if (chat.state === "ended") return error(400, "The chat has ended; no more lines can be added")
      const line = appendLine(chat, stamp(), { text: event.text, by: chat.visitorName, source: "visitor" }, style)
      if (style.visitorLines === "not-echoed") unseen.add(line)
      chat.visitorTyping = false
      tell(() => hub.visitorMessage(chat.hubId, event.text))
      return empty(201, { location: `${uri}/events/${line["@id"]}` })
    }
    // §2.9: ending an ended chat is a no-op that points at the existing `ended` event.
    const ended = chat.state === "ended" ? endedEvent(chat) : undefined
    const stateEvent = ended ?? finish(chat)
    if (ended === undefined) tell(() => hub.closed(chat.hubId, "visitor", "the visitor ended the chat"))
    return empty(201, { location: `${uri}/events/${stateEvent["@id"]}` })
  })

  /** The serialised links of each chat for the URI and cursor of its last poll (the next poll mostly repeats them). */
  const linkCache = new WeakMap<LivePersonChat, LinksJson>()
  const links = (chat: LivePersonChat, uri: string, next: number): LinksJson => {
    const cached = linkCache.get(chat)
    const found = linksJson(cached, uri, next, style)
    if (found !== cached) linkCache.set(chat, found)
    return found
  }

  const page = (chat: LivePersonChat, request: SimRequest) =>
    deliver(chat, (request.query.from as number | undefined) ?? 0, request.operationId)

  return {
    provider: "liveperson",
    prefix,
    settings,
    error,
    // Real clients name the JSON form with a `.json` suffix (`chat/request.json`, `{chat}.json`, `events.json`,
    // providers.md §2.1), which real servers accept: served as the plain path. `conversation.json` is its own name.
    alias: (path) =>
      path.endsWith(".json") && path.startsWith(`${prefix}/`) && !path.endsWith("/conversation.json")
        ? path.slice(0, -".json".length)
        : undefined,
    handlers: {
      ...makeAvailability({ hub, skills, slotsPerSkill, authorize, error, count: (n) => numberIn(style, n) }),
      getPreChatSurvey: (request) => authorize(request) ?? json({ survey: surveyIn(preChatSurvey) }),
      getOfflineSurvey: (request) => authorize(request) ?? json({ survey: surveyIn(offlineSurvey) }),
      submitOfflineSurvey: (request) => {
        const denied = authorize(request)
        if (denied !== undefined) return denied
        const { survey } = request.body as Schemas["OfflineSurveySubmission"]
        const problem = checkAnswers(offlineSurvey, survey.id, survey.question, { requireMandatory: true })
        return problem === undefined ? empty(200) : error(400, problem)
      },
      authenticateVisitor: (request) => {
        const denied = authorize(request)
        if (denied !== undefined) return denied
        const { ssoKey } = request.body as Schemas["VisitorAuthentication"]
        if (ssoKeys !== undefined && !ssoKeys.has(ssoKey)) {
          return error(401, "Failed to validate user with customer authentication service")
        }
        const key = newChatKey(random)
        reservations.set(key, true)
        bound(reservations, 10_000)
        return empty(201, { location: chatUri(publicBase(request, prefix), settings.accountId, key) })
      },
      requestChat,
      getChat: withChat((chat, uri, request) => {
        const { events, next } = page(chat, request)
        return jsonText(chatJson(links(chat, uri, next), events, style, chat, now(), offset))
      }),
      getChatEvents: withChat((chat, uri, request) => {
        const { events, next } = page(chat, request)
        return jsonText(eventsResourceJson(links(chat, uri, next), events, style))
      }),
      addChatEvent,
      getChatInfo: withChat((chat, uri) => json({ info: infoOf(chat, uri, now(), offset, "standalone", style) })),
      getVisitorName: withChat((chat) => json({ visitorName: chat.visitorName })),
      // The vendor's page says 201, a production SDK expects 200 (§2.2 row 14): 200 unless the variant says 201.
      setVisitorName: withChat((chat, _, request) => {
        chat.visitorName = (request.body as Schemas["VisitorName"]).visitorName
        tell(() => hub.visitorName(chat.hubId, chat.visitorName))
        return empty(style.setVisitorNameStatus)
      }),
      getVisitorTyping: withChat((chat) => json({ visitorTyping: chat.visitorTyping ? "typing" : "not-typing" })),
      setVisitorTyping: withChat((chat, _, request) => {
        // Idempotent, and a no-op once the chat has ended.
        if (chat.state === "ended") return empty(200)
        chat.visitorTyping = (request.body as Schemas["VisitorTyping"]).visitorTyping === "typing"
        const on = chat.visitorTyping
        tell(() => hub.visitorTyping(chat.hubId, on))
        return empty(200)
      }),
      getAgentTyping: withChat((chat) =>
        json({ agentTyping: chat.agent === undefined ? "unknown" : chat.agentTyping ? "typing" : "not-typing" })
      ),
      getExitSurvey: withChat(() => json({ survey: surveyIn(exitSurvey) })),
      submitExitSurvey: withChat((chat, _, request) => {
        const { survey } = request.body as Schemas["ExitSurveySubmission"]
        const problem = checkAnswers(exitSurvey, survey.id, survey.questions.question, { requireMandatory: true })
        if (problem !== undefined) return error(400, problem)
        chat.exitSurveys.push({ time: stamp(), survey: structuredClone(survey) })
        return empty(200)
      }),
      requestTranscript: withChat((chat, _, request) => {
        chat.transcriptRequests.push({ time: stamp(), email: (request.body as Schemas["TranscriptRequest"]).email })
        return empty(200)
      })
    },
    close: () => {
      for (const chat of chats.values()) stopTimers(chat)
    }
  }
}
