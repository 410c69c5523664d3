/**
 * Reading the chat URI out of the `Location` header of the 201 answer to `POST chat/request`.
 */

/**
 * A chat-session URI, `{baseUrl}/api/account/{accountId}/chat/{chatId}`, with its two path parameters. `href` is
 * absolute and has no query string or fragment.
 *
 * @category models
 */
export interface ChatUri {
  readonly href: string
  readonly accountId: string
  readonly chatId: string
}

/**
 * Why a `Location` could not be used:
 * - `missing`: the answer had no `Location` header.
 * - `malformed`: it is not a URL, or not the URI of a chat.
 * - `foreign`: it points at another origin, outside the base path, or at another account than expected.
 *
 * `location` is the offending value without its query string and fragment, when there was a parseable one. The
 * message never contains the query string, so an `appKey` cannot leak through it.
 *
 * @category errors
 */
export interface ChatLocationError {
  readonly _tag: "ChatLocationError"
  readonly reason: "missing" | "malformed" | "foreign"
  readonly message: string
  readonly location?: string
}

/**
 * The outcome of {@link parseChatLocation}, shaped like an openapi-fetch result: exactly one of `data` and `error`.
 *
 * @category models
 */
export type ChatLocationResult =
  | { readonly data: ChatUri; readonly error?: undefined }
  | { readonly data?: undefined; readonly error: ChatLocationError }

/** What the `Location` must match: the client's base URL, and optionally the account the chat was requested on. */
export interface ExpectedChatLocation {
  /** The client's `baseUrl`. A relative `Location` is resolved against it. */
  readonly baseUrl: string
  /** When given, a `Location` for another account is `foreign`. */
  readonly accountId?: string
  /**
   * `true` (default): a `Location` on another origin, or outside the base path, is `foreign`. Set it to `false`
   * behind a proxy that passes the upstream's absolute `Location` through unchanged (Prism in proxy mode, for
   * example). Then only the `/api/account/{accountId}/chat/{chatId}` tail is checked.
   */
  readonly sameOrigin?: boolean
}

const chatPath = /^\/api\/account\/([^/]+)\/chat\/([^/]+)\/?$/
const chatPathTail = /\/api\/account\/([^/]+)\/chat\/([^/]+)\/?$/
const chatIdPattern = /^[A-Za-z0-9_-]+$/
const accountIdPattern = /^[A-Za-z0-9]+$/
/** Account-level resources share the `chat/{name}` shape, so they must never be taken for a chat id. */
const reservedChatIds = new Set([
  "availability",
  "availableSlots",
  "estimatedWaitTime",
  "preSurvey",
  "offlineSurvey",
  "request"
])

const fail = (reason: ChatLocationError["reason"], message: string, location?: string): ChatLocationResult => ({
  error:
    location === undefined
      ? { _tag: "ChatLocationError", reason, message }
      : { _tag: "ChatLocationError", reason, message, location }
})

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/**
 * Turns the `Location` of the `201 Created` answer to `requestChat` into a typed {@link ChatUri}. Pass the
 * openapi-fetch `response`, or the header value itself. A relative `Location` is resolved against `baseUrl`.
 *
 * A missing, malformed or foreign `Location` comes back as `error`; the function never throws for those. It throws
 * a `TypeError` only when `baseUrl` itself is not a URL, which is a programming error.
 *
 * @example
 * ```ts
 * const { response } = await lp.POST("/api/account/{accountId}/chat/request", { params, body })
 * const chat = parseChatLocation(response, { baseUrl, accountId: "25025413" })
 * if (chat.error) return fail(chat.error.message)
 * const path = { accountId: chat.data.accountId, chatId: chat.data.chatId }
 * ```
 *
 * @category helpers
 */
export const parseChatLocation = (
  source: { readonly headers: Headers } | string | null | undefined,
  expected: ExpectedChatLocation
): ChatLocationResult => {
  const base = new URL(expected.baseUrl.endsWith("/") ? expected.baseUrl : `${expected.baseUrl}/`)
  const location = typeof source === "string" || source == null ? source : source.headers.get("location")
  if (location == null || location.trim().length === 0) {
    return fail("missing", "the chat request answer has no Location header")
  }
  let url: URL
  try {
    url = new URL(location.trim(), base)
  } catch {
    return fail("malformed", "the Location header is not a valid URL")
  }
  const shown = `${url.origin}${url.pathname}`
  const basePath = base.pathname.slice(0, -1)
  const sameOrigin = expected.sameOrigin ?? true
  if (sameOrigin && (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}/`))) {
    return fail("foreign", `Location ${shown} is outside ${base.origin}${base.pathname}`, shown)
  }
  const match = sameOrigin ? chatPath.exec(url.pathname.slice(basePath.length)) : chatPathTail.exec(url.pathname)
  const accountId = match?.[1] === undefined ? undefined : decode(match[1])
  const chatId = match?.[2] === undefined ? undefined : decode(match[2])
  if (
    accountId === undefined ||
    chatId === undefined ||
    !accountIdPattern.test(accountId) ||
    !chatIdPattern.test(chatId) ||
    reservedChatIds.has(chatId)
  ) {
    return fail("malformed", `Location ${shown} is not a chat URI (/api/account/{accountId}/chat/{chatId})`, shown)
  }
  if (expected.accountId !== undefined && expected.accountId !== accountId) {
    return fail("foreign", `Location ${shown} belongs to account ${accountId}, not ${expected.accountId}`, shown)
  }
  return { data: { href: shown.endsWith("/") ? shown.slice(0, -1) : shown, accountId, chatId } }
}
