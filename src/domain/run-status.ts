// A run's status as its lifecycle events on `history.{run_id}` report it: pending until the engine
// says anything, running after any `step.*`, then completed, failed or cancelled. Pure: the outcomes
// consumer reads the record, folds one event into it here, and writes the result back. The real
// engine's workflow.failed carries no error, so the record keeps the last step.failed error (by
// stream sequence: events may be folded out of order) and a failed run without its own takes it.
// Runs the engine ends without any history event are folded from its KV `workflow_runs` record.
import { Schema } from "effect"

export const RunStatus = Schema.Literals(["pending", "running", "completed", "failed", "cancelled"])
export type RunStatus = typeof RunStatus.Type

const FINAL_STATUSES: ReadonlyArray<RunStatus> = ["completed", "failed", "cancelled"]

export const isFinal = (s: string): boolean => (FINAL_STATUSES as ReadonlyArray<string>).includes(s)

/**
 * How far along a status is. A run never moves to a lower rank, and a final status is never
 * replaced by another one: the first final event the engine wrote wins.
 */
const RANK: Readonly<Record<RunStatus, number>> = { pending: 0, running: 1, completed: 2, failed: 2, cancelled: 2 }

const rankOf = (s: string): number => (s in RANK ? RANK[s as RunStatus] : 0)

/** The status an event type moves a run to, or undefined for events that do not change it. */
export const statusForEvent = (type: string): RunStatus | undefined => {
  if (type.startsWith("step.")) return "running"
  switch (type) {
    case "workflow.completed":
      return "completed"
    case "workflow.failed":
      return "failed"
    case "workflow.cancelled":
      return "cancelled"
    default:
      // workflow.started is our own; workflow.spawn and workflow.child.* report on other runs.
      return undefined
  }
}

/** The fields of a run record this fold reads and writes. */
interface StatusFields {
  readonly status: string
  readonly updated_at?: string | undefined
  readonly finished_at?: string | undefined
  readonly error?: string | undefined
  /** The last `step.failed` error seen and its WORKFLOW_HISTORY sequence: the error of a run whose
   *  workflow.failed says none. */
  readonly last_step_error?: string | undefined
  readonly last_step_error_seq?: number | undefined
}

interface LifecycleEvent {
  readonly type: string
  /** The event's own RFC 3339 timestamp, when it carries a valid one. */
  readonly timestamp: string | undefined
  /** `payload.error` of a failed event, as text. */
  readonly error: string | undefined
  /** The event's WORKFLOW_HISTORY stream sequence, when known. */
  readonly seq?: number | undefined
}

export type Fold<R extends StatusFields> =
  | { readonly changed: false }
  | { readonly changed: true; readonly from: string; readonly to: RunStatus; readonly next: R }

/**
 * Fold one lifecycle event into a run record. `nowIso` is when the record is updated; a final
 * status takes its `finished_at` from the event (when the engine says the run finished), else now.
 * Unchanged when the event moves nothing forward: so redeliveries and late events are no-ops. A
 * step.failed may change a record without changing its status (`from` = `to`): it records the
 * step's error, and fills in the error of a run already failed without one of its own.
 */
export const foldRunStatus = <R extends StatusFields>(record: R, event: LifecycleEvent, nowIso: string): Fold<R> => {
  const to = statusForEvent(event.type)
  if (to === undefined) return { changed: false }
  let next: R = record
  let changed = false
  const stepError = event.type === "step.failed" ? event.error : undefined
  const newer =
    event.seq === undefined || record.last_step_error_seq === undefined || event.seq > record.last_step_error_seq
  if (stepError !== undefined && newer) {
    // A failed run's error came from an earlier step when it equals the step error it kept.
    const fromStep =
      record.status === "failed" && (record.error === undefined || record.error === record.last_step_error)
    next = {
      ...next,
      last_step_error: stepError,
      ...(event.seq !== undefined ? { last_step_error_seq: event.seq } : {}),
      ...(fromStep ? { error: stepError } : {}),
    }
    changed = true
  }
  if (!isFinal(record.status) && rankOf(to) > rankOf(record.status)) {
    const error = to === "failed" ? (event.error ?? next.last_step_error) : undefined
    next = {
      ...next,
      status: to,
      ...(isFinal(to) ? { finished_at: event.timestamp ?? nowIso } : {}),
      ...(error !== undefined ? { error } : {}),
    }
    changed = true
  }
  if (!changed) return { changed: false }
  return { changed: true, from: record.status, to: next.status as RunStatus, next: { ...next, updated_at: nowIso } }
}

/** How the engine ended a run, as its KV `workflow_runs` record says. */
export interface EngineOutcome {
  readonly status: "completed" | "failed" | "cancelled"
  readonly error: string | undefined
  readonly finishedAt: string | undefined
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

/**
 * The final outcome in the engine's run state (`{"status":"failed"|"skipped",…,"steps":{…{"error"}}}`),
 * or undefined while it is not final or not a run state. A run the engine skipped (singleton) never
 * ran: it ends `failed` with an error saying so, since a run record has no `skipped` status.
 */
export const engineOutcome = (json: unknown): EngineOutcome | undefined => {
  if (typeof json !== "object" || json === null) return undefined
  const o = json as Record<string, unknown>
  const steps = typeof o["steps"] === "object" && o["steps"] !== null ? Object.values(o["steps"]) : []
  const stepErrors = steps.flatMap((s) =>
    typeof s === "object" && s !== null
      ? [text((s as Record<string, unknown>)["error"])].filter((e) => e !== undefined)
      : [],
  )
  const reason = text(o["error"]) ?? text(o["skip_reason"]) ?? text(o["reason"]) ?? stepErrors[stepErrors.length - 1]
  const at = [o["completed_at"], o["finished_at"], o["updated_at"]].find(
    (t) => typeof t === "string" && RFC3339.test(t),
  )
  const finishedAt = at as string | undefined
  switch (o["status"]) {
    case "completed":
    case "cancelled":
      return { status: o["status"], error: undefined, finishedAt }
    case "failed":
      return { status: "failed", error: reason, finishedAt }
    case "skipped":
      return {
        status: "failed",
        error: `skipped by the engine${reason !== undefined ? `: ${reason}` : ""}`,
        finishedAt,
      }
    default:
      return undefined
  }
}

/**
 * Fold the engine's final outcome into a run record: a run not yet final takes its status (and
 * error, or the last step error); a run already failed without an error takes the engine's.
 */
export const foldEngineOutcome = <R extends StatusFields>(
  record: R,
  outcome: EngineOutcome,
  nowIso: string,
): Fold<R> => {
  if (isFinal(record.status)) {
    if (record.status !== "failed" || record.error !== undefined || outcome.error === undefined)
      return { changed: false }
    return {
      changed: true,
      from: "failed",
      to: "failed",
      next: { ...record, error: outcome.error, updated_at: nowIso },
    }
  }
  const error = outcome.status === "failed" ? (outcome.error ?? record.last_step_error) : undefined
  const next: R = {
    ...record,
    status: outcome.status,
    updated_at: nowIso,
    finished_at: outcome.finishedAt ?? nowIso,
    ...(error !== undefined ? { error } : {}),
  }
  return { changed: true, from: record.status, to: outcome.status, next }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

/** The lifecycle fields of a decoded history message; undefined when it is not one. */
export const lifecycleEvent = (json: unknown): (LifecycleEvent & { readonly runId: string }) | undefined => {
  if (typeof json !== "object" || json === null) return undefined
  const o = json as Record<string, unknown>
  if (typeof o["type"] !== "string" || typeof o["run_id"] !== "string") return undefined
  const ts = typeof o["timestamp"] === "string" && RFC3339.test(o["timestamp"]) ? o["timestamp"] : undefined
  const p = o["payload"]
  const payload = typeof p === "object" && p !== null ? (p as Record<string, unknown>) : {}
  const raw = payload["error"]
  const error = raw === undefined || raw === null ? undefined : typeof raw === "string" ? raw : JSON.stringify(raw)
  return { type: o["type"], runId: o["run_id"], timestamp: ts, error }
}
