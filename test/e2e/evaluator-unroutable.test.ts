// Proves what happens to an event on a subject that is no valid NATS subject (control characters,
// a literal wildcard), which nats-server stores all the same: it is acked without evaluation and
// starts no run; each trigger the server routed it to records `error` saying why; it is counted on
// /metrics by reason (never by subject); serve logs one warning with the subject escaped, so its
// control characters never reach the log raw.
import { beforeAll, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { send } from "./ingest-support.js"

const stack = e2eStack()

beforeAll(async () => {
  await stack.raw.request("dagnats.triggers.create", {
    name: "gh",
    workflow: "gh-wf",
    type: "event",
    subject: "event.gh.*",
  })
  await stack.raw.request("dagnats.triggers.list", {})
})

test("unroutable events - control characters and a literal wildcard: acked, no run, an error record for the trigger reached, counted by reason, one escaped warning each", async () => {
  const reached = "event.gh.a\u0001b"
  const nowhere = "event.zz.\u001b[31mred"
  const wildcard = "event.gh.a*b"
  const seqReached = await stack.raw.publish(reached, '{"n":1}')
  const seqNowhere = await stack.raw.publish(nowhere, '{"n":2}')
  const seqWildcard = await stack.raw.publish(wildcard, '{"n":3}')
  await stack.raw.settled()

  const fires = (await stack.raw.fires("gh")).map((f) => ({ outcome: f.outcome, error: f.error, event: f.event }))
  expect(fires).toStrictEqual([
    {
      outcome: "error",
      error: "not evaluated: the event subject has whitespace or control characters",
      event: { subject: reached, seq: seqReached },
    },
    {
      outcome: "error",
      error: "not evaluated: the event subject has a wildcard character (* or >)",
      event: { subject: wildcard, seq: seqWildcard },
    },
  ])
  expect(await stack.raw.allRuns()).toStrictEqual([])

  const metrics = (await send(`${stack.serve.baseUrl}/metrics`, { method: "GET" })).text
  expect(metrics).toMatch(/^dagnats_events_unroutable_total\{reason="control_characters"\} 2$/m)
  expect(metrics).toMatch(/^dagnats_events_unroutable_total\{reason="wildcard"\} 1$/m)
  expect(metrics).toMatch(/^dagnats_trigger_outcomes_total\{outcome="error"\} 2$/m)

  const log = stack.serve.log()
  // Evaluated concurrently: the warnings come in any order.
  const warnings = log
    .split("\n")
    .filter((l) => l.includes("not evaluated"))
    .map((l) => l.slice(l.indexOf("event #")))
    .sort()
  const line = (seq: number, subject: string, reason: string, triggers: number) =>
    `event #${seq} on ${JSON.stringify(subject)} not evaluated: its subject is not a valid NATS subject ` +
    `(${reason}); acked, ${triggers} trigger(s) it reached recorded it subject=${JSON.stringify(subject)} seq=${seq}`
  expect(warnings).toStrictEqual(
    [
      line(seqReached, reached, "control_characters", 1),
      line(seqNowhere, nowhere, "control_characters", 0),
      line(seqWildcard, wildcard, "wildcard", 1),
    ].sort(),
  )
  expect(log).not.toMatch(/[\u0001\u001b]/)
})
