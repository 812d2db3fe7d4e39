// Proves the pure steps of a debounce key's late slot (issue 12): events evaluated late a whole
// period before the key's current window meet there and are stepped like any window — the first
// creates it (already past due), one within a period extends it (count, payload of the later
// event), a redelivery is a duplicate, a later late event closes it and the next replaces it, one a
// whole period before it fires alone — and its timer closes it; the slot is counted as an open
// window and its fires are remembered with the key's.
import { describe, expect, test } from "vitest"
import {
  doneKey,
  isWindowKey,
  lateKey,
  openDebounce,
  recordFired,
  alreadyFired,
  slotOwner,
  stepDebounce,
  stepTimer,
  triggerOfKey,
  type DebounceConfig,
  type DebounceState,
  type WindowEvent,
} from "../../../src/domain/windows.js"

const KEY = "deploys._"
const cfg: DebounceConfig = { periodMs: 1_000, timeoutMs: undefined }
const ev = (seq: number, atMs: number): WindowEvent => ({ seq, atMs, subject: `event.deploy.${seq}` })

/** The key's current window, opened by event 3 at 12 000 (as another serve would). */
const current = openDebounce("deploys", KEY, ev(3, 12_000), cfg)
/** Step an event as the engine does: on the current window first, on the late slot when it is `alone` there. */
const stepLate = (late: DebounceState | undefined, e: WindowEvent) => {
  expect(stepDebounce("deploys", KEY, current, e, cfg).type).toBe("alone")
  return stepDebounce("deploys", KEY, late, e, cfg)
}
const created = (e: WindowEvent) => {
  const step = stepLate(undefined, e)
  if (step.type !== "create") throw new Error(`expected create, got ${step.type}`)
  return step.next
}

describe("late slot - keys", () => {
  test("late slot - its key belongs to the window key, is counted as an open window of the trigger, and is not a fired-window record", () => {
    expect([lateKey(KEY), slotOwner(lateKey(KEY)), slotOwner(KEY), slotOwner(doneKey(KEY))]).toStrictEqual([
      "deploys._.late",
      KEY,
      KEY,
      doneKey(KEY),
    ])
    expect([isWindowKey(lateKey(KEY)), isWindowKey(KEY), isWindowKey(doneKey(KEY))]).toStrictEqual([true, true, false])
    expect(triggerOfKey(lateKey("deploys.0123456789abcdef"))).toBe("deploys")
  })
})

describe("late slot - stepping late events", () => {
  test("late slot - the first late event creates a window named after the key and its sequence, already past due", () => {
    expect(created(ev(1, 10_000))).toStrictEqual(openDebounce("deploys", KEY, ev(1, 10_000), cfg))
    expect(created(ev(1, 10_000)).id).toBe("deploys._:1")
  })

  test("late slot - a late event within a period of it extends it: count 2, the payload of the higher sequence, due a period after the later one", () => {
    const late = created(ev(1, 10_000))
    expect(stepLate(late, ev(2, 10_100))).toStrictEqual({
      type: "extend",
      next: { ...late, last_seq: 2, last_subject: "event.deploy.2", due_at: 11_100, count: 2, recent: [1, 2] },
    })
  })

  test("late slot - the two events in the other order make the same window but for its id (count 2, payload of sequence 2)", () => {
    const late = created(ev(2, 10_100))
    const step = stepLate(late, ev(1, 10_000))
    expect(
      step.type === "extend" && [step.next.count, step.next.last_seq, step.next.first_at, step.next.due_at],
    ).toStrictEqual([2, 2, 10_000, 11_100])
  })

  test("late slot - a redelivered late event is a duplicate", () => {
    expect(stepLate(created(ev(1, 10_000)), ev(1, 10_000))).toStrictEqual({ type: "duplicate" })
  })

  test("late slot - a late event stored at the late window's due time (still a period before the current one) closes it, and then replaces it", () => {
    const late = created(ev(1, 10_000))
    expect(stepLate(late, ev(4, 11_000))).toStrictEqual({ type: "close", next: { ...late, closed: true } })
    expect(stepLate({ ...late, closed: true }, ev(4, 11_000))).toStrictEqual({
      type: "replace",
      fire: { ...late, closed: true },
      next: openDebounce("deploys", KEY, ev(4, 11_000), cfg),
    })
  })

  test("late slot - a late event a whole period before the late window (itself over) is a window of its own, fired at once", () => {
    const late = created(ev(5, 10_000))
    expect(stepLate(late, ev(1, 8_500))).toStrictEqual({
      type: "alone",
      fire: { ...openDebounce("deploys", KEY, ev(1, 8_500), cfg), closed: true },
    })
  })
})

describe("late slot - its timer and fired record", () => {
  test("late slot - its timer, due already, closes it and then fires it", () => {
    const late = created(ev(1, 10_000))
    const timer = { kind: "debounce" as const, key: lateKey(KEY), id: late.id, due_at: late.due_at }
    expect(stepTimer(timer, late, 12_500)).toStrictEqual({ type: "close", next: { ...late, closed: true } })
    expect(stepTimer(timer, { ...late, closed: true }, 12_500)).toStrictEqual({
      type: "fire",
      state: { ...late, closed: true },
    })
    expect(stepTimer(timer, undefined, 12_500)).toStrictEqual({ type: "stale" })
  })

  test("late slot - once fired, both its events are in the key's fired record: a redelivery of either is already fired", () => {
    const ext = stepLate(created(ev(1, 10_000)), ev(2, 10_100))
    if (ext.type !== "extend") throw new Error(ext.type)
    const done = recordFired(undefined, { ...ext.next, closed: true })
    expect([
      alreadyFired("debounce", done, 1),
      alreadyFired("debounce", done, 2),
      alreadyFired("debounce", done, 3),
    ]).toStrictEqual([true, true, false])
  })
})
