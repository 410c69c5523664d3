/**
 * Which pages may use the relay, and which get CORS headers. A browser names the page a request comes from in
 * `Origin` (on every cross-origin request and on every `POST`, same-origin ones included), and sometimes only in
 * `Referer` (a same-origin `GET`, such as an `EventSource`). The relay compares that origin, scheme included
 * (`scheme://host:port`), with its own origin (the scheme it is served on and the `Host` the request was sent to) and
 * with `allowedOrigins`.
 *
 * A request with neither header is let through: a browser always names the page on the requests a page on another
 * origin can make with the visitor's cookie, so such a request comes from a same-origin `GET` whose page sent no
 * referrer, or from a client that is not a browser (server code, curl), which could send any header it liked anyway.
 * Those still need the chat's token. `Origin: null` (a sandboxed frame, a `file:` or `data:` page, some redirects)
 * names no page that could be allowed, so it is refused.
 */

/** `scheme://host[:port]` of a URL (default ports dropped), or undefined when it is no URL or has no origin. */
export const originOf = (url: string): string | undefined => {
  try {
    const origin = new URL(url).origin
    return origin === "null" ? undefined : origin
  } catch {
    return undefined
  }
}

/** The allow-list, normalized (`https://Shop.Example:443/` is `https://shop.example`); throws on a non-origin. */
export const allowList = (entries: ReadonlyArray<string>): ReadonlySet<string> =>
  new Set(
    entries.map((entry) => {
      const origin = originOf(entry)
      const url = origin === undefined ? undefined : new URL(entry)
      if (url === undefined || url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "") {
        throw new TypeError(`allowedOrigins: "${entry}" is not an origin (scheme://host or scheme://host:port)`)
      }
      return origin as string
    })
  )

/** What the origin check needs from a request. */
export interface Sender {
  /** The request's URL as the relay was asked for it: its origin is the relay's own. */
  readonly url: string
  readonly origin: string | undefined
  readonly referer: string | undefined
}

/** `undefined`: allowed. Otherwise how to name the refused sender in the 403's message. */
export const refusal = (allowed: ReadonlySet<string>, sender: Sender): string | undefined => {
  let named: string | undefined
  if (sender.origin !== undefined) {
    if (sender.origin === "null") return "an opaque origin (Origin: null)"
    named = originOf(sender.origin)
    if (named === undefined) return `an unreadable origin (${JSON.stringify(sender.origin.slice(0, 100))})`
  } else if (sender.referer !== undefined) {
    named = originOf(sender.referer)
    if (named === undefined) return "a page with no origin (by its Referer)"
  } else {
    return undefined // no browser page named: see the module's comment
  }
  return allowed.has(named) || named === originOf(sender.url) ? undefined : named
}

/** The CORS headers of an answer to a page on an allowed origin (`origin` as the page sent it); undefined otherwise. */
export const corsHeaders = (
  allowed: ReadonlySet<string>,
  origin: string | undefined
): Record<string, string> | undefined => {
  if (origin === undefined || !allowed.has(originOf(origin) ?? "")) return undefined
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "Retry-After",
    Vary: "Origin"
  }
}
