/**
 * The Salesforce payloads the adapter reads, decoded with Effect Schema at the boundary. Decoding is lenient where
 * real servers vary (optional fields the spec requires) and never throws: an entry of the Messages envelope whose
 * type is unknown, or whose known type has an unreadable body, becomes `{ type: "unknown", raw }`.
 */
import { Either, Schema } from "effect"

const Text = Schema.String
const NonEmpty = Schema.String.pipe(Schema.minLength(1))

/** Body of `GET System/SessionId`. */
export const SessionIdAnswer = Schema.Struct({
  id: NonEmpty,
  key: NonEmpty,
  affinityToken: NonEmpty,
  clientPollTimeout: Schema.Number.pipe(Schema.positive())
})
export const decodeSessionId = Schema.decodeUnknownEither(SessionIdAnswer)

/** Body of a `200` from `GET System/Messages`: entries stay raw until `decodeEntry`. */
export const Envelope = Schema.Struct({
  messages: Schema.Array(Schema.Unknown),
  sequence: Schema.Number,
  offset: Schema.optional(Schema.Number)
})
export type Envelope = typeof Envelope.Type
export const decodeEnvelope = Schema.decodeUnknownEither(Envelope)

/** Body of `GET System/ReconnectSession`: the new affinity token, and whether the outbound counter restarts. */
const ReconnectAnswer = Schema.Struct({
  messages: Schema.NonEmptyArray(
    Schema.Struct({
      type: Schema.Literal("ReconnectSession"),
      message: Schema.Struct({ resetSequence: Schema.optional(Schema.Boolean), affinityToken: NonEmpty })
    })
  )
})
export const decodeReconnect = (body: unknown) =>
  Either.map(Schema.decodeUnknownEither(ReconnectAnswer)(body), (answer) => answer.messages[0].message)

const entry = <Type extends string, Message extends Schema.Schema.Any>(type: Type, message: Message) =>
  Schema.Struct({ type: Schema.Literal(type), message })

const Assignment = Schema.Struct({ name: Text, userId: Schema.optional(Text) })

/** One line of `ChasitorSessionData.chatMessages`. */
const TranscriptLine = Schema.Struct({
  type: Text,
  name: Schema.optional(Text),
  content: Schema.optional(Text),
  timestamp: Schema.optional(Schema.Number)
})
export type TranscriptLine = typeof TranscriptLine.Type

/** The entry types the adapter maps to events; any other type is passed on as `unknown`. */
const Known = Schema.Union(
  entry(
    "ChatRequestSuccess",
    Schema.Struct({
      queuePosition: Schema.optional(Schema.Number),
      estimatedWaitTime: Schema.optional(Schema.Number),
      connectionTimeout: Schema.optional(Schema.Number)
    })
  ),
  entry("ChatRequestFail", Schema.Struct({ reason: Schema.optional(Text) })),
  entry(
    "QueueUpdate",
    Schema.Struct({ position: Schema.optional(Schema.Number), estimatedWaitTime: Schema.optional(Schema.Number) })
  ),
  entry("ChatEstablished", Assignment),
  entry("ChatMessage", Schema.Struct({ name: Schema.optional(Text), text: Text })),
  entry("AgentTyping", Schema.Unknown),
  entry("AgentNotTyping", Schema.Unknown),
  entry("AgentDisconnect", Schema.Unknown),
  entry("ChatTransferred", Assignment),
  entry("TransferToButtonInitiated", Schema.Unknown),
  entry("ChatEnded", Schema.Struct({ reason: Schema.optional(Text) })),
  entry(
    "ChasitorSessionData",
    Schema.Struct({
      queuePosition: Schema.optional(Schema.Number),
      chatMessages: Schema.optional(Schema.Array(TranscriptLine))
    })
  )
)
export type Known = typeof Known.Type

export type Entry = Known | { readonly type: "unknown"; readonly raw: unknown }

const decodeKnown = Schema.decodeUnknownEither(Known)

/** One entry of the envelope: a known type with a readable body, or `unknown` carrying the entry untouched. */
export const decodeEntry = (raw: unknown): Entry => {
  const known = decodeKnown(raw)
  return Either.isRight(known) ? known.right : { type: "unknown", raw }
}

const AvailabilityResults = Schema.Struct({
  results: Schema.Array(
    Schema.Struct({
      id: Text,
      isAvailable: Schema.optional(Schema.Boolean),
      estimatedWaitTime: Schema.optional(Schema.Number)
    })
  )
})
const AvailabilityAnswer = Schema.Union(AvailabilityResults, Schema.Struct({ messages: Schema.Array(Schema.Unknown) }))
const decodeAvailabilityAnswer = Schema.decodeUnknownEither(AvailabilityAnswer)
const decodeAvailabilityEntry = Schema.decodeUnknownEither(entry("Availability", AvailabilityResults))

export type AvailabilityResults = typeof AvailabilityResults.Type

/**
 * `Visitor/Availability`'s answer: the results wrapped in the Messages envelope (as servers send it), or bare (as
 * the documentation's response type reads, reference §1.5.4). Anything else, a `SwitchServer` entry included, is
 * the reason it is not one, in a few words.
 */
export const decodeAvailability = (body: unknown): Either.Either<AvailabilityResults, string> => {
  const answer = decodeAvailabilityAnswer(body)
  if (Either.isLeft(answer)) return Either.left("the answer is neither an Availability envelope nor its results")
  if ("results" in answer.right) return Either.right(answer.right)
  for (const raw of answer.right.messages) {
    const found = decodeAvailabilityEntry(raw)
    if (Either.isRight(found)) return Either.right(found.right.message)
    if (typeof raw === "object" && raw !== null && (raw as { type?: unknown }).type === "SwitchServer") {
      return Either.left("Salesforce answered SwitchServer: this host does not serve the org (check baseUrl)")
    }
  }
  return Either.left("the envelope holds no Availability entry")
}

/** Estimated wait in seconds, when the server knows it (`-1` means unknown). */
export const waitSeconds = (estimatedWaitTime: number | undefined): { estimatedWaitSeconds?: number } =>
  estimatedWaitTime === undefined || estimatedWaitTime < 0 ? {} : { estimatedWaitSeconds: estimatedWaitTime }
