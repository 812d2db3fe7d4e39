// What `$SRV.INFO` says about each micro endpoint (`nats micro info dagnats`): a description and the
// JSON Schemas of its request and response, generated from effect Schemas so they cannot drift from
// what the endpoints decode. Micro metadata values are strings, so the schemas are JSON text.
import { Schema } from "effect"
import { StoredTrigger, TriggerDefinition, TriggerPatch } from "../domain/trigger.js"
import type { Endpoint } from "../micro/index.js"

const { secrets: _secrets, ...viewFields } = StoredTrigger.fields
/** A trigger as every read returns it: secrets replaced by how many are set. */
const TriggerView = Schema.Struct({
  ...viewFields,
  revision: Schema.Finite,
  secret_count: Schema.optionalKey(Schema.Finite),
})
const RunId = Schema.Struct({ run_id: Schema.String })
const RunRecord = Schema.Struct({
  run_id: Schema.String,
  workflow: Schema.String,
  status: Schema.String,
  input: Schema.Unknown,
  trigger: Schema.Struct({ name: Schema.NullOr(Schema.String), type: Schema.Literals(["webhook", "event", "manual"]) }),
  event: Schema.NullOr(
    Schema.Struct({ subject: Schema.String, seq: Schema.Finite, delivery_id: Schema.NullOr(Schema.String) }),
  ),
  created_at: Schema.String,
  count: Schema.Finite,
})
const FireRecord = Schema.Struct({
  trigger: Schema.String,
  workflow: Schema.String,
  outcome: Schema.Literals(["fired", "skipped", "error"]),
  reason: Schema.optionalKey(Schema.Literals(["filtered", "disabled", "debounced", "batched", "duplicate"])),
  error: Schema.optionalKey(Schema.String),
  run_id: Schema.optionalKey(Schema.String),
  count: Schema.optionalKey(Schema.Finite),
  event: Schema.Struct({ subject: Schema.String, seq: Schema.Finite }),
  at: Schema.String,
})

interface EndpointDoc {
  readonly description: string
  /** Only where the endpoint decodes in the store rather than with its own schema (create, update). */
  readonly request?: Schema.Top
  readonly response: Schema.Top
}

const DOCS: Record<string, EndpointDoc> = {
  "triggers.create": {
    description: "Create a trigger; answers it without its secrets",
    request: TriggerDefinition,
    response: TriggerView,
  },
  "triggers.get": { description: "One trigger by name, without its secrets", response: TriggerView },
  "triggers.list": {
    description: "Triggers in name order, `limit` after the name `after`; `next` names the following page",
    response: Schema.Struct({
      triggers: Schema.Array(Schema.Struct({ ...TriggerView.fields, open: Schema.optionalKey(Schema.Finite) })),
      next: Schema.optionalKey(Schema.String),
    }),
  },
  "triggers.update": {
    description: "Change the given fields of the trigger `name`",
    request: TriggerPatch,
    response: TriggerView,
  },
  "triggers.delete": {
    description: "Delete a trigger",
    response: Schema.Struct({ deleted: Schema.Literal(true), name: Schema.String }),
  },
  "triggers.enable": { description: "Enable a trigger", response: TriggerView },
  "triggers.disable": {
    description: "Disable a trigger: its events are recorded as skipped, no run starts",
    response: TriggerView,
  },
  "triggers.fire": {
    description: "Start a run of the trigger's workflow now; the same `key` never starts a second run",
    response: RunId,
  },
  "triggers.history": {
    description: "The trigger's latest evaluations (fired, skipped, error), newest first",
    response: Schema.Struct({ fires: Schema.Array(FireRecord) }),
  },
  "triggers.test": {
    description: "Whether a payload (and subject, headers) would start a run; nothing is published",
    response: Schema.Struct({ matched: Schema.Boolean, reason: Schema.optionalKey(Schema.String) }),
  },
  "runs.start": { description: "Start a run of a workflow; the same `key` never starts a second run", response: RunId },
  "runs.get": { description: "One run record by run id", response: RunRecord },
  "runs.list": {
    description: "The latest run records, filtered by workflow or trigger",
    response: Schema.Struct({ runs: Schema.Array(RunRecord) }),
  },
}

/** A JSON Schema (draft 2020-12) document for `schema`, as one line of JSON. */
export const jsonSchemaText = (schema: Schema.Top): string => {
  const doc = Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" })
  const defs = Object.keys(doc.definitions).length > 0 ? { $defs: doc.definitions } : {}
  return JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", ...doc.schema, ...defs })
}

/** The `$SRV.INFO` metadata of one endpoint. An endpoint without a doc entry still gets all three keys. */
export const endpointMetadata = (ep: Endpoint): Record<string, string> => {
  const doc = DOCS[`${ep.group}.${ep.name}`]
  return {
    description: doc?.description ?? ep.description ?? `dagnats ${ep.group}.${ep.name}`,
    request_schema: jsonSchemaText(doc?.request ?? ep.request ?? Schema.Unknown),
    response_schema: jsonSchemaText(doc?.response ?? Schema.Unknown),
  }
}
