// Proves ingest answers 503 with Retry-After while JetStream cannot acknowledge (NATS stopped or hung), reports it on /readyz, and recovers without restarting serve.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { freeze, thaw } from "../support/freeze.js"
import { natsServerPid, send, signed, webhookTrigger } from "./ingest-support.js"

const SECRET = "recovery-secret"
const BODY = '{"ping":true}'

const stack = e2eStack()
const post = () => send(`${stack.serve.baseUrl}/v1/webhooks/hook`, { body: BODY, headers: signed(SECRET, BODY) })
const readyz = () => send(`${stack.serve.baseUrl}/readyz`, { method: "GET" })
const metric = async (name: string) => {
  const text = (await send(`${stack.serve.baseUrl}/metrics`, { method: "GET" })).text
  return new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]
}

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: [SECRET] })
})

describe("webhook recovery", () => {
  it("webhook recovery - NATS stopped: 503 unavailable with Retry-After within 6 s, /readyz 503; NATS back: 202 again from the same serve", async () => {
    expect((await post()).status).toBe(202)
    expect((await readyz()).status).toBe(200)
    const pid = stack.serve.child.pid

    await stack.nats.stop()
    const refused = await eventually(async () => {
      const r = await post()
      expect(r.status).toBe(503)
      return r
    }, 6_000)
    expect(refused.json.error.code).toBe("unavailable")
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0)
    const notReady = await readyz()
    expect(notReady.status).toBe(503)
    expect(notReady.json.checks.nats).toBe("disconnected")
    expect(await metric("dagnats_nats_connected")).toBe("0")
    expect((await send(`${stack.serve.baseUrl}/healthz`, { method: "GET" })).status).toBe(200)

    await stack.nats.start()
    await eventually(async () => expect((await post()).status).toBe(202), 20_000, 100)
    expect((await readyz()).status).toBe(200)
    expect(await metric("dagnats_nats_connected")).toBe("1")
    expect(stack.serve.child.pid).toBe(pid)
    expect(stack.serve.child.exitCode).toBeNull()
  })

  it("webhook recovery - NATS hung (connected, never acknowledging): 503 after the 5 s budget; answering again once it resumes", async () => {
    const pid = natsServerPid(stack.nats.storeDir)
    await freeze(pid)
    try {
      const r = await post()
      expect(r.status).toBe(503)
      expect(r.json.error).toEqual({
        code: "unavailable",
        message: expect.stringContaining("did not acknowledge within 5s"),
      })
      expect(r.headers["retry-after"]).toBeDefined()
    } finally {
      thaw(pid)
    }
    await eventually(async () => expect((await post()).status).toBe(202), 10_000, 100)
  })
})
