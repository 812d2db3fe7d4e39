// Proves the listener's operational side: health, readiness and metrics endpoints, timeouts for stalled clients, no_secret_configured with its start-up warning, debug logging of 401s, and a clean shutdown.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { startServe } from "../support/serve.js"
import { createConnection } from "node:net"
import { eventually } from "../support/poll.js"
import { runCli } from "../support/cli.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"

const BODY = '{"ping":true}'
/** Short timeouts so stalled clients are cut off quickly (serve's defaults are 10 s and 30 s). */
const TIMEOUT_ENV = { DAGNATS_HTTP_HEADERS_TIMEOUT_MS: "500", DAGNATS_HTTP_REQUEST_TIMEOUT_MS: "1000" }

// No DAGNATS_WEBHOOK_SECRET: triggers without secrets of their own have none.
const stack = e2eStack({ serve: { env: { ...TIMEOUT_ENV, DAGNATS_WEBHOOK_SECRET: "", DAGNATS_LOG_LEVEL: "debug" } } })
const url = (path: string) => `${stack.serve.baseUrl}${path}`

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: ["s"] })
  await webhookTrigger(stack.raw.nc, "secretless")
})

/** Resolves when the server closes `socket`'s connection; rejects after `boundMs`. */
const closedBy = (lines: string, boundMs: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port: stack.serve.httpPort })
    let received = ""
    const bound = setTimeout(() => {
      socket.destroy()
      reject(new Error(`connection still open after ${boundMs} ms`))
    }, boundMs)
    socket.on("data", (d: Buffer) => (received += d.toString()))
    socket.on("close", () => {
      clearTimeout(bound)
      resolve(received)
    })
    socket.on("error", () => undefined)
    socket.write(lines)
  })

describe("webhook server - probes and metrics", () => {
  it("webhook server - GET /healthz is 200 {status: ok}", async () => {
    const r = await send(url("/healthz"), { method: "GET" })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ status: "ok" })
  })

  it("webhook server - GET /readyz is 200 while NATS is connected and the trigger table is loaded", async () => {
    const r = await send(url("/readyz"), { method: "GET" })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ status: "ok", checks: { nats: "connected", triggers: "loaded" } })
  })

  it("webhook server - probes only answer GET and HEAD", async () => {
    expect((await send(url("/healthz"), { method: "HEAD" })).status).toBe(200)
    const r = await send(url("/healthz"), { method: "POST", body: "{}" })
    expect(r.status).toBe(405)
    expect(r.headers["allow"]).toBe("GET, HEAD")
  })

  it("webhook server - GET /metrics is Prometheus text with requests by status code (never by trigger), publish latency and the NATS gauge", async () => {
    await send(url("/v1/webhooks/hook"), { body: BODY, headers: signed("s", BODY) })
    await send(url("/v1/webhooks/hook"), { body: BODY, headers: signed("wrong", BODY) })
    const r = await send(url("/metrics"), { method: "GET" })
    expect(r.status).toBe(200)
    expect(r.headers["content-type"]).toMatch(/^text\/plain/)
    expect(r.text).toMatch(/^dagnats_webhook_requests_total\{code="202"\} [1-9]/m)
    expect(r.text).toMatch(/^dagnats_webhook_requests_total\{code="401"\} [1-9]/m)
    expect(r.text).toMatch(/^dagnats_webhook_publish_duration_seconds_count [1-9]/m)
    expect(r.text).toMatch(/^dagnats_nats_connected 1$/m)
    expect(r.text).toMatch(/^process_resident_memory_bytes /m)
    expect(r.text).not.toMatch(/trigger="/)
  })
})

describe("webhook server - secrets and logging", () => {
  it("webhook server - 401 no_secret_configured when verification is on and neither the trigger nor the environment has a secret", async () => {
    const r = await send(url("/v1/webhooks/secretless"), { body: BODY, headers: signed("anything", BODY) })
    expect(r.status).toBe(401)
    expect(r.json.error.code).toBe("no_secret_configured")
  })

  it("webhook server - at debug level each 401 is logged with the trigger and the reason", async () => {
    await send(url("/v1/webhooks/hook"), { body: BODY, headers: signed("wrong", BODY) })
    await send(url("/v1/webhooks/secretless"), { body: BODY, headers: signed("anything", BODY) })
    await eventually(() => {
      expect(stack.serve.log()).toMatch(
        /DEBUG .*webhook hook: 401 invalid_signature \(hmac-sha256: signature mismatch\)/,
      )
      expect(stack.serve.log()).toMatch(/DEBUG .*webhook secretless: 401 no_secret_configured/)
    }, 5_000)
  })

  it("webhook server - serve warns at start about each webhook trigger that verifies but has no secret; one line each", async () => {
    await webhookTrigger(stack.raw.nc, "secretless-two")
    await webhookTrigger(stack.raw.nc, "opted-out", { verify: false })
    const second = await startServe({ natsUrl: stack.url, env: { DAGNATS_WEBHOOK_SECRET: "" } })
    try {
      const warnings = second
        .log()
        .split("\n")
        .filter((l) => l.includes("verifies signatures but has no secret"))
      expect(warnings).toHaveLength(2)
      expect(warnings.some((l) => l.includes("secretless "))).toBe(true)
      expect(warnings.some((l) => l.includes("secretless-two "))).toBe(true)
      expect(second.log()).toMatch(/HTTP listening on http:\/\/127\.0\.0\.1:\d+/)
    } finally {
      expect(await second.stop()).toBe(0)
    }
    expect(second.log()).toContain("HTTP listener closed")
  })

  it("webhook server - no start-up warning when DAGNATS_WEBHOOK_SECRET covers secretless triggers", async () => {
    const third = await startServe({ natsUrl: stack.url, env: { DAGNATS_WEBHOOK_SECRET: "env" } })
    await third.stop()
    expect(third.log()).not.toContain("verifies signatures but has no secret")
  })
})

describe("webhook server - start and stop", () => {
  it("webhook server - a taken HTTP port exits 1 with one line saying what to do (a typed error, no defect)", async () => {
    const r = await runCli([
      "serve",
      "--nats-url",
      stack.url,
      "--http-addr",
      `127.0.0.1:${stack.serve.httpPort}`,
      "--console-addr",
      "127.0.0.1:0",
    ])
    expect(r.code).toBe(1)
    const last = r.stderr.trimEnd().split("\n").at(-1) ?? ""
    expect(last).toBe(
      `dagnats: cannot listen on 127.0.0.1:${stack.serve.httpPort}: the address is in use; ` +
        "choose another with --http-addr or DAGNATS_HTTP_ADDR",
    )
  })
})

describe("webhook server - slow clients", () => {
  it("webhook server - a client that stalls before its headers are complete is disconnected by the headers timeout", async () => {
    await closedBy("POST /v1/webhooks/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", 10_000)
  })

  it("webhook server - a client that sends its headers and then stalls mid-body is disconnected by the request timeout", async () => {
    const received = await closedBy(
      'POST /v1/webhooks/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
      10_000,
    )
    // Node answers 408 on its way out; either way nothing was stored and the socket is gone.
    expect(received === "" || received.startsWith("HTTP/1.1 408")).toBe(true)
  })

  it("webhook server - serve keeps answering after cutting off stalled clients", async () => {
    expect((await send(url("/v1/webhooks/hook"), { body: BODY, headers: signed("s", BODY) })).status).toBe(202)
  })
})
