/**
 * Visitor tokens: 256 random bits, handed to the browser once (in an HttpOnly cookie or, in bearer mode, in the
 * answer to `POST /chats`). The relay keeps only their SHA-256 and compares digests in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/** A new visitor token: 32 random bytes, base64url (43 characters). */
export const newToken = (): string => randomBytes(32).toString("base64url")

/** A new chat id: 12 random bytes, base64url (16 characters). Not a secret: it appears in URLs. */
export const newChatId = (): string => randomBytes(12).toString("base64url")

/** What a chat id looks like; anything else is answered 404 without a lookup. */
export const chatIdPattern = /^[A-Za-z0-9_-]{16}$/

/** What a token looks like; anything else is refused without a comparison. */
export const tokenPattern = /^[A-Za-z0-9_-]{43}$/

export const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

/** Constant time: both sides are 32-byte digests, whatever the length of `given`. */
export const matches = (expected: Buffer, given: string): boolean => timingSafeEqual(expected, digest(given))
