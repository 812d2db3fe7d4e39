// Proves the limits around what is stored: a body that cannot fit the server's max_payload with its
// headers gets 413 (not a 503 providers retry forever) and the default settings start without a
// max_payload warning; a replayed Slack request without event_id starts no second run; the
// triggers bucket keeps no old revision (no old secret) and an older bucket keeping five is lowered.
import { describe, expect, it } from "vitest"
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { perTestResources } from "../support/per-test.js"
import { startNatsServer } from "../support/nats-server.js"
import { startServe } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { schemes } from "../../src/domain/signatures/index.js"
import { openRawNats } from "../support/raw-nats.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"

const res = perTestResources()

describe("max_payload", () => {
  it("webhook ingest - 413 payload_too_large when body plus headers exceed a 1 MiB max_payload; smaller bodies 202; no start-up warning", async () => {
    const nats = res.track(await startNatsServer("max_payload: 1MB"), (n) => n.dispose())
    const serve = await res.serveOn(nats)
    const nc = res.track(await connect({ servers: nats.url }), (c) => c.close())
    expect(nc.info?.max_payload).toBe(1_048_576)
    await webhookTrigger(nc, "big", { secrets: ["s"] })
    const body = (size: number) => `{"p":"${"x".repeat(size - 8)}"}`
    for (const size of [1_048_570, 1_048_576]) {
      const b = body(size)
      expect(b.length).toBe(size)
      const r = await send(`${serve.baseUrl}/v1/webhooks/big`, { body: b, headers: signed("s", b) })
      expect(r.status).toBe(413)
      expect(r.json.error.code).toBe("payload_too_large")
      expect(r.headers["retry-after"]).toBeUndefined()
    }
    const fits = body(1_000_000)
    expect((await send(`${serve.baseUrl}/v1/webhooks/big`, { body: fits, headers: signed("s", fits) })).status).toBe(
      202,
    )
    expect(serve.log()).not.toMatch(/max_payload/)
  })
})

describe("slack replay", () => {
  it("webhook ingest - a replayed Slack form request without event_id is a duplicate and starts one run", async () => {
    const nats = await res.natsServer()
    const serve = await res.serveOn(nats)
    const raw = res.track(await openRawNats(nats.url), (r) => r.close())
    await raw.request("dagnats.triggers.create", {
      name: "slash",
      workflow: "slash-wf",
      type: "webhook",
      scheme: "slack",
      secrets: ["slack-secret"],
    })
    await raw.request("dagnats.triggers.list", {})
    const body = "command=%2Fdeploy&text=prod&trigger_id=123.456.abc"
    const headers = {
      ...schemes.slack.sign({ rawBody: Buffer.from(body), secret: "slack-secret", nowMs: Date.now() }),
      "Content-Type": "application/x-www-form-urlencoded",
    }
    const first = await send(`${serve.baseUrl}/v1/webhooks/slash`, { body, headers })
    const replay = await send(`${serve.baseUrl}/v1/webhooks/slash`, { body, headers })
    expect(first.status).toBe(202)
    expect(first.json.duplicate).toBe(false)
    expect(replay.status).toBe(202)
    expect(replay.json).toMatchObject({ duplicate: true, seq: first.json.seq })
    // Another request (new trigger_id) in the same second is a new delivery.
    const other = body.replace("abc", "abd")
    const third = await send(`${serve.baseUrl}/v1/webhooks/slash`, {
      body: other,
      headers: {
        ...schemes.slack.sign({ rawBody: Buffer.from(other), secret: "slack-secret", nowMs: Date.now() }),
        "Content-Type": "application/x-www-form-urlencoded",
      },
    })
    expect(third.json.duplicate).toBe(false)
    await raw.settled()
    expect((await raw.allRuns()).filter((r) => r.workflow === "slash-wf").length).toBe(2)
  })
})

describe("triggers bucket history", () => {
  const bucketBytes = async (url: string) => {
    const nc = await connect({ servers: url })
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info("KV_dagnats_triggers")
    const all: Array<string> = []
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage("KV_dagnats_triggers", { seq }).catch(() => null)
      if (m !== null) all.push(new TextDecoder().decode(m.data))
    }
    await nc.close()
    return { all, history: info.config.max_msgs_per_subject }
  }

  it("triggers bucket - history 1: after a secret rotation and a delete, no old secret is stored", async () => {
    const nats = await res.natsServer()
    await res.serveOn(nats)
    const raw = res.track(await openRawNats(nats.url), (r) => r.close())
    await raw.request("dagnats.triggers.create", {
      name: "rot",
      workflow: "wf",
      type: "webhook",
      secrets: ["old-secret-1"],
    })
    await raw.request("dagnats.triggers.update", { name: "rot", secrets: ["new-secret-2"] })
    await raw.request("dagnats.triggers.create", {
      name: "gone",
      workflow: "wf",
      type: "webhook",
      secrets: ["deleted-secret-3"],
    })
    await raw.request("dagnats.triggers.delete", { name: "gone" })
    const { all, history } = await bucketBytes(nats.url)
    expect(history).toBe(1)
    expect(all.join("\n")).not.toMatch(/old-secret-1|deleted-secret-3/)
    expect(all.join("\n")).toMatch(/new-secret-2/)
  })

  it("triggers bucket - a bucket created with history 5 is lowered to 1 at serve start and its old revisions dropped", async () => {
    const nats = await res.natsServer()
    const nc = res.track(await connect({ servers: nats.url }), (c) => c.close())
    const kv = await new Kvm(jetstream(nc)).create("dagnats_triggers", { history: 5 })
    const at = new Date().toISOString()
    for (const secret of ["s-one", "s-two", "s-three"]) {
      await kv.put(
        "t",
        JSON.stringify({
          name: "t",
          workflow: "wf",
          type: "webhook",
          secrets: [secret],
          created_at: at,
          updated_at: at,
          revision: 1,
        }),
      )
    }
    await res.serveOn(nats)
    await eventually(async () => {
      const { all, history } = await bucketBytes(nats.url)
      expect(history).toBe(1)
      expect(all.join("\n")).not.toMatch(/s-one|s-two/)
      expect(all.join("\n")).toMatch(/s-three/)
    }, 10_000)
  })
})
