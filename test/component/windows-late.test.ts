// Proves that late debounce events of one key that belong together fire as one window even when a
// newer window occupies the key (issue 12: every debounce key fires exactly the runs its stored
// times call for). Two events a dead serve held unacked come back after another serve opened a new
// window for their key: they meet in the key's late slot, which its own timer fires once both are
// in, and a redelivery after that fire starts nothing.
import { describe, expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { lateKey, windowKey } from "../../src/domain/windows.js"
import { Buckets, Streams, Subjects } from "../../src/protocol/names.js"
import { openWindowCounts } from "../../src/windows/status.js"
import { fired, rigPerTest, run, timerOf, type Rig } from "./windows-support.js"
import { eventually } from "../support/poll.js"

const rig = rigPerTest()

const redelivered = (w: ReturnType<Rig["event"]>) => ({ ...w, event: { ...w.event, redelivered: true } })

/**
 * Events 1 and 2 stored and held unacked (a SIGKILLed serve), event 3 stored more than a period
 * later and absorbed by another serve (the key's new window), then event 1 redelivered into the late slot.
 */
const heldThenNewWindow = async (name: string) => {
  const subject = `event.${name}`
  // The consumer first: events 1 and 2 stay unacknowledged.
  const r = await rig(
    { name, workflow: "wf", type: "event", subject, debounce: { period: "1s" } },
    { consumerFirst: true },
  )
  const key = windowKey(name, { found: false })
  const e1 = await r.publish(subject, { n: 1 })
  const e2 = await r.publish(subject, { n: 2 })
  await eventually(() => expect(Date.now()).toBeGreaterThan(e2.storedAtMs + 1_050), 5_000, 20)
  const e3 = await r.publish(subject, { n: 3 })
  r.now = e3.storedAtMs
  await run(r.engine.debounce.absorb(r.event(e3.seq, subject, e3.storedAtMs, { n: 3 })))
  const current = (await r.windowState("debounce", key))!
  const absorbAgain = (e: { seq: number; storedAtMs: number }, n: number) =>
    run(r.engine.debounce.absorb(redelivered(r.event(e.seq, subject, e.storedAtMs, { n }))))
  await absorbAgain(e1, 1)
  return { r, key, e1, e2, current, absorbAgain }
}

describe("windows late - late events of one key held by a dead serve", () => {
  test("late - two events a period before the key's new window fire as one run (count 2, the later payload), the new window as another; a redelivery after the fire starts nothing", async () => {
    // Event 1 comes back after the ack wait: a whole period before the new window, it opens the late slot.
    const { r, key, e1, e2, current, absorbAgain } = await heldThenNewWindow("lt")
    expect(await r.runs()).toStrictEqual([])
    const late = (await r.windowState("debounce", lateKey(key)))!
    expect([late.id, late.count, late.closed, late.due_at]).toStrictEqual([
      `${key}:${e1.seq}`,
      1,
      false,
      e1.storedAtMs + 1_000,
    ])
    const timer = await r.handles.jsm.streams.getMessage(Streams.timers, {
      last_by_subj: Subjects.timer("debounce", lateKey(key)),
    })
    expect(timer?.json()).toStrictEqual({ kind: "debounce", key: lateKey(key), id: late.id, due_at: late.due_at })
    // Both windows are open for `trigger list`.
    const kv = await new Kvm(r.handles.nc).open(Buckets.debounceState)
    expect([...(await run(openWindowCounts([kv])))]).toStrictEqual([["lt", 2]])

    // The late window's timer is due, but event 2 (stored within its period) is still unevaluated.
    expect((await run(r.engine.onTimer(timerOf(lateKey(key), late)))).ack).toBe(false)
    expect(await r.runs()).toStrictEqual([])

    await absorbAgain(e2, 2)
    const joined = (await r.windowState("debounce", lateKey(key)))!
    expect([joined.id, joined.count, joined.last_seq, joined.due_at]).toStrictEqual([
      late.id,
      2,
      e2.seq,
      e2.storedAtMs + 1_000,
    ])
    // Once the ack floor has stood still briefly, the late window looks at its own events: all counted.
    await fired(r, lateKey(key), late)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([[2, { n: 2 }]])
    expect(await r.windowState("debounce", lateKey(key))).toBeUndefined()
    // The new window was never touched.
    expect(await r.windowState("debounce", key)).toStrictEqual(current)

    // Event 1 comes back once more (a serve died after the fire, before acking): no second run, no late window.
    await absorbAgain(e1, 1)
    expect(await r.windowState("debounce", lateKey(key))).toBeUndefined()
    expect((await r.runs()).length).toBe(1)

    r.now = current.due_at + 1
    await fired(r, key, current)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([
      [2, { n: 2 }],
      [1, { n: 3 }],
    ])
    expect([...(await run(openWindowCounts([kv])))]).toStrictEqual([])
  })

  test("late - after the key's current window fired, a redelivered event counted in the open late window joins no new window, and the late window's other event still joins it (one run of 2)", async () => {
    const { r, key, e2, e1, current, absorbAgain } = await heldThenNewWindow("lr")
    const late = (await r.windowState("debounce", lateKey(key)))!
    // The current window fires (event 2 is no event of its) and its key is cleared.
    r.now = current.due_at + 1
    await fired(r, key, current)
    expect(await r.windowState("debounce", key)).toBeUndefined()

    // Event 1 comes back again (the serve that put it in the late window died before acking): the
    // key has no current window, but event 1 is counted in the late one.
    await absorbAgain(e1, 1)
    expect(await r.windowState("debounce", key)).toBeUndefined()
    expect((await r.windowState("debounce", lateKey(key)))?.count).toBe(1)

    await absorbAgain(e2, 2)
    await fired(r, lateKey(key), late)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([
      [2, { n: 2 }],
      [1, { n: 3 }],
    ])
    expect(await r.windowState("debounce", key)).toBeUndefined()
  })

  test("late - a late window and a current window whose start moved back to within its period do not wait for each other's events", async () => {
    // All four events are stored now and stay unacknowledged; their stored times are given as a
    // dead serve's redelivery would find them: event 1 a whole period before event 4 (the current
    // window), then events 3 and 2 move the current window's start back to within a period of event 1.
    const r = await rig(
      { name: "lw", workflow: "wf", type: "event", subject: "event.lw", debounce: { period: "1s" } },
      { consumerFirst: true },
    )
    const key = windowKey("lw", { found: false })
    const e = [
      await r.publish("event.lw", { n: 1 }),
      await r.publish("event.lw", { n: 2 }),
      await r.publish("event.lw", { n: 3 }),
      await r.publish("event.lw", { n: 4 }),
    ]
    const t = e[0]!.storedAtMs
    const at = [t, t + 700, t + 1_400, t + 1_600]
    const absorb = (i: number) =>
      run(r.engine.debounce.absorb(redelivered(r.event(e[i]!.seq, "event.lw", at[i]!, { n: i + 1 }))))
    await absorb(3)
    await absorb(0)
    await absorb(2)
    await absorb(1)
    const late = (await r.windowState("debounce", lateKey(key)))!
    const current = (await r.windowState("debounce", key))!
    expect([late.count, current.count, current.first_at]).toStrictEqual([1, 3, t + 700])
    r.now = current.due_at + 1
    await fired(r, lateKey(key), late)
    await fired(r, key, current)
    expect((await r.runs()).map((x) => [x.count, x.input])).toStrictEqual([
      [1, { n: 1 }],
      [3, { n: 4 }],
    ])
  })
})
