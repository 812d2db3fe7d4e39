// Proves what $SRV.INFO says about each endpoint: a description and JSON Schemas generated from the
// effect Schemas the endpoint decodes with, with defaults for an endpoint the catalog does not know.
import { Effect, Schema } from "effect"
import { describe, expect, test } from "vitest"
import { endpoint, NameRequest } from "../../../src/micro/endpoint.js"
import { endpointMetadata, jsonSchemaText } from "../../../src/service/metadata.js"

const DRAFT = "https://json-schema.org/draft/2020-12/schema"
const parsed = (m: Record<string, string>) => ({
  description: m["description"],
  request: JSON.parse(m["request_schema"]!),
  response: JSON.parse(m["response_schema"]!),
})

describe("service metadata", () => {
  test("jsonSchemaText - a struct is a closed draft 2020-12 object schema on one line", () => {
    const text = jsonSchemaText(Schema.Struct({ name: Schema.String, limit: Schema.optionalKey(Schema.Finite) }))
    expect(text).not.toContain("\n")
    expect(JSON.parse(text)).toEqual({
      $schema: DRAFT,
      type: "object",
      properties: { name: { type: "string" }, limit: { type: "number" } },
      required: ["name"],
      additionalProperties: false,
    })
  })

  test("endpointMetadata - a known endpoint gets its description, its own request schema and its response schema", () => {
    const m = parsed(endpointMetadata(endpoint("triggers", "get", NameRequest, () => Effect.succeed({}))))
    expect(m.description).toBe("One trigger by name, without its secrets")
    expect(m.request).toEqual({
      $schema: DRAFT,
      type: "object",
      properties: { name: { type: "string" } },
      required: ["name"],
      additionalProperties: false,
    })
    expect(m.response.required).toEqual(["name", "workflow", "type", "created_at", "updated_at", "revision"])
    expect(m.response.properties).not.toHaveProperty("secrets")
  })

  test("endpointMetadata - triggers.create documents the trigger definition, not the Unknown it decodes later", () => {
    const m = parsed(endpointMetadata(endpoint("triggers", "create", Schema.Unknown, () => Effect.succeed({}))))
    expect(m.request.required).toEqual(["name", "workflow", "type"])
    expect(Object.keys(m.request.properties)).toContain("secrets")
  })

  test("endpointMetadata - an endpoint the catalog does not know still has all three keys", () => {
    const ep = { ...endpoint("runs", "cancel", NameRequest, () => Effect.succeed({})), description: "Cancel a run" }
    expect(parsed(endpointMetadata(ep))).toEqual({
      description: "Cancel a run",
      request: {
        $schema: DRAFT,
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
        additionalProperties: false,
      },
      response: { $schema: DRAFT },
    })
    const bare = { group: "runs" as const, name: "other", handle: () => Effect.succeed({}) }
    expect(parsed(endpointMetadata(bare))).toEqual({
      description: "dagnats runs.other",
      request: { $schema: DRAFT },
      response: { $schema: DRAFT },
    })
  })

  test("endpointMetadata - list and record schemas come from the domain Schemas: fires with the engine's and schedule fields and missed, schedule runs, truncated and next", () => {
    const of = (group: "triggers" | "runs" | "events", name: string) =>
      parsed(endpointMetadata(endpoint(group, name, NameRequest, () => Effect.succeed({})))).response
    const history = of("triggers", "history")
    const [own, foreign] = history.properties.fires.items.anyOf
    expect(Object.keys(own.properties)).toEqual(
      expect.arrayContaining(["trigger_id", "workflow_id", "source", "fired_at", "skipped", "skip_reason"]),
    )
    expect(Object.keys(own.properties)).toEqual(
      expect.arrayContaining(["scheduled_at", "older_missed", "run_status", "cut"]),
    )
    expect(own.properties.reason.enum).toContain("missed")
    expect(own.additionalProperties).toBe(false)
    // The engine's own records (no `outcome`) are described, whatever else they carry.
    expect(foreign.properties.outcome).toEqual({ not: {} })
    expect(Object.keys(history.properties)).toEqual(["fires", "truncated", "next"])
    const runs = of("runs", "list")
    expect(runs.properties.runs.items.properties.trigger.properties.type.enum).toEqual([
      "webhook",
      "event",
      "manual",
      "schedule",
    ])
    expect(runs.properties.runs.items.required).not.toContain("input")
    expect(of("runs", "get").required).toContain("input")
    expect(Object.keys(of("events", "dead").properties)).toEqual(["dead", "truncated", "next"])
    expect(Object.keys(of("triggers", "list").properties.triggers.items.properties)).toEqual(
      expect.arrayContaining(["open", "next_fire_at", "secret_count"]),
    )
  })
})
