// What `$SRV.INFO` says about each micro endpoint (`nats micro info dagnats`): a description and the
// JSON Schemas of its request and response, generated from effect Schemas so they cannot drift from
// what the endpoints decode. Micro metadata values are strings, so the schemas are JSON text.
import { Schema } from "effect"
import { TriggerDefinition, TriggerListReply, TriggerPatch, TriggerReply, TriggerView } from "../domain/trigger.js"
import { RunListReply, RunRecord } from "../domain/run-record.js"
import { HistoryReply } from "../domain/fire-record.js"
import { DeadReply } from "../domain/dead-letter.js"
import { DeletedReply, ReplayReply, RunIdReply, TestReply } from "../domain/replies.js"
import type { Endpoint } from "../micro/index.js"
import { Delivery, DeliveryListReply } from "../domain/delivery.js"

interface EndpointDoc {
  readonly description: string
  /** Only where the endpoint decodes in the store rather than with its own schema (create, update). */
  readonly request?: Schema.Top
  readonly response: Schema.Top
}

const DOCS: Record<string, EndpointDoc> = {
  "triggers.create": {
    description:
      "Create a trigger; answers it without its secrets. An event trigger with `source` reads a stream or KV " +
      "bucket of the operator's (refused when it does not exist, may not be read, or has work-queue or interest retention)",
    request: TriggerDefinition,
    response: TriggerReply,
  },
  "triggers.get": { description: "One trigger by name, without its secrets", response: TriggerView },
  "triggers.list": {
    description:
      "Triggers in name order, `limit` after the name `after`; `next` names the following page; " +
      "`truncated` when fewer were answered to fit the max payload",
    response: TriggerListReply,
  },
  "triggers.update": {
    description: "Change the given fields of the trigger `name` (a new `source` is checked as at create)",
    request: TriggerPatch,
    response: TriggerReply,
  },
  "triggers.delete": {
    description: "Delete a trigger",
    response: DeletedReply,
  },
  "triggers.enable": { description: "Enable a trigger", response: TriggerView },
  "triggers.disable": {
    description: "Disable a trigger: its events are recorded as skipped, no run starts",
    response: TriggerView,
  },
  "triggers.fire": {
    description: "Start a run of the trigger's workflow now; the same `key` never starts a second run",
    response: RunIdReply,
  },
  "triggers.history": {
    description:
      "The trigger's latest evaluations (fired, skipped, error), newest first; records of other programs " +
      "as they are; `truncated` when fewer or cut records were answered to fit the max payload, " +
      "`next` the `before` of the following page",
    response: HistoryReply,
  },
  "triggers.test": {
    description: "Whether a payload (and subject, headers) would start a run; nothing is published",
    response: TestReply,
  },
  "runs.start": {
    description: "Start a run of a workflow; the same `key` never starts a second run",
    response: RunIdReply,
  },
  "runs.get": { description: "One run record by run id", response: RunRecord },
  "runs.list": {
    description:
      "The latest run records, newest first, filtered by workflow, trigger or status; `truncated` when " +
      "fewer runs, or runs with large fields cut (named in `cut`), were answered to fit the max payload, " +
      "`next` the `before` of the following page",
    response: RunListReply,
  },
  "events.dead": {
    description:
      "The newest dead letters, newest first; `truncated` when fewer were answered to fit the max payload, " +
      "`next` the `before` of the following page",
    response: DeadReply,
  },
  "events.replay": {
    description:
      "Evaluate stored events (EVENTS, the trigger's own source stream, or dead letters) again against one trigger; " +
      "existing runs are not repeated",
    response: ReplayReply,
  },
  "deliveries.list": {
    description:
      "The newest webhook deliveries, newest first, by trigger, status (accepted, rejected, an error code or " +
      "an HTTP status) and time; `truncated` when fewer, or records without their headers (`cut`), were answered",
    response: DeliveryListReply,
  },
  "deliveries.get": {
    description: "One webhook delivery by id, with the decisions its event led to and their runs' current status",
    response: Delivery,
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
