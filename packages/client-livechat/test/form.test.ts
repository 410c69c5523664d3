import { describe, expect, it } from "vitest"
import { formBodySerializer } from "../src/index.ts"

describe("formBodySerializer", () => {
  it("encodes like application/x-www-form-urlencoded: + for spaces, percent-escapes for the rest", () => {
    expect(formBodySerializer({ message: "a&b=c+d e\nf\u00e9\u4e2d\ud83d\ude00 ~*._-" })).toBe(
      "message=a%26b%3Dc%2Bd+e%0Af%C3%A9%E4%B8%AD%F0%9F%98%80+%7E*._-"
    )
  })

  it("keeps field order, writes numbers, booleans and bigints as text and skips undefined and null", () => {
    expect(
      formBodySerializer({
        licence_id: 123,
        group: 0,
        a: true,
        b: 10n,
        name: undefined,
        email: null,
        welcome_message: ""
      })
    ).toBe("licence_id=123&group=0&a=true&b=10&welcome_message=")
  })

  it("round-trips through URLSearchParams", () => {
    const body = { licence_id: "123", secured_session_id: "CS1432649054.444adb0d90", message: "x=1&y=2 + 3\r\n\u00fc" }
    expect(Object.fromEntries(new URLSearchParams(formBodySerializer(body)))).toEqual(body)
  })

  it("encodes an empty object as an empty string", () => {
    expect(formBodySerializer({})).toBe("")
  })

  it.each([
    ["a string", "licence_id=123"],
    ["null", null],
    ["an array", [["licence_id", "123"]]]
  ])("rejects %s as a body", (_, body) => {
    expect(() => formBodySerializer(body)).toThrow(new TypeError("LiveChat form body must be a plain object"))
  })

  it("rejects nested and non-finite fields, naming the field but never the value", () => {
    const secret = "26132406c42c96ba61ed42689b70f719"
    expect(() => formBodySerializer({ secured_session_id: { value: secret } })).toThrow(
      new TypeError('LiveChat form body field "secured_session_id" must be a string, number or boolean')
    )
    expect(() => formBodySerializer({ secured_session_id: [secret] })).toThrow(/^(?!.*2613).*"secured_session_id"/)
    expect(() => formBodySerializer({ licence_id: Number.NaN })).toThrow(
      new TypeError('LiveChat form body field "licence_id" must be a finite number')
    )
  })
})
