/**
 * A small client of the simulator's control API (`packages/simulator/control-api.yaml`): the agent side over HTTP.
 */
import type { ChatView } from "@switchboard/simulator"
import { Effect } from "effect"
import { CliFailure, ExitCode } from "../exit.ts"

export const defaultControlUrl = "http://127.0.0.1:4010/_agent"

/** `--control`, else `SWITCHBOARD_CONTROL_URL`, else the default simulator's. */
export const controlUrl = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  (flag ?? (env.SWITCHBOARD_CONTROL_URL || defaultControlUrl)).replace(/\/+$/, "")

export interface Control {
  readonly url: string
  readonly list: (state?: ChatView["state"]) => Effect.Effect<ReadonlyArray<ChatView>, CliFailure>
  readonly get: (id: string) => Effect.Effect<ChatView, CliFailure>
  readonly accept: (id: string, name?: string) => Effect.Effect<ChatView, CliFailure>
  readonly say: (id: string, text: string) => Effect.Effect<ChatView, CliFailure>
  readonly typing: (id: string, on: boolean) => Effect.Effect<ChatView, CliFailure>
  readonly transfer: (id: string, name: string) => Effect.Effect<ChatView, CliFailure>
  readonly end: (id: string, reason?: string) => Effect.Effect<ChatView, CliFailure>
}

const unreachable = (url: string) =>
  new CliFailure({
    code: ExitCode.Unavailable,
    message: `No simulator answers at ${url}.`,
    hint: "Start one with `switchboard simulate` (or `switchboard chat --human`), or point --control at it."
  })

/** The simulator's chat ids (control API, `ChatId`): `sf_`, `lp_` or `lc_` and 12 hex digits. */
const chatIdShape = "sf_, lp_ or lc_ and 12 hex digits, such as lc_0a1b2c3d4e5f"
const chatIdPattern = /^(sf|lp|lc)_[0-9a-f]{12}$/

/** `lc_0a1b2c3d4e5f Kim (waiting)`. */
const brief = (chat: ChatView) =>
  `${chat.id} ${chat.visitorName} (${chat.state === "queued" ? "waiting" : `with ${chat.agent?.name ?? "an agent"}`})`

/** Which chats there are, for a message about a chat that is not one of them. */
export const chatsNow = (chats: ReadonlyArray<ChatView>): string => {
  const open = chats.filter((chat) => chat.state !== "ended")
  if (open.length === 0) return "No chat is waiting or running now."
  const shown = open.slice(0, 5).map(brief).join(", ")
  return `Chats now: ${shown}${open.length > 5 ? ` and ${open.length - 5} more (\`switchboard agent list\`)` : ""}.`
}

export const makeControl = (url: string): Control => {
  const request = <A>(method: "GET" | "POST", path: string, body?: unknown): Effect.Effect<A, CliFailure> =>
    Effect.tryPromise({
      try: (signal) =>
        fetch(`${url}${path}`, {
          method,
          signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
          ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        }),
      catch: () => unreachable(url)
    }).pipe(
      Effect.flatMap((response) =>
        Effect.tryPromise({
          try: () => response.json() as Promise<unknown>,
          catch: () =>
            new CliFailure({
              code: ExitCode.Failed,
              message: `${url} answered ${path} with HTTP ${response.status} and no JSON: is it a Switchboard simulator's control API?`
            })
        }).pipe(
          Effect.flatMap((data) => {
            if (response.ok) return Effect.succeed(data as A)
            const message = (data as { error?: { message?: string } }).error?.message ?? `HTTP ${response.status}`
            const id = /^\/chats\/([^/?]+)/.exec(path)?.[1]
            if (id !== undefined && (response.status === 404 || /chatId/i.test(message))) {
              return unknownChat(decodeURIComponent(id), response.status === 404)
            }
            return Effect.fail(
              new CliFailure({
                code: response.status === 404 && path === "/chats" ? ExitCode.Unavailable : ExitCode.Failed,
                message:
                  response.status === 404 && path === "/chats"
                    ? `${url} is not a simulator's control API (no /chats).`
                    : `${message.charAt(0).toUpperCase()}${message.slice(1)}.`
              })
            )
          })
        )
      )
    )
  /**
   * A chat id the simulator does not know: malformed (a usage error, with what an id looks like) or well formed but
   * not one of its chats (with the chats there are).
   */
  const unknownChat = (id: string, wellFormed: boolean): Effect.Effect<never, CliFailure> =>
    request<{ chats: ReadonlyArray<ChatView> }>("GET", "/chats").pipe(
      Effect.map((answer) => chatsNow(answer.chats)),
      Effect.orElseSucceed(() => "`switchboard agent list` shows the chats."),
      Effect.flatMap((hint) =>
        Effect.fail(
          wellFormed
            ? new CliFailure({ code: ExitCode.Failed, message: `There is no chat ${id} on ${url}.`, hint })
            : new CliFailure({
                code: ExitCode.Usage,
                message: `"${id}" is not a chat id: a chat id is ${chatIdShape}.`,
                hint
              })
        )
      )
    )
  const chat = (id: string) => `/chats/${encodeURIComponent(id)}`
  /** A malformed id is a usage error whether or not a simulator answers: it is checked before any request. */
  const onChat =
    <A extends ReadonlyArray<unknown>>(action: (id: string, ...rest: A) => Effect.Effect<ChatView, CliFailure>) =>
    (id: string, ...rest: A): Effect.Effect<ChatView, CliFailure> =>
      chatIdPattern.test(id) ? action(id, ...rest) : unknownChat(id, false)
  return {
    url,
    list: (state) =>
      Effect.map(
        request<{ chats: ReadonlyArray<ChatView> }>("GET", state === undefined ? "/chats" : `/chats?state=${state}`),
        (answer) => answer.chats
      ),
    get: onChat((id) => request("GET", chat(id))),
    accept: onChat((id, name?: string) =>
      request("POST", `${chat(id)}/accept`, name === undefined ? {} : { agent: { name } })
    ),
    say: onChat((id, text: string) => request("POST", `${chat(id)}/messages`, { text })),
    typing: onChat((id, on: boolean) => request("POST", `${chat(id)}/typing`, { on })),
    transfer: onChat((id, name: string) => request("POST", `${chat(id)}/transfer`, { agent: { name } })),
    end: onChat((id, reason?: string) => request("POST", `${chat(id)}/end`, reason === undefined ? {} : { reason }))
  }
}
