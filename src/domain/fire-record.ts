// The record of one trigger evaluation on `trigger.fire.{name}` (SPEC §6). Pure builders, so every
// outcome has the same shape wherever it is produced.

export type SkipReason = "filtered" | "disabled" | "debounced" | "batched" | "duplicate"

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
}

export interface EvaluatedEvent {
  readonly subject: string
  readonly seq: number
}

type Base = { readonly trigger: string; readonly workflow: string; readonly event: EvaluatedEvent; readonly at?: string }

const base = (b: Base) => ({ trigger: b.trigger, workflow: b.workflow, event: { subject: b.event.subject, seq: b.event.seq } })
const at = (b: Base) => b.at ?? new Date().toISOString()

export const fired = (b: Base, runId: string, count: number): FireRecord => ({ ...base(b), outcome: "fired", run_id: runId, count, at: at(b) })
export const skipped = (b: Base, reason: SkipReason): FireRecord => ({ ...base(b), outcome: "skipped", reason, at: at(b) })
export const failed = (b: Base, error: string): FireRecord => ({ ...base(b), outcome: "error", error, at: at(b) })
