// Proves ingest answers 503 with Retry-After while JetStream cannot acknowledge (NATS stopped or hung), reports it on /readyz, and recovers without restarting serve.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { natsServerPid, send, signed, webhookTrigger } from "./ingest-support.js"

const SECRET = "recovery-secret"
const BODY = '{"ping":true}'

let nats: TestNatsServer
let serve: ServeProcess
const post = () => send(`${serve.baseUrl}/v1/webhooks/hook`, { body: BODY, headers: signed(SECRET, BODY) })
const readyz = () => send(`${serve.baseUrl}/readyz`, { method: "GET" })
const metric = async (name: string) => {
  const text = (await send(`${serve.baseUrl}/metrics`, { method: "GET" })).text
  return new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]
}

beforeAll(async () => {
  nats = await startNatsServer()
  serve = await startServe({ natsUrl: nats.url })
  const nc: NatsConnection = await connect({ servers: nats.url })
  await webhookTrigger(nc, "hook", { secrets: [SECRET] })
  await nc.close()
})

afterAll(async () => {
  await serve?.stop()
  await nats?.dispose()
})

describe("webhook recovery", () => {
  it("webhook recovery - NATS stopped: 503 unavailable with Retry-After within 6 s, /readyz 503; NATS back: 202 again from the same serve", async () => {
    expect((await post()).status).toBe(202)
    expect((await readyz()).status).toBe(200)
    const pid = serve.child.pid

    await nats.stop()
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
    expect((await send(`${serve.baseUrl}/healthz`, { method: "GET" })).status).toBe(200)

    await nats.start()
    await eventually(async () => expect((await post()).status).toBe(202), 20_000, 100)
    expect((await readyz()).status).toBe(200)
    expect(await metric("dagnats_nats_connected")).toBe("1")
    expect(serve.child.pid).toBe(pid)
    expect(serve.child.exitCode).toBeNull()
  })

  it("webhook recovery - NATS hung (connected, never acknowledging): 503 after the 5 s budget; answering again once it resumes", async () => {
    const pid = natsServerPid(nats.storeDir)
    process.kill(pid, "SIGSTOP")
    try {
      const r = await post()
      expect(r.status).toBe(503)
      expect(r.json.error).toEqual({
        code: "unavailable",
        message: expect.stringContaining("did not acknowledge within 5s"),
      })
      expect(r.headers["retry-after"]).toBeDefined()
    } finally {
      process.kill(pid, "SIGCONT")
    }
    await eventually(async () => expect((await post()).status).toBe(202), 10_000, 100)
  })
})
