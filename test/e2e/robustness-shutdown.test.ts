// Proves a SIGTERM always ends serve: /readyz answers 503 at once while requests are still served for
// the shutdown delay, then serve exits within 30 s with no uncaught error, also when the NATS server
// is frozen (SIGSTOP) or gone; and that webhooks waiting for an ack fail at once when NATS drops.
import { describe, expect, it } from "vitest"
import { connect } from "@nats-io/transport-node"
import { perTestResources } from "../support/per-test.js"
import { startServe } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { freeze, thaw } from "../support/freeze.js"
import { natsServerPid, send, signed, webhookTrigger } from "./ingest-support.js"

const res = perTestResources()
const SECRET = "shutdown-secret"
const BODY = '{"n":1}'
const STOP_DEADLINE_MS = 30_000

/** Serve on its own NATS with one webhook trigger `hook`. */
const setup = async (env: Record<string, string> = {}) => {
  const nats = await res.natsServer()
  const serve = res.track(await startServe({ natsUrl: nats.url, env }), (s) => s.kill())
  const nc = await connect({ servers: nats.url })
  await webhookTrigger(nc, "hook", { secrets: [SECRET] })
  await nc.close()
  const post = () => send(`${serve.baseUrl}/v1/webhooks/hook`, { body: BODY, headers: signed(SECRET, BODY) })
  await eventually(async () => expect((await post()).status).toBe(202), 10_000)
  return { nats, serve, post }
}

/** Resolves with the exit code, or "timeout" when serve is still running at the deadline. */
const exitWithin = (serve: { exited(): Promise<number | null> }, ms: number) =>
  Promise.race([serve.exited(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))])

const noUncaught = (log: string) => {
  expect(log).not.toMatch(/iterator is already yielding/)
  expect(log).not.toMatch(/Uncaught|unhandled|UnhandledPromiseRejection/i)
}

describe("shutdown", () => {
  it("shutdown - SIGTERM: /readyz 503 (serve: stopping) at once, webhooks still 202 during the delay, then exit 0", async () => {
    const { serve, post } = await setup({ DAGNATS_SHUTDOWN_DELAY: "4s" })
    serve.child.kill("SIGTERM")
    const ready = await eventually(
      async () => {
        const r = await send(`${serve.baseUrl}/readyz`, { method: "GET" })
        expect(r.status).toBe(503)
        return r
      },
      2_000,
      20,
    )
    expect(ready.json.checks.serve).toBe("stopping")
    expect((await post()).status).toBe(202)
    expect(await exitWithin(serve, STOP_DEADLINE_MS)).toBe(0)
    expect(serve.log()).toMatch(/SIGTERM received: stopping \(\/readyz answers 503; the listener closes in 4s\)/)
    noUncaught(serve.log())
  })

  it("shutdown - NATS frozen (SIGSTOP): SIGTERM still ends serve within 30 s, exit 0, no uncaught error", async () => {
    const { nats, serve } = await setup()
    const pid = natsServerPid(nats.storeDir)
    await freeze(pid)
    try {
      serve.child.kill("SIGTERM")
      expect(await exitWithin(serve, STOP_DEADLINE_MS)).toBe(0)
    } finally {
      thaw(pid)
    }
    noUncaught(serve.log())
  })

  it("shutdown - NATS gone: SIGTERM ends serve within 30 s, exit 0, no uncaught error (trigger table watcher)", async () => {
    const { nats, serve } = await setup()
    await nats.stop()
    await eventually(
      async () =>
        expect((await send(`${serve.baseUrl}/readyz`, { method: "GET" })).json.checks.nats).toBe("disconnected"),
      10_000,
    )
    // Long enough for the trigger table's watcher to try again against the missing server.
    await new Promise((r) => setTimeout(r, 1_500))
    serve.child.kill("SIGTERM")
    expect(await exitWithin(serve, STOP_DEADLINE_MS)).toBe(0)
    noUncaught(serve.log())
  })

  it("shutdown - a webhook waiting for its ack gets 503 as soon as NATS drops, not after the 5 s budget", async () => {
    const { nats, serve, post } = await setup()
    const pid = natsServerPid(nats.storeDir)
    await freeze(pid)
    const pending = post()
    // The publish is out and waiting; now the connection breaks (the frozen server is killed).
    await new Promise((r) => setTimeout(r, 300))
    process.kill(pid, "SIGKILL")
    const r = await pending
    expect(r.status).toBe(503)
    // Not "did not acknowledge within 5s": the disconnect itself answered it.
    expect(r.json.error.message).toBe("NATS disconnected before JetStream acknowledged; retry later")
    expect(serve.child.exitCode).toBeNull()
  })
})
