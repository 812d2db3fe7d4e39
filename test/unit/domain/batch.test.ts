// Proves the batch state machine (SPEC §6): a batch opens on its first event with a due time one timeout later, collects sequences in stream order whatever the arrival order, closes at max_size or once due, is replaced by the next event, and never takes the same event twice.
import { describe, expect, test } from "vitest"
import {
  batchInputBytes,
  openBatch,
  stepBatch,
  type BatchConfig,
  type BatchState,
  type WindowEvent,
} from "../../../src/domain/windows.js"

const KEY = "orders._"
const cfg: BatchConfig = { maxSize: 10, timeoutMs: 2_000 }
const ev = (seq: number, atMs: number, subject = `event.order.${seq}`): WindowEvent => ({ seq, atMs, subject })

/**
 * Feed events as the adapter would: create/append write the next state, close marks it closed and
 * the same event is stepped again, replace fires the closed batch. Returns the fired batches and
 * the batch left open.
 */
const run = (events: ReadonlyArray<WindowEvent>, c: BatchConfig = cfg) => {
  const fired: Array<BatchState> = []
  let state: BatchState | undefined
  for (const e of events) {
    for (;;) {
      const step = stepBatch("orders", KEY, state, e, c)
      if (step.type === "duplicate" || step.type === "too_large") break
      if (step.type === "close") {
        state = step.next
        continue
      }
      if (step.type === "replace") fired.push(step.fire)
      state = step.next
      break
    }
  }
  return { fired, open: state }
}

describe("batch - opening", () => {
  test("batch - the first event opens a batch named after the key and its sequence, due one timeout later", () => {
    expect(stepBatch("orders", KEY, undefined, ev(4, 50_000), cfg)).toStrictEqual({
      type: "create",
      next: {
        kind: "batch",
        trigger: "orders",
        id: "orders._:4",
        first_at: 50_000,
        due_at: 52_000,
        closed: false,
        seqs: [4],
        last_subject: "event.order.4",
      },
    })
  })

  test("batch - with max_size 1 the first event opens a batch that is already closed", () => {
    expect(openBatch("orders", KEY, ev(4, 50_000), { maxSize: 1, timeoutMs: 2_000 }).closed).toBe(true)
  })
})

describe("batch - collecting", () => {
  test("batch - an event appends its sequence and leaves the due time where the first event put it", () => {
    const open = openBatch("orders", KEY, ev(1, 50_000), cfg)
    expect(stepBatch("orders", KEY, open, ev(2, 51_500), cfg)).toStrictEqual({
      type: "append",
      next: { ...open, seqs: [1, 2], last_subject: "event.order.2" },
    })
  })

  test("batch - sequences are kept sorted and the subject is the highest sequence's, whatever the arrival order", () => {
    const { open } = run([ev(5, 50_000), ev(9, 50_010), ev(6, 50_020), ev(7, 50_030)])
    expect([open?.seqs, open?.last_subject]).toStrictEqual([[5, 6, 7, 9], "event.order.9"])
  })

  test("batch - the batch closes when it reaches max_size", () => {
    const { fired, open } = run(Array.from({ length: 10 }, (_, i) => ev(i + 1, 50_000 + i)))
    expect(fired).toStrictEqual([])
    expect([open?.closed, open?.seqs.length]).toStrictEqual([true, 10])
  })

  test("batch - one short of max_size stays open", () => {
    const { open } = run(Array.from({ length: 9 }, (_, i) => ev(i + 1, 50_000 + i)))
    expect(open?.closed).toBe(false)
  })

  test("batch - a redelivered event already in the batch is a duplicate", () => {
    const { open } = run([ev(1, 50_000), ev(2, 50_001)])
    expect(stepBatch("orders", KEY, open, ev(1, 50_000), cfg)).toStrictEqual({ type: "duplicate" })
  })

  test("batch - a redelivered event already in a closed batch is a duplicate, not the start of the next batch", () => {
    const { open } = run(Array.from({ length: 10 }, (_, i) => ev(i + 1, 50_000 + i)))
    expect(stepBatch("orders", KEY, open, ev(3, 50_002), cfg)).toStrictEqual({ type: "duplicate" })
  })
})

describe("batch - closing and replacing", () => {
  test("batch - an event stored at the due time closes the batch without joining it", () => {
    const open = openBatch("orders", KEY, ev(1, 50_000), cfg)
    expect(stepBatch("orders", KEY, open, ev(2, 52_000), cfg)).toStrictEqual({
      type: "close",
      next: { ...open, closed: true },
    })
  })

  test("batch - an event on a closed batch fires it and opens the next batch with that event", () => {
    const closed = { ...openBatch("orders", KEY, ev(1, 50_000), cfg), closed: true }
    expect(stepBatch("orders", KEY, closed, ev(2, 50_001), cfg)).toStrictEqual({
      type: "replace",
      fire: closed,
      next: openBatch("orders", KEY, ev(2, 50_001), cfg),
    })
  })

  test("batch - 25 events give batches of 10 and 10 in stream order and leave 5 open", () => {
    const { fired, open } = run(Array.from({ length: 25 }, (_, i) => ev(i + 1, 50_000 + i * 10)))
    expect(fired.map((b) => b.seqs)).toStrictEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    ])
    expect([open?.seqs, open?.closed, open?.id]).toStrictEqual([[21, 22, 23, 24, 25], false, "orders._:21"])
  })

  test("batch - events past the timeout start a new batch, so every event is in exactly one batch", () => {
    const events = [ev(1, 50_000), ev(2, 51_000), ev(3, 52_500), ev(4, 53_000), ev(5, 54_600)]
    const { fired, open } = run(events)
    const all = [...fired.map((b) => b.seqs), open!.seqs]
    expect(all).toStrictEqual([[1, 2], [3, 4], [5]])
  })
})

describe("batch - size-aware", () => {
  const sized: BatchConfig = { maxSize: 10, timeoutMs: 2_000, maxBytes: 1_000 }
  const big = (seq: number, bytes: number, atMs = 50_000 + seq): WindowEvent => ({ ...ev(seq, atMs), bytes })

  test("batch - the batch records the run input bytes of its events", () => {
    const open = openBatch("orders", KEY, big(1, 300), sized)
    const step = stepBatch("orders", KEY, open, big(2, 200), sized)
    expect(step.type === "append" ? step.next.bytes : undefined).toBe(500)
  })

  test("batch - an event that would make the run input too large closes the batch as it is", () => {
    const open = { ...openBatch("orders", KEY, big(1, 500), sized), seqs: [1, 2], bytes: 900 }
    expect(stepBatch("orders", KEY, open, big(3, 100), sized)).toStrictEqual({
      type: "close",
      next: { ...open, closed: true },
    })
  })

  test("batch - three 400-byte events under a 1,000-byte limit land in batches of 2 and 1", () => {
    const { fired, open } = run([big(1, 400), big(2, 400), big(3, 400)], sized)
    expect([fired.map((b) => b.seqs), open?.seqs]).toStrictEqual([[[1, 2]], [3]])
  })

  test("batch - an event too large on its own is too_large, whatever the batch holds", () => {
    expect(stepBatch("orders", KEY, undefined, big(1, 999), sized)).toStrictEqual({
      type: "too_large",
      bytes: 1_001,
      maxBytes: 1_000,
    })
  })

  test("batch - batchInputBytes counts the brackets and the commas between payloads", () => {
    expect([batchInputBytes(0, 0), batchInputBytes(10, 1), batchInputBytes(30, 3)]).toStrictEqual([2, 12, 34])
  })
})
