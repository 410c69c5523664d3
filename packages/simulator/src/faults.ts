/**
 * Fault injection: rules that add latency, answer with error statuses, reset connections before a request is
 * applied, or apply a request and drop its response (the case that tempts clients to send twice). Rules are set at
 * start or at runtime (programmatically or through the control API) and are deterministic for a given seed: the
 * same requests in the same order meet the same faults.
 */
import type { Provider } from "@switchboard/specs"
import type { Random } from "./random.ts"

export interface FaultRule {
  /** The provider it applies to; every provider when absent. */
  readonly provider?: Provider
  /** The operationId it applies to (e.g. `sendChatMessage`); every operation when absent. */
  readonly operation?: string
  /** Latency added before the request is handled, in ms: a fixed value or a `[min, max]` range. */
  readonly latencyMs?: number | readonly [number, number]
  /** Probability (0 to 1) of answering with an error status instead of handling the request. */
  readonly errorRate?: number
  /** Statuses the errors are drawn from; default `[500]`. 429 and 503 carry `Retry-After`. */
  readonly statuses?: ReadonlyArray<number>
  /** `Retry-After` in seconds for 429 and 503 answers; default 1. */
  readonly retryAfterSeconds?: number
  /** Probability of resetting the connection before the request is applied. */
  readonly resetRate?: number
  /** Probability of applying the request, then destroying the connection instead of answering. */
  readonly dropRate?: number
  /** Probability that a poll's delivery is repeated on the next poll, where the provider's protocol allows it. */
  readonly duplicateRate?: number
  /** Probability that the events of a poll's delivery are re-ordered, where the provider's protocol allows it. */
  readonly reorderRate?: number
  /** The rule retires after firing (any fault, latency excluded) this many times. */
  readonly times?: number
}

export interface ActiveFaultRule extends FaultRule {
  readonly id: number
  /** How many times the rule has fired so far. */
  readonly fired: number
}

export type FaultKind = "error" | "reset" | "drop"

export interface FaultDecision {
  readonly latencyMs: number
  readonly kind?: FaultKind
  readonly status?: number
  readonly retryAfterSeconds?: number
}

export interface DeliveryDecision {
  readonly duplicate: boolean
  readonly reorder: boolean
}

interface MutableRule {
  readonly id: number
  readonly rule: FaultRule
  fired: number
}

const matches = (rule: FaultRule, provider: Provider, operation: string) =>
  (rule.provider === undefined || rule.provider === provider) &&
  (rule.operation === undefined || rule.operation === operation)

export class Faults {
  readonly #random: Random
  #rules: Array<MutableRule> = []
  #nextId = 1

  constructor(random: Random, rules: ReadonlyArray<FaultRule> = []) {
    this.#random = random
    for (const rule of rules) this.add(rule)
  }

  /** Adds a rule and returns its id. */
  add(rule: FaultRule): number {
    const id = this.#nextId++
    this.#rules.push({ id, rule, fired: 0 })
    return id
  }

  /** Replaces every rule. */
  set(rules: ReadonlyArray<FaultRule>): void {
    this.#rules = []
    for (const rule of rules) this.add(rule)
  }

  remove(id: number): boolean {
    const before = this.#rules.length
    this.#rules = this.#rules.filter((entry) => entry.id !== id)
    return this.#rules.length < before
  }

  clear(): void {
    this.#rules = []
  }

  list(): Array<ActiveFaultRule> {
    return this.#rules.map(({ id, rule, fired }) => ({ ...rule, id, fired }))
  }

  #fire(entry: MutableRule): void {
    entry.fired += 1
    if (entry.rule.times !== undefined && entry.fired >= entry.rule.times) {
      this.#rules = this.#rules.filter((other) => other !== entry)
    }
  }

  /** What happens to one request. Draws are made in rule order, so a seed replays the same faults. */
  decide(provider: Provider, operation: string): FaultDecision {
    let latencyMs = 0
    for (const entry of this.#rules) {
      const { rule } = entry
      if (!matches(rule, provider, operation)) continue
      if (rule.latencyMs !== undefined) {
        latencyMs +=
          typeof rule.latencyMs === "number"
            ? rule.latencyMs
            : rule.latencyMs[0] + this.#random.next() * (rule.latencyMs[1] - rule.latencyMs[0])
      }
      if (rule.resetRate !== undefined && this.#random.next() < rule.resetRate) {
        this.#fire(entry)
        return { latencyMs, kind: "reset" }
      }
      if (rule.errorRate !== undefined && this.#random.next() < rule.errorRate) {
        const statuses = rule.statuses ?? [500]
        const status = statuses[this.#random.int(statuses.length)] ?? 500
        this.#fire(entry)
        return { latencyMs, kind: "error", status, retryAfterSeconds: rule.retryAfterSeconds ?? 1 }
      }
      if (rule.dropRate !== undefined && this.#random.next() < rule.dropRate) {
        this.#fire(entry)
        return { latencyMs, kind: "drop" }
      }
    }
    return { latencyMs }
  }

  /** Whether a poll's delivery is duplicated or re-ordered (providers decide where their protocol allows it). */
  delivery(provider: Provider, operation: string): DeliveryDecision {
    let duplicate = false
    let reorder = false
    for (const entry of this.#rules) {
      const { rule } = entry
      if (!matches(rule, provider, operation)) continue
      if (!duplicate && rule.duplicateRate !== undefined && this.#random.next() < rule.duplicateRate) {
        duplicate = true
        this.#fire(entry)
      }
      if (!reorder && rule.reorderRate !== undefined && this.#random.next() < rule.reorderRate) {
        reorder = true
        this.#fire(entry)
      }
    }
    return { duplicate, reorder }
  }
}
