import { describe, expect, it } from "vitest"
import type { OpenApiDocument } from "../src/index.ts"
import { collectExamples, operationsWithoutExamples } from "./examples.ts"

// The example checks are only worth something if the harness finds examples wherever OpenAPI allows them.
const document: OpenApiDocument = {
  openapi: "3.1.0",
  info: { title: "harness", version: "1" },
  paths: {
    "/things/{id}": {
      get: {
        operationId: "getThing",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" }, example: 7 }],
        responses: {
          "200": {
            description: "ok",
            headers: { Location: { schema: { type: "string" }, example: "/things/7" } },
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/Thing" },
                examples: { one: { $ref: "#/components/examples/Thing" } }
              }
            }
          }
        }
      },
      post: {
        operationId: "postThing",
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: { "201": { description: "created", content: { "application/json": { schema: {} } } } }
      }
    }
  },
  components: {
    schemas: { Thing: { type: "object", properties: { id: { type: "integer" } }, examples: [{ id: 1 }] } },
    examples: { Thing: { value: { id: 2 } } }
  }
}

describe("the example harness", () => {
  it("finds parameter, header, media type (with $ref'd examples) and schema examples", () => {
    expect(collectExamples(document).map(({ at, schemaPointer, value }) => [at, schemaPointer, value])).toEqual([
      ["/paths/~1things~1{id}/get/parameters/0/example", "/paths/~1things~1{id}/get/parameters/0/schema", 7],
      [
        "/paths/~1things~1{id}/get/responses/200/headers/Location/example",
        "/paths/~1things~1{id}/get/responses/200/headers/Location/schema",
        "/things/7"
      ],
      [
        "/paths/~1things~1{id}/get/responses/200/content/application~1json/examples/one",
        "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema",
        { id: 2 }
      ],
      ["/components/schemas/Thing/examples/0", "/components/schemas/Thing", { id: 1 }]
    ])
  })

  it("names operations whose bodies have no example", () => {
    expect(operationsWithoutExamples(document)).toEqual(["postThing: request", "postThing: response"])
  })
})
