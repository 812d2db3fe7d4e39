// Proves the delivery recorder against a real nats-server and serve's publisher: the records of one
// event-loop turn are all stored though only the last asks for an acknowledgement, and when the
// stream is gone every one of them is counted as not written, not only the acknowledged one.
import { afterAll, beforeAll, expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { natsHandles } from "../support/nats-handles.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import { jsonHeaders } from "../../src/nats/publish-json.js"
import { makeRecorder, type Seen } from "../../src/deliveries/index.js"
import { eventually } from "../support/poll.js"

let nats: TestNatsServer
let nc: NatsConnection
let handles: NatsHandles

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  handles = await natsHandles(nc)
})

afterAll(async () => {
  await nc?.close()
  await nats?.dispose()
})

const seen = (id: string, name: string): Seen => ({
  id,
  receivedAtMs: Date.now(),
  name,
  method: "POST",
  path: `/v1/webhooks/${name}`,
  remoteAddr: "127.0.0.1",
  contentType: "application/json",
  rawHeaders: ["Content-Type", "application/json"],
  body: new TextEncoder().encode("{}"),
  declaredLength: 2,
  status: 202,
  code: undefined,
  durationMs: 1,
})

const recorder = (failures: { n: number }) =>
  makeRecorder({
    publish: (subject, data) => handles.publisher.publish(subject, data, jsonHeaders()),
    send: (subject, data) => handles.publisher.send(subject, data, jsonHeaders()),
    nowMs: Date.now,
    countSuppressed: () => {},
    countFailures: (n) => void (failures.n += n),
    logFailure: () => {},
  })

test("delivery recorder - 600 records made in one turn are all stored, in order, and none is counted as failed", async () => {
  await handles.jsm.streams.add({ name: "DAGNATS_DELIVERIES", subjects: ["dagnats.deliveries.*.*"] })
  const failures = { n: 0 }
  const rec = recorder(failures)
  const ids = Array.from({ length: 600 }, (_, i) => `ID${String(i).padStart(4, "0")}`)
  for (const id of ids) rec.record(seen(id, "burst"))
  await eventually(async () => expect((await handles.jsm.streams.info("DAGNATS_DELIVERIES")).state.messages).toBe(600))
  const first = await handles.jsm.streams.getMessage("DAGNATS_DELIVERIES", { seq: 1 })
  const last = await handles.jsm.streams.getMessage("DAGNATS_DELIVERIES", { seq: 600 })
  expect([first?.subject, last?.subject]).toStrictEqual([
    "dagnats.deliveries.burst.ID0000",
    "dagnats.deliveries.burst.ID0599",
  ])
  rec.close()
  expect(failures.n).toBe(0)
  await handles.jsm.streams.delete("DAGNATS_DELIVERIES")
})

test("delivery recorder - with DAGNATS_DELIVERIES gone, all 300 records of one turn are counted as not written", async () => {
  const failures = { n: 0 }
  const rec = recorder(failures)
  for (let i = 0; i < 300; i++) rec.record(seen(`GONE${i}`, "gone"))
  await eventually(() => expect(failures.n).toBe(300))
  rec.close()
})
