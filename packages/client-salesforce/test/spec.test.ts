import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { loadSpec, operations, specPath } from "@switchboard/specs"
import { describe, expect, it } from "vitest"

interface Listed {
  readonly operationId: string
  readonly method: string
  readonly path: string
}

const listed = JSON.parse(
  readFileSync(join(dirname(specPath("salesforce")), "operations.json"), "utf8")
) as ReadonlyArray<Listed>

describe("specs/salesforce/openapi.yaml", () => {
  it("has exactly the operations of operations.json", () => {
    const key = (o: Listed) => `${o.operationId} ${o.method} ${o.path}`
    expect(operations("salesforce").map(key).sort()).toEqual(listed.map(key).sort())
  })

  it("gives every operation a summary and declares the version header on every operation", () => {
    const spec = loadSpec("salesforce")
    for (const operation of operations("salesforce")) {
      expect(operation.summary, operation.operationId).not.toBe("")
      const declared = spec.paths[operation.path]?.[operation.method] as { parameters?: Array<{ $ref?: string }> }
      const parameters = declared?.parameters ?? []
      expect(
        parameters.some((p) => p.$ref === "#/components/parameters/ApiVersion"),
        operation.operationId
      ).toBe(true)
    }
  })

  it("discriminates every message type of the reference's catalogue", () => {
    const schemas = loadSpec("salesforce").components?.schemas as
      | Record<string, { discriminator?: { mapping?: object } }>
      | undefined
    const message = schemas?.Message
    expect(Object.keys(message?.discriminator?.mapping ?? {}).sort()).toEqual(
      [
        "ChatRequestSuccess",
        "ChatRequestFail",
        "QueueUpdate",
        "ChatEstablished",
        "ChatMessage",
        "AgentTyping",
        "AgentNotTyping",
        "AgentDisconnect",
        "ChatTransferred",
        "TransferToButtonInitiated",
        "AgentJoinedConference",
        "AgentLeftConference",
        "ChatEnded",
        "ChasitorSessionData",
        "CustomEvent",
        "NewVisitorBreadcrumb",
        "SensitiveDataRules",
        "FileTransfer",
        "RichMessage",
        "ChasitorIdleTimeoutWarningEvent",
        "ReconnectSession",
        "Availability"
      ].sort()
    )
  })
})
