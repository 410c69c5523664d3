// A web page's globals for Node, so the README's browser snippet runs as written (`node --import` this file; the
// page's origin is PAGE_ORIGIN). Test code, with just enough of each API for the relay's client:
// - `fetch` resolves relative URLs against the page, keeps the cookies the relay sets (by path) and sends them
//   back, and sends `Origin` on every request that is not a GET, as browsers do;
// - `EventSource`: GET with `Accept: text/event-stream` and `Last-Event-ID`, the SSE wire format, `retry`,
//   reconnects after an ended stream, fails on any answer that is not a 200 event stream;
// - `sessionStorage`, in memory.
const page = new URL(process.env.PAGE_ORIGIN ?? "")
const nodeFetch = globalThis.fetch
const jar = new Map() // "name;path" -> { name, value, path }

const sendsCookie = (path, cookiePath) =>
  path === cookiePath || path.startsWith(cookiePath.endsWith("/") ? cookiePath : `${cookiePath}/`)

globalThis.fetch = async (input, init = {}) => {
  const url = new URL(String(input), page)
  if (url.origin !== page.origin) throw new TypeError(`this page talks to its own origin only, not ${url.origin}`)
  const headers = new Headers(init.headers)
  const cookies = [...jar.values()].filter((cookie) => sendsCookie(url.pathname, cookie.path))
  if (cookies.length > 0) headers.set("cookie", cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join("; "))
  if ((init.method ?? "GET").toUpperCase() !== "GET") headers.set("origin", page.origin)
  const response = await nodeFetch(url, { ...init, headers })
  for (const line of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = line.split(";")
    const equals = pair.indexOf("=")
    const name = pair.slice(0, equals).trim()
    const path = attributes.map((attribute) => attribute.trim()).find((attribute) => /^path=/i.test(attribute))
    const cookie = { name, value: pair.slice(equals + 1).trim(), path: path?.slice(5) || "/" }
    jar.set(`${cookie.name};${cookie.path}`, cookie)
  }
  return response
}

class FakeEventSource {
  static CONNECTING = 0
  static OPEN = 1
  static CLOSED = 2
  readyState = FakeEventSource.CONNECTING
  onopen = null
  onmessage = null
  onerror = null
  #abort = new AbortController()
  #lastEventId = ""
  #retry = 1000

  constructor(url, init = {}) {
    this.url = new URL(String(url), page).href
    this.withCredentials = init.withCredentials === true
    this.#connect()
  }

  close() {
    this.readyState = FakeEventSource.CLOSED
    this.#abort.abort()
  }

  async #connect() {
    try {
      const headers = { accept: "text/event-stream" }
      if (this.#lastEventId !== "") headers["last-event-id"] = this.#lastEventId
      const response = await fetch(this.url, { headers, signal: this.#abort.signal })
      if (this.readyState === FakeEventSource.CLOSED) return
      if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
        this.readyState = FakeEventSource.CLOSED // the spec's "fail the connection": no reconnection
        this.onerror?.(new Event("error"))
        return
      }
      this.readyState = FakeEventSource.OPEN
      this.onopen?.(new Event("open"))
      await this.#read(response.body)
    } catch {
      // aborted by close(), or the connection dropped: reconnect below unless closed
    }
    if (this.readyState === FakeEventSource.CLOSED) return
    this.readyState = FakeEventSource.CONNECTING
    this.onerror?.(new Event("error"))
    if (this.readyState !== FakeEventSource.CLOSED) setTimeout(() => this.#connect(), this.#retry)
  }

  async #read(body) {
    const decoder = new TextDecoder()
    let buffer = ""
    let data = []
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true })
      for (let end = buffer.search(/\r\n|\r|\n/); end >= 0; end = buffer.search(/\r\n|\r|\n/)) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(buffer.startsWith("\r\n", end) ? end + 2 : end + 1)
        if (line === "") {
          if (data.length > 0) {
            const message = new MessageEvent("message", { data: data.join("\n"), lastEventId: this.#lastEventId })
            data = []
            this.onmessage?.(message)
            if (this.readyState === FakeEventSource.CLOSED) return
          }
          continue
        }
        if (line.startsWith(":")) continue
        const colon = line.indexOf(":")
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? "" : line.slice(line.startsWith(": ", colon) ? colon + 2 : colon + 1)
        if (field === "data") data.push(value)
        if (field === "id" && !value.includes("\0")) this.#lastEventId = value
        if (field === "retry" && /^\d+$/.test(value)) this.#retry = Number(value)
      }
    }
  }
}
globalThis.EventSource = FakeEventSource

const items = new Map()
globalThis.sessionStorage = {
  getItem: (key) => items.get(key) ?? null,
  setItem: (key, value) => items.set(key, String(value)),
  removeItem: (key) => items.delete(key)
}
