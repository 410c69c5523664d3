/**
 * Server-Sent Events: an Effect stream of frames written to a `ReadableStream` body. The stream runs in its own fiber
 * of the relay's runtime; the client going away (body cancelled, request aborted) interrupts it.
 */
import { Effect, Fiber, type ManagedRuntime, Schedule, Stream } from "effect"
import type { Frame } from "./EventLog.ts"

/** SSE wire format: one `data` line (JSON never contains a raw newline), numbered unless it is the relay's notice. */
export const format = (frame: Frame): string =>
  `${frame.id === undefined ? "" : `id: ${frame.id}\n`}data: ${JSON.stringify(frame.event)}\n\n`

export const headers = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-store, no-transform",
  "X-Accel-Buffering": "no"
}

export interface BodyOptions {
  /** Interval of `: keep-alive` comments, so proxies keep a quiet connection open. */
  readonly heartbeat: Parameters<typeof Schedule.spaced>[0]
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal
  /** Told about the fiber, so the relay can stop every stream when it closes. */
  readonly track: (fiber: Fiber.RuntimeFiber<void>) => void
}

/** The response body: `retry: 1000` (the browser reconnects after a second), then the frames and heartbeats. */
export const body = <R>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  frames: Stream.Stream<Frame>,
  options: BodyOptions
): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder()
  let fiber: Fiber.RuntimeFiber<void> | undefined
  const stop = () => {
    if (fiber !== undefined) runtime.runFork(Fiber.interrupt(fiber))
  }
  options.signal.addEventListener("abort", stop, { once: true })
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) =>
        Effect.sync(() => {
          try {
            controller.enqueue(encoder.encode(text))
          } catch {
            // the client went away; the cancel callback stops the stream
          }
        })
      const beats = Stream.fromSchedule(Schedule.spaced(options.heartbeat)).pipe(Stream.as(": keep-alive\n\n"))
      const running = write("retry: 1000\n\n").pipe(
        Effect.zipRight(
          frames.pipe(Stream.map(format), Stream.merge(beats, { haltStrategy: "left" }), Stream.runForEach(write))
        ),
        Effect.ensuring(
          Effect.sync(() => {
            try {
              controller.close()
            } catch {
              // already closed by a cancel
            }
          })
        )
      )
      fiber = runtime.runFork(running)
      options.track(fiber)
    },
    cancel: stop
  })
}
