// Proves OTEL_TRACES_EXPORTER beyond OTLP: with `console` and no collector, a webhook's spans are
// printed on serve's stdout, one JSON object per span, as one trace under the inbound traceparent;
// an exporter dagnats does not have is named in one warning at start that lists the ones it has.
import { describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { startServe } from "../support/serve.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"
const BODY = '{"hello":"console"}'

interface ConsoleSpan {
  readonly traceId: string
  readonly parentId?: string
  readonly id: string
  readonly name: string
  readonly kind: number
  readonly attributes: Record<string, unknown>
  readonly resource: { readonly attributes: Record<string, unknown> }
}

const stack = e2eStack({ serve: { env: { OTEL_TRACES_EXPORTER: "console", OTEL_EXPORTER_OTLP_ENDPOINT: "" } } })

describe("ops telemetry - console exporter", () => {
  it("ops telemetry - OTEL_TRACES_EXPORTER=console prints a webhook's spans on stdout as JSON lines, one trace under the inbound traceparent", async () => {
    let stdout = ""
    stack.serve.child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
    expect(stack.serve.log()).toContain("printing traces on stdout (OTEL_TRACES_EXPORTER=console)")
    expect(stack.serve.log()).not.toContain("exporting traces over OTLP")
    await webhookTrigger(stack.raw.nc, "printed", { secrets: ["s"] })
    const r = await send(`${stack.serve.baseUrl}/v1/webhooks/printed`, {
      body: BODY,
      headers: signed("s", BODY, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }),
    })
    expect(r.status).toBe(202)
    const spans = () =>
      stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as ConsoleSpan)
    const byName = (name: string) => spans().find((s) => s.name === name && s.traceId === TRACE_ID)
    await eventually(() => {
      for (const n of ["webhook.request", "webhook.verify", "webhook.publish", "evaluator.evaluate", "run.start"]) {
        if (byName(n) === undefined) throw new Error(`no ${n} span printed yet; have ${stdout}`)
      }
    }, 20_000)
    const request = byName("webhook.request")!
    expect(request).toMatchObject({ parentId: CALLER_SPAN, kind: 1 })
    expect(request.attributes["http.response.status_code"]).toBe(202)
    expect(request.resource.attributes["service.name"]).toBe("dagnats")
    expect(byName("webhook.verify")!.parentId).toBe(request.id)
    const publish = byName("webhook.publish")!
    expect(publish.parentId).toBe(request.id)
    const evaluate = byName("evaluator.evaluate")!
    expect(evaluate.parentId).toBe(publish.id)
    expect(byName("run.start")!.parentId).toBe(evaluate.id)
  })

  it("ops telemetry - an unsupported OTEL_TRACES_EXPORTER value gets one warning at start naming it and the exporters dagnats has", async () => {
    const serve = await startServe({ natsUrl: stack.url, env: { OTEL_TRACES_EXPORTER: "zipkin" } })
    try {
      const warnings = serve
        .log()
        .split("\n")
        .filter((l) => l.includes("OTEL_TRACES_EXPORTER"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        /WARN +OTEL_TRACES_EXPORTER zipkin is not supported and is ignored: dagnats exports traces with otlp, console, none$/,
      )
    } finally {
      expect(await serve.stop()).toBe(0)
    }
  })
})
