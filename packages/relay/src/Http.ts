/**
 * Request bodies and their validation (Effect Schema), and the mapping of every failure to a JSON answer
 * `{ error: { code, message } }` with its HTTP status. Core's errors carry provider details meant for operators: the
 * browser gets a plain message, the relay's log gets the rest.
 */
import type { Errors } from "@switchboard/core"
import { Either, ParseResult, Schema } from "effect"
import { RelayError } from "./RelayError.ts"

const required = (field: string) => ({ message: () => `${field} is required` })

const Name = Schema.Trim.pipe(
  Schema.minLength(1, required("name")),
  Schema.maxLength(80, { message: () => "name must be at most 80 characters" })
)
const Email = Schema.Trim.pipe(
  Schema.maxLength(254, { message: () => "email must be at most 254 characters" }),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "email must be an email address" })
)
const Question = Schema.Trim.pipe(Schema.minLength(1, required("question")))

export const StartBody = Schema.Struct({
  name: Name,
  email: Schema.optionalWith(Email, { exact: true }),
  question: Question
})
/** The page's own id for a message, so that a retry after a lost answer is not sent twice. */
const ClientMessageId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/, {
    message: () => "clientMessageId must be 1 to 64 letters, digits, _ or -"
  })
)
export const MessageBody = Schema.Struct({
  text: Schema.String,
  clientMessageId: Schema.optionalWith(ClientMessageId, { exact: true })
})
export const TypingBody = Schema.Struct({ on: Schema.Boolean })

/** `{}` or no body at all. */
export const checkEmpty = (body: unknown): RelayError | undefined =>
  typeof body === "object" && body !== null && !Array.isArray(body) && Object.keys(body).length === 0
    ? undefined
    : new RelayError({ status: 400, code: "invalid_request", message: "this request takes no fields" })

/** Decodes a JSON body: unknown fields, wrong types and broken constraints become one readable 400. */
export const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown): Either.Either<A, RelayError> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(body).pipe(
    Either.mapLeft((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const message = issues
        .map((issue) => {
          const path = issue.path.map(String).join(".")
          return issue.message.startsWith(path) || path === "" ? issue.message : `${path}: ${issue.message}`
        })
        .join("; ")
      return new RelayError({ status: 400, code: "invalid_request", message: message || "invalid request body" })
    })
  )

/** Checks a visitor's text against the size limit (413) and emptiness (400). */
export const checkText = (field: string, text: string, max: number): RelayError | undefined => {
  if (text.trim() === "") return new RelayError({ status: 400, code: "invalid_request", message: `${field} is empty` })
  if (text.length > max) {
    return new RelayError({
      status: 413,
      code: "message_too_large",
      message: `${field} is ${text.length} characters long; at most ${max} are allowed`
    })
  }
  return undefined
}

export interface ErrorAnswer {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly retryAfterSeconds?: number
  /** Not the browser's fault nor its business: log it. */
  readonly serverSide: boolean
}

/** Core's typed errors as the browser should see them. */
export const fromChatError = (error: Errors.ChatError): ErrorAnswer => {
  switch (error._tag) {
    case "InvalidInput":
      return { status: 400, code: "invalid_request", message: error.message, serverSide: false }
    case "ChatClosed":
      return { status: 409, code: "chat_ended", message: "This chat has ended.", serverSide: false }
    case "NoAgentsAvailable":
      return {
        status: 503,
        code: "no_agents_available",
        message: "No agent can take a chat right now. Please try again later.",
        retryAfterSeconds: 60,
        serverSide: false
      }
    case "ChatRequestRejected":
      return { status: 403, code: "chat_rejected", message: "The chat request was refused.", serverSide: false }
    case "SessionExpired":
      return {
        status: 410,
        code: "chat_expired",
        message: "This chat has expired; start a new one.",
        serverSide: false
      }
    case "ProviderUnavailable":
      return {
        status: 503,
        code: "provider_unavailable",
        message: "The chat service is unavailable right now. Please try again shortly.",
        retryAfterSeconds: 10,
        serverSide: true
      }
    default: // Unauthorized, InvalidConfiguration, ProtocolError, and any error newer than this relay
      return {
        status: 502,
        code: "provider_error",
        message: "The chat service could not handle this request.",
        serverSide: true
      }
  }
}

export const fromRelayError = (error: RelayError): ErrorAnswer => ({
  status: error.status,
  code: error.code,
  message: error.message,
  ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
  serverSide: false
})

export const internal: ErrorAnswer = {
  status: 500,
  code: "internal",
  message: "Something went wrong in the chat relay.",
  serverSide: true
}
