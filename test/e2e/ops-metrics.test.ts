// Proves /metrics carries what an on-call needs, with bounded labels: webhook requests by status
// with their latency histogram, publish latency, evaluation outcomes, the evaluator consumer's
// backlog, runs started by trigger type, run status changes, open windows, dead letters and the NATS
// connection gauge — and that no label value is a trigger name or a subject.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"
import { createTrigger } from "./windows-support.js"

const BODY = '{"n":1}'
/** Every dagnats metric and its label names (histograms: the labels besides `le`). */
const EXPECTED: Record<string, ReadonlyArray<string>> = {
  dagnats_webhook_requests_total: ["code"],
  dagnats_webhook_request_duration_seconds: ["code"],
  dagnats_webhook_publish_duration_seconds: [],
  dagnats_nats_connected: [],
  dagnats_respond_waiting_requests: [],
  dagnats_trigger_outcomes_total: ["outcome"],
  dagnats_evaluator_pending_messages: [],
  dagnats_evaluator_ack_pending_messages: [],
  dagnats_evaluator_redelivered_messages: [],
  dagnats_evaluator_redeliveries_total: [],
  dagnats_source_pending_messages: ["stream"],
  dagnats_source_ack_pending_messages: ["stream"],
  dagnats_runs_started_total: ["type"],
  dagnats_run_status_changes_total: ["status"],
  dagnats_open_windows: ["kind"],
  dagnats_dead_letters_total: [],
  dagnats_deliveries_suppressed_total: [],
  dagnats_deliveries_record_failures_total: [],
  dagnats_shared_stream_changes_total: ["stream", "setting"],
  dagnats_events_unroutable_total: ["reason"],
}

const stack = e2eStack()

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "metered-hook", { secrets: ["s"] })
  await createTrigger(stack.url, "metered-window", "event.metered.window", ["--debounce", "1h"])
})

const metrics = async () => (await send(`${stack.serve.baseUrl}/metrics`, { method: "GET" })).text

/** Sample lines as [metric family, labels]; `_bucket`, `_sum` and `_count` fold into their histogram. */
const samples = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("dagnats_"))
    .map((l) => {
      const m = /^([a-z_]+?)(?:_bucket|_sum|_count)?(?:\{(.*)\})? (?:[-+.\deE]+|NaN)$/.exec(l)!
      const family = m[1]! in EXPECTED ? m[1]! : l.split(/[{ ]/)[0]!
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]))
      return { family, labels, line: l }
    })

describe("ops metrics - /metrics for an on-call", () => {
  it("ops metrics - a webhook, a 401 and a windowed event show up by status, latency, run type and open windows", async () => {
    expect(
      (await send(`${stack.serve.baseUrl}/v1/webhooks/metered-hook`, { body: BODY, headers: signed("s", BODY) }))
        .status,
    ).toBe(202)
    expect(
      (await send(`${stack.serve.baseUrl}/v1/webhooks/metered-hook`, { body: BODY, headers: signed("bad", BODY) }))
        .status,
    ).toBe(401)
    await stack.raw.nc
      .request("event.metered.window", new TextEncoder().encode("{}"), { timeout: 5_000 })
      .catch(() => undefined)
    // Open windows are counted every 15 s (a listing of the window buckets' keys): allow for two rounds.
    const text = await eventually(async () => {
      const t = await metrics()
      if (!/^dagnats_runs_started_total\{type="webhook"\} 1$/m.test(t)) throw new Error("webhook run not counted yet")
      if (!/^dagnats_open_windows\{kind="debounce"\} 1$/m.test(t)) throw new Error("open window not polled yet")
      return t
    }, 40_000)
    expect(text).toMatch(/^dagnats_webhook_requests_total\{code="202"\} 1$/m)
    expect(text).toMatch(/^dagnats_webhook_requests_total\{code="401"\} 1$/m)
    expect(text).toMatch(/^dagnats_webhook_request_duration_seconds_count\{code="202"\} 1$/m)
    expect(text).toMatch(/^dagnats_webhook_request_duration_seconds_bucket\{le="\+Inf",code="401"\} 1$/m)
    expect(text).toMatch(/^dagnats_webhook_publish_duration_seconds_count 1$/m)
    expect(text).toMatch(/^dagnats_trigger_outcomes_total\{outcome="fired"\} 1$/m)
    expect(text).toMatch(/^dagnats_open_windows\{kind="batch"\} 0$/m)
    expect(text).toMatch(/^dagnats_evaluator_pending_messages 0$/m)
    expect(text).toMatch(/^dagnats_dead_letters_total 0$/m)
    expect(text).toMatch(/^dagnats_nats_connected 1$/m)
    // No OTEL_EXPORTER_OTLP_ENDPOINT here: no trace export is set up.
    expect(stack.serve.log()).not.toContain("exporting traces")
  })

  it("ops metrics - every dagnats metric is declared with its help and type, its label names are exactly the bounded set, and no value is a trigger name or subject", async () => {
    const text = await metrics()
    for (const name of Object.keys(EXPECTED)) {
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S`, "m"))
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"))
    }
    const families = new Set<string>()
    for (const s of samples(text)) {
      families.add(s.family)
      expect(Object.keys(EXPECTED), s.line).toContain(s.family)
      expect(
        Object.keys(s.labels)
          .filter((k) => k !== "le")
          .sort(),
        s.line,
      ).toEqual([...EXPECTED[s.family]!].sort())
      for (const v of Object.values(s.labels)) expect(v, s.line).not.toMatch(/metered|event\.|webhook\./)
    }
    expect([...families].sort()).toEqual(
      Object.keys(EXPECTED)
        // Labelled counters with nothing counted yet have no sample.
        .filter(
          (n) =>
            ![
              "dagnats_run_status_changes_total",
              "dagnats_shared_stream_changes_total",
              "dagnats_events_unroutable_total",
              // Labelled by source stream: no trigger here reads one.
              "dagnats_source_pending_messages",
              "dagnats_source_ack_pending_messages",
            ].includes(n),
        )
        .sort(),
    )
  })
})
