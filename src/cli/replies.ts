// The shape of every dagnats service reply the CLI reads, and the one request that decodes into it:
// a reply of another shape ends the command (exit 1) naming the field, instead of printing
// `undefined` or failing somewhere in the printing. Only what the commands read is checked; the
// rest is passed through (--json prints the reply as the service sent it). Effect-free, for the
// start-up fast path.
import type { NatsConnection } from "../nats/core-api.js"
import { ExitError } from "./exit-codes.js"
import { requestPlain } from "./nats-client.js"
import {
  ShapeMismatch,
  array,
  boolean,
  fitShape,
  count,
  literal,
  nullable,
  number,
  oneOf,
  string,
  struct,
  unknown,
  type Decoded,
  type Shape,
} from "./reply-shape.js"

const Filter = oneOf<{ readonly value: string } & ({ readonly field: string } | { readonly header: string })>(
  "{field, value} or {header, value}",
  struct({ field: string, value: string }),
  struct({ header: string, value: string }),
)

/** A trigger as get, create, update, enable, disable and list answer it (secrets only counted). */
export const Trigger = struct(
  { name: string, type: string, workflow: string, revision: number, created_at: string, updated_at: string },
  {
    enabled: boolean,
    subject: string,
    /** Where an event trigger listens instead of EVENTS: a stream, or a KV bucket and its operations. */
    source: struct({}, { stream: string, kv: string, ops: array(string) }),
    scheme: string,
    verify: boolean,
    tolerance: string,
    secret_count: count,
    filters: array(Filter),
    when: string,
    input: string,
    debounce: struct({ period: string }, { timeout: string, key: string }),
    batch: struct({ max_size: count, timeout: string }, { key: string }),
    respond: struct({}, { timeout: string }),
    cron: string,
    timezone: string,
    catch_up: string,
    /** Open debounce windows and batches (list only). */
    open: count,
    next_fire_at: string,
  },
)
export type Trigger = Decoded<typeof Trigger>

/** create and update: the trigger, and what the service warns about (an unregistered workflow). */
export const TriggerWithWarnings = (value: unknown, path: string) => {
  const t = Trigger(value, path)
  struct({}, { warnings: array(string) })(value, path)
  return t as Trigger & { readonly warnings?: ReadonlyArray<string> }
}

/** One page of triggers.list; `next` is the name to continue after. */
export const triggerPage = (limit: number) => struct({ triggers: array(Trigger, limit) }, { next: string })

/** delete: nothing the CLI reads, but it must be an object. */
export const Deleted = struct({})

export const Run = struct(
  {
    run_id: string,
    workflow: string,
    status: string,
    trigger: struct({ name: nullable(string), type: string }),
    event: nullable(struct({ subject: string, seq: count }, { delivery_id: nullable(string) })),
    created_at: string,
  },
  // input is optional: a list may cut large inputs from its rows.
  { input: unknown, updated_at: string, finished_at: string, error: string, count: count },
)
export type Run = Decoded<typeof Run>

export const RunList = (limit: number | undefined) => struct({ runs: array(Run, limit) })
export const Started = struct({ run_id: string })
/** triggers.test: the verdict, and each condition's result (each is read on its own, as TestCheck). */
export const Matched = struct(
  { matched: boolean },
  { reason: string, detail: string, input: unknown, checks: array(unknown) },
)

const filterSeen = { seen: unknown, seen_cut: literal(true) }
/** One condition's result in a triggers.test reply. */
export const TestCheck = oneOf<
  | { readonly check: "subject"; readonly pass: boolean; readonly want: string; readonly seen: string }
  | {
      readonly check: "filter"
      readonly pass: boolean
      readonly want: unknown
      readonly field?: string
      readonly header?: string
      readonly seen?: unknown
      readonly seen_cut?: true
    }
  | { readonly check: "when"; readonly pass: boolean; readonly source: string; readonly detail?: string }
  | {
      readonly check: "input"
      readonly pass: boolean
      readonly source: string
      readonly input?: unknown
      readonly error?: string
    }
>(
  "a subject, filter, when or input check",
  struct({ check: literal("subject"), pass: boolean, want: string, seen: string }),
  struct({ check: literal("filter"), pass: boolean, want: unknown, field: string }, filterSeen),
  struct({ check: literal("filter"), pass: boolean, want: unknown, header: string }, filterSeen),
  struct({ check: literal("when"), pass: boolean, source: string }, { detail: string }),
  struct({ check: literal("input"), pass: boolean, source: string }, { input: unknown, error: string }),
)
export type TestCheck = Decoded<typeof TestCheck>
export const ScheduleNext = struct({}, { next: array(string), timezone: string, next_local: array(string) })

/** triggers.history: the fires are any records on trigger.fire.NAME; each is read on its own. */
export const History = (limit: number | undefined) => struct({ fires: array(unknown, limit) })

/** A history record dagnats wrote for an event (run_status: its run's current status). */
export const EventFire = struct(
  { outcome: string, at: string, event: struct({ subject: string, seq: count }) },
  { reason: string, detail: string, error: string, run_id: string, count: count, run_status: string },
)
/** A history record of a schedule instant. */
export const ScheduleFire = struct(
  { outcome: string, at: string, scheduled_at: string },
  { reason: string, error: string, run_id: string, count: count, run_status: string },
)

/** A record the DagNats engine writes for its own triggers (its TriggerFire, no outcome). */
export const EngineFire = struct({ fired_at: string }, { run_id: string, skipped: boolean, skip_reason: string })

export const DeadList = (limit: number | undefined) =>
  struct({ dead: array(struct({ subject: string, seq: count, error: string, at: string }), limit) })

/** A micro service's $SRV.INFO answer, as `dagnats services` shows it. */
export const ServiceInfo = struct(
  { name: string, id: string, version: string },
  { description: string, endpoints: array(unknown) },
)

/** `value`, the reply to `subject`, as `shape`; an ExitError (refused) naming the field when it is not. */
export const decodeReply = <T>(subject: string, shape: Shape<T>, value: unknown): T => {
  const e = fitShape(shape, value)
  if (!(e instanceof ShapeMismatch)) return e
  const where = e.path === "" ? "the reply" : e.path
  throw new ExitError(
    "refused",
    `the service's reply to ${subject} is not one this dagnats understands: ${where}: ${e.problem} ` +
      "(is serve another dagnats version?)",
  )
}

/** Send one request and decode its reply as `shape`; rejects with an ExitError. */
export const requestReply = async <T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  shape: Shape<T>,
  timeoutMs?: number,
): Promise<T> => decodeReply(subject, shape, await requestPlain(nc, subject, body, timeoutMs))
