// Micro endpoints for runs and for trigger actions that involve runs: runs.start|get|list
// and triggers.fire|history|test. Decode, call, encode.
import { Effect, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { InvalidInput } from "../domain/errors.js"
import { freshRequestId, runIdFor } from "../domain/run-id.js"
import { Filters, listenSubject, Name } from "../domain/trigger.js"
import { isValidSubjectLiteral } from "../domain/subjects.js"
import { MAX_EXPRESSION_LENGTH } from "../domain/expressions.js"
import { compileTriggerExpressions } from "../domain/trigger-expressions.js"
import { testTrigger } from "../domain/trigger-test.js"
import { BoundedJson } from "../domain/bounded-json.js"
import { getRun, listRuns, parseCursor, type RunStarterShape } from "../runs/index.js"
import { historyReply, readHistory, withRunStatus } from "../history/index.js"
import { RunStatus } from "../domain/run-status.js"
import { recordShare, replyBudget, truncatedField } from "../domain/list-budget.js"
import type { TriggerStoreShape } from "../triggers/index.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { wholeNumber } from "../domain/whole-number.js"
import { MAX_TEST_COUNT, scheduleTest } from "../schedules/index.js"
import { StoredSourceFields, testInput } from "./test-input.js"

/** How many next fire times `trigger test` shows for a schedule by default. */
const DEFAULT_TEST_COUNT = 5

/** Default and largest page sizes: a terminal screen by default, bounded so replies stay small. */
const DEFAULT_LIMIT = 20
const MAX_LIMIT = 1_000

const Limit = wholeNumber(1, MAX_LIMIT)

/** A run id as runIdFor makes them; anything else could not name a run and must not reach KV. */
const RunId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[0-9a-f]{32}$/, { message: "must be a run id: 32 lowercase hex characters" })),
)
/** An idempotency key is hashed into the run id; bounded so a request stays small. */
const Key = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => (s.length >= 1 && s.length <= 256 ? undefined : "must be 1-256 characters")),
  ),
)
/** `next` of an earlier runs.list page: the created_at and run id of the last run it answered. */
const RunCursor = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^\d{4}-\d{2}-\d{2}T[0-9:.]{1,40}(Z|[+-]\d{2}:\d{2}) [0-9a-f]{32}$/, {
      message: "must be the `next` of an earlier runs.list reply",
    }),
  ),
)
/** `next` of an earlier history page: only records stored before this TRIGGER_HISTORY sequence. */
const Before = wholeNumber(1, Number.MAX_SAFE_INTEGER)
const TestSubject = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) =>
      isValidSubjectLiteral(s) ? undefined : `must be a subject without wildcards (got "${s.slice(0, 64)}")`,
    ),
  ),
)
const HeaderValues = Schema.Record(Schema.String, Schema.String).pipe(
  Schema.check(Schema.makeFilter((h) => (Object.keys(h).length <= 64 ? undefined : "at most 64 headers"))),
)

const StartRequest = Schema.Struct({
  workflow: Name,
  input: Schema.optionalKey(BoundedJson),
  /** A caller's idempotency key: the same key never starts a second run. */
  key: Schema.optionalKey(Key),
})
const FireRequest = Schema.Struct({ name: Name, input: Schema.optionalKey(BoundedJson), key: Schema.optionalKey(Key) })
const GetRunRequest = Schema.Struct({ run_id: RunId })
const ListRunsRequest = Schema.Struct({
  workflow: Schema.optionalKey(Name),
  trigger: Schema.optionalKey(Name),
  status: Schema.optionalKey(RunStatus),
  limit: Schema.optionalKey(Limit),
  before: Schema.optionalKey(RunCursor),
})
const HistoryRequest = Schema.Struct({
  name: Name,
  limit: Schema.optionalKey(Limit),
  before: Schema.optionalKey(Before),
})
const TestRequest = Schema.Struct({
  name: Name,
  /** Required for webhook and event triggers; a schedule trigger takes `count` instead. */
  payload: Schema.optionalKey(BoundedJson),
  count: Schema.optionalKey(wholeNumber(1, MAX_TEST_COUNT)),
  subject: Schema.optionalKey(TestSubject),
  headers: Schema.optionalKey(HeaderValues),
  /** Filters to test instead of the stored ones (before saving them). */
  filters: Schema.optionalKey(Filters),
  /** A `when` to test instead of the stored one (before saving it). */
  when: Schema.optionalKey(
    Schema.String.pipe(
      Schema.check(
        Schema.isMaxLength(MAX_EXPRESSION_LENGTH, { message: `must be at most ${MAX_EXPRESSION_LENGTH} characters` }),
      ),
    ),
  ),
  ...StoredSourceFields,
})

interface RunDeps {
  readonly starter: RunStarterShape
  readonly runs: KV
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly store: TriggerStoreShape
  /** The server's max payload now: every list reply fits it. */
  readonly maxPayload: () => number
}

export const runEndpoints = (d: RunDeps): ReadonlyArray<Endpoint> => [
  endpoint("runs", "start", StartRequest, (r) =>
    Effect.gen(function* () {
      const runId = runIdFor(`workflow:${r.workflow}`, { kind: "manual", requestId: r.key ?? freshRequestId() })
      yield* d.starter.start({
        runId,
        workflow: r.workflow,
        input: r.input ?? {},
        source: "manual",
        triggerName: null,
        event: null,
        count: 1,
      })
      return { run_id: runId }
    }),
  ),
  endpoint("runs", "get", GetRunRequest, (r) => getRun(d.runs, r.run_id)),
  endpoint("runs", "list", ListRunsRequest, ({ before, ...r }) =>
    Effect.map(
      listRuns(d.runs, d.js, d.jsm, {
        ...r,
        limit: r.limit ?? DEFAULT_LIMIT,
        before: before === undefined ? undefined : parseCursor(before),
        budget: replyBudget(d.maxPayload()),
      }),
      (page) => ({
        runs: page.runs,
        ...truncatedField(page.truncated),
        ...(page.next !== undefined ? { next: page.next } : {}),
      }),
    ),
  ),
  endpoint("triggers", "fire", FireRequest, (r) =>
    Effect.gen(function* () {
      const trigger = yield* d.store.get(r.name)
      const runId = runIdFor(trigger.name, { kind: "manual", requestId: r.key ?? freshRequestId() })
      yield* d.starter.start({
        runId,
        workflow: trigger.workflow,
        input: r.input ?? {},
        source: "manual",
        triggerName: trigger.name,
        event: null,
        count: 1,
      })
      return { run_id: runId }
    }),
  ),
  endpoint("triggers", "history", HistoryRequest, (r) =>
    Effect.gen(function* () {
      yield* d.store.get(r.name)
      const limit = r.limit ?? DEFAULT_LIMIT
      const budget = replyBudget(d.maxPayload())
      const entries = yield* readHistory(d.js, d.jsm, r.name, limit, recordShare(budget, limit), r.before)
      return historyReply(yield* withRunStatus(d.runs, entries), budget)
    }),
  ),
  endpoint("triggers", "test", TestRequest, (r) =>
    Effect.gen(function* () {
      const trigger = yield* d.store.get(r.name)
      if (trigger.type === "schedule") return yield* scheduleTest(trigger, r.count ?? DEFAULT_TEST_COUNT, Date.now())
      // Stored deliveries and EVENTS sequences are of EVENTS; a trigger with a source reads another stream.
      if (trigger.source !== undefined && (r.delivery !== undefined || r.event_seq !== undefined)) {
        return yield* new InvalidInput({
          message:
            `${r.delivery !== undefined ? "delivery" : "event_seq"}: not for a trigger with a source (its events are ` +
            "not in EVENTS); give a payload, or see what its stored messages would do with event replay --dry-run",
        })
      }
      const input = yield* testInput(d, r)
      const pattern = listenSubject(trigger)
      const subject =
        input.subject ?? (trigger.type === "webhook" || isValidSubjectLiteral(pattern) ? pattern : undefined)
      if (subject !== undefined && !isValidSubjectLiteral(subject)) {
        return yield* new InvalidInput({ message: `subject: must be a subject without wildcards (got "${subject}")` })
      }
      const expressions = compileTriggerExpressions({ ...trigger, ...(r.when !== undefined ? { when: r.when } : {}) })
      // A `when` given here is the caller's to fix; a stored one that fails is what the evaluator meets.
      if (!expressions.ok && r.when !== undefined && expressions.error.startsWith("when:"))
        return yield* new InvalidInput({ message: expressions.error })
      const headers = new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]))
      const tested = {
        name: trigger.name,
        filters: r.filters ?? trigger.filters,
        enabled: trigger.enabled,
        windowed: trigger.debounce !== undefined || trigger.batch !== undefined,
        pattern,
        when: r.when ?? trigger.when,
        input: trigger.input,
      }
      return testTrigger(tested, expressions, { payload: input.payload, headers, subject })
    }),
  ),
]
