/**
 * Form encoding of request bodies: the one wire detail of the LiveChat visitor chat API that openapi-fetch does
 * not do by itself.
 */

/** The `Content-Type` of a form-encoded LiveChat request body. */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

/**
 * Serializes a request body object as `application/x-www-form-urlencoded` text, the encoding of the vendor's own
 * examples. Strings are sent as is, numbers, booleans and bigints as their decimal text, and `undefined`/`null`
 * fields are left out. Escaping follows the WHATWG URL standard (`URLSearchParams`): a space becomes `+`, and
 * `&`, `=`, `+`, newlines and non-ASCII characters (as UTF-8) are percent-encoded.
 *
 * Use it as openapi-fetch's `bodySerializer` together with a `Content-Type: application/x-www-form-urlencoded`
 * header; {@link createLiveChatClient} does both by default.
 *
 * Throws a `TypeError` for a body that is not a plain object or for a nested or non-finite field. The message
 * names the field but never its value, since bodies carry the secret `secured_session_id`.
 *
 * @example
 * formBodySerializer({ licence_id: 123, message: "a&b c" }) // "licence_id=123&message=a%26b+c"
 */
export const formBodySerializer = (body: unknown): string => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TypeError("LiveChat form body must be a plain object")
  }
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(body)) {
    switch (typeof value) {
      case "string":
        form.append(key, value)
        break
      case "number":
        if (!Number.isFinite(value)) throw new TypeError(`LiveChat form body field "${key}" must be a finite number`)
        form.append(key, String(value))
        break
      case "boolean":
      case "bigint":
        form.append(key, String(value))
        break
      case "undefined":
        break
      default:
        if (value !== null) {
          throw new TypeError(`LiveChat form body field "${key}" must be a string, number or boolean`)
        }
    }
  }
  return form.toString()
}
