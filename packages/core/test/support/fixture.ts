/**
 * How the provider-neutral suites (conformance, faults) drive one provider: build its layer against a running
 * simulator. One file per provider in `test/fixtures/`.
 */

import type { RunningSimulator, SimulatorOptions } from "@switchboard/simulator"
import type { Layer } from "effect"
import type { ChatProvider } from "../../src/ChatProvider.ts"
import type { InvalidConfiguration, BuiltInProvider as ProviderName } from "../../src/Errors.ts"

export interface ProviderFixture {
  readonly name: ProviderName
  /** The adapter's layer pointed at `sim`, with fast retries for tests; `tuning` overrides settings. */
  readonly layer: (
    sim: RunningSimulator,
    tuning?: Record<string, unknown>
  ) => Layer.Layer<ChatProvider, InvalidConfiguration>
  /** Options of every simulator `withProvider` starts for it (the server variant of a matrix entry). */
  readonly simulatorOptions?: SimulatorOptions
}
