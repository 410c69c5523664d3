/**
 * Visitor typing, debounced: the latest wish is sent at most once per `spacing`, only when it differs from what the
 * provider was last told, and "typing" turns itself off after `idle` without a new keystroke.
 */
import { Clock, Duration, Effect, Option, Ref, Stream, SubscriptionRef } from "effect"

export interface TypingOptions {
  readonly spacing: Duration.DurationInput
  readonly idle: Duration.DurationInput
}

export const makeTyping = Effect.fn("Typing.make", { captureStackTrace: false })(function* (
  send: (on: boolean) => Effect.Effect<void>,
  ready: Effect.Effect<void, unknown>,
  options: TypingOptions
) {
  const wish = yield* SubscriptionRef.make(false)
  const lastKeystroke = yield* Ref.make(0)
  const idleMillis = Duration.toMillis(options.idle)

  // Sends each change of wish, spaced; starts only once the chat can take it.
  const sender = Effect.gen(function* () {
    yield* ready
    let told = false
    for (;;) {
      const next = yield* wish.changes.pipe(
        Stream.filter((on) => on !== told),
        Stream.runHead
      )
      if (Option.isNone(next)) return
      told = next.value
      yield* send(told)
      yield* Effect.sleep(options.spacing)
    }
  })

  // Turns "typing" off after a quiet spell.
  const autoStop = Effect.gen(function* () {
    for (;;) {
      yield* wish.changes.pipe(
        Stream.filter((on) => on),
        Stream.runHead
      )
      for (;;) {
        const quietFor = (yield* Clock.currentTimeMillis) - (yield* Ref.get(lastKeystroke))
        if (quietFor >= idleMillis) break
        yield* Effect.sleep(Duration.millis(idleMillis - quietFor))
      }
      yield* SubscriptionRef.set(wish, false)
    }
  })

  // Interruptible whatever the caller's mask (the session starts them lazily, from a masked region): closing the
  // scope must stop them.
  yield* Effect.forkScoped(Effect.interruptible(Effect.ignore(sender)))
  yield* Effect.forkScoped(Effect.interruptible(autoStop))

  return (on: boolean): Effect.Effect<void> =>
    on
      ? Clock.currentTimeMillis.pipe(
          Effect.flatMap((now) => Ref.set(lastKeystroke, now)),
          Effect.zipRight(SubscriptionRef.set(wish, true))
        )
      : SubscriptionRef.set(wish, false)
})
