/**
 * The hand-written OpenAPI 3.1 documents, as files and as parsed objects.
 *
 * The YAML files ship in this package, so the simulator validates against exactly the documents the clients
 * were generated from.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

/** The three providers Switchboard speaks to. */
export const providers = ["salesforce", "liveperson", "livechat"] as const
export type Provider = (typeof providers)[number]

const methods = ["get", "put", "post", "delete", "patch", "head", "options"] as const
export type Method = (typeof methods)[number]

/** One operation of a spec, as listed in its `paths`. */
export interface Operation {
  readonly operationId: string
  readonly method: Method
  readonly path: string
  readonly summary: string
}

/** An OpenAPI document, loosely typed: callers that need more should use a dedicated OpenAPI library. */
export interface OpenApiDocument {
  readonly openapi: string
  readonly info: { readonly title: string; readonly version: string; readonly description?: string }
  readonly paths: Record<string, Record<string, unknown>>
  readonly components?: Record<string, Record<string, unknown>>
  readonly [key: string]: unknown
}

/** Absolute path of a provider's `openapi.yaml`. */
export const specPath = (provider: Provider): string =>
  fileURLToPath(new URL(`../${provider}/openapi.yaml`, import.meta.url))

const cache = new Map<Provider, OpenApiDocument>()

/** The parsed document (read once per process). Treat it as read-only. */
export const loadSpec = (provider: Provider): OpenApiDocument => {
  let document = cache.get(provider)
  if (document === undefined) {
    document = parse(readFileSync(specPath(provider), "utf8")) as OpenApiDocument
    cache.set(provider, document)
  }
  return document
}

/** Every operation of a provider's spec, in document order. */
export const operations = (provider: Provider): ReadonlyArray<Operation> =>
  Object.entries(loadSpec(provider).paths).flatMap(([path, item]) =>
    methods.flatMap((method) => {
      const operation = item[method] as { operationId?: string; summary?: string } | undefined
      return operation === undefined
        ? []
        : [{ operationId: operation.operationId ?? "", method, path, summary: operation.summary ?? "" }]
    })
  )
