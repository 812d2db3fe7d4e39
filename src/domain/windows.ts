// Debounce windows and batches as pure state machines. The adapter reads a state and
// its KV revision, asks these functions what to do, and writes the answer with a revision check;
// on a conflict it reads again. Because every write is revision-checked and firing is idempotent
// (deterministic run ids), two serve processes and any crash in between still fire each window
// exactly once and put every event in exactly one batch.
import { createHash } from "node:crypto"

export interface WindowEvent {
  readonly seq: number
  readonly subject: string
  /** When JetStream stored the event: the event belongs to the window this time says. */
  readonly atMs: number
  /**
   * Which incarnation of the events stream the sequence belongs to (its creation time). A stream
   * deleted and recreated reuses sequences; window ids and remembered sequences carry the epoch so
   * a new event is never taken for an old one.
   */
  readonly epoch?: string
  /** Size of the payload as JSON, for size-aware batches (0 when unknown). */
  readonly bytes?: number
  /** The event as a debounce run takes it, when small enough to keep in the window (see LastEvent). */
  readonly inline?: LastEvent
}

/**
 * The payload and trace context of a debounce window's last event, kept in the window state when
 * the payload is at most INLINE_PAYLOAD_BYTES as JSON: the window then fires without reading the
 * event back from the events stream (one round trip fewer per fire, which is what a burst of due
 * windows waits on). A larger payload is read back at fire time, as states without it are.
 */
export interface LastEvent {
  readonly payload: unknown
  readonly traceparent?: string
}

/** The largest payload (JSON bytes) a debounce window keeps for its run instead of reading it back. */
export const INLINE_PAYLOAD_BYTES = 32 * 1024

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
  /**
   * Every sequence counted in this window that the evaluator may still deliver again (above its
   * ack floor; never capped by number: a capped memory let a redelivered event be counted twice).
   */
  readonly recent: ReadonlyArray<number>
  readonly epoch?: string
  /** The event at `last_seq` when it is small (absent in states of older builds and for large payloads). */
  readonly last_event?: LastEvent
}

export interface BatchState extends Common {
  readonly kind: "batch"
  /** Stream sequences, not payloads: a full batch of 1,000 stays a few kilobytes. */
  readonly seqs: ReadonlyArray<number>
  readonly last_subject: string
  /** Bytes of the run input so far (the JSON array of payloads); absent in states of older builds. */
  readonly bytes?: number
  readonly epoch?: string
}

export type WindowState = DebounceState | BatchState

/** What became of windows that already fired at one key, for redelivered events. */
export interface DoneState {
  /** Kept for states written by older builds; no longer read. */
  readonly fired_upto?: number
  /** The sequences of recently fired windows and batches (bounded), of stream `epoch`. */
  readonly seqs: ReadonlyArray<number>
  readonly epoch?: string
}

export interface DebounceConfig {
  readonly periodMs: number
  readonly timeoutMs: number | undefined
}

export interface BatchConfig {
  readonly maxSize: number
  readonly timeoutMs: number
  /**
   * The largest run input that can be stored (the NATS max payload minus room for the run
   * record's other fields); a batch closes before an event would take it past this.
   */
  readonly maxBytes?: number
}

/** How many sequences of fired windows are remembered per key (two full batches and then some). */
export const DONE_SEQS = 5_000

/** The JSON array `[p1,p2,…]` of `n` payloads of `sum` bytes in total. */
export const batchInputBytes = (sum: number, n: number): number => sum + Math.max(0, n - 1) + 2

const sameEpoch = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || a === b
const windowId = (key: string, ev: WindowEvent) =>
  ev.epoch === undefined ? `${key}:${ev.seq}` : `${key}:${ev.seq}@${ev.epoch}`

/** The KV key of a window: trigger name plus a short hash of the key value (or `_` when none). */
export const windowKey = (trigger: string, keyValue: { readonly found: boolean; readonly value?: unknown }): string =>
  keyValue.found
    ? `${trigger}.${createHash("sha256")
        .update(JSON.stringify(keyValue.value) ?? "null")
        .digest("hex")
        .slice(0, 16)}`
    : `${trigger}._`

export const doneKey = (key: string): string => `${key}.done`
/**
 * The key's late slot: the window of events evaluated late that are a whole period before the
 * key's current window (`alone`). Late events that belong together meet there, stepped like the
 * current window and fired by their own timer, instead of firing one run each. Its id is named
 * after the key, like any window of the key, and its fires are remembered in the key's `.done`.
 */
export const lateKey = (key: string): string => `${key}.late`
/** The window key a slot (the current window's key or its late slot) belongs to. */
export const slotOwner = (kvKey: string): string => (kvKey.endsWith(".late") ? kvKey.slice(0, -".late".length) : kvKey)
/** A key holding a window (the current one or a late one), not a fired-window record. */
export const isWindowKey = (kvKey: string): boolean => {
  const parts = kvKey.split(".")
  return parts.length === 2 || (parts.length === 3 && parts[2] === "late")
}
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
  /**
   * An event evaluated late whose stored time puts it a whole period before the current window:
   * it belongs to a window that was over before this one began. Stepped on the current window, the
   * event goes to the key's late slot (lateKey), where late events that belong together meet; `fire`
   * is that window alone, closed. Stepped on the late slot itself (a whole period before that late
   * window too), `fire` is fired at once: a third slot per key is not worth it (docs/adr/0004).
   */
  | { readonly type: "alone"; readonly fire: DebounceState }

export const openDebounce = (trigger: string, key: string, ev: WindowEvent, cfg: DebounceConfig): DebounceState => {
  const deadline = cfg.timeoutMs !== undefined ? ev.atMs + cfg.timeoutMs : null
  return {
    kind: "debounce",
    trigger,
    id: windowId(key, ev),
    first_at: ev.atMs,
    due_at: deadline !== null ? Math.min(ev.atMs + cfg.periodMs, deadline) : ev.atMs + cfg.periodMs,
    deadline_at: deadline,
    closed: false,
    last_seq: ev.seq,
    last_subject: ev.subject,
    count: 1,
    recent: [ev.seq],
    ...(ev.epoch !== undefined ? { epoch: ev.epoch } : {}),
    ...(ev.inline !== undefined ? { last_event: ev.inline } : {}),
  }
}

/** The window with `ev` as its last event: its payload kept if given, else none (read back at fire). */
const withLast = (s: DebounceState, ev: WindowEvent): DebounceState => {
  const { last_event: _previous, ...rest } = s
  return {
    ...rest,
    last_seq: ev.seq,
    last_subject: ev.subject,
    ...(ev.inline !== undefined ? { last_event: ev.inline } : {}),
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
  if (sameEpoch(current.epoch, ev.epoch) && current.recent.includes(ev.seq)) return { type: "duplicate" }
  if (current.closed) return { type: "replace", fire: current, next: openDebounce(trigger, key, ev, cfg) }
  // Stored at or after the due time: the window was over before this event (however late it is
  // evaluated); it closes, and the event opens the next one.
  if (isDue(current, ev.atMs)) return { type: "close", next: { ...current, closed: true } }
  // Stored a whole period before the window began: no event joined it in between, so it was a
  // window of its own that is over by its stored time; it must not extend this one.
  if (ev.atMs + cfg.periodMs <= current.first_at) {
    return { type: "alone", fire: { ...openDebounce(trigger, key, ev, cfg), closed: true } }
  }
  // The run gets the payload of the highest stream sequence, whatever order events arrive in.
  const last = ev.seq > current.last_seq ? withLast(current, ev) : current
  // An earlier event evaluated late (events are evaluated concurrently) never moves the due time back.
  const extendedDue = Math.max(current.due_at, ev.atMs + cfg.periodMs)
  return {
    type: "extend",
    next: {
      ...last,
      due_at: current.deadline_at !== null ? Math.min(extendedDue, current.deadline_at) : extendedDue,
      first_at: Math.min(current.first_at, ev.atMs),
      count: current.count + 1,
      recent: [...current.recent, ev.seq],
    },
  }
}

// ---- batch ----------------------------------------------------------------------------------

export type BatchStep =
  | { readonly type: "duplicate" }
  /** The event alone makes a run input larger than can be stored: an error outcome, no batch. */
  | { readonly type: "too_large"; readonly bytes: number; readonly maxBytes: number }
  | { readonly type: "create"; readonly next: BatchState }
  | { readonly type: "append"; readonly next: BatchState }
  | { readonly type: "close"; readonly next: BatchState }
  | { readonly type: "replace"; readonly fire: BatchState; readonly next: BatchState }

export const openBatch = (trigger: string, key: string, ev: WindowEvent, cfg: BatchConfig): BatchState => ({
  kind: "batch",
  trigger,
  id: windowId(key, ev),
  first_at: ev.atMs,
  due_at: ev.atMs + cfg.timeoutMs,
  closed: cfg.maxSize <= 1,
  seqs: [ev.seq],
  last_subject: ev.subject,
  ...(ev.bytes !== undefined ? { bytes: ev.bytes } : {}),
  ...(ev.epoch !== undefined ? { epoch: ev.epoch } : {}),
})

const withSeq = (b: BatchState, ev: WindowEvent, cfg: BatchConfig): BatchState => {
  const seqs = [...b.seqs, ev.seq].sort((x, y) => x - y)
  return {
    ...b,
    seqs,
    last_subject: ev.seq > (b.seqs[b.seqs.length - 1] ?? 0) ? ev.subject : b.last_subject,
    closed: seqs.length >= cfg.maxSize,
    ...(ev.bytes !== undefined || b.bytes !== undefined ? { bytes: (b.bytes ?? 0) + (ev.bytes ?? 0) } : {}),
  }
}

export const stepBatch = (
  trigger: string,
  key: string,
  current: BatchState | undefined,
  ev: WindowEvent,
  cfg: BatchConfig,
): BatchStep => {
  const own = batchInputBytes(ev.bytes ?? 0, 1)
  if (cfg.maxBytes !== undefined && own > cfg.maxBytes) return { type: "too_large", bytes: own, maxBytes: cfg.maxBytes }
  if (current === undefined) return { type: "create", next: openBatch(trigger, key, ev, cfg) }
  if (sameEpoch(current.epoch, ev.epoch) && current.seqs.includes(ev.seq)) return { type: "duplicate" }
  if (current.closed) return { type: "replace", fire: current, next: openBatch(trigger, key, ev, cfg) }
  if (isDue(current, ev.atMs)) return { type: "close", next: { ...current, closed: true } }
  // The next event would make the run input too large to store: the batch closes as it is, and
  // the event opens the next one (after the close is written, like any closed batch).
  const grown = batchInputBytes((current.bytes ?? 0) + (ev.bytes ?? 0), current.seqs.length + 1)
  if (cfg.maxBytes !== undefined && grown > cfg.maxBytes) return { type: "close", next: { ...current, closed: true } }
  return { type: "append", next: withSeq(current, ev, cfg) }
}

// ---- timers ---------------------------------------------------------------------------------

export interface TimerMessage {
  readonly kind: "debounce" | "batch"
  readonly key: string
  readonly id: string
  readonly due_at: number
}

type TimerStep =
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

/**
 * A redelivered event that a fired window already covered must not open a new one. Exact
 * sequences for both kinds: a high-water mark would also swallow an older event that was never
 * counted (its first evaluation died before writing) once a later window fired.
 */
export const alreadyFired = (
  _kind: WindowState["kind"],
  done: DoneState | undefined,
  seq: number,
  epoch?: string,
): boolean => done !== undefined && sameEpoch(done.epoch, epoch) && (done.seqs ?? []).includes(seq)

/** The sequences a fired window counted. */
export const countedSeqs = (s: WindowState): ReadonlyArray<number> => (s.kind === "debounce" ? s.recent : s.seqs)

/**
 * Only an event the evaluator has not acknowledged can be delivered again, so sequences at or below
 * its ack floor need not be remembered: a debounce window open for hours stays small.
 */
export const forgetAcked = <S extends WindowState>(s: S, ackFloor: number): S =>
  s.kind === "debounce" && ackFloor > 0 ? { ...s, recent: s.recent.filter((q) => q > ackFloor) } : s

export const recordFired = (done: DoneState | undefined, fired: WindowState, ackFloor = 0): DoneState => {
  // Sequences of another incarnation of the stream mean nothing now: start over.
  const prev = done === undefined || !sameEpoch(done.epoch, fired.epoch) ? { seqs: [] } : done
  const { fired_upto: _old, ...rest } = prev as DoneState
  const seqs = [...new Set([...(prev.seqs ?? []), ...countedSeqs(fired)])].filter((q) => q > ackFloor)
  return {
    ...rest,
    seqs: seqs.slice(-DONE_SEQS),
    ...(fired.epoch !== undefined ? { epoch: fired.epoch } : {}),
  }
}

/** The events a fired window covers, and the event its fired record names. */
export const coverage = (s: WindowState) =>
  s.kind === "debounce"
    ? { count: s.count, seqs: [s.last_seq], lastSeq: s.last_seq, lastSubject: s.last_subject }
    : { count: s.seqs.length, seqs: s.seqs, lastSeq: s.seqs[s.seqs.length - 1] ?? 0, lastSubject: s.last_subject }
