/**
 * `@switchboard/core/otel`: core's spans (`Session.start`, `Session.send`, `Session.end`, `LiveChat.start`,
 * `LiveChat.send`, `Salesforce.poll`, ...), its logs and, given a metric reader, its `Metrics` exported through
 * OpenTelemetry. Short polls (LiveChat, LivePerson) are not traced one by one, a gateway makes thousands a minute:
 * `Metrics.pollRequests` counts them.
 *
 * Core traces and logs through Effect's own `Tracer` and `Logger`, so without this layer nothing is exported and
 * nothing is paid for it. Needs the optional peer dependency `@effect/opentelemetry` and an OpenTelemetry span
 * processor of your choice (an OTLP exporter in production).
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
 * import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
 * import * as Otel from "@switchboard/core/otel"
 *
 * const telemetry = Otel.layer({ serviceName: "chat-gateway", spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()) })
 * program.pipe(Effect.provide(telemetry))
 * ```
 */
import { NodeSdk } from "@effect/opentelemetry"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"

export interface OtelOptions {
  /** `service.name` of the exported spans; default `switchboard`. */
  readonly serviceName?: string
  readonly serviceVersion?: string
  readonly spanProcessor: SpanProcessor | ReadonlyArray<SpanProcessor>
  /** Exports core's `Metrics` (a `PeriodicExportingMetricReader` from `@opentelemetry/sdk-metrics`, say). */
  readonly metricReader?: NodeSdk.Configuration["metricReader"]
}

/** Routes Effect's tracer (and so every core span), and its metrics when a reader is given, to OpenTelemetry. */
export const layer = (options: OtelOptions) =>
  NodeSdk.layer(() => ({
    resource: {
      serviceName: options.serviceName ?? "switchboard",
      ...(options.serviceVersion === undefined ? {} : { serviceVersion: options.serviceVersion })
    },
    spanProcessor: options.spanProcessor,
    ...(options.metricReader === undefined ? {} : { metricReader: options.metricReader })
  }))
