/**
 * Seeded pseudo-randomness (mulberry32), so a fault schedule or a set of generated ids repeats exactly for a given
 * seed. Not for security: simulator secrets are predictable from the seed by design.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [0, bound). */
  int(bound: number): number
  /** `length` lowercase hex characters. */
  hex(length: number): string
  /** A UUID-shaped string (version 4 layout). */
  uuid(): string
}

export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (bound: number) => Math.floor(next() * bound)
  const hex = (length: number) => {
    let out = ""
    for (let i = 0; i < length; i++) out += int(16).toString(16)
    return out
  }
  return {
    next,
    int,
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + int(4)).toString(16)}${hex(3)}-${hex(12)}`
  }
}
