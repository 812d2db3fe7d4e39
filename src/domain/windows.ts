// Debounce windows and batches as pure state machines (SPEC §4, §6). The adapter reads a state and
// its KV revision, asks these functions what to do, and writes the answer with a revision check;
// on a conflict it reads again. Because every write is revision-checked and firing is idempotent
// (deterministic run ids), two serve processes and any crash in between still fire each window
// exactly once and put every event in exactly one batch.
import { createHash } from "node:crypto"

export interface WindowEvent {
  readonly seq: number
  readonly subject: string
  readonly atMs: number
}

interface Common {
  readonly trigger: string
  /** `{trigger}:{key hash}:{seq of the first event}`: names the run, so a replay cannot fire twice. */
  readonly id: string
  readonly first_at: number
  readonly due_at: number
  /** No further event joins a closed window; whoever finds it closed fires it (idempotently). */
  readonly closed: boolean
}

export interface DebounceState extends Common {
  readonly kind: "debounce"
  readonly deadline_at: number | null
  readonly last_seq: number
  readonly last_subject: string
  readonly count: number
  /** Recent sequences in this window, so a redelivered event is not counted twice. */
  readonly recent: ReadonlyArray<number>
}

export interface BatchState extends Common {
  readonly kind: "batch"
  /** Stream sequences, not payloads: a full batch of 1,000 stays a few kilobytes. */
  readonly seqs: ReadonlyArray<number>
  readonly last_subject: string
}

export type WindowState = DebounceState | BatchState

/** What became of windows that already fired at one key, for redelivered events. */
export interface DoneState {
  /** Debounce: the highest sequence any fired window covered. */
  readonly fired_upto: number
  /** Batch: the sequences of recently fired batches (bounded). */
  readonly seqs: ReadonlyArray<number>
}

export interface DebounceConfig {
  readonly periodMs: number
  readonly timeoutMs: number | undefined
}

export interface BatchConfig {
  readonly maxSize: number
  readonly timeoutMs: number
}

/** How many sequences a debounce window remembers for deduplication. */
const RECENT_SEQS = 64
/** How many sequences of fired batches are remembered per key (two full batches and then some). */
export const DONE_SEQS = 5_000

/** The KV key of a window: trigger name plus a short hash of the key value (or `_` when none). */
export const windowKey = (trigger: string, keyValue: { readonly found: boolean; readonly value?: unknown }): string =>
  keyValue.found ? `${trigger}.${createHash("sha256").update(JSON.stringify(keyValue.value) ?? "null").digest("hex").slice(0, 16)}` : `${trigger}._`

export const doneKey = (key: string): string => `${key}.done`
export const isWindowKey = (kvKey: string): boolean => kvKey.split(".").length === 2
export const triggerOfKey = (kvKey: string): string => kvKey.split(".")[0] ?? ""

const isDue = (s: WindowState, nowMs: number) => s.closed || nowMs >= s.due_at

// ---- debounce -------------------------------------------------------------------------------

export type DebounceStep =
  | { readonly type: "duplicate" }
  | { readonly type: "create"; readonly next: DebounceState }
  | { readonly type: "extend"; readonly next: DebounceState }
  /** The current window is over: mark it closed (then fire it and step again). */
  | { readonly type: "close"; readonly next: DebounceState }
  /** The current window is closed: fire it, and put a new window in its place. */
  | { readonly type: "replace"; readonly fire: DebounceState; readonly next: DebounceState }

export const openDebounce = (trigger: string, key: string, ev: WindowEvent, cfg: DebounceConfig): DebounceState => {
  const deadline = cfg.timeoutMs !== undefined ? ev.atMs + cfg.timeoutMs : null
  return {
    kind: "debounce",
    trigger,
    id: `${key}:${ev.seq}`,
    first_at: ev.atMs,
    due_at: deadline !== null ? Math.min(ev.atMs + cfg.periodMs, deadline) : ev.atMs + cfg.periodMs,
    deadline_at: deadline,
    closed: false,
    last_seq: ev.seq,
    last_subject: ev.subject,
    count: 1,
    recent: [ev.seq],
  }
}

export const stepDebounce = (
  trigger: string,
  key: string,
  current: DebounceState | undefined,
  ev: WindowEvent,
  cfg: DebounceConfig,
): DebounceStep => {
  if (current === undefined) return { type: "create", next: openDebounce(trigger, key, ev, cfg) }
  if (current.recent.includes(ev.seq)) return { type: "duplicate" }
  if (current.closed) return { type: "replace", fire: current, next: openDebounce(trigger, key, ev, cfg) }
  if (isDue(current, ev.atMs)) return { type: "close", next: { ...current, closed: true } }
  const later = ev.seq > current.last_seq
  // An earlier event evaluated late (events are evaluated concurrently) never moves the due time back.
  const extendedDue = Math.max(current.due_at, ev.atMs + cfg.periodMs)
  return {
    type: "extend",
    next: {
      ...current,
      due_at: current.deadline_at !== null ? Math.min(extendedDue, current.deadline_at) : extendedDue,
      // The run gets the payload of the highest stream sequence, whatever order events arrive in.
      last_seq: later ? ev.seq : current.last_seq,
      last_subject: later ? ev.subject : current.last_subject,
      count: current.count + 1,
      recent: [...current.recent, ev.seq].slice(-RECENT_SEQS),
    },
  }
}

// ---- batch ----------------------------------------------------------------------------------

export type BatchStep =
  | { readonly type: "duplicate" }
  | { readonly type: "create"; readonly next: BatchState }
  | { readonly type: "append"; readonly next: BatchState }
  | { readonly type: "close"; readonly next: BatchState }
  | { readonly type: "replace"; readonly fire: BatchState; readonly next: BatchState }

export const openBatch = (trigger: string, key: string, ev: WindowEvent, cfg: BatchConfig): BatchState => ({
  kind: "batch",
  trigger,
  id: `${key}:${ev.seq}`,
  first_at: ev.atMs,
  due_at: ev.atMs + cfg.timeoutMs,
  closed: cfg.maxSize <= 1,
  seqs: [ev.seq],
  last_subject: ev.subject,
})

const withSeq = (b: BatchState, ev: WindowEvent, cfg: BatchConfig): BatchState => {
  const seqs = [...b.seqs, ev.seq].sort((x, y) => x - y)
  return {
    ...b,
    seqs,
    last_subject: ev.seq > (b.seqs[b.seqs.length - 1] ?? 0) ? ev.subject : b.last_subject,
    closed: seqs.length >= cfg.maxSize,
  }
}

export const stepBatch = (trigger: string, key: string, current: BatchState | undefined, ev: WindowEvent, cfg: BatchConfig): BatchStep => {
  if (current === undefined) return { type: "create", next: openBatch(trigger, key, ev, cfg) }
  if (current.seqs.includes(ev.seq)) return { type: "duplicate" }
  if (current.closed) return { type: "replace", fire: current, next: openBatch(trigger, key, ev, cfg) }
  if (isDue(current, ev.atMs)) return { type: "close", next: { ...current, closed: true } }
  return { type: "append", next: withSeq(current, ev, cfg) }
}

// ---- timers ---------------------------------------------------------------------------------

export interface TimerMessage {
  readonly kind: "debounce" | "batch"
  readonly key: string
  readonly id: string
  readonly due_at: number
}

export type TimerStep =
  /** The window this timer was set for is gone or replaced. */
  | { readonly type: "stale" }
  | { readonly type: "wait"; readonly ms: number }
  | { readonly type: "close"; readonly next: WindowState }
  | { readonly type: "fire"; readonly state: WindowState }

export const stepTimer = (timer: TimerMessage, current: WindowState | undefined, nowMs: number): TimerStep => {
  if (current === undefined || current.id !== timer.id) {
    // The state may not be written yet when the timer is early; only a due timer can be stale.
    return nowMs < timer.due_at ? { type: "wait", ms: timer.due_at - nowMs } : { type: "stale" }
  }
  if (current.closed) return { type: "fire", state: current }
  if (nowMs < current.due_at) return { type: "wait", ms: current.due_at - nowMs }
  return { type: "close", next: { ...current, closed: true } }
}

/** A redelivered event that a fired window already covered must not open a new one. */
export const alreadyFired = (kind: WindowState["kind"], done: DoneState | undefined, seq: number): boolean =>
  done !== undefined && (kind === "debounce" ? seq <= done.fired_upto : done.seqs.includes(seq))

export const recordFired = (done: DoneState | undefined, fired: WindowState): DoneState => {
  const prev = done ?? { fired_upto: 0, seqs: [] }
  return fired.kind === "debounce"
    ? { ...prev, fired_upto: Math.max(prev.fired_upto, fired.last_seq) }
    : { ...prev, seqs: [...new Set([...prev.seqs, ...fired.seqs])].slice(-DONE_SEQS) }
}

/** The events a fired window covers, and the event its fired record names. */
export const coverage = (s: WindowState) =>
  s.kind === "debounce"
    ? { count: s.count, seqs: [s.last_seq], lastSeq: s.last_seq, lastSubject: s.last_subject }
    : { count: s.seqs.length, seqs: s.seqs, lastSeq: s.seqs[s.seqs.length - 1] ?? 0, lastSubject: s.last_subject }
