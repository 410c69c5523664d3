import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import {
  endSessionParams,
  NO_AFFINITY,
  newSessionHeaders,
  reconnectHeaders,
  SalesforceSession,
  sequencedHeaders,
  sessionHeaders
} from "../src/index.ts"
import { sessionIdBody } from "./fixtures.ts"

const key = sessionIdBody.key
const session = SalesforceSession.fromSessionId(sessionIdBody)

describe("SalesforceSession", () => {
  it("keeps the key and affinity token of a SessionId answer", () => {
    expect(session.key).toBe(key)
    expect(session.affinityToken).toBe("2c931fa0")
    expect(SalesforceSession.make({ key, affinityToken: "2c931fa0" }).key).toBe(key)
  })

  it("is immutable: a new affinity token gives a new session", () => {
    const moved = session.withAffinityToken("878a1fa0")
    expect(moved).not.toBe(session)
    expect([moved.key, moved.affinityToken]).toEqual([key, "878a1fa0"])
    expect(session.affinityToken).toBe("2c931fa0")
    expect(Object.isFrozen(session)).toBe(true)
    expect(() => {
      ;(session as { affinityToken: string }).affinityToken = "x"
    }).toThrow(TypeError)
  })

  it("never shows the key when printed, serialised or inspected", () => {
    const shown = [
      String(session),
      `${session}`,
      JSON.stringify(session),
      JSON.stringify({ session }),
      inspect(session),
      inspect({ nested: [session] }, { depth: 5, showHidden: true }),
      Object.keys(session).join(",")
    ]
    for (const text of shown) {
      expect(text).not.toContain(key)
      expect(text).not.toContain("c007a252")
    }
    expect(String(session)).toBe("SalesforceSession(affinityToken=2c931fa0, key=<redacted>)")
    expect(JSON.parse(JSON.stringify(session))).toEqual({ affinityToken: "2c931fa0", key: "<redacted>" })
  })

  it("rejects empty values without echoing them", () => {
    expect(() => SalesforceSession.make({ key: "", affinityToken: "2c931fa0" })).toThrow(TypeError)
    expect(() => session.withAffinityToken("")).toThrow(TypeError)
    try {
      session.withAffinityToken("")
    } catch (error) {
      expect(String(error)).not.toContain(key)
    }
  })
})

describe("header helpers", () => {
  it("sends the literal string null as affinity before a session exists", () => {
    expect(NO_AFFINITY).toBe("null")
    expect(newSessionHeaders()).toEqual({ "X-LIVEAGENT-AFFINITY": "null" })
  })

  it("builds the session headers once per session", () => {
    expect(sessionHeaders(session)).toEqual({ "X-LIVEAGENT-AFFINITY": "2c931fa0", "X-LIVEAGENT-SESSION-KEY": key })
    expect(sessionHeaders(session)).toBe(sessionHeaders(session))
    expect(Object.isFrozen(sessionHeaders(session))).toBe(true)
    expect(sessionHeaders(session.withAffinityToken("878a1fa0"))["X-LIVEAGENT-AFFINITY"]).toBe("878a1fa0")
  })

  it("adds the caller's sequence number, unchanged", () => {
    expect(sequencedHeaders(session, 1)).toEqual({
      "X-LIVEAGENT-AFFINITY": "2c931fa0",
      "X-LIVEAGENT-SESSION-KEY": key,
      "X-LIVEAGENT-SEQUENCE": 1
    })
    expect(sequencedHeaders(session, 41)["X-LIVEAGENT-SEQUENCE"]).toBe(41)
  })

  it("rejects a sequence that is not a positive integer, without the key in the message", () => {
    for (const sequence of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => sequencedHeaders(session, sequence)).toThrow(RangeError)
      try {
        sequencedHeaders(session, sequence)
      } catch (error) {
        expect(String(error)).not.toContain(key)
      }
    }
  })

  it("reconnects with affinity null and the session key", () => {
    expect(reconnectHeaders(session)).toEqual({ "X-LIVEAGENT-AFFINITY": "null", "X-LIVEAGENT-SESSION-KEY": key })
  })

  it("puts the key in the path and only the affinity in the headers to end a session", () => {
    expect(endSessionParams(session)).toEqual({
      header: { "X-LIVEAGENT-AFFINITY": "2c931fa0" },
      path: { sessionKey: key }
    })
  })
})
