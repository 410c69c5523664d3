/** Core's spans reach OpenTelemetry through `@switchboard/core/otel`, without secrets in their attributes. */
import { assert, describe, it } from "@effect/vitest"
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { createSimulator } from "@switchboard/simulator"
import { Effect } from "effect"
import * as Otel from "../src/otel.ts"
import * as LiveChat from "../src/providers/LiveChat.ts"
import * as Session from "../src/Session.ts"

describe("OpenTelemetry layer", () => {
  it.live("exports the session's spans", () =>
    Effect.gen(function* () {
      const sim = createSimulator()
      // A processor of our own: the workspace holds two copies of @opentelemetry/api (auto-installed peers), which
      // an exporter from another copy would not see; a consumer project has one.
      const spans: Array<ReadableSpan> = []
      const processor: SpanProcessor = {
        onStart: () => {},
        onEnd: (span) => void spans.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve()
      }
      const layer = LiveChat.layer({
        baseUrl: "http://simulator/livechat",
        licenceId: sim.settings.livechat.licenceId,
        fetch: (request) => sim.fetch(request),
        polling: { active: "20 millis", normal: "20 millis", idle: "20 millis" }
      })
      yield* Effect.gen(function* () {
        const session = yield* Session.open({ visitorName: "Ada" })
        const chat = sim.hub.list({ provider: "livechat" })[0]
        sim.hub.accept(chat?.id ?? "", { name: "Grace" })
        yield* session.send("hello")
        yield* session.end
      }).pipe(
        Effect.scoped,
        Effect.provide(layer),
        Effect.provide(Otel.layer({ serviceName: "test", spanProcessor: processor }))
      )
      sim.dispose()
      const names = new Set(spans.map((span) => span.name))
      for (const name of ["Session.start", "LiveChat.start", "Session.send", "LiveChat.send", "Session.end"]) {
        assert.isTrue(names.has(name), `span ${name} exported (got ${[...names].join(", ")})`)
      }
      const attributes = JSON.stringify(spans.map((span) => span.attributes))
      assert.notMatch(attributes, /CS\d+\./, "no secured session id in span attributes")
    })
  )
})
