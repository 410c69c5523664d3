/**
 * Server-Sent Events: a chat's frames written as they are appended to its log, with no fiber per stream (see
 * EventLog.ts), straight to Node's response when `@hono/node-server` serves the relay, to a `ReadableStream` body
 * otherwise. The client going away, the chat ending and the relay closing each end the stream and free its slot.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http"
import type { Follower, Frame } from "./EventLog.ts"

/** SSE wire format: one `data` line (JSON never contains a raw newline), numbered unless it is the relay's notice. */
export const format = (frame: Frame): string =>
  `${frame.id === undefined ? "" : `id: ${frame.id}\n`}data: ${JSON.stringify(frame.event)}\n\n`

export const headers = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-store, no-transform",
  "X-Accel-Buffering": "no"
}

export interface FeedOptions {
  /** Interval of `: keep-alive` comments, in milliseconds, so proxies keep a quiet connection open. */
  readonly heartbeatMillis: number
  /** Told about the stream's stop function (returns its removal), so the relay can end every stream when it closes. */
  readonly track: (stop: () => void) => () => void
}

const encoder = new TextEncoder()

/** Where a stream's text goes: a `ReadableStream`'s controller, or Node's response. */
interface Sink {
  readonly write: (text: string) => void
  readonly close: () => void
}

/**
 * Feeds `sink`: `retry: 1000` (the browser reconnects after a second), the replayed frames, then live ones and
 * heartbeats, until the chat ends or the returned function is called. `follow` is the chat's feed (ChatRegistry's
 * `follow`), called once, at once.
 *
 * The first two writes happen before this returns. On Node's response they go out in one packet with the head. In a
 * `ReadableStream`, `@hono/node-server` reads up to two chunks of a body of unknown length before it writes the head,
 * and waits for a timer when the second is not there yet: two ready chunks send the head and the replay at once.
 */
const feed = (sink: Sink, follow: (follower: Follower) => () => void, options: FeedOptions): (() => void) => {
  let open = true
  let replay = ""
  let replaying = true
  let ended = false
  let unfollow: (() => void) | undefined
  let untrack = () => {}
  const heartbeat = setInterval(() => sink.write(": keep-alive\n\n"), options.heartbeatMillis)
  heartbeat.unref?.()
  const stop = () => {
    if (!open) return
    open = false
    clearInterval(heartbeat)
    untrack()
    unfollow?.()
    sink.close()
  }
  untrack = options.track(stop)
  sink.write("retry: 1000\n\n")
  unfollow = follow({
    push: (frame) => {
      if (replaying) replay += format(frame)
      else if (open) sink.write(format(frame))
    },
    end: () => {
      ended = true
      if (unfollow !== undefined) stop()
    }
  })
  replaying = false
  sink.write(replay === "" ? ": connected\n\n" : replay)
  if (ended) stop()
  return stop
}

/** The stream as a response body, for any runtime (`relay.fetch`, servers other than Node's). */
export const body = (
  follow: (follower: Follower) => () => void,
  options: FeedOptions & {
    /** Aborted when the client goes away. */
    readonly signal: AbortSignal
  }
): ReadableStream<Uint8Array> => {
  let stop = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true
      stop = feed(
        {
          write: (text) => {
            if (!open) return
            try {
              controller.enqueue(encoder.encode(text))
            } catch {
              // the client went away; the cancel callback stops the stream
            }
          },
          close: () => {
            if (!open) return
            open = false
            options.signal.removeEventListener("abort", stop)
            try {
              controller.close()
            } catch {
              // already cancelled by the client
            }
          }
        },
        follow,
        options
      )
      if (options.signal.aborted) stop()
      else if (open) options.signal.addEventListener("abort", stop, { once: true })
    },
    cancel: () => stop()
  })
}

/**
 * The stream written straight to Node's response (served by `@hono/node-server`): no `ReadableStream`, no `Response`
 * body to read chunk by chunk, which a storm of reconnects feels.
 */
export const write = (
  outgoing: ServerResponse,
  head: OutgoingHttpHeaders,
  follow: (follower: Follower) => () => void,
  options: FeedOptions
): void => {
  outgoing.writeHead(200, head)
  const stop = feed(
    {
      write: (text) => {
        if (!outgoing.destroyed) outgoing.write(text)
      },
      close: () => {
        if (!outgoing.destroyed && !outgoing.writableEnded) outgoing.end()
      }
    },
    follow,
    options
  )
  if (outgoing.destroyed) stop()
  else outgoing.once("close", stop)
}
