/**
 * Composition: one pipeline serving the three providers under their prefixes and the control API under `/_agent`,
 * sharing one clock, one seeded random source, one fault table and one agent hub. `startSimulator` serves it on
 * Node's HTTP server directly (`http.ts`); in-process, `sim.fetch` and `sim.app` reach it through a Hono app.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { loadSpec } from "@switchboard/specs"
import { Hono } from "hono"
import { parse } from "yaml"
import { ManualClock, type SimClock, systemClock } from "./clock.ts"
import { makeControl } from "./control.ts"
import { type FaultRule, Faults } from "./faults.ts"
import { requestListener } from "./http.ts"
import { ChatHub, type HubOptions } from "./hub.ts"
import { json, type ProviderModule, type SimContext } from "./module.ts"
import {
  type Dispatch,
  type Env,
  fromContext,
  type MountOptions,
  makeDispatcher,
  networkFailureHeader,
  toResponse,
  type Violation
} from "./pipeline.ts"
import { type LiveChatOptions, type LiveChatSettings, makeLiveChat } from "./providers/livechat.ts"
import { type LivePersonOptions, type LivePersonSettings, makeLivePerson } from "./providers/liveperson.ts"
import { makeSalesforce, type SalesforceOptions, type SalesforceSettings } from "./providers/salesforce.ts"
import { seededRandom } from "./random.ts"
import { type ScriptedAgentOptions, startScriptedAgent } from "./scripted-agent.ts"
import type { Variants } from "./variants.ts"

export interface SimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string
  /** Seed for ids, secrets and fault draws; default 1. */
  readonly seed?: number
  /** `"manual"` for a `ManualClock` that moves only when advanced; default wall time. */
  readonly clock?: SimClock | "manual" | "system"
  /** Fault rules active from the start. */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Runs the scripted agent (true for its defaults); default off. */
  readonly agent?: boolean | ScriptedAgentOptions
  /** Checks every response against the specs and records violations in `violations`; default off. */
  readonly validateResponses?: boolean
  readonly hub?: HubOptions
  readonly salesforce?: SalesforceOptions
  readonly liveperson?: LivePersonOptions
  readonly livechat?: LiveChatOptions
  /**
   * The server variant each provider plays where the vendors' docs are silent or loose (`variants.ts`, README
   * "Server variants"); every knob left out keeps its default. `variantProfiles` names tested combinations.
   */
  readonly variants?: Variants
}

export interface Simulator {
  readonly hub: ChatHub
  readonly faults: Faults
  readonly clock: SimClock
  /** Responses that did not match the specs (only collected with `validateResponses`). */
  readonly violations: ReadonlyArray<Violation>
  /** What a client needs to talk to each provider (ids, keys), besides the base URL. */
  readonly settings: {
    readonly salesforce: SalesforceSettings
    readonly liveperson: LivePersonSettings
    readonly livechat: LiveChatSettings
  }
  /** Handles a request in-process, without a socket (connection faults reject like a network error). */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>
  /** Stops the scripted agent and every provider timer and releases held requests. */
  dispose(): void
}

export interface RunningSimulator extends Simulator, AsyncDisposable {
  /** `http://host:port`. */
  readonly url: string
  /** Base URL of each provider API and of the control API. */
  readonly urls: {
    readonly salesforce: string
    readonly liveperson: string
    readonly livechat: string
    readonly control: string
  }
  readonly port: number
  /** Ends every held request, closes every connection and the server. */
  close(): Promise<void>
}

const controlDocument = (): Record<string, unknown> =>
  parse(readFileSync(new URL("../control-api.yaml", import.meta.url), "utf8")) as Record<string, unknown>

/** The simulator and its pipeline, which `startSimulator` serves over HTTP without going through the Hono app. */
const build = (
  options: SimulatorOptions
): { simulator: Simulator & { readonly app: Hono<Env> }; dispatch: Dispatch } => {
  const clock =
    options.clock === "manual"
      ? new ManualClock()
      : options.clock === "system" || options.clock === undefined
        ? systemClock
        : options.clock
  const random = seededRandom(options.seed ?? 1)
  const faults = new Faults(random, options.faults ?? [])
  const hub = new ChatHub(clock, random, options.hub)
  const context: SimContext = { hub, clock, random, faults }
  const violations: Array<Violation> = []
  const checking = options.validateResponses === true ? violations : undefined

  const variants = options.variants ?? {}
  const salesforce = makeSalesforce(context, options.salesforce, variants.salesforce)
  const liveperson = makeLivePerson(context, options.liveperson, variants.liveperson)
  const livechat = makeLiveChat(context, options.livechat, variants.livechat)
  const providers: ReadonlyArray<ProviderModule> = [salesforce, liveperson, livechat]

  const mounts: Array<MountOptions> = providers.map((module) => ({
    name: module.provider,
    document: loadSpec(module.provider) as unknown as Record<string, unknown>,
    module,
    faults,
    ...(checking === undefined ? {} : { violations: checking })
  }))
  mounts.push({
    name: "control",
    document: controlDocument(),
    module: makeControl(hub, faults, clock, providers),
    ...(checking === undefined ? {} : { violations: checking })
  })
  // Unknown paths and methods under a module's prefix get the module's own 404 or 405 (the dispatcher's fallbacks);
  // anything else this one.
  const dispatch = makeDispatcher(mounts, (path) => {
    // A path under a provider's root that no route takes (`/salesforce/chat/Nope`, a traversal out of the prefix)
    // is still answered in that provider's error shape; the path is not echoed (it may carry a session key).
    const root = `/${path.split("/")[1] ?? ""}`
    const module = providers.find((candidate) => candidate.prefix === root || candidate.prefix.startsWith(`${root}/`))
    return module === undefined
      ? json({ error: { code: "not_found", message: "no simulator resource here" } }, 404)
      : module.error(404, "no resource at this path")
  })

  // In-process requests (and embedders mounting the app) go through Hono, which also answers HEAD as GET.
  const app = new Hono<Env>({ strict: false })
  app.all("*", async (c) => toResponse(await dispatch(fromContext(c))))

  const agentOptions = options.agent === true ? {} : options.agent === false ? undefined : options.agent
  const stopAgent = agentOptions === undefined ? () => {} : startScriptedAgent(hub, clock, agentOptions)

  const simulator: Simulator & { readonly app: Hono<Env> } = {
    app,
    hub,
    faults,
    clock,
    violations,
    settings: { salesforce: salesforce.settings, liveperson: liveperson.settings, livechat: livechat.settings },
    fetch: async (input, init) => {
      const response = await app.fetch(new Request(input, init), {})
      if (response.headers.has(networkFailureHeader)) throw new TypeError("fetch failed (simulated network failure)")
      return response
    },
    dispose: () => {
      stopAgent()
      for (const module of providers) module.close()
    }
  }
  return { simulator, dispatch }
}

/** Builds the simulator without listening: use `fetch` in-process, or `startSimulator` for real HTTP. */
export const createSimulator = (options: SimulatorOptions = {}): Simulator & { readonly app: Hono<Env> } =>
  build(options).simulator

/** Starts the simulator on a real HTTP server (127.0.0.1 and a free port by default). Use with `await using`. */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const { simulator, dispatch } = build(options)
  const host = options.host ?? "127.0.0.1"
  const server = createServer(requestListener(dispatch, host))
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      simulator.dispose()
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return closing
  }
  return {
    ...simulator,
    url: origin,
    port,
    urls: {
      salesforce: `${origin}/salesforce/chat/rest`,
      liveperson: `${origin}/liveperson`,
      livechat: `${origin}/livechat`,
      control: `${origin}/_agent`
    },
    close,
    [Symbol.asyncDispose]: close
  }
}
