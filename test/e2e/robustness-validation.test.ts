// Proves input is checked before it reaches a subject, a KV key or a serializer: hostile names, run
// ids, subjects, durations and deeply nested JSON get 400 naming the field (never 503, never a NATS
// disconnect); webhook bodies nested too deep or not UTF-8 get 400 invalid_json; and poison events
// published straight to event.> are recorded as errors without stalling the evaluator.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { withoutAt } from "../support/raw-nats.js"
import { send, signed, DELIVERY_ID } from "./ingest-support.js"
import { runCli } from "../support/cli.js"

const stack = e2eStack()
const SECRET = "validation-secret"

beforeAll(async () => {
  await stack.raw.request("dagnats.triggers.create", {
    name: "hook",
    workflow: "wf",
    type: "webhook",
    secrets: [SECRET],
  })
  await stack.raw.request("dagnats.triggers.create", {
    name: "poison",
    workflow: "poison-wf",
    type: "event",
    subject: "event.poison",
  })
  await stack.raw.request("dagnats.triggers.list", {})
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A micro request answered with its error code and message (or code 0 and the reply). */
const ask = async (subject: string, body: unknown): Promise<{ code: number; message: string }> => {
  // Too deep for JSON.stringify on the test's side: such bodies are given as text.
  const text = typeof body === "string" ? body : JSON.stringify(body)
  const reply = await stack.raw.nc.request(subject, encoder.encode(text), { timeout: 10_000 })
  const code = Number(reply.headers?.get("Nats-Service-Error-Code") || 0)
  const answer = decoder.decode(reply.data)
  return { code, message: code === 0 ? answer : (JSON.parse(answer) as { error: { message: string } }).error.message }
}

const HOSTILE_NAMES = ["*", ">", "a b", "../..", "", "a.b", "x\u0000y", "n".repeat(10 * 1024)]
const deep = (n: number): string => "[".repeat(n) + "]".repeat(n)

describe("micro requests are validated before NATS", () => {
  it("validation - hostile trigger names get 400 naming `name` on every endpoint that takes one; serve stays connected", async () => {
    for (const name of HOSTILE_NAMES) {
      for (const [verb, body] of [
        ["get", { name }],
        ["delete", { name }],
        ["enable", { name }],
        ["disable", { name }],
        ["update", { name, enabled: false }],
        ["fire", { name }],
        ["history", { name }],
        ["test", { name, payload: {} }],
        ["create", { name, workflow: "wf", type: "webhook" }],
      ] as const) {
        const r = await ask(`dagnats.triggers.${verb}`, body)
        expect({ verb, name: name.slice(0, 20), code: r.code }).toEqual({ verb, name: name.slice(0, 20), code: 400 })
        expect(r.message).toMatch(/^name: must be 1-64 characters/)
      }
    }
    // Still connected and answering: the 10 KB name never reached a subject.
    expect((await ask("dagnats.triggers.get", { name: "hook" })).code).toBe(0)
    expect(stack.serve.log()).not.toMatch(/maximum control line|disconnected/i)
  })

  it("validation - hostile workflow names, run ids and list filters get 400 naming the field", async () => {
    for (const bad of HOSTILE_NAMES) {
      expect(await ask("dagnats.runs.start", { workflow: bad })).toEqual({
        code: 400,
        message: expect.stringMatching(/^workflow: must be 1-64/),
      })
      expect(await ask("dagnats.runs.get", { run_id: bad })).toEqual({
        code: 400,
        message: expect.stringMatching(/^run_id: must be a run id/),
      })
      expect(await ask("dagnats.runs.list", { workflow: bad })).toEqual({
        code: 400,
        message: expect.stringMatching(/^workflow: must be 1-64/),
      })
      expect(await ask("dagnats.runs.list", { trigger: bad })).toEqual({
        code: 400,
        message: expect.stringMatching(/^trigger: must be 1-64/),
      })
    }
    expect(await ask("dagnats.runs.list", { status: "done" })).toMatchObject({
      code: 400,
      message: expect.stringMatching(/^status: /),
    })
    expect(await ask("dagnats.runs.start", { workflow: "wf", key: "k".repeat(300) })).toEqual({
      code: 400,
      message: "key: must be 1-256 characters",
    })
  })

  it("validation - subjects with NUL, whitespace or 100 k characters and 210 k-character durations get 400", async () => {
    for (const subject of ["event.a\u0000b", "event.a b", `event.${"s".repeat(100_000)}`]) {
      const r = await ask("dagnats.triggers.create", { name: "subj", workflow: "wf", type: "event", subject })
      expect(r.code).toBe(400)
      expect(r.message).toMatch(/^subject: must be a NATS subject pattern of at most 256 characters/)
    }
    const long = "1".repeat(210_000) + "s"
    const r = await ask("dagnats.triggers.create", {
      name: "dur",
      workflow: "wf",
      type: "event",
      subject: "event.d",
      debounce: { period: long },
    })
    expect(r).toEqual({
      code: 400,
      message: "debounce.period: must be a duration of at most 32 characters, such as 500ms, 5s or 1m",
    })
    const t = await ask("dagnats.triggers.test", { name: "poison", payload: {}, subject: "event.\u0000" })
    expect(t.code).toBe(400)
    expect(t.message).toMatch(/^subject: must be a subject without wildcards/)
  })

  it("validation - JSON nested 5,000 deep gets 400 naming the field in runs.start, triggers.fire, test, create and update", async () => {
    const tooDeep = "must not nest deeper than 64 levels"
    const d = deep(5_000)
    expect(await ask("dagnats.runs.start", `{"workflow":"wf","input":${d}}`)).toEqual({
      code: 400,
      message: `input: ${tooDeep}`,
    })
    expect(await ask("dagnats.triggers.fire", `{"name":"poison","input":${d}}`)).toEqual({
      code: 400,
      message: `input: ${tooDeep}`,
    })
    expect(await ask("dagnats.triggers.test", `{"name":"poison","payload":${d}}`)).toEqual({
      code: 400,
      message: `payload: ${tooDeep}`,
    })
    expect(
      await ask(
        "dagnats.triggers.create",
        `{"name":"deep","workflow":"wf","type":"event","subject":"event.x","extra":${d}}`,
      ),
    ).toEqual({
      code: 400,
      message: tooDeep,
    })
    expect(await ask("dagnats.triggers.update", `{"name":"poison","filters":${d}}`)).toEqual({
      code: 400,
      message: tooDeep,
    })
    // 64 levels are fine.
    expect((await ask("dagnats.runs.start", `{"workflow":"wf","input":{"a":${deep(63)}}}`)).code).toBe(0)
  })
})

describe("cli", () => {
  it("cli - JSON nested 5,000 deep in run start --input, trigger fire --input and event publish is a usage error (exit 2)", async () => {
    const d = deep(5_000)
    for (const [args, flag] of [
      [["run", "start", "wf", "--input", d], "--input"],
      [["trigger", "fire", "poison", "--input", d], "--input"],
      [["event", "publish", "event.poison", d], "payload"],
    ] as const) {
      const r = await runCli([...args, "--nats-url", stack.url])
      expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({
        code: 2,
        stderr: `dagnats: ${flag}: must not nest deeper than 64 levels`,
      })
    }
  })
})

describe("webhook bodies", () => {
  const post = (body: Buffer) =>
    send(`${stack.serve.baseUrl}/v1/webhooks/hook`, { body, headers: signed(SECRET, body) })

  it("webhook ingest - 400 invalid_json for a body nested 5,000 deep; 64 levels are stored", async () => {
    const r = await post(Buffer.from("[".repeat(5_000) + "]".repeat(5_000)))
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: { code: "invalid_json", message: "the body nests deeper than 64 levels" },
      delivery_id: DELIVERY_ID,
    })
    expect((await post(Buffer.from("[".repeat(64) + "]".repeat(64)))).status).toBe(202)
  })

  it("webhook ingest - 400 invalid_json for a body that is not valid UTF-8", async () => {
    const r = await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: { code: "invalid_json", message: "the body is not valid UTF-8" },
      delivery_id: DELIVERY_ID,
    })
  })
})

const eventsEpoch = async () => (await stack.raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")

describe("poison events", () => {
  it("evaluator - events nested 5,000 deep or not UTF-8, published straight to event.>, are recorded as errors and the next event still fires", async () => {
    const deepSeqs: Array<number> = []
    for (let i = 0; i < 20; i++)
      deepSeqs.push(await stack.raw.publish("event.poison", "[".repeat(5_000) + "]".repeat(5_000)))
    const bad = await stack.raw.publish("event.poison", new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]))
    const good = await stack.raw.publish("event.poison", '{"ok":true}')
    await stack.raw.settled(30_000)
    const error = (seq: number, message: string) => ({
      trigger: "poison",
      workflow: "poison-wf",
      outcome: "error",
      error: message,
      event: { subject: "event.poison", seq },
    })
    expect((await stack.raw.fires("poison")).map(withoutAt)).toStrictEqual([
      ...deepSeqs.map((s) => error(s, "payload nests deeper than 64 levels")),
      error(bad, "payload is not valid UTF-8"),
      {
        trigger: "poison",
        workflow: "poison-wf",
        outcome: "fired",
        // Without a delivery id the run id includes the EVENTS epoch (its creation time, digits only).
        run_id: runIdFor("poison", { kind: "sequence", seq: good, epoch: await eventsEpoch() }),
        count: 1,
        event: { subject: "event.poison", seq: good },
      },
    ])
  })
})
