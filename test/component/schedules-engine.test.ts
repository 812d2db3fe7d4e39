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
  const handles: NatsHandles = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) }
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
    js: handles.js,
    starter: RunStarter.make(buckets.runs, handles.js, handles.jsm),
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
