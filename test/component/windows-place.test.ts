// Proves a window waits on, and forgets by, the consumer of the stream its own events are in (its
// epoch names it), not the one its trigger reads now: a trigger moved from one source stream to
// another keeps its open windows on the first stream's progress and ack floor. And that a window
// reads pending events as its own trigger does: two triggers on one KV bucket share the consumer's
// progress, not which operations count as events. Real nats-server.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect } from "effect"
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { natsHandles } from "../support/nats-handles.js"
import { eventually } from "../support/poll.js"
import { makeAckFloor } from "../../src/windows/ack-floor.js"
import { makeProgress } from "../../src/windows/progress.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import type { StoredTrigger } from "../../src/domain/trigger.js"
import type { TriggerTableShape } from "../../src/triggers/index.js"
import type { BatchState } from "../../src/domain/windows.js"
import { ensureResources } from "../../src/nats/resources.js"

let nats: TestNatsServer
let nc: NatsConnection
let h: NatsHandles

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  h = await natsHandles(nc)
  // DAGNATS_DEAD among them: a window that looks at its pending events asks whether each is a dead letter.
  await Effect.runPromise(ensureResources(h, { replicas: 1 }))
})
afterAll(async () => {
  await nc?.close()
  await nats?.dispose()
})

/** Stream `name` with `count` messages and dagnats's consumer on it, which has acked the first `acked`. */
const sourceWith = async (name: string, count: number, acked: number) => {
  await h.jsm.streams.add({ name, subjects: [`${name.toLowerCase()}.>`] })
  const durable = `dagnats-source-${name}`
  await h.jsm.consumers.add(name, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  })
  for (let i = 0; i < count; i++) await h.js.publish(`${name.toLowerCase()}.x`, "{}")
  if (acked > 0) {
    const c = await h.js.consumers.get(name, durable)
    const batch = await c.fetch({ max_messages: acked, expires: 5_000 })
    for await (const m of batch) m.ack()
    await eventually(
      async () => expect((await h.jsm.consumers.info(name, durable)).ack_floor.stream_seq).toBe(acked),
      5_000,
      50,
    )
  }
  return (await h.jsm.streams.info(name)).created
}

const movedTrigger = {
  name: "mv",
  workflow: "wf",
  type: "event",
  subject: "nb.>",
  source: { stream: "NB" },
  enabled: true,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  revision: 2,
} as unknown as StoredTrigger

const table: TriggerTableShape = {
  get: (name) => (name === movedTrigger.name ? movedTrigger : undefined),
  all: () => [movedTrigger],
  subscribe: () => () => undefined,
  sync: Effect.void,
  ready: () => true,
}

describe("windows place - a trigger moved to another source stream", () => {
  test("ack floor and progress - a window opened on stream NA is judged by dagnats-source-NA (3 acked, nothing pending), not by NB's consumer (nothing acked, 5 pending)", async () => {
    const createdA = await sourceWith("NA", 3, 3)
    await sourceWith("NB", 5, 0)
    const now = Date.now()
    const state: BatchState = {
      kind: "batch",
      id: "mv._:1",
      trigger: "mv",
      key: "_",
      first_at: now - 1_000,
      due_at: now,
      closed: false,
      seqs: [1, 2],
      last_subject: "na.x",
      epoch: `NA:${createdA}`,
    } as unknown as BatchState
    // Settled at once: the floor is what this test is about, not how long it must stand.
    const floor = makeAckFloor(h.jsm, table, 0)
    await eventually(async () => expect(await Effect.runPromise(floor.get(state))).toBe(3), 5_000, 100)

    const progress = makeProgress({
      jsm: h.jsm,
      table,
      keyFor: () => "_",
      readDone: () => Effect.succeed(undefined),
      readCounted: () => Effect.succeed(new Set<number>()),
      maxRunInputBytes: 1_000_000,
      now: () => now,
    })
    expect(await Effect.runPromise(progress.mayClose(state, "_"))).toBe(true)
  })

  test("progress - two triggers on one KV bucket that take different operations: a pending delete holds the window of the trigger that takes deletes, after the one that takes only puts was asked first", async () => {
    const kv = await new Kvm(nc).create("kvops")
    await h.jsm.consumers.add("KV_kvops", {
      durable_name: "dagnats-source-KV_kvops",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    })
    // Never fetched: the consumer's floor stands still below it.
    await kv.delete("k")
    const created = (await h.jsm.streams.info("KV_kvops")).created
    const onBucket = (name: string, ops: Array<string>) =>
      ({
        name,
        workflow: "wf",
        type: "event",
        subject: ">",
        source: { kv: "kvops", ops },
        enabled: true,
        created_at: "2026-01-01T00:00:00.000Z",
        updated_at: "2026-01-01T00:00:00.000Z",
        revision: 1,
      }) as unknown as StoredTrigger
    const triggers = new Map([
      ["kp", onBucket("kp", ["put"])],
      ["kd", onBucket("kd", ["delete"])],
    ])
    const now = Date.now() + 1_000
    const windowOf = (trigger: string) =>
      ({
        kind: "batch",
        id: `${trigger}._:9`,
        trigger,
        key: "_",
        first_at: 0,
        due_at: now,
        closed: false,
        seqs: [],
        last_subject: "$KV.kvops.k",
        epoch: `KV_kvops:${created}`,
      }) as unknown as BatchState
    const progress = makeProgress({
      jsm: h.jsm,
      table: { ...table, get: (name) => triggers.get(name), all: () => [...triggers.values()] },
      keyFor: () => "_",
      readDone: () => Effect.succeed(undefined),
      readCounted: () => Effect.succeed(new Set<number>()),
      maxRunInputBytes: 1_000_000,
      now: () => now,
    })
    // Once the floor has stood still, the put-only trigger's window looks at the pending delete: not its event.
    await eventually(
      async () => expect(await Effect.runPromise(progress.mayClose(windowOf("kp"), "_"))).toBe(true),
      5_000,
      100,
    )
    expect(await Effect.runPromise(progress.mayClose(windowOf("kd"), "_"))).toBe(false)
  })
})
