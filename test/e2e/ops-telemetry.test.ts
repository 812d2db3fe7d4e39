// Proves serve's operator telemetry end to end: --log-format json makes every line serve writes a
// JSON object with ts/level/msg (and what the line is about), and with OTEL_EXPORTER_OTLP_ENDPOINT
// a webhook's spans reach an OTLP/HTTP receiver as one trace joined to the inbound traceparent.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { jetstream } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { send, signed, triggers, webhookTrigger } from "./ingest-support.js"

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: Record<string, unknown> }>
}

/** An OTLP/HTTP receiver (JSON encoding) that keeps every span and the resource it came with. */
const startReceiver = async () => {
  const spans: Array<OtlpSpan> = []
  const resources: Array<unknown> = []
  const paths: Array<string> = []
  const server: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (d: Buffer) => (body += d.toString()))
    req.on("end", () => {
      paths.push(`${req.method} ${req.url} ${req.headers["content-type"]} ${req.headers["x-tenant"]}`)
      const doc = JSON.parse(body) as {
        resourceSpans: Array<{ resource: unknown; scopeSpans: Array<{ spans: Array<OtlpSpan> }> }>
      }
      for (const rs of doc.resourceSpans) {
        resources.push(rs.resource)
        for (const ss of rs.scopeSpans) spans.push(...ss.spans)
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  return {
    spans,
    resources,
    paths,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(r)),
  }
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"
const BODY = '{"hello":"trace"}'

let receiver: Awaited<ReturnType<typeof startReceiver>>

// Registered before the stack's hooks: the receiver is up before serve starts and closed after it stops.
beforeAll(async () => {
  receiver = await startReceiver()
})

afterAll(async () => {
  await receiver?.close()
})

const stack = e2eStack({
  serve: () => ({
    args: ["--log-format", "json"],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "x-tenant=ops%20test",
      OTEL_SERVICE_NAME: "dagnats-ops-test",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      DAGNATS_LOG_LEVEL: "debug",
    },
  }),
})

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "traced", { secrets: ["s"] })
})

describe("ops telemetry - traces and JSON logs", () => {
  it("ops telemetry - a webhook's spans reach the OTLP receiver as one trace under the inbound traceparent: request → verify, publish → evaluate → run start", async () => {
    const r = await send(`${stack.serve.baseUrl}/v1/webhooks/traced`, {
      body: BODY,
      headers: signed("s", BODY, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }),
    })
    expect(r.status).toBe(202)
    const byName = (name: string) => receiver.spans.find((s) => s.name === name && s.traceId === TRACE_ID)
    await eventually(() => {
      for (const n of ["webhook.request", "webhook.verify", "webhook.publish", "evaluator.evaluate", "run.start"]) {
        if (byName(n) === undefined)
          throw new Error(`no ${n} span yet; have ${receiver.spans.map((s) => s.name).join(", ")}`)
      }
    }, 20_000)
    const request = byName("webhook.request")!
    expect(request.parentSpanId).toBe(CALLER_SPAN)
    const status = request.attributes?.find((a) => a.key === "http.response.status_code")?.value
    expect(Number(status?.["intValue"])).toBe(202)
    expect(byName("webhook.verify")!.parentSpanId).toBe(request.spanId)
    const publish = byName("webhook.publish")!
    expect(publish.parentSpanId).toBe(request.spanId)
    const evaluate = byName("evaluator.evaluate")!
    expect(evaluate.parentSpanId).toBe(publish.spanId)
    expect(byName("run.start")!.parentSpanId).toBe(evaluate.spanId)
    expect(receiver.paths).toContain("POST /v1/traces application/json ops test")
    expect(JSON.stringify(receiver.resources[0])).toContain('"dagnats-ops-test"')
  })

  it("ops telemetry - an event a NATS client publishes with a traceparent header is evaluated in that trace", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c"
    const publisherSpan = "b7ad6b7169203331"
    await triggers(stack.raw.nc, "create", {
      name: "traced-event",
      workflow: "wf",
      type: "event",
      subject: "event.traced.x",
    })
    // `list` answers once serve's trigger table has caught up with the create.
    await triggers(stack.raw.nc, "list", {})
    const h = natsHeaders()
    h.set("traceparent", `00-${traceId}-${publisherSpan}-01`)
    await jetstream(stack.raw.nc).publish("event.traced.x", new TextEncoder().encode('{"a":1}'), { headers: h })
    const evaluate = await eventually(() => {
      const span = receiver.spans.find((x) => x.name === "evaluator.evaluate" && x.traceId === traceId)
      if (span === undefined) throw new Error("no evaluate span in the publisher's trace yet")
      return span
    }, 20_000)
    expect(evaluate.parentSpanId).toBe(publisherSpan)
    await eventually(() => {
      const run = receiver.spans.find((x) => x.name === "run.start" && x.traceId === traceId)
      if (run === undefined) throw new Error("no run.start span yet")
      expect(run.parentSpanId).toBe(evaluate.spanId)
    }, 20_000)
  })

  it("ops telemetry - each webhook answered is one info line with its delivery id, trigger, status, code and latency as JSON fields", async () => {
    const r = await send(`${stack.serve.baseUrl}/v1/webhooks/traced`, { body: BODY, headers: signed("no", BODY) })
    expect(r.status).toBe(401)
    const id = r.json.delivery_id as string
    const line = await eventually(() => {
      const found = stack.serve
        .log()
        .split("\n")
        .find((l) => l.includes(id))
      if (found === undefined) throw new Error(`no log line with delivery ${id} yet`)
      return found
    })
    expect(JSON.parse(line)).toStrictEqual({
      ts: expect.any(String),
      level: "info",
      msg: "webhook answered",
      delivery: id,
      trigger: "traced",
      status: 401,
      code: "invalid_signature",
      latency_ms: expect.any(Number),
    })
  })

  it("ops telemetry - with --log-format json every line serve writes, through shutdown, is one JSON object with ts, level and msg; a 401 line names its trigger", async () => {
    // A 401 at debug level is logged with the trigger it is about.
    expect(
      (await send(`${stack.serve.baseUrl}/v1/webhooks/traced`, { body: BODY, headers: signed("wrong", BODY) })).status,
    ).toBe(401)
    await eventually(() => {
      if (!stack.serve.log().includes("invalid_signature")) throw new Error("no 401 line yet")
    })
    expect(await stack.serve.stop()).toBe(0)
    const lines = stack.serve
      .log()
      .split("\n")
      .filter((l) => l !== "")
    expect(lines.some((l) => l.includes("NATS connection drained"))).toBe(true)
    expect(lines.length).toBeGreaterThan(5)
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>
      expect(typeof o["ts"]).toBe("string")
      expect(Number.isNaN(Date.parse(o["ts"] as string))).toBe(false)
      expect(["debug", "info", "warn", "error"]).toContain(o["level"])
      expect(typeof o["msg"]).toBe("string")
    }
    const ready = lines.map((l) => JSON.parse(l)).find((o) => o.msg === "dagnats serve ready")
    expect(ready).toMatchObject({ level: "info" })
    const unauthorized = lines.map((l) => JSON.parse(l)).find((o) => String(o.msg).includes("invalid_signature"))
    expect(unauthorized).toMatchObject({ level: "debug", trigger: "traced" })
  })
})
