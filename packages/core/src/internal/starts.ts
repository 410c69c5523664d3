/**
 * How many chat starts one adapter lets talk to the provider at once; the others wait their turn (in order, and
 * interruptibly: a start given up while it waits sends nothing).
 *
 * A burst of starts that a process cannot serve at once only makes each of them slower: every request waits behind
 * the others in the connection pool, the polls of the chats already open wait with them, and requests that live
 * that long teach V8 to allocate their kind straight in the old generation for the rest of the process (allocation
 * site pretenuring), which then needs a full collection every few seconds. bench/ (10,000 LiveChat sessions asked
 * for over 2 s, 256 at a time): with at most 32 starts at the provider, all were open sooner (5.9 s instead of
 * 6.2), and the steady state promoted 4.4 MB/s to the old generation instead of 18.2.
 */
import { Effect } from "effect"
import { InvalidConfiguration, type ProviderName } from "../Errors.ts"
import { Permits } from "./gate.ts"

export const defaultStartsInFlight = 32

export interface StartSettings {
  /** Most chat starts talking to the provider at once; default 32. */
  readonly startsInFlight?: number
}

/** The adapter's permits, one per start in flight. */
export const startPermits = (settings: StartSettings): Effect.Effect<Permits> =>
  Effect.sync(() => new Permits(settings.startsInFlight ?? defaultStartsInFlight))

/** `startsInFlight` and `connections` must be positive whole numbers. */
export const checkLimits = (
  provider: ProviderName,
  settings: StartSettings & { readonly connections?: number; readonly maxResponseBytes?: number }
): InvalidConfiguration | undefined => {
  for (const field of ["startsInFlight", "connections", "maxResponseBytes"] as const) {
    const value = settings[field]
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      return new InvalidConfiguration({ provider, field, problem: "must be a positive whole number" })
    }
  }
  return undefined
}
