// Proves the trigger.fire record builders (SPEC §6) give exactly the wire shape for each outcome: fired, skipped with a reason, error.
import { expect, test } from "vitest"
import { failed, fired, skipped } from "../../../src/domain/fire-record.js"

const at = "2026-01-02T03:04:05.000Z"
// The evaluator passes the whole inbound event; only subject and seq may reach the record.
const event = { subject: "event.deploy.api", seq: 7, data: new Uint8Array([1]), deliveryId: "d-1" }
const base = { trigger: "deploys", workflow: "deploy", event, at }

test("fire record - fired carries run_id and count and nothing else optional", () => {
  const r = fired(base, "0123456789abcdef0123456789abcdef", 3)
  expect(r).toStrictEqual({
    trigger: "deploys",
    workflow: "deploy",
    outcome: "fired",
    run_id: "0123456789abcdef0123456789abcdef",
    count: 3,
    event: { subject: "event.deploy.api", seq: 7 },
    at,
    trigger_id: "deploys",
    workflow_id: "deploy",
    source: "deploys",
    fired_at: at,
    skipped: false,
  })
  expect(JSON.parse(JSON.stringify(r))).toStrictEqual(r)
})

test.each(["filtered", "disabled", "debounced", "batched"] as const)(
  "fire record - skipped %s carries the reason and no run_id",
  (reason) => {
    expect(skipped(base, reason)).toStrictEqual({
      trigger: "deploys",
      workflow: "deploy",
      outcome: "skipped",
      reason,
      event: { subject: "event.deploy.api", seq: 7 },
      at,
      trigger_id: "deploys",
      workflow_id: "deploy",
      source: "deploys",
      fired_at: at,
      skipped: true,
      skip_reason: reason,
    })
  },
)

test("fire record - error carries the message and no reason or run_id", () => {
  expect(failed(base, "payload is not valid JSON")).toStrictEqual({
    trigger: "deploys",
    workflow: "deploy",
    outcome: "error",
    error: "payload is not valid JSON",
    event: { subject: "event.deploy.api", seq: 7 },
    at,
    trigger_id: "deploys",
    workflow_id: "deploy",
    source: "deploys",
    fired_at: at,
    skipped: true,
    skip_reason: "error: payload is not valid JSON",
  })
})

test("fire record - without an explicit time, at is the current time in RFC 3339", () => {
  const before = Date.now()
  const r = skipped({ trigger: "t", workflow: "w", event: { subject: "event.x", seq: 1 } }, "filtered")
  expect(r.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  expect(Date.parse(r.at)).toBeGreaterThanOrEqual(before - 1)
})

test("fire record - each builder writes its fields in the documented order, detail only when given", () => {
  const keys = (r: object) => Object.keys(r).join(",")
  const engine = "at,trigger_id,workflow_id,source,fired_at,skipped"
  expect(keys(fired(base, "r", 1))).toBe(`trigger,workflow,event,outcome,run_id,count,${engine}`)
  expect(keys(skipped(base, "filtered"))).toBe(`trigger,workflow,event,outcome,reason,${engine},skip_reason`)
  expect(keys(skipped(base, "filtered", "why"))).toBe(
    `trigger,workflow,event,outcome,reason,detail,${engine},skip_reason`,
  )
  expect(keys(failed(base, "bad"))).toBe(`trigger,workflow,event,outcome,error,${engine},skip_reason`)
})
