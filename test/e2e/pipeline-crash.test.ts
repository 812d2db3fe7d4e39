// Proves exactly once across a crash of the whole pipeline: one serve takes a burst of webhooks over
// HTTP and evaluates them in the same process, with many events in flight at once, and is SIGKILLed
// in the middle of it. Whatever it was doing at that instant (reading a request, waiting for a
// PubAck, creating a run record, publishing workflow.started, acking), every webhook that reached
// EVENTS ends with exactly one run once another serve took over, and every 202 is one of them.
import { expect, test } from "vitest"
import { perTestResources } from "../support/per-test.js"
import { openRawNats } from "../support/raw-nats.js"
import { send, signed } from "./ingest-support.js"

const { natsServer, serveOn, track } = perTestResources()

const SECRET = "burst-secret"
const N = 400
const CONCURRENCY = 25
/** Accepted webhooks after which serve is killed: well inside the burst, with requests in flight. */
const KILL_AFTER = 150

test("pipeline crash - a serve SIGKILLed during a burst of 400 webhooks leaves every stored webhook with exactly one run and every 202 among them", async () => {
  const nats = await natsServer()
  const doomed = await serveOn(nats)
  const raw = track(await openRawNats(nats.url), (r) => r.close())
  await raw.request("dagnats.triggers.create", {
    name: "burst",
    workflow: "burst-wf",
    type: "webhook",
    secrets: [SECRET],
  })

  const acceptedSeqs: Array<number> = []
  let next = 0
  let killed: Promise<void> | undefined
  const sender = async () => {
    while (next < N) {
      const i = next++
      const body = JSON.stringify({ i })
      const reply = await send(`${doomed.baseUrl}/v1/webhooks/burst`, { body, headers: signed(SECRET, body) }).catch(
        () => undefined,
      )
      // Only the crash may fail a request: before it, every webhook is accepted.
      if (reply === undefined) continue
      expect(reply.status).toBe(202)
      acceptedSeqs.push(reply.json.seq)
      if (acceptedSeqs.length === KILL_AFTER) killed ??= doomed.kill()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, sender))
  await killed
  expect(acceptedSeqs.length).toBeGreaterThanOrEqual(KILL_AFTER)

  await serveOn(nats)
  // Events the killed serve held unacknowledged come back after the consumer's ack wait.
  await raw.settled(50_000)
  const stored = (await raw.messages("EVENTS", "event.webhook.burst")).map((m) => m.seq)
  // Stored: everything that got its 202, plus any webhook whose PubAck was in flight at the kill.
  expect(stored).toEqual(expect.arrayContaining(acceptedSeqs))
  const runs = await raw.allRuns()
  expect(runs.map((r) => r.event.seq).sort((a, b) => a - b)).toStrictEqual(stored)
  expect(new Set(runs.map((r) => r.run_id)).size).toBe(stored.length)
  expect((await raw.jsm.streams.info("WORKFLOW_HISTORY")).state.messages).toBe(stored.length)
  // One fired record per stored webhook, naming its run: a redelivery's record is deduplicated.
  const runOf = new Map(runs.map((r) => [r.event.seq, r.run_id]))
  const fires = await raw.fires("burst")
  expect(fires.map((f) => [f.outcome, f.event.seq, f.run_id])).toStrictEqual(
    stored.map((seq) => ["fired", seq, runOf.get(seq)]),
  )
}, 90_000)
