// Proves the window engine's decisions against a real nats-server with time as a parameter: a full
// batch fires what was written even when reads lag (B2), a due timer never drops a window on a
// lagging read (B4), an event belongs to the window its stored time says (B5), a window waits only
// for events that could belong to it (B3), batches close before their run input gets too large, and
// a window whose run cannot be stored fails alone.
import { afterEach, describe, expect, test } from "vitest"
import { Effect } from "effect"
import { lateKey, windowKey } from "../../src/domain/windows.js"
import { ensureEvaluatorConsumer } from "../../src/evaluator/consumer.js"
import { fired, rigPerTest, run, type Rig } from "./windows-support.js"
import { eventually } from "../support/poll.js"

const rig = rigPerTest()
/** Nothing is pending on the evaluator (a consumer created now counts every event so far as evaluated). */
const nothingPending = (r: Rig) => Effect.runPromise(ensureEvaluatorConsumer(r.handles))

describe("windows engine - reads that cannot be stale", () => {
  test("B2 - a batch filled while reads lag fires the 3 events it wrote, not the 2-event copy a replica still has", async () => {
    const r = await rig({
      name: "b2",
      workflow: "wf",
      type: "event",
      subject: "event.b2",
      batch: { max_size: 3, timeout: "1h" },
    })
    const events = [
      await r.publish("event.b2", { n: 1 }),
      await r.publish("event.b2", { n: 2 }),
      await r.publish("event.b2", { n: 3 }),
    ]
    r.lag(true)
    for (const [i, e] of events.entries())
      await run(r.engine.batch.absorb(r.event(e.seq, "event.b2", e.storedAtMs, { n: i + 1 })))
    const runs = await r.runs()
    expect(runs.map((x) => [x.count, x.input])).toStrictEqual([[3, [{ n: 1 }, { n: 2 }, { n: 3 }]]])
    expect(await r.windowState("batch", windowKey("b2", { found: false }))).toBeUndefined()
  })

  test("B4 - a due timer whose read lags (no window yet at the replica) fires the window instead of dropping it", async () => {
    const r = await rig({ name: "b4", workflow: "wf", type: "event", subject: "event.b4", debounce: { period: "1s" } })
    const e = await r.publish("event.b4", { n: 1 })
    await nothingPending(r)
    const key = windowKey("b4", { found: false })
    await run(r.engine.debounce.absorb(r.event(e.seq, "event.b4", e.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.lag(true)
    r.now = e.storedAtMs + 1_001
    const verdict = await run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))
    expect(verdict).toStrictEqual({ ack: true })
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[1, { n: 1 }]])
    expect(await r.windowState("debounce", key)).toBeUndefined()
  })
})

describe("windows engine - the event's stored time decides its window", () => {
  test("B5 - an event stored 1.6 s before a burst but evaluated after it is a late window of its own (fired by its timer); the burst window counts only its own 2", async () => {
    const r = await rig({ name: "b5", workflow: "wf", type: "event", subject: "event.b5", debounce: { period: "1s" } })
    const [e1, e2, e3] = [
      await r.publish("event.b5", { n: 1 }),
      await r.publish("event.b5", { n: 2 }),
      await r.publish("event.b5", { n: 3 }),
    ]
    await nothingPending(r)
    const t0 = Date.now() - 600_000
    const key = windowKey("b5", { found: false })
    await run(r.engine.debounce.absorb(r.event(e2!.seq, "event.b5", t0 + 1_600, { n: 2 })))
    await run(r.engine.debounce.absorb(r.event(e3!.seq, "event.b5", t0 + 1_700, { n: 3 })))
    await run(r.engine.debounce.absorb(r.event(e1!.seq, "event.b5", t0, { n: 1 })))
    // Event 1 waits in the key's late slot (another late event may belong with it); its timer fires it.
    const late = (await r.windowState("debounce", lateKey(key)))!
    expect([late.count, late.last_seq, late.due_at]).toStrictEqual([1, e1!.seq, t0 + 1_000])
    r.now = t0 + 1_800
    const lateTimer = { kind: "debounce" as const, key: lateKey(key), id: late.id, due_at: late.due_at }
    expect(await run(r.engine.onTimer(lateTimer))).toStrictEqual({ ack: true })
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[1, { n: 1 }]])
    expect(await r.windowState("debounce", lateKey(key))).toBeUndefined()
    const open = (await r.windowState("debounce", key))!
    // Both are counted. Whether they are still remembered depends on whether the engine's background
    // read of the evaluator's ack floor (already past both: they are never delivered again) has come
    // back yet; either way, never event 1, which is not in this window.
    expect(open.count).toBe(2)
    expect([[], [e2!.seq, e3!.seq]]).toContainEqual(open.recent)
    r.now = t0 + 2_701
    expect(await run(r.engine.onTimer({ kind: "debounce", key, id: open.id, due_at: open.due_at }))).toStrictEqual({
      ack: true,
    })
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([
      [1, { n: 1 }],
      [2, { n: 3 }],
    ])
  })
})

describe("windows engine - a window waits only for events that could belong to it", () => {
  test("B3 - an unevaluated event on another subject holds the evaluator's ack floor but not this window", async () => {
    const r = await rig(
      { name: "b3", workflow: "wf", type: "event", subject: "event.b3", debounce: { period: "1s" } },
      { consumerFirst: true },
    )
    await r.publish("event.poison", { bad: true })
    const a = await r.publish("event.b3", { n: 1 })
    const key = windowKey("b3", { found: false })
    await run(r.engine.debounce.absorb(r.event(a.seq, "event.b3", a.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at + 1
    // Once the ack floor has stood still briefly, the window looks past it at its own events.
    await fired(r, key, state, 5_000)
    expect((await r.runs()).map((x) => x.count)).toStrictEqual([1])
  })

  test("B3 - an unevaluated event of the same trigger and key stored before the due time holds the window until it is absorbed", async () => {
    const r = await rig(
      { name: "b3k", workflow: "wf", type: "event", subject: "event.b3k", debounce: { period: "1s" } },
      { consumerFirst: true },
    )
    const a1 = await r.publish("event.b3k", { n: 1 })
    const a2 = await r.publish("event.b3k", { n: 2 })
    const key = windowKey("b3k", { found: false })
    await run(r.engine.debounce.absorb(r.event(a1.seq, "event.b3k", a1.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at + 1
    // Asked again and again, past the point where the ack floor counts as standing still (0.5 s):
    // the window keeps waiting for the event of its own key.
    for (const until = Date.now() + 1_500; Date.now() < until;) {
      expect(await run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))).toStrictEqual({
        ack: false,
        delayMs: 100,
      })
    }
    expect(await r.runs()).toStrictEqual([])
    await run(r.engine.debounce.absorb(r.event(a2.seq, "event.b3k", a2.storedAtMs, { n: 2 })))
    r.now = a2.storedAtMs + 1_001
    await fired(r, key, state, 5_000)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, { n: 2 }]])
  })
})

describe("windows engine - sizes", () => {
  const text = (n: number) => "x".repeat(n)

  test("size - a batch closes and fires before an event would make its run input larger than can be stored", async () => {
    const r = await rig(
      { name: "sz", workflow: "wf", type: "event", subject: "event.sz", batch: { max_size: 10, timeout: "1h" } },
      { maxRunInputBytes: 1_000 },
    )
    for (let i = 1; i <= 3; i++) {
      const e = await r.publish("event.sz", { t: text(400) })
      await run(r.engine.batch.absorb(r.event(e.seq, "event.sz", e.storedAtMs, { t: text(400) })))
    }
    expect((await r.runs()).map((x) => x.count)).toStrictEqual([2])
    expect((await r.windowState("batch", windowKey("sz", { found: false })))?.seqs).toHaveLength(1)
  })

  test("size - an event too large for a batch run on its own is an error outcome and joins no batch", async () => {
    const r = await rig(
      { name: "sz1", workflow: "wf", type: "event", subject: "event.sz1", batch: { max_size: 10, timeout: "1h" } },
      { maxRunInputBytes: 1_000 },
    )
    const e = await r.publish("event.sz1", { t: text(1_200) })
    const outcome = await run(r.engine.batch.absorb(r.event(e.seq, "event.sz1", e.storedAtMs, { t: text(1_200) })))
    expect([outcome.outcome, outcome.error]).toStrictEqual([
      "error",
      "event of 1210 bytes is larger than a batch run input can be (1000 bytes)",
    ])
    expect(await r.windowState("batch", windowKey("sz1", { found: false }))).toBeUndefined()
  })

  test("size - a debounce window whose run cannot be stored fails alone: dead letter, history error, window removed, timer acked", async () => {
    const r = await rig(
      { name: "big", workflow: "wf", type: "event", subject: "event.big", debounce: { period: "1s" } },
      { maxRunInputBytes: 100 },
    )
    const e = await r.publish("event.big", { t: text(300) })
    await nothingPending(r)
    const key = windowKey("big", { found: false })
    await run(r.engine.debounce.absorb(r.event(e.seq, "event.big", e.storedAtMs, { t: text(300) })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at + 1
    expect(await run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))).toStrictEqual({
      ack: true,
    })
    expect(await r.runs()).toStrictEqual([])
    expect(await r.windowState("debounce", key)).toBeUndefined()
    expect(r.records.map((x) => [x.outcome, x.error])).toStrictEqual([
      ["error", `debounce window ${state.id}: run input of 308 bytes is larger than can be stored (100 bytes)`],
    ])
    const dead = await r.handles.jsm.streams.getMessage("DAGNATS_DEAD", { last_by_subj: `dagnats.dead.${e.seq}` })
    expect([dead?.header.get("Dagnats-Dead-Subject"), new TextDecoder().decode(dead!.data)]).toStrictEqual([
      "event.big",
      JSON.stringify({ t: text(300) }),
    ])
  })
})

describe("windows engine - firing on time", () => {
  test("inline payload - a debounce window fires the payload of its last event kept in the window, even with the event gone from EVENTS", async () => {
    const r = await rig({ name: "il", workflow: "wf", type: "event", subject: "event.il", debounce: { period: "1s" } })
    const [e1, e2] = [await r.publish("event.il", { n: 1 }), await r.publish("event.il", { n: 2 })]
    await nothingPending(r)
    const key = windowKey("il", { found: false })
    await run(r.engine.debounce.absorb(r.event(e2!.seq, "event.il", e2!.storedAtMs, { n: 2 })))
    await run(r.engine.debounce.absorb(r.event(e1!.seq, "event.il", e1!.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    expect(state.last_event).toStrictEqual({ payload: { n: 2 } })
    // Purged by an operator (or aged out): the window still has what its run takes.
    await r.handles.jsm.streams.deleteMessage("EVENTS", e2!.seq)
    r.now = state.due_at + 1
    expect(await run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))).toStrictEqual({
      ack: true,
    })
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, { n: 2 }]])
  })

  test("early timer - a timer more than 250 ms before due is sent back to return 250 ms before due", async () => {
    const r = await rig({ name: "et", workflow: "wf", type: "event", subject: "event.et", debounce: { period: "5s" } })
    const e = await r.publish("event.et", { n: 1 })
    await nothingPending(r)
    const key = windowKey("et", { found: false })
    await run(r.engine.debounce.absorb(r.event(e.seq, "event.et", e.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at - 1_000
    expect(await run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))).toStrictEqual({
      ack: false,
      delayMs: 750,
    })
  })

  test("early timer - a timer within 250 ms of due waits in process and fires the window it read once due", async () => {
    const r = await rig({ name: "ew", workflow: "wf", type: "event", subject: "event.ew", debounce: { period: "5s" } })
    const e = await r.publish("event.ew", { n: 1 })
    await nothingPending(r)
    const key = windowKey("ew", { found: false })
    await run(r.engine.debounce.absorb(r.event(e.seq, "event.ew", e.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at - 200
    const verdict = run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))
    // The engine's clock reaches the due time while the timer waits.
    setTimeout(() => (r.now = state.due_at + 1), 50)
    expect(await verdict).toStrictEqual({ ack: true })
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[1, { n: 1 }]])
    expect(await r.windowState("debounce", key)).toBeUndefined()
  })

  test("early timer - an event absorbed while the timer waits makes its close fail: no run, the timer waits for the extended window", async () => {
    const r = await rig({ name: "ex", workflow: "wf", type: "event", subject: "event.ex", debounce: { period: "5s" } })
    const [e1, e2] = [await r.publish("event.ex", { n: 1 }), await r.publish("event.ex", { n: 2 })]
    await nothingPending(r)
    const key = windowKey("ex", { found: false })
    await run(r.engine.debounce.absorb(r.event(e1!.seq, "event.ex", e1!.storedAtMs, { n: 1 })))
    const state = (await r.windowState("debounce", key))!
    r.now = state.due_at - 200
    const verdict = run(r.engine.onTimer({ kind: "debounce", key, id: state.id, due_at: state.due_at }))
    // Stored 100 ms before the due time: it extends the window to 5 s after itself.
    const at = state.due_at - 100
    await run(r.engine.debounce.absorb(r.event(e2!.seq, "event.ex", at, { n: 2 })))
    r.now = state.due_at + 1
    // Whether the timer read before or after the absorb, it sends itself back for the later due time.
    expect(await verdict).toMatchObject({ ack: false })
    expect(await r.runs()).toStrictEqual([])
    expect((await r.windowState("debounce", key))?.count).toBe(2)
  })
})
