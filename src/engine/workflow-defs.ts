// Whether the DagNats engine knows a workflow: it runs only workflows registered as keys of its KV
// `workflow_defs`, and a run of any other fails at once. dagnats only reads that bucket (never
// creates it) so `trigger create|update` can warn, or refuse with require_workflow.
import { Effect } from "effect"
import { EngineNames, kvKeySubject, kvStream } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { toUnavailable } from "../nats/conditions.js"
import { isStreamNotFound, recoverWhen } from "../nats/errors.js"

/** `none` when there is no workflow_defs bucket: no engine on this account to ask. */
type WorkflowKnown = "known" | "unknown" | "none"

export interface WorkflowRegistry {
  readonly check: (workflow: string) => Effect.Effect<WorkflowKnown, import("../domain/errors.js").Unavailable>
}

/** KV marks a deleted or purged key with this header on its last message. */
const KV_OPERATION = "KV-Operation"

export const make = (h: NatsHandles): WorkflowRegistry => ({
  check: (workflow) =>
    Effect.tryPromise({
      try: async (): Promise<WorkflowKnown> => {
        const stream = kvStream(EngineNames.workflowDefs)
        if ((await recoverWhen(h.jsm.streams.info(stream), isStreamNotFound, undefined)) === undefined) return "none"
        // No message on the key is null, not a failure (nats.js answers "no message found" so).
        const key = kvKeySubject(EngineNames.workflowDefs, workflow)
        const m = await h.jsm.streams.getMessage(stream, { last_by_subj: key })
        if (m === null) return "unknown"
        const op = m.header?.get(KV_OPERATION) ?? ""
        return op === "DEL" || op === "PURGE" ? "unknown" : "known"
      },
      catch: toUnavailable,
    }),
})

/** The warning for a workflow the engine does not have. */
export const notRegistered = (workflow: string): string =>
  `workflow "${workflow}" is not registered in the engine's ${EngineNames.workflowDefs}: its runs will fail until it is`
