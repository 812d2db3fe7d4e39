// Proves window faults found by the cluster e2e (kills of a node and a serve) against a real
// nats-server, step by step: an evaluation retried after its first attempt already filled and fired
// a batch does not put the event in the next batch too; a redelivered event whose window fires
// between its reads is not counted again, nor one delivered again as a first delivery (a consumer
// leader's lost delivery record) seconds after it was stored; and an event stored after a debounce
// window's due time does not close that window while one of the window's own events is still
// unevaluated (held by a dead serve until the ack wait), which would make that one a window of its own.
import { afterEach, describe, expect, test } from "vitest"
import { Effect, Exit, Fiber } from "effect"
import { windowKey } from "../../src/domain/windows.js"
import { Unavailable } from "../../src/domain/errors.js"
import {
  ensureEvaluatorConsumer,
  makeMatcher,
  runEvaluatorLoop,
  type EvaluateDeps,
  type WindowHandler,
} from "../../src/evaluator/index.js"
import { fired, rigPerTest, run } from "./windows-support.js"
import { eventually } from "../support/poll.js"

const rig = rigPerTest()

describe("windows faults - retried evaluations", () => {
  test("retry - an event whose first evaluation filled a batch that fired, then failed on a lost reply, is in that batch only after the retry", async () => {
    const r = await rig({
      name: "rt",
      workflow: "wf",
      type: "event",
      subject: "event.rt",
      batch: { max_size: 2, timeout: "1h" },
    })
    const key = windowKey("rt", { found: false })
    const e1 = await r.publish("event.rt", { n: 1 })
    await run(r.engine.batch.absorb(r.event(e1.seq, "event.rt", e1.storedAtMs, { n: 1 })))
    // The consumer delivers only events stored after it exists: the evaluator sees event 2 alone.
    await Effect.runPromise(ensureEvaluatorConsumer(r.handles))
    // The first attempt puts event 2 in the batch, which fills, fires and is cleared; then the attempt
    // fails as a lost reply would make it fail. The evaluator retries it at once.
    let attempts = 0
    const batch: WindowHandler = {
      absorb: (w) =>
        attempts++ === 0
          ? Effect.andThen(r.engine.batch.absorb(w), Effect.fail(new Unavailable({ message: "NATS: timeout" })))
          : r.engine.batch.absorb(w),
    }
    const deps: EvaluateDeps = {
      matcher: makeMatcher(r.table),
      starter: { start: () => Effect.die("a batch trigger starts runs from its window") },
      debounce: r.engine.debounce,
      batch,
      lookupRunSeq: () => Effect.succeed(undefined),
    }
    const hooks = { onOutcomes: () => undefined, onRetry: () => Effect.void, onDead: () => Effect.void }
    const loop = Effect.runFork(Effect.scoped(Effect.andThen(runEvaluatorLoop(r.handles, deps, hooks), Effect.never)))
    try {
      const e2 = await r.publish("event.rt", { n: 2 })
      await eventually(
        async () => {
          const c = await r.handles.jsm.consumers.info("EVENTS", "dagnats-evaluator")
          expect([c.ack_floor.stream_seq, c.num_ack_pending, c.num_pending]).toStrictEqual([e2.seq, 0, 0])
        },
        10_000,
        50,
      )
    } finally {
      await Effect.runPromise(Fiber.interrupt(loop))
    }
    expect(attempts).toBe(2)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, [{ n: 1 }, { n: 2 }]]])
    expect(await r.windowState("batch", key)).toBeUndefined()
  })
})

describe("windows faults - redelivered events and fires in between", () => {
  test("redelivery - a window that fires between the redelivered event's reads is found in the fired record: the event joins no new batch", async () => {
    // The consumer first: events 1 and 2 stay unacknowledged, as a dead serve leaves them.
    const r = await rig(
      { name: "rr", workflow: "wf", type: "event", subject: "event.rr", batch: { max_size: 3, timeout: "1h" } },
      { consumerFirst: true },
    )
    const key = windowKey("rr", { found: false })
    const e1 = await r.publish("event.rr", { n: 1 })
    const e2 = await r.publish("event.rr", { n: 2 })
    await run(r.engine.batch.absorb(r.event(e1.seq, "event.rr", e1.storedAtMs, { n: 1 })))
    await run(r.engine.batch.absorb(r.event(e2.seq, "event.rr", e2.storedAtMs, { n: 2 })))
    const open = (await r.windowState("batch", key))!
    // Event 2 comes back (its serve wrote it, then died before acking). Just as it reads the batch,
    // another serve's timer fires that batch (its timeout passed) and clears it.
    r.now = open.due_at + 1
    const timer = { kind: "batch" as const, key, id: open.id, due_at: open.due_at }
    r.beforeNextRead("batch", key, () =>
      eventually(async () => expect(await run(r.engine.onTimer(timer))).toStrictEqual({ ack: true }), 5_000, 100),
    )
    const again = r.event(e2.seq, "event.rr", e2.storedAtMs, { n: 2 })
    await run(r.engine.batch.absorb({ ...again, event: { ...again.event, redelivered: true } }))
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, [{ n: 1 }, { n: 2 }]]])
    expect(await r.windowState("batch", key)).toBeUndefined()
  })
})

describe("windows faults - a debounce window closes with all its own events", () => {
  test("failover - an event delivered again as a first delivery seconds after it was stored, after the batch that counted it fired: it joins no new batch", async () => {
    const r = await rig({
      name: "fo",
      workflow: "wf",
      type: "event",
      subject: "event.fo",
      batch: { max_size: 2, timeout: "1h" },
    })
    const key = windowKey("fo", { found: false })
    const e1 = await r.publish("event.fo", { n: 1 })
    const e2 = await r.publish("event.fo", { n: 2 })
    r.now = e2.storedAtMs
    await run(r.engine.batch.absorb(r.event(e1.seq, "event.fo", e1.storedAtMs, { n: 1 })))
    await run(r.engine.batch.absorb(r.event(e2.seq, "event.fo", e2.storedAtMs, { n: 2 })))
    expect(await r.windowState("batch", key)).toBeUndefined()
    // The consumer's new leader lost the record of event 2's delivery: delivery count 1 again, after
    // the election (seconds).
    r.now = e2.storedAtMs + 5_000
    await run(r.engine.batch.absorb(r.event(e2.seq, "event.fo", e2.storedAtMs, { n: 2 })))
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, [{ n: 1 }, { n: 2 }]]])
    expect(await r.windowState("batch", key)).toBeUndefined()
  })

  test("failover - a debounce event delivered again as a first delivery seconds after it was stored, after its window fired: no second window", async () => {
    // The consumer first: event 1 stays unacknowledged, so it may be delivered again.
    const r = await rig(
      { name: "fd", workflow: "wf", type: "event", subject: "event.fd", debounce: { period: "1s" } },
      { consumerFirst: true },
    )
    const key = windowKey("fd", { found: false })
    const e1 = await r.publish("event.fd", { n: 1 })
    r.now = e1.storedAtMs
    await run(r.engine.debounce.absorb(r.event(e1.seq, "event.fd", e1.storedAtMs, { n: 1 })))
    const open = (await r.windowState("debounce", key))!
    r.now = open.due_at + 1
    await fired(r, key, open)
    expect(await r.windowState("debounce", key)).toBeUndefined()
    r.now = e1.storedAtMs + 5_000
    await run(r.engine.debounce.absorb(r.event(e1.seq, "event.fd", e1.storedAtMs, { n: 1 })))
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[1, { n: 1 }]])
    expect(await r.windowState("debounce", key)).toBeUndefined()
  })

  test("close - an event stored after the due time waits while an event of the window is unevaluated; then the window fires with both", async () => {
    const r = await rig(
      { name: "cw", workflow: "wf", type: "event", subject: "event.cw", debounce: { period: "1s" } },
      { consumerFirst: true },
    )
    const key = windowKey("cw", { found: false })
    const a1 = await r.publish("event.cw", { n: 1 })
    // Event 2 belongs to the window by its stored time; a dead serve holds it until the ack wait.
    const a2 = await r.publish("event.cw", { n: 2 })
    await run(r.engine.debounce.absorb(r.event(a1.seq, "event.cw", a1.storedAtMs, { n: 1 })))
    const open = (await r.windowState("debounce", key))!
    // Event 3 is stored after the window is due, event 2 counted too (the clock passes it: events are stored now).
    const due = Math.max(open.due_at, a2.storedAtMs + 1_000)
    await eventually(() => expect(Date.now()).toBeGreaterThan(due), 5_000, 20)
    const b = await r.publish("event.cw", { n: 3 })
    r.now = b.storedAtMs
    const absorbB = () =>
      Effect.runPromiseExit(r.engine.debounce.absorb(r.event(b.seq, "event.cw", b.storedAtMs, { n: 3 })))

    const early = await absorbB()
    expect(Exit.isFailure(early) && String(early.cause)).toContain(
      `debounce window ${open.id} waits for its own events`,
    )
    expect(await r.runs()).toStrictEqual([])
    expect((await r.windowState("debounce", key))?.count).toBe(1)

    await run(r.engine.debounce.absorb(r.event(a2.seq, "event.cw", a2.storedAtMs, { n: 2 })))
    // Once the ack floor has stood still briefly, the window looks at its own events: all counted.
    await eventually(async () => expect(Exit.isSuccess(await absorbB())).toBe(true), 15_000, 100)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, { n: 2 }]])
    expect((await r.windowState("debounce", key))?.recent).toStrictEqual([b.seq])
  })
})
