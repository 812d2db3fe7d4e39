// Proves the trigger table against a real nats-server: it loads every stored trigger before it is made,
// follows puts and deletes made after, tells subscribers what changed and what it replaced, answers
// read-your-writes through sync, and reports a corrupt KV entry by name instead of crashing or keeping it.
// Each test has a bucket of its own, so a table sees only what its test wrote.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstream } from "@nats-io/jetstream"
import { Kvm, type KV } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { eventually } from "../support/poll.js"
import * as TriggerStore from "../../src/triggers/store.js"
import * as TriggerTable from "../../src/triggers/table.js"
import type { TableChange, TriggerTableShape } from "../../src/triggers/table.js"

let nats: TestNatsServer
let nc: NatsConnection
const scopes: Array<Scope.Closeable> = []

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
})

afterEach(async () => {
  for (const s of scopes.splice(0)) await Effect.runPromise(Scope.close(s, Exit.void))
})

afterAll(async () => {
  await nc?.close()
  await nats?.dispose()
})

let buckets = 0
/** A bucket of this test's own, as serve keeps triggers (one revision per key). */
const freshBucket = async (): Promise<{ kv: KV; store: TriggerStore.TriggerStoreShape }> => {
  const kv = await new Kvm(jetstream(nc)).create(`table_${++buckets}`, { history: 1 })
  return { kv, store: TriggerStore.make(kv) }
}

/** A table over `kv` that records what it reports as corrupt and every change it announces. */
const tableOver = async (kv: KV) => {
  const corrupt: Array<string> = []
  const scope = Effect.runSync(Scope.make())
  scopes.push(scope)
  const table = await Effect.runPromise(Scope.provide(scope)(TriggerTable.make(kv, (m) => void corrupt.push(m))))
  const changes: Array<TableChange> = []
  const unsubscribe = table.subscribe((c) => void changes.push(c))
  return { table, corrupt, changes, unsubscribe }
}

const event = (name: string, subject = `event.${name}`) => ({ name, workflow: "wf", type: "event", subject })
const create = (store: TriggerStore.TriggerStoreShape, def: Record<string, unknown>) =>
  Effect.runPromise(store.create(def))
const names = (table: TriggerTableShape) =>
  table
    .all()
    .map((t) => t.name)
    .sort()

describe("trigger table - load", () => {
  test("trigger table - an empty bucket gives a ready, empty table", async () => {
    const { kv } = await freshBucket()
    const { table } = await tableOver(kv)
    expect(table.ready()).toBe(true)
    expect(table.all()).toStrictEqual([])
    expect(table.get("anything")).toBeUndefined()
  })

  test("trigger table - the 3 triggers stored before it is made are all in it, exactly as stored, with no change announced", async () => {
    const { kv, store } = await freshBucket()
    const stored = [
      await create(store, event("a")),
      await create(store, event("b")),
      await create(store, { name: "c", workflow: "wf", type: "webhook", secrets: ["k"] }),
    ]
    const { table, changes, corrupt } = await tableOver(kv)
    expect(table.ready()).toBe(true)
    expect(names(table)).toStrictEqual(["a", "b", "c"])
    for (const t of stored) expect(table.get(t.name)).toStrictEqual(t)
    expect(changes).toStrictEqual([])
    expect(corrupt).toStrictEqual([])
  })
})

describe("trigger table - watch", () => {
  test("trigger table - a trigger created after the table is in it after sync, announced as a put with no previous", async () => {
    const { kv, store } = await freshBucket()
    const { table, changes } = await tableOver(kv)
    const t = await create(store, event("late"))
    await Effect.runPromise(table.sync)
    expect(table.get("late")).toStrictEqual(t)
    expect(changes).toStrictEqual([{ kind: "put", trigger: t, previous: undefined }])
  })

  test("trigger table - an update replaces the entry and is announced with the version it replaced", async () => {
    const { kv, store } = await freshBucket()
    const before = await create(store, event("upd"))
    const { table, changes } = await tableOver(kv)
    const after = await Effect.runPromise(store.update("upd", { subject: "event.upd.v2" }))
    await Effect.runPromise(table.sync)
    expect(table.get("upd")?.subject).toBe("event.upd.v2")
    expect(changes).toStrictEqual([{ kind: "put", trigger: after, previous: before }])
  })

  test("trigger table - a deleted trigger leaves the table and is announced as a delete with what it was", async () => {
    const { kv, store } = await freshBucket()
    const gone = await create(store, event("gone"))
    await create(store, event("stays"))
    const { table, changes } = await tableOver(kv)
    await Effect.runPromise(store.delete("gone"))
    await Effect.runPromise(table.sync)
    expect(table.get("gone")).toBeUndefined()
    expect(names(table)).toStrictEqual(["stays"])
    expect(changes).toStrictEqual([{ kind: "delete", name: "gone", previous: gone }])
  })

  test("trigger table - after unsubscribe a listener hears of no further change; another listener still does", async () => {
    const { kv, store } = await freshBucket()
    const { table, changes, unsubscribe } = await tableOver(kv)
    const still: Array<string> = []
    table.subscribe((c) => void still.push(c.kind === "put" ? c.trigger.name : c.name))
    const first = await create(store, event("one"))
    await Effect.runPromise(table.sync)
    unsubscribe()
    await create(store, event("two"))
    await Effect.runPromise(table.sync)
    expect(names(table)).toStrictEqual(["one", "two"])
    expect(changes).toStrictEqual([{ kind: "put", trigger: first, previous: undefined }])
    expect(still).toStrictEqual(["one", "two"])
  })
})

describe("trigger table - corrupt entries", () => {
  test("trigger table - a corrupt entry stored before the table is reported by name and left out; the others load", async () => {
    const { kv, store } = await freshBucket()
    const ok = await create(store, event("fine"))
    await kv.put("broken", new TextEncoder().encode("not json"))
    await kv.put("wrong", new TextEncoder().encode(JSON.stringify({ name: "wrong", type: "event" })))
    const { table, corrupt } = await tableOver(kv)
    expect(names(table)).toStrictEqual(["fine"])
    expect(table.get("fine")).toStrictEqual(ok)
    expect(corrupt[0]).toBe("trigger broken: stored value is not JSON")
    expect(corrupt[1]).toMatch(/^trigger wrong: stored value is invalid: /)
    expect(corrupt).toHaveLength(2)
  })

  test("trigger table - a trigger overwritten with garbage is reported, dropped, not announced, and later writes still apply", async () => {
    const { kv, store } = await freshBucket()
    await create(store, event("victim"))
    const { table, corrupt, changes } = await tableOver(kv)
    await kv.put("victim", new TextEncoder().encode("{"))
    await eventually(() => expect(corrupt).toStrictEqual(["trigger victim: stored value is not JSON"]), 10_000)
    expect(table.get("victim")).toBeUndefined()
    const next = await create(store, event("after"))
    await Effect.runPromise(table.sync)
    expect(table.get("after")).toStrictEqual(next)
    expect(changes).toStrictEqual([{ kind: "put", trigger: next, previous: undefined }])
  })
})

describe("trigger table - keeps following KV", () => {
  test("trigger table - a listener that throws is reported by the change's key, and later changes still apply and are announced", async () => {
    const { kv, store } = await freshBucket()
    const { table, corrupt, changes } = await tableOver(kv)
    const unsubscribe = table.subscribe((c) => {
      if (c.kind === "put" && c.trigger.name === "boom") throw new Error("listener bug")
    })
    await create(store, event("boom"))
    await eventually(() =>
      expect(corrupt).toStrictEqual(["trigger table change boom not applied: Error: listener bug"]),
    )
    unsubscribe()
    const next = await create(store, event("later"))
    await Effect.runPromise(table.sync)
    expect(table.get("later")).toStrictEqual(next)
    expect(changes.map((c) => (c.kind === "put" ? c.trigger.name : c.name))).toStrictEqual(["boom", "later"])
  })

  // Last in the file: it takes the file's server away and brings it back.
  test("trigger table - across a NATS restart, writes made after it reach the table and each change is announced once", async () => {
    const { kv, store } = await freshBucket()
    const before = await create(store, event("before"))
    const { table, changes } = await tableOver(kv)
    await nats.stop()
    await nats.start()
    const after = await eventually(() => create(store, event("after")), 30_000, 250)
    await eventually(() => expect(table.get("after")).toStrictEqual(after), 30_000)
    expect(table.get("before")).toStrictEqual(before)
    expect(changes).toStrictEqual([{ kind: "put", trigger: after, previous: undefined }])
  })
})
