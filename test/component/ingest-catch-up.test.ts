// Proves a webhook sent the moment its trigger's create returned finds the trigger even when this
// serve's table has not yet had it from its KV watch: the table is on one connection, the create on
// another (as when another serve answered `trigger create`), and the lookup follows the create at once.
import { afterAll, beforeAll, expect, test } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import * as TriggerStore from "../../src/triggers/store.js"
import * as TriggerTable from "../../src/triggers/table.js"
import { withTableCaughtUp } from "../../src/ingest/catch-up.js"

let nats: TestNatsServer
let serveSide: NatsConnection
let otherSide: NatsConnection

beforeAll(async () => {
  nats = await startNatsServer()
  serveSide = await connect({ servers: nats.url })
  otherSide = await connect({ servers: nats.url })
})

afterAll(async () => {
  await serveSide?.close()
  await otherSide?.close()
  await nats?.dispose()
})

test("ingest catch-up - each of 20 triggers created on another connection is found by the webhook lookup right after its create returns", async () => {
  await new Kvm(jetstream(serveSide)).create("catch_up", { history: 1 })
  const scope = Effect.runSync(Scope.make())
  try {
    const kv = await new Kvm(jetstream(serveSide)).open("catch_up")
    const table = await Effect.runPromise(Scope.provide(scope)(TriggerTable.make(kv, () => undefined)))
    const store = TriggerStore.make(await new Kvm(jetstream(otherSide)).open("catch_up"))
    const lookup = withTableCaughtUp(table, (req: { name: string }) => Effect.sync(() => table.get(req.name)?.name))
    const found: Array<string | undefined> = []
    for (let i = 0; i < 20; i++) {
      const name = `fresh-${i}`
      await Effect.runPromise(store.create({ name, workflow: "wf", type: "webhook" }))
      found.push(await Effect.runPromise(lookup({ name })))
    }
    expect(found).toStrictEqual(Array.from({ length: 20 }, (_, i) => `fresh-${i}`))
    // A name that was never created is still not found (the pipeline answers 404).
    expect(await Effect.runPromise(lookup({ name: "never-created" }))).toBeUndefined()
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
})
