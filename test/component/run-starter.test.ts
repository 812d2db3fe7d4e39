// Proves src/runs/starter.ts against a real nats-server: a run start writes the run record and
// `workflow.started` together, each conditional on the server, so a repeated start (a redelivery or
// a replay, however late: the event is refused once the run's history holds anything, not only
// within the duplicate window) adds nothing, and a start that stored only one of the writes is
// completed by the next. Each test uses run ids of its own.
import type { NatsHandles } from "../../src/nats/connection.js"
import { natsHandles } from "../support/nats-handles.js"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect } from "effect"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream"
import { Kvm, type KV } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { make } from "../../src/runs/starter.js"
import type { RunSpec } from "../../src/domain/workflow-started.js"

let nats: TestNatsServer
let nc: NatsConnection
let jsm: JetStreamManager
let runs: KV

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  jsm = await jetstreamManager(nc)
  await jsm.streams.add({ name: "WORKFLOW_HISTORY", subjects: ["history.>"] })
  runs = await new Kvm(nc).create("starter_runs")
  publisher = (await natsHandles(nc)).publisher
})

afterAll(async () => {
  await nc?.close()
  await nats?.dispose()
})

const spec = (runId: string): RunSpec => ({
  runId,
  workflow: "wf",
  input: { n: 1 },
  source: "event",
  triggerName: "t",
  event: { subject: "event.t", seq: 1 } as RunSpec["event"],
  count: 1,
})
let publisher: NatsHandles["publisher"]
const starter = () => make(runs, publisher, "starter_runs")
const historyTypes = async (runId: string) => {
  const info = await jsm.streams.info("WORKFLOW_HISTORY", { subjects_filter: `history.${runId}` })
  const n = info.state.subjects?.[`history.${runId}`] ?? 0
  if (n === 0) return []
  const m = await jsm.streams.getMessage("WORKFLOW_HISTORY", { last_by_subj: `history.${runId}` })
  return [n, m?.json<{ type: string }>().type]
}

describe("run starter", () => {
  test("starter - a first start creates the record and publishes one workflow.started; a second start reports created false and publishes nothing", async () => {
    const id = "a".repeat(32)
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: true })
    expect((await runs.get(id))?.json<{ status: string }>().status).toBe("pending")
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: false })
    expect(await historyTypes(id)).toStrictEqual([1, "workflow.started"])
  })

  test("starter - a run record deleted by hand is created again on the next start (its key holds a delete marker, not a record)", async () => {
    const id = "d".repeat(32)
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: true })
    await runs.delete(id)
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: true })
    expect((await runs.get(id))?.json<{ status: string }>().status).toBe("pending")
    expect(await historyTypes(id)).toStrictEqual([1, "workflow.started"])
  })

  test("starter - a record stored without its workflow.started (a crash between the writes) gets the event on the next start", async () => {
    const id = "b".repeat(32)
    await runs.create(id, new TextEncoder().encode("{}"))
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: false })
    expect(await historyTypes(id)).toStrictEqual([1, "workflow.started"])
  })

  test("starter - a run whose history already moved on (the engine wrote after workflow.started) gets no second workflow.started, and its record is created", async () => {
    const id = "c".repeat(32)
    await jetstream(nc).publish(`history.${id}`, JSON.stringify({ type: "workflow.completed" }))
    expect(await Effect.runPromise(starter().start(spec(id)))).toStrictEqual({ runId: id, created: true })
    expect(await historyTypes(id)).toStrictEqual([1, "workflow.completed"])
  })
})
