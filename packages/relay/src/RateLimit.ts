/**
 * Token buckets: `burst` requests at once, refilled at `perMinute`. Time comes from the caller (Effect's `Clock`), so
 * tests can move it.
 */

export interface Rate {
  /** Requests allowed at once. */
  readonly burst: number
  /** Requests regained per minute. */
  readonly perMinute: number
}

export interface Bucket {
  /** Takes one request: 0 when allowed, otherwise the milliseconds until one is allowed again. */
  readonly take: (now: number) => number
  /** Whether the bucket is full again (nothing to remember). */
  readonly idle: (now: number) => boolean
}

export const bucket = (rate: Rate, now: number): Bucket => {
  const msPerToken = 60_000 / Math.max(rate.perMinute, Number.MIN_VALUE)
  let tokens = rate.burst
  let last = now
  const refill = (at: number) => {
    tokens = Math.min(rate.burst, tokens + Math.max(0, at - last) / msPerToken)
    last = Math.max(last, at)
  }
  return {
    take: (at) => {
      refill(at)
      if (tokens >= 1) {
        tokens -= 1
        return 0
      }
      return Math.ceil((1 - tokens) * msPerToken)
    },
    idle: (at) => {
      refill(at)
      return tokens >= rate.burst
    }
  }
}

/** Buckets by key (a client address), forgetting full ones so the map stays small. */
export const keyed = (rate: Rate, maxKeys = 10_000) => {
  const buckets = new Map<string, Bucket>()
  return (key: string, now: number): number => {
    let current = buckets.get(key)
    if (current === undefined) {
      if (buckets.size >= maxKeys) {
        for (const [other, held] of buckets) if (held.idle(now)) buckets.delete(other)
        // Still full: forget the oldest (insertion order), a flood of fresh keys must not grow memory.
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string)
      }
      current = bucket(rate, now)
      buckets.set(key, current)
    }
    return current.take(now)
  }
}
