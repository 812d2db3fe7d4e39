// A run's status as its lifecycle events on `history.{run_id}` report it: pending until the engine
// says anything, running after any `step.*`, then completed, failed or cancelled. Pure: the outcomes
// consumer reads the record, folds one event into it here, and writes the result back.
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
}

interface LifecycleEvent {
  readonly type: string
  /** The event's own RFC 3339 timestamp, when it carries a valid one. */
  readonly timestamp: string | undefined
  /** `payload.error` of a failed event, as text. */
  readonly error: string | undefined
}

export type Fold<R extends StatusFields> =
  | { readonly changed: false }
  | { readonly changed: true; readonly from: string; readonly to: RunStatus; readonly next: R }

/**
 * Fold one lifecycle event into a run record. `nowIso` is when the record is updated; a final
 * status takes its `finished_at` from the event (when the engine says the run finished), else now.
 * Unchanged when the event moves nothing forward: so redeliveries and late events are no-ops.
 */
export const foldRunStatus = <R extends StatusFields>(record: R, event: LifecycleEvent, nowIso: string): Fold<R> => {
  const to = statusForEvent(event.type)
  if (to === undefined) return { changed: false }
  if (isFinal(record.status) || rankOf(to) <= rankOf(record.status)) return { changed: false }
  const final = isFinal(to)
  const next: R = {
    ...record,
    status: to,
    updated_at: nowIso,
    ...(final ? { finished_at: event.timestamp ?? nowIso } : {}),
    ...(to === "failed" && event.error !== undefined ? { error: event.error } : {}),
  }
  return { changed: true, from: record.status, to, next }
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
