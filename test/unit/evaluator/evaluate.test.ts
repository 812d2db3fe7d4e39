// Proves the order of evaluation for one event (SPEC §6): undecodable → error, disabled → skipped, filters → skipped, else one run per trigger with the event identity as run id; a redelivery never starts a second run.
import { expect, test } from "vitest"
import { Effect } from "effect"
import {
  evaluateEvent,
  type EvaluateDeps,
  type InboundEvent,
  type WindowHandler,
} from "../../../src/evaluator/evaluate.js"
import { makeMatcher } from "../../../src/evaluator/matcher.js"
import { runIdFor } from "../../../src/domain/run-id.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"
import type { RunSpec } from "../../../src/domain/workflow-started.js"
import type { TriggerTableShape } from "../../../src/triggers/table.js"
import type { FireRecord } from "../../../src/domain/fire-record.js"

const at = "2026-01-01T00:00:00.000Z"
const trigger = (name: string, extra: Partial<StoredTrigger>): StoredTrigger => ({
  name,
  workflow: `${name}-wf`,
  type: "event",
  subject: "event.pr",
  enabled: true,
  created_at: at,
  updated_at: at,
  revision: 1,
  ...extra,
})

/** A run store with the starter's create-once semantics, as plain data. */
const setup = (triggers: ReadonlyArray<StoredTrigger>) => {
  const byName = new Map(triggers.map((t) => [t.name, t]))
  const table: TriggerTableShape = {
    get: (n) => byName.get(n),
    all: () => [...byName.values()],
    subscribe: () => () => undefined,
    sync: Effect.void,
    ready: () => true,
  }
  const runs = new Map<string, RunSpec>()
  const starts: Array<RunSpec> = []
  const noWindow: WindowHandler = { absorb: () => Effect.die("no windows in these tests") }
  const deps: EvaluateDeps = {
    matcher: makeMatcher(table),
    starter: {
      start: (spec) =>
        Effect.sync(() => {
          starts.push(spec)
          const created = !runs.has(spec.runId)
          if (created) runs.set(spec.runId, spec)
          return { runId: spec.runId, created }
        }),
    },
    debounce: noWindow,
    batch: noWindow,
    lookupRunSeq: (runId) => Effect.sync(() => runs.get(runId)?.event?.seq),
  }
  return { deps, runs, starts }
}

const event = (seq: number, body: string, extra: Partial<InboundEvent> = {}): InboundEvent => ({
  subject: "event.pr",
  seq,
  data: new TextEncoder().encode(body),
  header: () => undefined,
  deliveryId: undefined,
  redelivered: false,
  storedAtMs: 0,
  ...extra,
})

const evaluate = (deps: EvaluateDeps, e: InboundEvent) =>
  Effect.runSync(evaluateEvent(deps, e)).map((r) => {
    // The time and the engine's TriggerFire fields are fire-record.test.ts's subject.
    const {
      at: _at,
      trigger_id: _t,
      workflow_id: _w,
      source: _s,
      fired_at: _f,
      skipped: _k,
      skip_reason: _r,
      ...rest
    } = r
    return rest
  })

test("evaluate - a matching event starts one run per trigger with the payload as input and the sequence as identity", () => {
  const { deps, runs } = setup([trigger("a", {}), trigger("b", { filters: [{ field: "action", value: "opened" }] })])
  const records = evaluate(deps, event(5, '{"action":"opened"}'))
  const idA = runIdFor("a", { kind: "sequence", seq: 5 })
  const idB = runIdFor("b", { kind: "sequence", seq: 5 })
  expect(records.sort((x, y) => x.trigger.localeCompare(y.trigger))).toStrictEqual([
    { trigger: "a", workflow: "a-wf", outcome: "fired", run_id: idA, count: 1, event: { subject: "event.pr", seq: 5 } },
    { trigger: "b", workflow: "b-wf", outcome: "fired", run_id: idB, count: 1, event: { subject: "event.pr", seq: 5 } },
  ])
  expect(runs.get(idA)).toStrictEqual({
    runId: idA,
    workflow: "a-wf",
    input: { action: "opened" },
    source: "event",
    triggerName: "a",
    event: { subject: "event.pr", seq: 5, delivery_id: null },
    count: 1,
  })
  expect(runs.size).toBe(2)
})

test("evaluate - a subject no trigger listens on produces no record", () => {
  const { deps, starts } = setup([trigger("a", {})])
  expect(evaluate(deps, event(1, "{}", { subject: "event.other" }))).toStrictEqual([])
  expect(starts).toHaveLength(0)
})

test("evaluate - a filter that does not hold records skipped filtered, with which filter, what it wanted and what it saw", () => {
  const { deps, starts } = setup([trigger("b", { filters: [{ field: "action", value: "opened" }] })])
  expect(evaluate(deps, event(2, '{"action":"closed"}'))).toStrictEqual([
    {
      trigger: "b",
      workflow: "b-wf",
      outcome: "skipped",
      reason: "filtered",
      detail: 'field "action" is "closed", want "opened"',
      event: { subject: "event.pr", seq: 2 },
    },
  ])
  expect(starts).toHaveLength(0)
})

test("evaluate - a disabled trigger records skipped disabled even when its filters hold", () => {
  const { deps, starts } = setup([trigger("off", { enabled: false })])
  expect(evaluate(deps, event(3, "{}"))).toStrictEqual([
    {
      trigger: "off",
      workflow: "off-wf",
      outcome: "skipped",
      reason: "disabled",
      event: { subject: "event.pr", seq: 3 },
    },
  ])
  expect(starts).toHaveLength(0)
})

test("evaluate - a payload that is not JSON is body == null for a trigger with a when: `body == null` fires with input null (or the mapped input), `has(body.x)` is false (skipped filtered), and one without a when still records the error", () => {
  const { deps, runs } = setup([
    trigger("isnull", { when: "body == null" }),
    trigger("mapped", { when: "body == null", input: '{"s": subject}' }),
    trigger("has", { when: "has(body.x)" }),
    trigger("plain", {}),
  ])
  const records = evaluate(deps, event(6, "plain text, not JSON")).sort((x, y) => x.trigger.localeCompare(y.trigger))
  const ev = { subject: "event.pr", seq: 6 }
  const idNull = runIdFor("isnull", { kind: "sequence", seq: 6 })
  const idMapped = runIdFor("mapped", { kind: "sequence", seq: 6 })
  expect(records).toStrictEqual([
    {
      trigger: "has",
      workflow: "has-wf",
      outcome: "skipped",
      reason: "filtered",
      detail: "when was false",
      event: ev,
    },
    { trigger: "isnull", workflow: "isnull-wf", outcome: "fired", run_id: idNull, count: 1, event: ev },
    { trigger: "mapped", workflow: "mapped-wf", outcome: "fired", run_id: idMapped, count: 1, event: ev },
    { trigger: "plain", workflow: "plain-wf", outcome: "error", error: "payload is not valid JSON", event: ev },
  ])
  expect([runs.get(idNull)?.input, runs.get(idMapped)?.input]).toStrictEqual([null, { s: "event.pr" }])
})

test("evaluate - an empty payload or one that is not UTF-8 is body == null too; JSON payloads never are", () => {
  const { deps } = setup([trigger("isnull", { when: "body == null" })])
  const outcome = (e: InboundEvent) => evaluate(deps, e).map((r) => r.outcome)
  expect(outcome(event(7, ""))).toStrictEqual(["fired"])
  expect(outcome({ ...event(8, ""), data: new Uint8Array([0x7b, 0xff, 0x7d]) })).toStrictEqual(["fired"])
  expect(outcome(event(9, '{"a":1}'))).toStrictEqual(["skipped"])
  expect(outcome(event(10, "null"))).toStrictEqual(["fired"])
})

test("evaluate - a payload that is not JSON records an error for every enabled trigger it reaches, disabled for the others", () => {
  const { deps, starts } = setup([trigger("a", {}), trigger("b", {}), trigger("off", { enabled: false })])
  const records = evaluate(deps, event(4, "not json")).sort((x, y) => x.trigger.localeCompare(y.trigger))
  expect(records).toStrictEqual([
    {
      trigger: "a",
      workflow: "a-wf",
      outcome: "error",
      error: "payload is not valid JSON",
      event: { subject: "event.pr", seq: 4 },
    },
    {
      trigger: "b",
      workflow: "b-wf",
      outcome: "error",
      error: "payload is not valid JSON",
      event: { subject: "event.pr", seq: 4 },
    },
    {
      trigger: "off",
      workflow: "off-wf",
      outcome: "skipped",
      reason: "disabled",
      event: { subject: "event.pr", seq: 4 },
    },
  ])
  expect(starts).toHaveLength(0)
})

test("evaluate - a redelivered event never starts a second run and is still reported as fired", () => {
  const { deps, runs } = setup([trigger("a", {})])
  const first = evaluate(deps, event(6, "{}"))
  const again = evaluate(deps, event(6, "{}"))
  expect(again).toStrictEqual(first)
  expect(runs.size).toBe(1)
})

test("evaluate - the same delivery id stored again later gives the same run id and is recorded as a duplicate", () => {
  const { deps, runs } = setup([trigger("a", {})])
  const runId = runIdFor("a", { kind: "delivery", deliveryId: "gh-1" })
  expect(evaluate(deps, event(7, "{}", { deliveryId: "gh-1" }))).toStrictEqual([
    {
      trigger: "a",
      workflow: "a-wf",
      outcome: "fired",
      run_id: runId,
      count: 1,
      event: { subject: "event.pr", seq: 7 },
    },
  ])
  expect(evaluate(deps, event(8, "{}", { deliveryId: "gh-1" }))).toStrictEqual([
    { trigger: "a", workflow: "a-wf", outcome: "skipped", reason: "duplicate", event: { subject: "event.pr", seq: 8 } },
  ] satisfies Array<Omit<FireRecord, "at" | "trigger_id" | "workflow_id" | "source" | "fired_at" | "skipped">>)
  expect([...runs.keys()]).toStrictEqual([runId])
})

test("evaluate - a header filter reads the stored message's headers case-insensitively", () => {
  const { deps, runs } = setup([trigger("h", { filters: [{ header: "X-GitHub-Event", value: "pull_request" }] })])
  const headers = new Map([["x-github-event", "pull_request"]])
  expect(evaluate(deps, event(9, "{}", { header: (n) => headers.get(n) }))[0]?.outcome).toBe("fired")
  expect(evaluate(deps, event(10, "{}"))[0]).toStrictEqual({
    trigger: "h",
    workflow: "h-wf",
    outcome: "skipped",
    reason: "filtered",
    detail: 'header "x-github-event" is missing',
    event: { subject: "event.pr", seq: 10 },
  })
  expect(runs.size).toBe(1)
})

test("evaluate - an event on a subject with control characters is not evaluated: each trigger the server routed it to records error, a disabled one disabled", () => {
  const { deps, starts } = setup([
    trigger("star", { subject: "event.gh.*" }),
    trigger("off", { subject: "event.>", enabled: false }),
    trigger("other", { subject: "event.other" }),
  ])
  const subject = "event.gh.a\u0001b"
  const records = evaluate(deps, event(9, '{"action":"opened"}', { subject }))
  expect(records.sort((x, y) => x.trigger.localeCompare(y.trigger))).toStrictEqual([
    { trigger: "off", workflow: "off-wf", outcome: "skipped", reason: "disabled", event: { subject, seq: 9 } },
    {
      trigger: "star",
      workflow: "star-wf",
      outcome: "error",
      error: "not evaluated: the event subject has whitespace or control characters",
      event: { subject, seq: 9 },
    },
  ])
  expect(starts).toStrictEqual([])
})

test("evaluate - an event on a wildcard-looking subject that reaches no trigger produces no record", () => {
  const { deps, starts } = setup([trigger("a", { subject: "event.pr" })])
  expect(evaluate(deps, event(3, "{}", { subject: "event.p*" }))).toStrictEqual([])
  expect(starts).toStrictEqual([])
})

test("evaluate - a when that holds starts the run; one that is false records skipped filtered with detail", () => {
  const { deps, starts } = setup([trigger("w", { when: "body.amount > 1000" })])
  expect(evaluate(deps, event(10, '{"amount":4200}'))).toMatchObject([{ trigger: "w", outcome: "fired" }])
  expect(evaluate(deps, event(11, '{"amount":5}'))).toStrictEqual([
    {
      trigger: "w",
      workflow: "w-wf",
      outcome: "skipped",
      reason: "filtered",
      detail: "when was false",
      event: { subject: "event.pr", seq: 11 },
    },
  ])
  expect(starts).toHaveLength(1)
})

test("evaluate - a when that errors (missing key) records skipped filtered with the error as detail", () => {
  const { deps, starts } = setup([trigger("w", { when: "body.pull_request.draft == false" })])
  expect(evaluate(deps, event(12, '{"action":"opened"}'))).toMatchObject([
    { outcome: "skipped", reason: "filtered", detail: "when failed: field not found: pull_request" },
  ])
  expect(starts).toHaveLength(0)
})

test("evaluate - a when sees the stored headers by lowercase name and the subject", () => {
  const { deps } = setup([trigger("h", { when: 'headers["x-github-event"] == "push" && subject == "event.pr"' })])
  const headers = new Map([["x-github-event", "push"]])
  expect(evaluate(deps, { ...event(13, "{}"), headers } as InboundEvent)).toMatchObject([{ outcome: "fired" }])
  expect(evaluate(deps, event(14, "{}"))).toMatchObject([{ outcome: "skipped", reason: "filtered" }])
})

test("evaluate - an input mapping becomes the run input; one that errors records error and starts nothing", () => {
  const { deps, starts } = setup([trigger("m", { input: '{"pr": body.number, "repo": body.repo.name}' })])
  expect(evaluate(deps, event(15, '{"number":7,"repo":{"name":"x"},"big":"..."}'))).toMatchObject([
    { outcome: "fired" },
  ])
  expect(starts[0]?.input).toStrictEqual({ pr: 7, repo: "x" })
  expect(evaluate(deps, event(16, '{"number":7}'))).toMatchObject([
    { outcome: "error", error: "input failed: field not found: repo" },
  ])
  expect(starts).toHaveLength(1)
})

test("evaluate - a stored when that no longer compiles records error for its own trigger only", () => {
  const { deps } = setup([trigger("broken", { when: "body.a ==" }), trigger("fine", {})])
  const records = evaluate(deps, event(17, "{}")).sort((x, y) => x.trigger.localeCompare(y.trigger))
  expect(records).toMatchObject([
    {
      trigger: "broken",
      outcome: "error",
      error: "stored expression does not compile: when: 1:8: found = but expecting end of input",
    },
    { trigger: "fine", outcome: "fired" },
  ])
})

test("evaluate - a windowed trigger gets the raw payload; its input mapping is checked per event first", () => {
  const absorbed: Array<unknown> = []
  const { deps } = setup([trigger("b", { batch: { max_size: 2, timeout: "1m" }, input: "body.id" })])
  const batch: WindowHandler = {
    absorb: (w) =>
      Effect.sync(() => {
        absorbed.push(w.payload)
        return {} as FireRecord
      }),
  }
  const withBatch = { ...deps, batch }
  Effect.runSync(evaluateEvent(withBatch, event(18, '{"id":1,"x":2}')))
  expect(absorbed).toStrictEqual([{ id: 1, x: 2 }])
  expect(evaluate(withBatch, event(19, '{"x":2}'))).toMatchObject([
    { outcome: "error", error: "input failed: field not found: id" },
  ])
  expect(absorbed).toHaveLength(1)
})
