// Proves the timer decisions, window keys and redelivery bookkeeping (SPEC §6): a timer waits until its window is due, closes it, fires it once closed, and is stale once its window is gone or replaced; equal key values share a window and a missing key falls back to the trigger-wide one; fired windows remember what they covered, within bounds.
import { describe, expect, test } from "vitest"
import {
  DONE_SEQS,
  alreadyFired,
  coverage,
  forgetAcked,
  doneKey,
  isWindowKey,
  openBatch,
  openDebounce,
  recordFired,
  stepTimer,
  triggerOfKey,
  windowKey,
  type TimerMessage,
} from "../../../src/domain/windows.js"

const KEY = "t._"
const debounce = openDebounce(
  "t",
  KEY,
  { seq: 3, atMs: 1_000, subject: "event.a" },
  { periodMs: 500, timeoutMs: undefined },
)
const batch = (seqs: ReadonlyArray<number>) => ({
  ...openBatch("t", KEY, { seq: seqs[0]!, atMs: 0, subject: "event.a" }, { maxSize: 1000, timeoutMs: 1 }),
  seqs,
})
const timerFor = (s: { id: string; due_at: number }, kind: TimerMessage["kind"] = "debounce"): TimerMessage => ({
  kind,
  key: KEY,
  id: s.id,
  due_at: s.due_at,
})

describe("timers - stepTimer", () => {
  test("timers - a timer before its window is due waits for the remaining time", () => {
    expect(stepTimer(timerFor(debounce), debounce, 1_200)).toStrictEqual({ type: "wait", ms: 300 })
  })

  test("timers - the wait follows the window's current due time, not the one the timer was set for", () => {
    const extended = { ...debounce, due_at: 2_000 }
    expect(stepTimer(timerFor(debounce), extended, 1_600)).toStrictEqual({ type: "wait", ms: 400 })
  })

  test("timers - a due timer closes its open window", () => {
    expect(stepTimer(timerFor(debounce), debounce, 1_500)).toStrictEqual({
      type: "close",
      next: { ...debounce, closed: true },
    })
  })

  test("timers - a closed window fires, even before its due time", () => {
    const closed = { ...debounce, closed: true }
    expect(stepTimer(timerFor(debounce), closed, 1_100)).toStrictEqual({ type: "fire", state: closed })
  })

  test("timers - a due timer whose window is gone is stale", () => {
    expect(stepTimer(timerFor(debounce), undefined, 1_500)).toStrictEqual({ type: "stale" })
  })

  test("timers - a due timer whose window was replaced by a newer one is stale", () => {
    const newer = openDebounce(
      "t",
      KEY,
      { seq: 9, atMs: 1_400, subject: "event.a" },
      { periodMs: 500, timeoutMs: undefined },
    )
    expect(stepTimer(timerFor(debounce), newer, 1_500)).toStrictEqual({ type: "stale" })
  })

  test("timers - an early timer whose window is not written yet waits rather than being dropped", () => {
    expect(stepTimer(timerFor(debounce), undefined, 1_100)).toStrictEqual({ type: "wait", ms: 400 })
  })

  test("timers - a batch timer closes its batch at the due time", () => {
    const batch = openBatch("t", KEY, { seq: 1, atMs: 1_000, subject: "event.a" }, { maxSize: 10, timeoutMs: 2_000 })
    expect(stepTimer(timerFor(batch, "batch"), batch, 3_000)).toStrictEqual({
      type: "close",
      next: { ...batch, closed: true },
    })
  })
})

describe("keys - windowKey", () => {
  test("keys - the same key value gives the same key", () => {
    expect(windowKey("t", { found: true, value: { a: 1 } })).toBe(windowKey("t", { found: true, value: { a: 1 } }))
  })

  test("keys - different key values give different keys, and a number differs from its string", () => {
    const keys = [
      windowKey("t", { found: true, value: "A" }),
      windowKey("t", { found: true, value: "B" }),
      windowKey("t", { found: true, value: 1 }),
      windowKey("t", { found: true, value: "1" }),
      windowKey("t", { found: true, value: null }),
    ]
    expect(new Set(keys).size).toBe(5)
  })

  test("keys - a missing key value falls back to the trigger-wide window _", () => {
    expect(windowKey("deploys", { found: false })).toBe("deploys._")
  })

  test("keys - a found null is its own window, not the trigger-wide one", () => {
    expect(windowKey("deploys", { found: true, value: null })).not.toBe("deploys._")
  })

  test("keys - a keyed window is the trigger name and a 16-hex-digit hash, a valid two-token KV key", () => {
    expect(windowKey("deploys", { found: true, value: "main" })).toMatch(/^deploys\.[0-9a-f]{16}$/)
  })

  test("keys - the same key value under two triggers gives two windows", () => {
    expect(windowKey("a", { found: true, value: "x" })).not.toBe(windowKey("b", { found: true, value: "x" }))
  })

  test("keys - window keys are counted as open windows and done keys are not", () => {
    const k = windowKey("deploys", { found: true, value: "main" })
    expect([
      isWindowKey(k),
      isWindowKey("deploys._"),
      isWindowKey(doneKey(k)),
      isWindowKey(doneKey("deploys._")),
    ]).toStrictEqual([true, true, false, false])
    expect([triggerOfKey(k), triggerOfKey(doneKey(k))]).toStrictEqual(["deploys", "deploys"])
  })
})

describe("redelivery - alreadyFired and recordFired", () => {
  test("redelivery - nothing has fired before the first window", () => {
    expect([alreadyFired("debounce", undefined, 1), alreadyFired("batch", undefined, 1)]).toStrictEqual([false, false])
  })

  test("redelivery - a fired debounce window covers exactly the sequences it counted", () => {
    const done = recordFired(undefined, { ...debounce, last_seq: 40, recent: [3, 40] })
    expect([1, 3, 39, 40, 41].map((s) => alreadyFired("debounce", done, s))).toStrictEqual([
      false,
      true,
      false,
      true,
      false,
    ])
  })

  test("redelivery - an older event never counted is not taken for fired once a later window fired", () => {
    const done = recordFired(undefined, { ...debounce, last_seq: 40, recent: [38, 40] })
    expect(alreadyFired("debounce", done, 12)).toBe(false)
  })

  test("redelivery - sequences of another stream epoch are not taken for fired, and a new epoch starts over", () => {
    const done = recordFired(undefined, { ...batch([5]), epoch: "e1" })
    expect([alreadyFired("batch", done, 5, "e1"), alreadyFired("batch", done, 5, "e2")]).toStrictEqual([true, false])
    expect(recordFired(done, { ...batch([9]), epoch: "e2" })).toStrictEqual({ seqs: [9], epoch: "e2" })
  })

  test("redelivery - a fired batch covers exactly its sequences", () => {
    const done = recordFired(undefined, batch([2, 4, 6]))
    expect([2, 3, 4, 5, 6].map((s) => alreadyFired("batch", done, s))).toStrictEqual([true, false, true, false, true])
  })

  test("redelivery - recording the same batch twice keeps each sequence once", () => {
    const done = recordFired(recordFired(undefined, batch([1, 2, 3])), batch([1, 2, 3]))
    expect(done.seqs).toStrictEqual([1, 2, 3])
  })

  test("redelivery - batch sequences are bounded, keeping the most recent", () => {
    let done = recordFired(undefined, batch(Array.from({ length: 1000 }, (_, i) => i + 1)))
    for (let b = 1; b < 6; b++)
      done = recordFired(done, batch(Array.from({ length: 1000 }, (_, i) => b * 1000 + i + 1)))
    expect(done.seqs).toHaveLength(DONE_SEQS)
    expect([done.seqs[0], done.seqs[done.seqs.length - 1]]).toStrictEqual([1001, 6000])
    expect([alreadyFired("batch", done, 1000), alreadyFired("batch", done, 1001)]).toStrictEqual([false, true])
  })

  test("redelivery - recording a debounce window adds its sequences beside the batch sequences", () => {
    const done = recordFired(recordFired(undefined, batch([7])), { ...debounce, last_seq: 9 })
    expect(done).toStrictEqual({ seqs: [7, 3] })
  })
})

describe("coverage - what a fired window names", () => {
  test("coverage - a debounce window covers its count and names its last event", () => {
    expect(coverage({ ...debounce, count: 5, last_seq: 8, last_subject: "event.z" })).toStrictEqual({
      count: 5,
      seqs: [8],
      lastSeq: 8,
      lastSubject: "event.z",
    })
  })

  test("coverage - a batch covers all its sequences and names the highest", () => {
    expect(coverage({ ...batch([3, 5, 9]), last_subject: "event.z" })).toStrictEqual({
      count: 3,
      seqs: [3, 5, 9],
      lastSeq: 9,
      lastSubject: "event.z",
    })
  })
})

describe("redelivery - sequences at or below the evaluator's ack floor are forgotten", () => {
  test("redelivery - a debounce window forgets counted sequences at or below the ack floor, keeps its count", () => {
    const w = { ...debounce, recent: [3, 4, 9, 12], count: 4 }
    expect([forgetAcked(w, 9).recent, forgetAcked(w, 9).count]).toStrictEqual([[12], 4])
  })

  test("redelivery - a batch keeps every sequence (they name its run's payloads), whatever the floor", () => {
    expect(forgetAcked(batch([1, 2, 3]), 10).seqs).toStrictEqual([1, 2, 3])
  })

  test("redelivery - fired sequences at or below the floor are not remembered; one above still is", () => {
    const done = recordFired(undefined, batch([5, 6, 7]), 6)
    expect([done.seqs, alreadyFired("batch", done, 7)]).toStrictEqual([[7], true])
  })
})
