// Proves the debounce state machine (SPEC §6): a window opens on the first event, every later event extends it, the payload is always the highest stream sequence whatever the arrival order, the timeout caps the due time, a due window closes and is replaced, and a redelivered event is not counted twice.
import { describe, expect, test } from "vitest"
import {
  openDebounce,
  stepDebounce,
  type DebounceConfig,
  type DebounceState,
  type WindowEvent,
} from "../../../src/domain/windows.js"

const KEY = "deploys._"
const plain: DebounceConfig = { periodMs: 1_000, timeoutMs: undefined }
const capped: DebounceConfig = { periodMs: 1_000, timeoutMs: 2_500 }
const ev = (seq: number, atMs: number, subject = `event.deploy.${seq}`): WindowEvent => ({ seq, atMs, subject })

/** Feed events one after another as the adapter would, applying create/extend; fail on anything else. */
const fold = (events: ReadonlyArray<WindowEvent>, cfg: DebounceConfig): DebounceState => {
  let state: DebounceState | undefined
  for (const e of events) {
    const step = stepDebounce("deploys", KEY, state, e, cfg)
    if (step.type !== "create" && step.type !== "extend")
      throw new Error(`seq ${e.seq}: expected create or extend, got ${step.type}`)
    state = step.next
  }
  return state!
}

describe("debounce - opening a window", () => {
  test("debounce - the first event opens a window named after the key and its sequence, due one period later", () => {
    expect(stepDebounce("deploys", KEY, undefined, ev(7, 10_000), plain)).toStrictEqual({
      type: "create",
      next: {
        kind: "debounce",
        trigger: "deploys",
        id: "deploys._:7",
        first_at: 10_000,
        due_at: 11_000,
        deadline_at: null,
        closed: false,
        last_seq: 7,
        last_subject: "event.deploy.7",
        count: 1,
        recent: [7],
      },
    })
  })

  test("debounce - with a timeout the window records its deadline from the first event", () => {
    const s = openDebounce("deploys", KEY, ev(1, 10_000), capped)
    expect([s.deadline_at, s.due_at]).toStrictEqual([12_500, 11_000])
  })

  test("debounce - a timeout equal to the period gives a due time of exactly one period", () => {
    const s = openDebounce("deploys", KEY, ev(1, 10_000), { periodMs: 1_000, timeoutMs: 1_000 })
    expect([s.deadline_at, s.due_at]).toStrictEqual([11_000, 11_000])
  })
})

describe("debounce - extending a window", () => {
  test("debounce - a later event moves the due time to one period after it and takes over the payload", () => {
    const open = openDebounce("deploys", KEY, ev(1, 10_000), plain)
    const step = stepDebounce("deploys", KEY, open, ev(2, 10_400, "event.deploy.last"), plain)
    expect(step).toStrictEqual({
      type: "extend",
      next: { ...open, due_at: 11_400, last_seq: 2, last_subject: "event.deploy.last", count: 2, recent: [1, 2] },
    })
  })

  test("debounce - 20 events within 500 ms fold into one window with the last sequence and a count of 20", () => {
    const s = fold(
      Array.from({ length: 20 }, (_, i) => ev(i + 1, 10_000 + i * 25)),
      plain,
    )
    expect([s.id, s.count, s.last_seq, s.first_at, s.due_at, s.closed]).toStrictEqual([
      "deploys._:1",
      20,
      20,
      10_000,
      11_475,
      false,
    ])
  })

  test("debounce - highest sequence wins regardless of arrival order", () => {
    const s = fold([ev(5, 10_000), ev(9, 10_100), ev(6, 10_200), ev(8, 10_150)], plain)
    expect([s.last_seq, s.last_subject, s.count]).toStrictEqual([9, "event.deploy.9", 4])
  })

  test("debounce - an earlier event evaluated late never moves the due time back", () => {
    // seq 3 was stored at 10 300 but evaluated after seq 4 (stored at 10 600): the window must
    // still stay open until one period after the newest event it has seen.
    const s = fold([ev(1, 10_000), ev(4, 10_600), ev(3, 10_300)], plain)
    expect(s.due_at).toBe(11_600)
  })

  test("debounce - the timeout caps the due time at the deadline however many events extend it", () => {
    const s = fold(
      Array.from({ length: 12 }, (_, i) => ev(i + 1, 10_000 + i * 200)),
      capped,
    )
    // The last event (12 200) alone would push the due time to 13 200; the deadline is 12 500.
    expect([s.due_at, s.deadline_at, s.count]).toStrictEqual([12_500, 12_500, 12])
  })

  test("debounce - without a timeout a steady stream keeps extending the window", () => {
    const s = fold(
      Array.from({ length: 50 }, (_, i) => ev(i + 1, 10_000 + i * 200)),
      plain,
    )
    expect(s.due_at).toBe(10_000 + 49 * 200 + 1_000)
  })

  test("debounce - the window remembers every sequence it counted, not only the last 64", () => {
    const s = fold(
      Array.from({ length: 70 }, (_, i) => ev(i + 1, 10_000 + i)),
      plain,
    )
    expect(s.recent).toStrictEqual(Array.from({ length: 70 }, (_, i) => i + 1))
  })

  test("debounce - an event redelivered after 70 others is still a duplicate, so count stays 70", () => {
    const s = fold(
      Array.from({ length: 70 }, (_, i) => ev(i + 1, 10_000 + i)),
      plain,
    )
    expect([s.count, stepDebounce("deploys", KEY, s, ev(1, 10_000), plain).type]).toStrictEqual([70, "duplicate"])
  })
})

describe("debounce - the event's stored time decides its window", () => {
  test("debounce - an event stored a whole period before the open window began is a window of its own, closed", () => {
    const open = openDebounce("deploys", KEY, ev(20, 11_600), plain)
    expect(stepDebounce("deploys", KEY, open, ev(19, 10_000), plain)).toStrictEqual({
      type: "alone",
      fire: { ...openDebounce("deploys", KEY, ev(19, 10_000), plain), closed: true },
    })
  })

  test("debounce - an event stored less than a period before the window began joins it and moves its start back", () => {
    const open = openDebounce("deploys", KEY, ev(20, 11_600), plain)
    const step = stepDebounce("deploys", KEY, open, ev(19, 10_700), plain)
    expect(step).toStrictEqual({ type: "extend", next: { ...open, first_at: 10_700, count: 2, recent: [20, 19] } })
  })

  test("debounce - an event stored at the due time closes the window however late it is evaluated", () => {
    const open = openDebounce("deploys", KEY, ev(1, 10_000), plain)
    expect(stepDebounce("deploys", KEY, open, ev(2, 11_000), plain)).toStrictEqual({
      type: "close",
      next: { ...open, closed: true },
    })
  })

  test("debounce - with a stream epoch the window id names it, and a sequence of another epoch is not a duplicate", () => {
    const open = openDebounce("deploys", KEY, { ...ev(1, 10_000), epoch: "e1" }, plain)
    expect(open.id).toBe("deploys._:1@e1")
    expect(stepDebounce("deploys", KEY, open, { ...ev(1, 10_100), epoch: "e2" }, plain).type).toBe("extend")
  })
})

describe("debounce - duplicates", () => {
  test("debounce - a redelivered event of the open window is a duplicate and changes nothing", () => {
    const s = fold([ev(1, 10_000), ev(2, 10_100)], plain)
    expect(stepDebounce("deploys", KEY, s, ev(1, 10_000), plain)).toStrictEqual({ type: "duplicate" })
  })

  test("debounce - a redelivered event of a closed window is still a duplicate, not a new window", () => {
    const s = { ...fold([ev(1, 10_000), ev(2, 10_100)], plain), closed: true }
    expect(stepDebounce("deploys", KEY, s, ev(2, 10_100), plain)).toStrictEqual({ type: "duplicate" })
  })
})

describe("debounce - closing and replacing", () => {
  test("debounce - an event stored exactly at the due time closes the window without joining it", () => {
    const open = openDebounce("deploys", KEY, ev(1, 10_000), plain)
    expect(stepDebounce("deploys", KEY, open, ev(2, 11_000), plain)).toStrictEqual({
      type: "close",
      next: { ...open, closed: true },
    })
  })

  test("debounce - an event after the deadline closes a window that is still being extended", () => {
    const s = fold([ev(1, 10_000), ev(2, 10_900), ev(3, 11_800)], capped)
    expect(stepDebounce("deploys", KEY, s, ev(4, 12_500), capped)).toStrictEqual({
      type: "close",
      next: { ...s, closed: true },
    })
  })

  test("debounce - an event on a closed window fires it and opens a new window with that event alone", () => {
    const closed = { ...fold([ev(1, 10_000), ev(2, 10_100)], plain), closed: true }
    expect(stepDebounce("deploys", KEY, closed, ev(3, 12_000), plain)).toStrictEqual({
      type: "replace",
      fire: closed,
      next: openDebounce("deploys", KEY, ev(3, 12_000), plain),
    })
  })

  test("debounce - a closed window is replaced even by an event stored before its due time", () => {
    // Evaluated late (after a timer closed the window): it starts the next window rather than
    // joining one that may already have fired.
    const closed = { ...openDebounce("deploys", KEY, ev(1, 10_000), plain), closed: true }
    const step = stepDebounce("deploys", KEY, closed, ev(2, 10_500), plain)
    expect(step.type).toBe("replace")
  })
})

describe("debounce - the last event's payload kept in the window", () => {
  const withPayload = (seq: number, atMs: number, payload: unknown): WindowEvent => ({
    ...ev(seq, atMs),
    inline: { payload, traceparent: `tp-${seq}` },
  })

  test("debounce - a window opened by a small event keeps its payload and trace context", () => {
    const s = openDebounce("deploys", KEY, withPayload(1, 10_000, { n: 1 }), plain)
    expect(s.last_event).toStrictEqual({ payload: { n: 1 }, traceparent: "tp-1" })
  })

  test("debounce - a later event's payload replaces it; an earlier one evaluated late leaves it", () => {
    const s = fold(
      [withPayload(2, 10_000, { n: 2 }), withPayload(3, 10_100, { n: 3 }), withPayload(1, 9_900, { n: 1 })],
      plain,
    )
    expect([s.last_seq, s.last_event]).toStrictEqual([3, { payload: { n: 3 }, traceparent: "tp-3" }])
  })

  test("debounce - a later event too large to keep drops the earlier payload, so the fire reads the right one back", () => {
    const s = fold([withPayload(1, 10_000, { n: 1 }), ev(2, 10_100)], plain)
    expect([s.last_seq, s.last_event]).toStrictEqual([2, undefined])
    expect("last_event" in s).toBe(false)
  })
})
