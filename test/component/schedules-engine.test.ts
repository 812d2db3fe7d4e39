// The schedule engine against a real nats-server, without serve: a trigger table the test holds
// back (a serve that has not seen an update yet) and a clock the test sets.
import { afterEach, expect, test } from "vitest"
import { Effect } from "effect"
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { ensureResources, type Buckets } from "../../src/nats/resources.js"
import * as TriggerStore from "../../src/triggers/store.js"
import * as RunStarter from "../../src/runs/starter.js"
import { makeScheduleEngine } from "../../src/schedules/engine.js"
import { generationOf } from "../../src/domain/schedule.js"
import type { StoredTrigger } from "../../src/domain/trigger.js"
import type { TriggerTableShape } from "../../src/triggers/table.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import { natsHandles } from "../support/nats-handles.js"

const decoder = new TextDecoder()
const encoder = new TextEncoder()
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const rig = async () => {
  const nats: TestNatsServer = await startNatsServer()
  cleanups.push(() => nats.stop())
  const nc = await connect({ servers: nats.url })
  cleanups.push(() => nc.close())
  const handles: NatsHandles = await natsHandles(nc)
  const buckets: Buckets = await Effect.runPromise(ensureResources(handles, { replicas: 1 }))
  return { handles, buckets }
}

const tableOf = (t: StoredTrigger): TriggerTableShape => ({
  get: (name) => (name === t.name ? t : undefined),
  all: () => [t],
  subscribe: () => () => undefined,
  sync: Effect.void,
  ready: () => true,
})

test("schedule engine - a serve whose table still holds the older version drops its timer and leaves the newer version's state as stored, starting no run", async () => {
  const { handles, buckets } = await rig()
  const store = TriggerStore.make(buckets.triggers)
  const v1 = await Effect.runPromise(
    store.create({ name: "nightly", type: "schedule", workflow: "wf", cron: "*/2 * * * * *" }),
  )
  const v2 = await Effect.runPromise(store.update("nightly", { cron: "*/3 * * * * *" }))
  expect(v2.revision).toBeGreaterThan(v1.revision)
  const instant = Date.UTC(2026, 10, 30, 3, 0, 0)
  // The newer version armed its own next instant; this is what a stale serve must not overwrite.
  const newer = {
    generation: generationOf(v2),
    cron: "*/3 * * * * *",
    timezone: "UTC",
    enabled: true,
    base_ms: instant - 6_000,
    last_ms: instant - 3_000,
    next_ms: instant + 3_000,
  }
  const revision = await buckets.schedules.put("nightly", encoder.encode(JSON.stringify(newer)))
  const engine = makeScheduleEngine({
    kv: buckets.schedules,
    publisher: handles.publisher,
    starter: RunStarter.make(buckets.runs, handles.publisher),
    table: tableOf(v1),
    now: () => instant + 5,
    runExists: () => Effect.succeed(false),
  })
  const verdict = await Effect.runPromise(
    engine.onTimer({ kind: "schedule", trigger: "nightly", generation: generationOf(v1), due_at: instant }),
  )
  expect(verdict).toStrictEqual({ ack: true })
  const stored = await buckets.schedules.get("nightly")
  expect(stored?.revision).toBe(revision)
  expect(JSON.parse(decoder.decode(stored!.value))).toStrictEqual(newer)
  const runKeys: Array<string> = []
  for await (const k of await buckets.runs.keys()) runKeys.push(k)
  expect(runKeys).toStrictEqual([])
})

/** Every schedule record of `trigger` on TRIGGER_HISTORY, as [scheduled_at, outcome]. */
const recordsOf = async (handles: NatsHandles, trigger: string) => {
  const consumer = await handles.js.consumers.get("TRIGGER_HISTORY", { filter_subjects: `trigger.fire.${trigger}` })
  const pending = (await consumer.info(true)).num_pending
  const out: Array<[string, string]> = []
  while (out.length < pending) {
    for await (const m of await consumer.fetch({ max_messages: pending - out.length, expires: 5_000 })) {
      const r = JSON.parse(decoder.decode(m.data)) as { scheduled_at: string; outcome: string }
      out.push([r.scheduled_at, r.outcome])
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]))
}

/**
 * A trigger `tick` (`*` /2 s, catch_up `mode`) whose two serves were down from just after T: the
 * timer of T+2 s is overdue when they come back.
 */
const catchUpRig = async (mode: "none" | "last") => {
  const { handles, buckets } = await rig()
  const tick = await Effect.runPromise(
    TriggerStore.make(buckets.triggers).create({
      name: "tick",
      type: "schedule",
      workflow: "wf",
      cron: "*/2 * * * * *",
      catch_up: mode,
    }),
  )
  const T = Date.UTC(2026, 10, 30, 3, 0, 0)
  const state = { cron: "*/2 * * * * *", timezone: "UTC", enabled: true, base_ms: T - 2_000, last_ms: T }
  await buckets.schedules.put(
    "tick",
    encoder.encode(JSON.stringify({ generation: generationOf(tick), ...state, next_ms: T + 2_000 })),
  )
  const starter = RunStarter.make(buckets.runs, handles.publisher)
  const engine = (kv: typeof buckets.schedules, now: () => number) =>
    makeScheduleEngine({
      kv,
      publisher: handles.publisher,
      starter,
      table: tableOf(tick),
      now,
      runExists: () => Effect.succeed(false),
    })
  const runIds = async () => {
    const ids: Array<string> = []
    for await (const k of await buckets.runs.keys()) ids.push(k)
    return ids
  }
  const at = (ms: number) => new Date(T + ms).toISOString()
  /** One run, T+14 s's; T+2 s … T+12 s skipped: one record per instant, none both. */
  const expectOneRunAt14s = async () => {
    expect(await runIds()).toHaveLength(1)
    expect(await recordsOf(handles, "tick")).toStrictEqual([
      ...[2, 4, 6, 8, 10, 12].map((s) => [at(s * 1_000), "skipped"]),
      [at(14_000), "fired"],
    ])
  }
  return {
    buckets,
    T,
    expectOneRunAt14s,
    overdue: { kind: "schedule" as const, trigger: "tick", generation: generationOf(tick), due_at: T + 2_000 },
    engine,
  }
}

/**
 * `kv` with the first call of one of `methods` held: it is made (a read sees the store as it is
 * then) but its result is handed back only after `release()`. `reached` resolves once it is held.
 */
const holdFirst = <K extends object>(kv: K, methods: ReadonlyArray<string>) => {
  let release: () => void = () => undefined
  const released = new Promise<void>((r) => (release = r))
  let reach: () => void = () => undefined
  const reached = new Promise<void>((r) => (reach = r))
  let held = false
  const proxy = new Proxy(kv, {
    get: (target, p) => {
      const v = Reflect.get(target, p) as unknown
      if (typeof v !== "function") return v
      const f = (v as (...a: Array<unknown>) => unknown).bind(target)
      if (!methods.includes(String(p))) return f
      return async (...args: Array<unknown>) => {
        if (held) return f(...args)
        held = true
        reach()
        if (p === "get") {
          const result = await f(...args)
          await released
          return result
        }
        await released
        return f(...args)
      }
    },
  })
  return { kv: proxy, reached, release }
}

test("schedule engine - a serve that planned a catch-up from an older state records no instant as missed that the serve which advanced the state fired on time", async () => {
  const { buckets, T, overdue, engine, expectOneRunAt14s } = await catchUpRig("none")
  // Serve B plans at T+14.3 s from the state as it was; its state write is held back until serve A
  // has caught up (at T+12.5 s) and fired T+14 s on time.
  const b = holdFirst(buckets.schedules, ["update", "create"])
  const bVerdict = Effect.runPromise(engine(b.kv, () => T + 14_300).onTimer(overdue))
  await b.reached
  let clockA = T + 12_500
  const a = engine(buckets.schedules, () => clockA)
  expect(await Effect.runPromise(a.onTimer(overdue))).toStrictEqual({ ack: true })
  clockA = T + 14_000
  expect(await Effect.runPromise(a.onTimer({ ...overdue, due_at: T + 14_000 }))).toStrictEqual({ ack: true })
  b.release()
  expect(await bVerdict).toStrictEqual({ ack: true })

  // T+2 s … T+12 s missed (catch_up none) and T+14 s fired: one record per instant, none both.
  await expectOneRunAt14s()
})

test("schedule engine - catch_up last: a serve that read the old state before another serve caught up starts no run of its own", async () => {
  const { buckets, T, overdue, engine, expectOneRunAt14s } = await catchUpRig("last")
  // Serve A reads the old state at T+12.5 s and stalls; serve B catches up at T+14.3 s meanwhile.
  const a = holdFirst(buckets.schedules, ["get"])
  const aVerdict = Effect.runPromise(engine(a.kv, () => T + 12_500).onTimer(overdue))
  await a.reached
  expect(await Effect.runPromise(engine(buckets.schedules, () => T + 14_300).onTimer(overdue))).toStrictEqual({
    ack: true,
  })
  a.release()
  expect(await aVerdict).toStrictEqual({ ack: true })

  // One catch-up run, for the newest missed instant; every other instant skipped, none both.
  await expectOneRunAt14s()
})

test("schedule engine - a stored expression with no instant within 10 years is armed once its next instant comes within them", async () => {
  const { handles, buckets } = await rig()
  // Written as an older build stored it: 29 February on a fifth Monday (2016, 2044, …).
  const at = "2026-01-01T00:00:00.000Z"
  const t = {
    name: "rare",
    workflow: "wf",
    type: "schedule",
    cron: "0 0 0 * 2 1#5",
    timezone: "UTC",
    catch_up: "last",
    enabled: true,
    created_at: at,
    updated_at: at,
    revision: 1,
  } as StoredTrigger
  let now = Date.parse("2026-06-01T00:00:00Z")
  const engine = makeScheduleEngine({
    kv: buckets.schedules,
    publisher: handles.publisher,
    starter: RunStarter.make(buckets.runs, handles.publisher),
    table: tableOf(t),
    now: () => now,
    runExists: () => Effect.succeed(false),
  })
  const state = async () => JSON.parse(decoder.decode((await buckets.schedules.get("rare"))!.value))
  const timers = async () =>
    (await handles.jsm.streams.info("DAGNATS_TIMERS", { subjects_filter: "dagnats.timers.schedule.rare" })).state
      .messages
  await Effect.runPromise(engine.ensureArmed(t))
  expect((await state()).next_ms).toBeNull()
  expect(await timers()).toBe(0)
  // The watchdog looks again years later: 2044-02-29 is now within 10 years.
  now = Date.parse("2036-01-01T00:00:00Z")
  await Effect.runPromise(engine.ensureArmed(t))
  expect((await state()).next_ms).toBe(Date.parse("2044-02-29T00:00:00Z"))
  expect(await timers()).toBe(1)
  // Armed: looking again changes nothing.
  await Effect.runPromise(engine.ensureArmed(t))
  expect(await timers()).toBe(1)
})
