// The record of one trigger evaluation on `trigger.fire.{name}`. Pure builders, so every outcome has
// the same shape wherever it is produced. Besides dagnats' own fields each record carries the DagNats
// engine's TriggerFire fields (trigger_id, workflow_id, run_id, source, fired_at, skipped,
// skip_reason), so the engine's `trigger history` reads our records as real fires.

/** Why no run was started: the evaluator's reasons, and `missed` for a schedule instant skipped per catch_up. */
export type SkipReason = "filtered" | "disabled" | "debounced" | "batched" | "duplicate" | "missed"

export interface FireRecord {
  readonly trigger: string
  readonly workflow: string
  readonly outcome: "fired" | "skipped" | "error"
  readonly reason?: SkipReason
  readonly error?: string
  readonly run_id?: string
  readonly count?: number
  readonly event: { readonly subject: string; readonly seq: number }
  readonly at: string
  /** The engine's TriggerFire view of the same record. */
  readonly trigger_id: string
  readonly workflow_id: string
  readonly source: string
  readonly fired_at: string
  readonly skipped: boolean
  readonly skip_reason?: string
}

interface EvaluatedEvent {
  readonly subject: string
  readonly seq: number
}

type Base = {
  readonly trigger: string
  readonly workflow: string
  readonly event: EvaluatedEvent
  readonly at?: string
}

const base = (b: Base) => ({
  trigger: b.trigger,
  workflow: b.workflow,
  event: { subject: b.event.subject, seq: b.event.seq },
})

/** The engine's fields; an error started no run, so to the engine it is a skip with the message. */
const engine = (b: Base, at: string, skip: string | undefined) => ({
  trigger_id: b.trigger,
  workflow_id: b.workflow,
  source: b.trigger,
  fired_at: at,
  skipped: skip !== undefined,
  ...(skip !== undefined ? { skip_reason: skip } : {}),
})

const atOf = (b: Base) => b.at ?? new Date().toISOString()

export const fired = (b: Base, runId: string, count: number): FireRecord => {
  const at = atOf(b)
  return { ...base(b), outcome: "fired", run_id: runId, count, at, ...engine(b, at, undefined) }
}
export const skipped = (b: Base, reason: SkipReason): FireRecord => {
  const at = atOf(b)
  return { ...base(b), outcome: "skipped", reason, at, ...engine(b, at, reason) }
}
export const failed = (b: Base, error: string): FireRecord => {
  const at = atOf(b)
  return { ...base(b), outcome: "error", error, at, ...engine(b, at, `error: ${error}`) }
}
