/**
 * Server variants: the behaviours real servers may show where the vendors' documentation is silent or loose (the
 * `[I]` recommendations and the gaps of providers.md §1–§5). The simulator and core's adapters were written to one
 * reading of the docs; a variant makes the simulator play another plausible one, so a client can be tested against
 * each of them. Every knob is independent, and its default is what the simulator did before variants existed.
 *
 * `variantProfiles` names a few combinations per provider for a test matrix: `default`, then profiles that together
 * take every value of every knob at least once.
 */

/** Salesforce Live Agent (providers.md §1). */
export interface SalesforceVariant {
  /**
   * Where the entries the visitor had not acknowledged before a 503 handover go once it reconnected (§1.6, §1.8,
   * §1.9): `ReconnectSession` is followed by a `ChasitorSessionData` entry, and the backlog is re-delivered
   * - `"after"` (default): behind ChasitorSessionData, in the same envelope;
   * - `"after-separately"`: in a later envelope, once the one holding ChasitorSessionData was acknowledged;
   * - `"before"`: ahead of ChasitorSessionData, in the same envelope;
   * - `"before-separately"`: in an earlier envelope of its own; ChasitorSessionData follows once it was acknowledged;
   * - `"none"`: the agent's `ChatMessage` entries are not re-delivered at all (only the transcript can hold them);
   *   the backlog's other entries (typing, transfers, the end) follow as with `"after"`.
   */
  readonly redelivery?: "after" | "after-separately" | "before" | "before-separately" | "none"
  /**
   * What `ChasitorSessionData.chatMessages` holds (§1.6, §1.8): `"acknowledged"` (default), only the lines the
   * visitor already received; `"overlapping"`, every line so far, including those re-delivered after it (an agent
   * line written during the handover then reaches the client twice: in the transcript and as a `ChatMessage`).
   */
  readonly transcript?: "acknowledged" | "overlapping"
  /**
   * `resetSequence` in the ReconnectSession answer (§1.5.3, "may be undefined"): `true` (default: the server restarts
   * its de-duplication, the client numbers from 1 again), `false` or `"absent"` (the field is left out). With `false`
   * and `"absent"` the server keeps de-duplicating against the numbers it saw before the handover.
   */
  readonly resetSequence?: boolean | "absent"
  /**
   * What a repeated or older `X-LIVEAGENT-SEQUENCE` does (§1.2, §1.10, gap §5.1): `"drop"` (default), a 200 without
   * effect; `"apply"`, the request is applied again (clients that hard-code the number still work on real servers).
   */
  readonly sequenceDedupe?: "drop" | "apply"
  /**
   * How long a Messages poll is held before a 204 (§1.9, gap §5.1): `"long"` (default), `pollHoldMs`
   * (`clientPollTimeout` − 10 s); `"short"`, 1 s.
   */
  readonly pollHold?: "long" | "short"
  /** The body of ChasitorInit's 200 (§1.3 row 3): `"OK"` (default, `text/plain`) or `"empty"` (no body, as documented). */
  readonly chasitorInitBody?: "OK" | "empty"
  /** The success status of every POST (§1.7): `200` (default) or `202` ("Accepted", no body). */
  readonly postStatus?: 200 | 202
  /**
   * How Visitor/Availability, Settings and VisitorId answer (§1.5.4–§1.5.6): `"wrapped"` (default) in the Messages
   * envelope `{ messages: [{ type, message }] }`, or `"bare"`, the message alone (`{ results }`, `{ pingrate, ... }`,
   * `{ sessionId }`, and `{ newUrl }` for a moved org), as the documentation shows them.
   */
  readonly visitorEnvelope?: "wrapped" | "bare"
  /**
   * `ChatEnded.reason` (§1.6, gap §5.1): `"as-given"` (default) the reason given to `hub.end` for an agent's end
   * (`"agent"` unless told otherwise), `"client"` after the visitor's ChatEnd, `"chasitorIdleTimeout"` for the idle
   * timeout; `"agent"`, every agent's end says `"agent"`; `"other"`, an agent's end says
   * `"The agent ended the chat"` (neither `client` nor `agent`); `"absent"`, no `reason` on any ChatEnded.
   */
  readonly chatEndedReason?: "as-given" | "agent" | "other" | "absent"
  /**
   * What follows the visitor's own ChatEnd (§1.8, `[I]`): `"chat-ended"` (default), one more poll reads `ChatEnded`,
   * then the session answers 403; `"forbidden"`, the session is gone at once (a held poll and the next ones get 403).
   */
  readonly afterChatEnd?: "chat-ended" | "forbidden"
  /**
   * The message of `AgentTyping`, `AgentNotTyping` and `AgentDisconnect` (§1.6): `"empty"` (default) `{}`, or
   * `"named"` `{ name, agentId }` as some servers send and some clients expect.
   */
  readonly agentRef?: "empty" | "named"
  /**
   * Error bodies (§1.7, gap §5.1): `"json"` (default) `{ "error": "<reason>" }`, or `"text"`, a `text/plain` line
   * such as `403 Session not valid`.
   */
  readonly errorBody?: "json" | "text"
}

/** LivePerson legacy Chat REST API (providers.md §2). */
export interface LivePersonVariant {
  /**
   * How an element without content appears in the XML-derived JSON (§2.1, §2.4): `"absent"` (default), the key is
   * left out; `"empty-string"`, `""`; `"null"`, `null`. It concerns the info fields that can be empty (`agentName`
   * and `agentId` before an agent joined, `sharkVisitorId`, `sharkSessionId`, `sharkContextId`, `engagementId`,
   * `campaignId`, `language` when the request had none) and `systemMessageId` on agent and visitor lines; the
   * surveys' empty `title` and `lastKnownValue` are `""` as in the vendor's examples, or `null` with `"null"`. An
   * empty page has no `<event>` element at all, so `events.event` stays absent in every variant.
   */
  readonly emptyElements?: "absent" | "empty-string" | "null"
  /**
   * A page holding exactly one event (§2.1): `"object"` (default), `event` is that bare object (the XML quirk), or
   * `"array"`, a one-element array. Replaces the `singleEventAsObject` option.
   */
  readonly singleEvent?: "object" | "array"
  /**
   * Numeric fields (§2.1): `"mixed"` (default) JSON numbers in `info`, availability and errors, numeric strings for
   * `systemMessageId`; `"strings"`, every numeric field as a numeric string; `"numbers"`, every one as a JSON number.
   * Event ids (`@id`) are XML attributes and stay strings.
   */
  readonly numbers?: "mixed" | "strings" | "numbers"
  /**
   * The link form (§2.1, §2.4): `"as-documented"` (default), `@href`/`@rel` everywhere but the standalone info
   * resource, which shows `href`/`rel`; `"attribute"`, `@href`/`@rel` everywhere; `"plain"`, `href`/`rel` everywhere.
   */
  readonly links?: "as-documented" | "attribute" | "plain"
  /**
   * `line.by` (§2.5): `"name"` (default), the agent's and the visitor's display names (as the vendor's example);
   * `"role"`, `agent` and `visitor` (as the vendor's table). System lines say `info` either way.
   */
  readonly lineBy?: "name" | "role"
  /**
   * Whether the visitor's own lines come back in the feed (§2.5, `[I]`): `"echoed"` (default) as `line` events with
   * `source: visitor`, or `"not-echoed"` (they take an event id, which the visitor's pages skip).
   */
  readonly visitorLines?: "echoed" | "not-echoed"
  /** The status of a successful set-visitor-name (§2.2 row 14: the doc says 201, an SDK expects 200): `200` (default) or `201`. */
  readonly setVisitorNameStatus?: 200 | 201
}

/** LiveChat REST API v2 visitor chat (providers.md §3). */
export interface LiveChatVariant {
  /**
   * Whether `welcome_message` comes back as the visitor's first `message` event (§3.3, §3.4, §3.7): `"echoed"`
   * (default) or `"not-echoed"` (the agent still sees it).
   */
  readonly welcomeMessage?: "echoed" | "not-echoed"
  /** The step between consecutive `message_id`s (§3.4: ids increase, gaps possible): `1` (default) or `2`. */
  readonly messageIdStep?: 1 | 2
  /**
   * `last_message_id` (§3.5, gap §5.3): `"exclusive"` (default), events with a greater `message_id`; `"inclusive"`,
   * that event again too.
   */
  readonly lastMessageId?: "exclusive" | "inclusive"
  /**
   * `start` for a visitor whose chat is still open (§3.8, gap §5.3): `"same-chat"` (default) returns that chat's
   * `secured_session_id`; `"new-chat"` closes it (a `chat_closed` event in its log, ended by the system) and opens
   * another one with a new secret.
   */
  readonly restart?: "same-chat" | "new-chat"
  /** Error bodies (§3.6): `"error"` (default) `{ "error": "…" }`, or `"errors"` `{ "errors": ["…"] }`. */
  readonly errorBody?: "error" | "errors"
  /**
   * The status for a `secured_session_id` that opens nothing for the path's visitor, an expired chat, or a line
   * sent to a closed chat (§3.2, §3.6, gap §5.3): `404` (default), `400` or `401`.
   */
  readonly sessionErrorStatus?: 404 | 400 | 401
  /**
   * `close` on a chat that is already closed or expired (§3.8, `[I]`): `"success"` (default) `{ success: true }`, or
   * `"error"`, the `sessionErrorStatus`.
   */
  readonly closeTwice?: "success" | "error"
  /**
   * `chat_closed` events (§3.4: "text may be present"): `"full"` (default) with `user_type` and `text`, or `"bare"`
   * with neither.
   */
  readonly chatClosed?: "full" | "bare"
  /**
   * `agent_details.agent` (§3.4): `"full"` (default) `{ name, job_title, avatar }`, or `"name-only"` `{ name }`.
   */
  readonly agentDetails?: "full" | "name-only"
  /**
   * A transfer to another agent (§3.4, §4.1 `[I]`): `"agent-details"` (default), an `agent_details` event for the new
   * agent, or `"hidden"`, nothing visible (a gap in `message_id`).
   */
  readonly transfer?: "agent-details" | "hidden"
  /**
   * Event types beyond the three evidenced ones (§3.4, gap §5.3): `"none"` (default; agent typing and a dropped agent
   * connection only leave gaps in `message_id`), or `"emit"`: they become events of types this simulator invents
   * (`agent_typing` with `typing`, `agent_disconnected`), which clients must skip.
   */
  readonly undocumentedEvents?: "none" | "emit"
}

/** The server variant of each provider; a provider or knob left out keeps its default. */
export interface Variants {
  readonly salesforce?: SalesforceVariant
  readonly liveperson?: LivePersonVariant
  readonly livechat?: LiveChatVariant
}

/** Every knob with its default value: what the simulator does without variants. */
export const defaultVariants: {
  readonly salesforce: Required<SalesforceVariant>
  readonly liveperson: Required<LivePersonVariant>
  readonly livechat: Required<LiveChatVariant>
} = {
  salesforce: {
    redelivery: "after",
    transcript: "acknowledged",
    resetSequence: true,
    sequenceDedupe: "drop",
    pollHold: "long",
    chasitorInitBody: "OK",
    postStatus: 200,
    visitorEnvelope: "wrapped",
    chatEndedReason: "as-given",
    afterChatEnd: "chat-ended",
    agentRef: "empty",
    errorBody: "json"
  },
  liveperson: {
    emptyElements: "absent",
    singleEvent: "object",
    numbers: "mixed",
    links: "as-documented",
    lineBy: "name",
    visitorLines: "echoed",
    setVisitorNameStatus: 200
  },
  livechat: {
    welcomeMessage: "echoed",
    messageIdStep: 1,
    lastMessageId: "exclusive",
    restart: "same-chat",
    errorBody: "error",
    sessionErrorStatus: 404,
    closeTwice: "success",
    chatClosed: "full",
    agentDetails: "full",
    transfer: "agent-details",
    undocumentedEvents: "none"
  }
}

/** Every allowed value of every knob, in the order the README lists them (the default first). */
export const variantValues: {
  readonly [P in keyof typeof defaultVariants]: {
    readonly [K in keyof (typeof defaultVariants)[P]]-?: ReadonlyArray<(typeof defaultVariants)[P][K]>
  }
} = {
  salesforce: {
    redelivery: ["after", "after-separately", "before", "before-separately", "none"],
    transcript: ["acknowledged", "overlapping"],
    resetSequence: [true, false, "absent"],
    sequenceDedupe: ["drop", "apply"],
    pollHold: ["long", "short"],
    chasitorInitBody: ["OK", "empty"],
    postStatus: [200, 202],
    visitorEnvelope: ["wrapped", "bare"],
    chatEndedReason: ["as-given", "agent", "other", "absent"],
    afterChatEnd: ["chat-ended", "forbidden"],
    agentRef: ["empty", "named"],
    errorBody: ["json", "text"]
  },
  liveperson: {
    emptyElements: ["absent", "empty-string", "null"],
    singleEvent: ["object", "array"],
    numbers: ["mixed", "strings", "numbers"],
    links: ["as-documented", "attribute", "plain"],
    lineBy: ["name", "role"],
    visitorLines: ["echoed", "not-echoed"],
    setVisitorNameStatus: [200, 201]
  },
  livechat: {
    welcomeMessage: ["echoed", "not-echoed"],
    messageIdStep: [1, 2],
    lastMessageId: ["exclusive", "inclusive"],
    restart: ["same-chat", "new-chat"],
    errorBody: ["error", "errors"],
    sessionErrorStatus: [404, 400, 401],
    closeTwice: ["success", "error"],
    chatClosed: ["full", "bare"],
    agentDetails: ["full", "name-only"],
    transfer: ["agent-details", "hidden"],
    undocumentedEvents: ["none", "emit"]
  }
}

/** One named combination of knobs for a test matrix. */
export interface VariantProfile {
  /** Short kebab-case name, unique per provider. */
  readonly name: string
  readonly description: string
  readonly variants: Variants
  /**
   * Set on a profile that breaks a rule the vendor documents (not one the documentation leaves open): the rule, and
   * where it is written. Clients may be tested against it, but no client can keep every promise there (Switchboard's
   * exactly-once sends cannot), so core's matrix leaves these profiles out.
   */
  readonly contradicts?: string
}

/**
 * Named profiles per provider: `default` first (every knob at its default), then profiles that together take every
 * value of every knob at least once. Each profile reads as one plausible server, not as a random mix.
 */
export const variantProfiles: {
  readonly [P in "salesforce" | "liveperson" | "livechat"]: ReadonlyArray<VariantProfile>
} = {
  salesforce: [
    { name: "default", description: "Every knob at its default: the simulator's reading of the docs.", variants: {} },
    {
      name: "overlap-later",
      description:
        "After a handover the transcript repeats the lines re-delivered in the envelope after ChasitorSessionData; " +
        "resetSequence is left out, agent refs are named and every agent's end says agent.",
      variants: {
        salesforce: {
          redelivery: "after-separately",
          transcript: "overlapping",
          resetSequence: "absent",
          agentRef: "named",
          chatEndedReason: "agent"
        }
      }
    },
    {
      name: "overlap-before",
      description:
        "Re-delivered lines come ahead of an overlapping ChasitorSessionData; resetSequence is false; POSTs answer " +
        "202, ChasitorInit without a body; an odd ChatEnded reason.",
      variants: {
        salesforce: {
          redelivery: "before",
          transcript: "overlapping",
          resetSequence: false,
          postStatus: 202,
          chasitorInitBody: "empty",
          chatEndedReason: "other"
        }
      }
    },
    {
      name: "backlog-first",
      description:
        "The backlog arrives in an envelope before ChasitorSessionData; short 1 s polls, bare Visitor answers, " +
        "text error bodies, no ChatEnded reason and no poll after the visitor's ChatEnd.",
      variants: {
        salesforce: {
          redelivery: "before-separately",
          pollHold: "short",
          visitorEnvelope: "bare",
          errorBody: "text",
          chatEndedReason: "absent",
          afterChatEnd: "forbidden"
        }
      }
    },
    {
      name: "replays-sequence",
      description: "A repeated X-LIVEAGENT-SEQUENCE is applied again: the server does not de-duplicate.",
      variants: { salesforce: { sequenceDedupe: "apply" } },
      contradicts:
        "X-LIVEAGENT-SEQUENCE exists so that the server avoids processing duplicates (providers.md §1.2, [D:sf-hdr])"
    },
    {
      name: "transcript-only",
      description:
        "Agent lines are never re-delivered after a handover: the overlapping transcript is the only place they are.",
      variants: { salesforce: { redelivery: "none", transcript: "overlapping", pollHold: "short" } }
    }
  ],
  liveperson: [
    { name: "default", description: "Every knob at its default: the simulator's reading of the docs.", variants: {} },
    {
      name: "xml-strings",
      description:
        'Empty elements as "", every number as a string, @-links everywhere, one event as a bare object, lines by ' +
        "role.",
      variants: {
        liveperson: {
          emptyElements: "empty-string",
          numbers: "strings",
          links: "attribute",
          singleEvent: "object",
          lineBy: "role"
        }
      }
    },
    {
      name: "no-echo",
      description: "The visitor's own lines are not in the visitor's event feed (they only take an event id).",
      variants: { liveperson: { visitorLines: "not-echoed" } },
      contradicts:
        "the chat's event log holds every line with its source, the visitor's (`source: visitor`) included " +
        "(providers.md §2.5, [D:lp-events])"
    },
    {
      name: "json-nulls",
      description:
        "Empty elements as null, every number as a JSON number, plain links everywhere, one event as an array, " +
        "201 for set-visitor-name.",
      variants: {
        liveperson: {
          emptyElements: "null",
          numbers: "numbers",
          links: "plain",
          singleEvent: "array",
          setVisitorNameStatus: 201
        }
      }
    }
  ],
  livechat: [
    { name: "default", description: "Every knob at its default: the simulator's reading of the docs.", variants: {} },
    {
      name: "gappy-inclusive",
      description:
        "message_id steps of 2, an inclusive last_message_id, the welcome message not echoed, undocumented event " +
        "types, bare chat_closed events, { errors: [...] } bodies and 400 for a bad session.",
      variants: {
        livechat: {
          messageIdStep: 2,
          lastMessageId: "inclusive",
          welcomeMessage: "not-echoed",
          undocumentedEvents: "emit",
          chatClosed: "bare",
          errorBody: "errors",
          sessionErrorStatus: 400
        }
      }
    },
    {
      name: "fresh-start",
      description:
        "start opens a new chat each time, 401 for a bad session and for a second close, agents by name only, " +
        "transfers invisible.",
      variants: {
        livechat: {
          restart: "new-chat",
          sessionErrorStatus: 401,
          closeTwice: "error",
          agentDetails: "name-only",
          transfer: "hidden"
        }
      }
    }
  ]
}

/** The variant of each provider with every default filled in. */
export const resolveVariants = (variants: Variants = {}) => ({
  salesforce: { ...defaultVariants.salesforce, ...variants.salesforce } as Required<SalesforceVariant>,
  liveperson: { ...defaultVariants.liveperson, ...variants.liveperson } as Required<LivePersonVariant>,
  livechat: { ...defaultVariants.livechat, ...variants.livechat } as Required<LiveChatVariant>
})

/**
 * The variants of a `<provider>:<profile>` name (`salesforce:overlap-later`), as the command line's `--variant`
 * takes them; throws a `RangeError` naming the known profiles otherwise.
 */
export const profileVariants = (selector: string): Variants => {
  const [provider, name] = selector.split(":")
  const profiles =
    provider !== undefined && provider in variantProfiles
      ? variantProfiles[provider as keyof typeof variantProfiles]
      : undefined
  const found = profiles?.find((profile) => profile.name === name)
  if (found === undefined) {
    const known = Object.entries(variantProfiles).flatMap(([p, list]) => list.map((profile) => `${p}:${profile.name}`))
    throw new RangeError(`unknown variant profile ${selector}; known: ${known.join(", ")}`)
  }
  return found.variants
}
