// Proves a window waits on, and forgets by, the consumer of the stream its own events are in (its
// epoch names it), not the one its trigger reads now: a trigger moved from one source stream to
// another keeps its open windows on the first stream's progress and ack floor. Real nats-server.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect } from "effect"
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
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

let nats: TestNatsServer
let nc: NatsConnection
let h: NatsHandles

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  h = await natsHandles(nc)
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
})
