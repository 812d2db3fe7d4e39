// Proves CEL expressions end to end (SPEC §11): an invalid `when` refused at create (exit 1, field and
// line:column), a webhook `when` that holds starts a run and one that does not is skipped filtered with
// its detail, `input` becomes the run input, a catastrophic regex on a hostile payload does not stall the
// evaluator, a stored expression that no longer compiles disables only its own trigger, and trigger test.
import { describe, expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { signed } from "./ingest-support.js"
import { withoutAt } from "../support/raw-nats.js"
import { eventually } from "../support/poll.js"

const SECRET = "It's a Secret to Everybody"

const stack = e2eStack()
const cli = stack.cli

const post = async (name: string, payload: unknown) => {
  const body = JSON.stringify(payload)
  const res = await fetch(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
    method: "POST",
    headers: signed(SECRET, body, { "x-github-event": "pull_request" }),
    body,
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { seq: number }).seq
}
const tableSynced = () => stack.raw.request("dagnats.triggers.list", {})
const runsOf = async (workflow: string) => (await stack.raw.allRuns()).filter((r) => r.workflow === workflow)

describe("create-time checks", () => {
  test("expressions - create with a when that does not parse exits 1 naming --when and line:column", async () => {
    const r = await stack.cliRaw("trigger", "create", "bad-when", "--workflow", "w", "--webhook", "--when", "body.a ==")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("--when: 1:8: found = but expecting end of input")
    const json = await stack.cliRaw(
      "trigger",
      "create",
      "bad-when",
      "--workflow",
      "w",
      "--webhook",
      "--when",
      "1 + 2",
      "--json",
    )
    expect(json.code).toBe(1)
    expect(json.stdout + json.stderr).toContain("when: 1:2: must be a bool condition, but this is the result of +")
    expect((await stack.cliRaw("trigger", "get", "bad-when")).code).toBe(1)
  })
})

describe("evaluation", () => {
  test("expressions - a webhook when that holds starts a run with the input mapping; one that does not is skipped filtered with detail", async () => {
    const created = await cli(
      "trigger",
      "create",
      "pr-main",
      "--workflow",
      "pr-main-wf",
      "--webhook",
      "--secret",
      SECRET,
      "--when",
      'body.action in ["opened", "synchronize"] && body.pull_request.base.ref == "main" && headers["x-github-event"] == "pull_request"',
      "--input-map",
      '{"pr": body.number, "repo": body.repository.full_name}',
    )
    expect([created.when, created.input]).toStrictEqual([
      'body.action in ["opened", "synchronize"] && body.pull_request.base.ref == "main" && headers["x-github-event"] == "pull_request"',
      '{"pr": body.number, "repo": body.repository.full_name}',
    ])
    const human = (await stack.cliRaw("trigger", "get", "pr-main")).stdout.split("\n")
    expect(human.filter((l) => /^(when|input):/.test(l))).toStrictEqual([
      'when:       body.action in ["opened", "synchronize"] && body.pull_request.base.ref == "main" && headers["x-github-event"] == "pull_request"',
      'input:      {"pr": body.number, "repo": body.repository.full_name}',
    ])
    const listed = (await cli("trigger", "list")).triggers.find((t: { name: string }) => t.name === "pr-main")
    expect([listed.when, listed.input]).toStrictEqual([created.when, created.input])
    await tableSynced()
    const pr = (action: string, ref: string) => ({
      action,
      number: 42,
      pull_request: { base: { ref } },
      repository: { full_name: "acme/api" },
    })
    const a = await post("pr-main", pr("opened", "main"))
    const b = await post("pr-main", pr("closed", "main"))
    const c = await post("pr-main", { action: "opened", number: 1 })
    await stack.raw.settled()
    const runs = await runsOf("pr-main-wf")
    expect(runs.map((r) => [r.input, r.event.seq])).toStrictEqual([[{ pr: 42, repo: "acme/api" }, a]])
    const fires = (await stack.raw.fires("pr-main")).map(withoutAt)
    expect(fires).toStrictEqual([
      {
        trigger: "pr-main",
        workflow: "pr-main-wf",
        outcome: "fired",
        run_id: runs[0]!.run_id,
        count: 1,
        event: { subject: "event.webhook.pr-main", seq: a },
      },
      {
        trigger: "pr-main",
        workflow: "pr-main-wf",
        outcome: "skipped",
        reason: "filtered",
        detail: "when was false",
        event: { subject: "event.webhook.pr-main", seq: b },
      },
      {
        trigger: "pr-main",
        workflow: "pr-main-wf",
        outcome: "skipped",
        reason: "filtered",
        detail: "when failed: field not found: pull_request",
        event: { subject: "event.webhook.pr-main", seq: c },
      },
    ])
  })

  test("expressions - a catastrophic regex on a hostile payload does not stall: the next event still fires", async () => {
    await cli(
      "trigger",
      "create",
      "regex",
      "--workflow",
      "regex-wf",
      "--subject",
      "event.regex",
      "--when",
      'body.s.matches("(a+)+$")',
    )
    await cli(
      "trigger",
      "create",
      "after",
      "--workflow",
      "after-wf",
      "--subject",
      "event.regex",
      "--when",
      "body.n == 2",
    )
    await tableSynced()
    const hostile = await stack.raw.publish("event.regex", JSON.stringify({ s: "a".repeat(200_000) + "!", n: 1 }))
    const next = await stack.raw.publish("event.regex", JSON.stringify({ s: "b", n: 2 }))
    await stack.raw.settled()
    expect((await stack.raw.fires("regex")).map((f) => [f.event.seq, f.outcome, f.reason, f.detail])).toStrictEqual([
      [hostile, "skipped", "filtered", "when was false"],
      [next, "skipped", "filtered", "when was false"],
    ])
    expect((await stack.raw.fires("after")).map((f) => [f.event.seq, f.outcome])).toStrictEqual([
      [hostile, "skipped"],
      [next, "fired"],
    ])
  })

  test("expressions - a batch's input maps each event: the run input is the array of mapped values in stream order", async () => {
    await cli(
      "trigger",
      "create",
      "mapped-batch",
      "--workflow",
      "mapped-batch-wf",
      "--subject",
      "event.mapped.batch",
      "--batch-size",
      "3",
      "--batch-timeout",
      "1m",
      "--input-map",
      '{"n": body.n, "on": subject}',
    )
    await tableSynced()
    for (const n of [1, 2, 3])
      await stack.raw.publish("event.mapped.batch", JSON.stringify({ n, big: "x".repeat(100) }))
    const [run] = await eventually(async () => {
      const runs = await runsOf("mapped-batch-wf")
      if (runs.length === 0) throw new Error("no batch run yet")
      return runs
    }, 20_000)
    expect(run?.input).toStrictEqual([1, 2, 3].map((n) => ({ n, on: "event.mapped.batch" })))
  })

  test("expressions - a stored when that no longer compiles records error for its own trigger; another on the same subject still fires", async () => {
    await cli(
      "trigger",
      "create",
      "soon-broken",
      "--workflow",
      "broken-wf",
      "--subject",
      "event.broken",
      "--when",
      "true",
    )
    await cli("trigger", "create", "healthy", "--workflow", "healthy-wf", "--subject", "event.broken")
    const kv = await new Kvm(stack.raw.js).open("dagnats_triggers")
    const stored = (await kv.get("soon-broken"))!.json<Record<string, unknown>>()
    await kv.put("soon-broken", JSON.stringify({ ...stored, when: "body.a ==", revision: 99 }))
    await tableSynced()
    const seq = await stack.raw.publish("event.broken", "{}")
    await stack.raw.settled()
    expect((await stack.raw.fires("soon-broken")).map(withoutAt)).toStrictEqual([
      {
        trigger: "soon-broken",
        workflow: "broken-wf",
        outcome: "error",
        error: "stored expression does not compile: when: 1:8: found = but expecting end of input",
        event: { subject: "event.broken", seq },
      },
    ])
    expect((await stack.raw.fires("healthy")).map((f) => f.outcome)).toStrictEqual(["fired"])
  })
})

describe("trigger test", () => {
  test("expressions - trigger test shows the detail of a false when, the mapped input, and --when overrides the stored one", async () => {
    await cli(
      "trigger",
      "create",
      "stripe-big",
      "--workflow",
      "w",
      "--subject",
      "event.stripe",
      "--when",
      'body.data.object.amount > 1000 && body.data.object.currency == "usd"',
      "--input-map",
      "body.data.object.amount",
    )
    const payload = JSON.stringify({ data: { object: { amount: 4200, currency: "eur" } } })
    const when = 'body.data.object.amount > 1000 && body.data.object.currency == "usd"'
    const falsePart = 'when was false: body.data.object.currency == "usd" (at 1:61) was false'
    const subject = { check: "subject", pass: true, want: "event.stripe", seen: "event.stripe" }
    const input = { check: "input", pass: true, source: "body.data.object.amount", input: 4200 }
    expect(await cli("trigger", "test", "stripe-big", "--payload", payload)).toStrictEqual({
      matched: false,
      reason: "when did not hold",
      detail: falsePart,
      checks: [subject, { check: "when", pass: false, source: when, detail: falsePart }, input],
    })
    const eur = 'body.data.object.currency == "eur"'
    expect(await cli("trigger", "test", "stripe-big", "--payload", payload, "--when", eur)).toStrictEqual({
      matched: true,
      input: 4200,
      checks: [subject, { check: "when", pass: true, source: eur }, input],
    })
    const human = await stack.cliRaw("trigger", "test", "stripe-big", "--payload", payload)
    expect(human.stdout).toBe(
      [
        `not matched: when did not hold (${falsePart})`,
        "  pass  subject           event.stripe",
        `  FAIL  when              ${when}  → ${falsePart}`,
        "  pass  input             body.data.object.amount  → 4200",
        "",
      ].join("\n"),
    )
    const bad = await stack.cliRaw("trigger", "test", "stripe-big", "--payload", payload, "--when", "body.(")
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/when: 1:\d+: /)
  })
})
