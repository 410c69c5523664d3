/**
 * Exactly-once visitor lines. `POST {chat}/events` has no dedupe key and every call appends a line, so a send is
 * repeated blindly only when the failed attempt certainly did not reach LivePerson (connection refused, 429, 503).
 * After an ambiguous failure (no answer, other 5xx) the log decides: LivePerson echoes the visitor's own lines
 * (`source: visitor`), so the send is repeated only while the log holds fewer visitor lines than it should.
 */
import type { LivePersonClient } from "@switchboard/client-liveperson"
import { Effect, Either, Option } from "effect"
import type { OutgoingMessage } from "../../ChatProvider.ts"
import { ChatClosed, type ChatError, InvalidInput, type ProviderUnavailable } from "../../Errors.ts"
import { CallFailure, call } from "../../internal/call.ts"
import { type RetryPolicy, retryTransient, untilDeadline } from "../../Retry.ts"
import { chatError, errorMessage, provider, type Scrub } from "./errors.ts"
import { eventsPage, isVisitorLine, type RawEvent, stateOf } from "./wire.ts"

/** What the poller has read of the log: the last event id and the visitor lines up to it (changed together). */
export interface LogView {
  readonly lastId: number
  readonly visitorLines: number
}

export interface SenderOptions {
  readonly client: LivePersonClient
  readonly path: { readonly accountId: string; readonly chatId: string }
  readonly retry: RetryPolicy | undefined
  /** The session's give-up budget in ms: a send retries no longer (unless `retry` sets its own deadline). */
  readonly giveUpAfter: number
  readonly scrub: Scrub
  readonly view: () => LogView
  /** The session is over: sends fail with `ChatClosed`. */
  readonly closed: () => boolean
}

/** A malformed answer on a read that is safe to repeat: retried like a lost one. */
const malformed = (operation: string) => new CallFailure({ operation, code: "MALFORMED_ANSWER" })

export const makeSender = (options: SenderOptions) => {
  const { client, path, retry, giveUpAfter, scrub, view, closed } = options
  /** Visitor lines in the log that `send` did not write (counted at the first send: before it, only the chat request could). */
  let foreign: number | undefined
  /** Lines this sender knows to be in the log. */
  let delivered = 0
  /** A send that failed after an ambiguous attempt: whether its line landed is settled from the log before the next one. */
  let unsettled: number | undefined

  const readEvents = (from: number) =>
    call("getChatEvents", () =>
      client.GET("/api/account/{accountId}/chat/{chatId}/events", { params: { path, query: { from } } })
    ).pipe(
      Effect.flatMap((answer) =>
        Either.match(eventsPage(answer.data), {
          onLeft: () => Effect.fail(malformed("getChatEvents")),
          onRight: (page) => Effect.succeed(page)
        })
      )
    )

  /**
   * Whether the log holds at least `target` visitor lines: the poller's count up to what it has read, plus the
   * visitor lines after that (following `next` until a page brings nothing new).
   */
  const landed = (target: number) =>
    Effect.gen(function* () {
      const { lastId, visitorLines } = view()
      const counted = new Set<number>()
      let from = lastId + 1
      for (let pages = 0; pages < 100; pages++) {
        const page = yield* readEvents(from)
        const fresh = page.events.filter((event) => event.id > lastId && !counted.has(event.id))
        if (fresh.length === 0) break
        for (const event of fresh) if (isVisitorLine(event.raw)) counted.add(event.id)
        const after = Math.max(page.next ?? 0, (fresh.at(-1) as RawEvent).id + 1)
        if (after <= from) break
        from = after
      }
      return visitorLines + counted.size >= target
    })

  /** Settles the line of a send that failed ambiguously: if it landed after all, it counts. */
  const settle = Effect.suspend(() => {
    if (unsettled === undefined) return Effect.void
    const target = unsettled
    return Effect.map(landed(target), (done) => {
      if (done) delivered += 1
      unsettled = undefined
    })
  })

  const postLine = (text: string) =>
    call("addChatEvent", () =>
      client.POST("/api/account/{accountId}/chat/{chatId}/events", {
        params: { path },
        body: { event: { "@type": "line", text } }
      })
    )

  /** LivePerson answers 400 to a line on a chat that has ended: ask the chat which it is. */
  const hasEnded = call("getChatInfo", () =>
    client.GET("/api/account/{accountId}/chat/{chatId}/info", { params: { path } })
  ).pipe(
    Effect.map((answer) => Option.getOrUndefined(stateOf(answer.data)) === "ended"),
    Effect.catchAll((failure) => Effect.succeed(failure.status === 404))
  )

  const refused = (failure: CallFailure | ProviderUnavailable): Effect.Effect<never, ChatError> => {
    if (failure._tag === "CallFailure" && (failure.status === 400 || failure.status === 413)) {
      const reason = errorMessage(failure.body, scrub)
      const invalid = new InvalidInput({
        field: "message",
        problem: `LivePerson refused it (HTTP ${failure.status}${reason ? `: ${reason}` : ""})`
      })
      return Effect.flatMap(hasEnded, (gone) =>
        Effect.fail(gone || closed() ? new ChatClosed({ provider, operation: "send" }) : invalid)
      )
    }
    return Effect.fail(chatError(failure, scrub))
  }

  return (message: OutgoingMessage): Effect.Effect<void, ChatError> =>
    Effect.suspend(() => {
      if (closed()) return Effect.fail(new ChatClosed({ provider, operation: "send" }))
      foreign ??= view().visitorLines
      let ambiguous = false
      const target = () => (foreign as number) + delivered + 1
      const attempt = settle.pipe(
        Effect.zipRight(
          Effect.suspend(() =>
            ambiguous
              ? landed(target()).pipe(
                  Effect.flatMap((done) => (done ? Effect.void : Effect.asVoid(postLine(message.text))))
                )
              : Effect.asVoid(postLine(message.text))
          )
        ),
        // An answer that cannot be read may hide an applied line: the log decides before it is sent again.
        Effect.mapError((failure) => {
          if (failure.maybeApplied) ambiguous = true
          return failure.repeatable()
        })
      )
      return retryTransient(provider, "addChatEvent", attempt, untilDeadline(retry, giveUpAfter)).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            delivered += 1
          })
        ),
        Effect.tapError(() =>
          Effect.sync(() => {
            if (ambiguous) unsettled = target()
          })
        ),
        Effect.catchAll(refused)
      )
    }).pipe(Effect.withSpan("LivePerson.send", { captureStackTrace: false }))
}
