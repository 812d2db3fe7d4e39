// Proves runs start exactly once (SPEC §6) across outages: an event accepted by a serve killed before evaluating it, published while no serve ran, or published after nats-server restarted, gets exactly one run.
import { expect, test } from "vitest"
import { type TestNatsServer } from "../support/nats-server.js"
import { perTestResources } from "../support/per-test.js"
import { type ServeProcess } from "../support/serve.js"
import { runJson } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import { freeze } from "../support/freeze.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { openRawNats, withoutAt, type RawNats } from "../support/raw-nats.js"

const { natsServer, serveOn, track } = perTestResources()
const rawOn = async (nats: TestNatsServer) => track(await openRawNats(nats.url), (r) => r.close())

/**
 * Exactly one run for the event `{ n: 1 }` at `seq` on `event.{trigger}`: its run record, one fired record
 * of trigger `{trigger}` (workflow `{trigger}-wf`) and one workflow.started.
 */
const expectOneFiredRun = async (raw: RawNats, trigger: string, seq: number) => {
  const epoch = (await raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
  const runId = runIdFor(trigger, { kind: "sequence", seq, epoch })
  expect((await raw.allRuns()).map((r) => [r.run_id, r.input])).toStrictEqual([[runId, { n: 1 }]])
  expect((await raw.fires(trigger)).map(withoutAt)).toStrictEqual([
    {
      trigger,
      workflow: `${trigger}-wf`,
      outcome: "fired",
      run_id: runId,
      count: 1,
      event: { subject: `event.${trigger}`, seq },
    },
  ])
  expect(await raw.messages("WORKFLOW_HISTORY", `history.${runId}`)).toHaveLength(1)
}

test("exactly once - an event accepted by an ingest-only serve that is then killed starts exactly one run once an evaluating serve starts", async () => {
  const nats = await natsServer()
  // The first serve ever on this NATS system only ingests: it must still keep events for evaluation.
  const ingestOnly: ServeProcess = await serveOn(nats, { DAGNATS_EVALUATOR: "off" })
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "crash",
    workflow: "crash-wf",
    type: "event",
    subject: "event.crash",
  })
  const published = await runJson(["event", "publish", "event.crash", '{"n":1}', "--nats-url", nats.url])
  await ingestOnly.kill()
  expect(await raw.allRuns()).toStrictEqual([])

  await serveOn(nats)
  await raw.settled()
  await expectOneFiredRun(raw, "crash", published.seq)
})

test("exactly once - an event delivered to a serve killed before evaluating it starts exactly one run after restart", async () => {
  const nats = await natsServer()
  const first = await serveOn(nats)
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "frozen",
    workflow: "frozen-wf",
    type: "event",
    subject: "event.frozen",
  })
  await raw.request("dagnats.triggers.list", {})
  // Stopped, the serve cannot evaluate what NATS delivers into its open pull request.
  await freeze(first.child.pid!)
  let seq = 0
  try {
    seq = await raw.publish("event.frozen", JSON.stringify({ n: 1 }))
    await eventually(async () => {
      const c = await raw.jsm.consumers.info("EVENTS", "dagnats-evaluator")
      expect([c.delivered.stream_seq, c.num_ack_pending]).toStrictEqual([seq, 1])
    }, 20_000)
  } finally {
    await first.kill()
  }
  expect(await raw.allRuns()).toStrictEqual([])

  // The delivery the killed serve never acknowledged comes again once its ack wait has passed.
  await serveOn(nats)
  await raw.settled(30_000)
  await expectOneFiredRun(raw, "frozen", seq)
})

test("exactly once - events published while no serve runs are evaluated when one starts", async () => {
  const nats = await natsServer()
  const first = await serveOn(nats)
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "offline",
    workflow: "offline-wf",
    type: "event",
    subject: "event.offline.*",
  })
  await first.stop()
  const seqs = await Promise.all([1, 2, 3].map((i) => raw.publish(`event.offline.${i}`, JSON.stringify({ i }))))
  await serveOn(nats)
  await raw.settled()
  expect((await raw.allRuns()).map((r) => r.event.seq).sort((a, b) => a - b)).toStrictEqual(seqs.sort((a, b) => a - b))
})

test("exactly once - the evaluator keeps consuming after nats-server restarts under it", async () => {
  const nats = await natsServer()
  await serveOn(nats)
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "restart",
    workflow: "restart-wf",
    type: "event",
    subject: "event.restart",
  })
  await raw.request("dagnats.triggers.list", {})
  const before = await raw.publish("event.restart", '{"n":1}')
  await raw.settled()
  await nats.stop()
  await nats.start()
  // The raw client reconnects by itself; publish once JetStream answers again.
  const after = await eventually(() => raw.publish("event.restart", '{"n":2}'), 20_000, 200)
  await raw.settled(30_000)
  expect((await raw.fires("restart")).map((f) => [f.outcome, f.event.seq])).toStrictEqual([
    ["fired", before],
    ["fired", after],
  ])
  expect((await raw.allRuns()).map((r) => r.input).sort((a, b) => a.n - b.n)).toStrictEqual([{ n: 1 }, { n: 2 }])
}, 60_000)
