// Proves `dagnats trigger test NAME --delivery ID | --event SEQ`: the stored request (its EVENTS
// message, with the subject and headers it was stored with) is re-evaluated against the trigger as
// it is now, with every condition's result (subject, each filter with what it wanted and saw, `when`
// with why it was false, `input`) in JSON and on screen, with other filters given as flags (nothing
// saved); a refused delivery, an unknown one and a
// missing sequence are clear refusals naming the field; the stored source excludes the payload flags.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { send, signed, triggers, webhookTrigger } from "./ingest-support.js"

const SECRET = "stored-test-secret-41"
const stack = e2eStack()
const url = (name: string) => `${stack.serve.baseUrl}/v1/webhooks/${name}`

let ready: Promise<void> | undefined
const setup = () =>
  (ready ??= (async () => {
    await webhookTrigger(stack.raw.nc, "st-hook", {
      secrets: [SECRET],
      filters: [
        { header: "X-Kind", value: "push" },
        { field: "action", value: "opened" },
      ],
    })
    await stack.raw.request("dagnats.triggers.list", {})
  })())

const subjectCheck = { check: "subject", pass: true, want: "event.webhook.st-hook", seen: "event.webhook.st-hook" }
const pushCheck = { check: "filter", pass: true, header: "x-kind", want: "push", seen: "push" }
const actionCheck = (want: string) => ({
  check: "filter",
  pass: want === "closed",
  field: "action",
  want,
  seen: "closed",
})

const closedPush = async () => {
  const body = '{"action":"closed"}'
  const r = await send(url("st-hook"), { body, headers: signed(SECRET, body, { "X-Kind": "push" }) })
  expect(r.status).toBe(202)
  return { id: r.json.delivery_id as string, seq: r.json.seq as number }
}

describe("trigger test - a stored request", () => {
  test("trigger test - --delivery re-evaluates the stored payload and headers against the trigger as it is now", async () => {
    await setup()
    const { id } = await closedPush()
    expect(await stack.cli("trigger", "test", "st-hook", "--delivery", id)).toStrictEqual({
      matched: false,
      reason: 'field "action" is "closed", want "opened"',
      checks: [subjectCheck, pushCheck, actionCheck("opened")],
    })
    const current = await triggers(stack.raw.nc, "get", { name: "st-hook" })
    await triggers(stack.raw.nc, "update", {
      name: "st-hook",
      filters: [
        { header: "X-Kind", value: "push" },
        { field: "action", value: "closed" },
      ],
    })
    try {
      // The header filter passes too: the stored headers were fed, not the payload alone.
      expect(await stack.cli("trigger", "test", "st-hook", "--delivery", id)).toStrictEqual({
        matched: true,
        checks: [subjectCheck, pushCheck, actionCheck("closed")],
      })
      const human = await stack.cliRaw("trigger", "test", "st-hook", "--delivery", id)
      expect({ code: human.code, stdout: human.stdout }).toStrictEqual({
        code: 0,
        stdout: [
          "matched",
          "  pass  subject           event.webhook.st-hook",
          '  pass  header "x-kind"   "push"',
          '  pass  field "action"    "closed"',
          "",
        ].join("\n"),
      })
    } finally {
      await triggers(stack.raw.nc, "update", { name: "st-hook", filters: current.filters })
    }
  })

  test("trigger test - --event SEQ re-evaluates that EVENTS message, and a missing sequence is not found", async () => {
    await setup()
    const { seq } = await closedPush()
    expect(await stack.cli("trigger", "test", "st-hook", "--event", String(seq))).toStrictEqual({
      matched: false,
      reason: 'field "action" is "closed", want "opened"',
      checks: [subjectCheck, pushCheck, actionCheck("opened")],
    })
    const missing = await stack.cliRaw("trigger", "test", "st-hook", "--event", "999999")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('event "EVENTS #999999" not found')
  })

  test("trigger test - a refused delivery is a 400 naming delivery with its code, an unknown id is not found", async () => {
    await setup()
    const body = "{}"
    const r = await send(url("st-hook"), { body, headers: signed("wrong", body) })
    expect(r.status).toBe(401)
    const id = r.json.delivery_id as string
    const refused = await stack.cliRaw("trigger", "test", "st-hook", "--delivery", id)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`delivery: ${id} was rejected (invalid_signature): no stored event`)
    await expect(stack.raw.request("dagnats.triggers.test", { name: "st-hook", delivery: id })).rejects.toThrow(
      /400.*was rejected \(invalid_signature\): no stored event/s,
    )
    const unknown = await stack.cliRaw("trigger", "test", "st-hook", "--delivery", "01AAAAAAAAAAAAAAAAAAAAAAAA")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('delivery "01AAAAAAAAAAAAAAAAAAAAAAAA" not found')
  })

  test("trigger test - --delivery prints every condition's result: each filter (a missing one too), the when with its false part, and the input it maps", async () => {
    await webhookTrigger(stack.raw.nc, "st-all", {
      secrets: [SECRET],
      filters: [
        { field: "action", value: "opened" },
        { header: "X-Kind", value: "push" },
        { field: "repo.name", value: "dagnats" },
      ],
      when: 'body.n > 1 && body.ref == "main"',
      input: '{"n": body.n}',
    })
    await stack.raw.request("dagnats.triggers.list", {})
    const body = '{"action":"closed","n":5,"ref":"dev"}'
    const r = await send(url("st-all"), { body, headers: signed(SECRET, body, { "X-Kind": "push" }) })
    expect(r.status).toBe(202)
    const id = r.json.delivery_id as string
    expect(await stack.cli("trigger", "test", "st-all", "--delivery", id)).toStrictEqual({
      matched: false,
      reason: 'field "action" is "closed", want "opened"',
      checks: [
        { check: "subject", pass: true, want: "event.webhook.st-all", seen: "event.webhook.st-all" },
        { check: "filter", pass: false, field: "action", want: "opened", seen: "closed" },
        { check: "filter", pass: true, header: "x-kind", want: "push", seen: "push" },
        { check: "filter", pass: false, field: "repo.name", want: "dagnats" },
        {
          check: "when",
          pass: false,
          source: 'body.n > 1 && body.ref == "main"',
          detail: 'when was false: body.ref == "main" (at 1:24) was false',
        },
        { check: "input", pass: true, source: '{"n": body.n}', input: { n: 5 } },
      ],
    })
    const human = await stack.cliRaw("trigger", "test", "st-all", "--delivery", id)
    expect({ code: human.code, stdout: human.stdout }).toStrictEqual({
      code: 0,
      stdout: [
        'not matched: field "action" is "closed", want "opened"',
        "  pass  subject           event.webhook.st-all",
        '  FAIL  field "action"    "closed", want "opened"',
        '  pass  header "x-kind"   "push"',
        '  FAIL  field "repo.name"  missing, want "dagnats"',
        '  FAIL  when              body.n > 1 && body.ref == "main"  → when was false: body.ref == "main" (at 1:24) was false',
        '  pass  input             {"n": body.n}  → {"n":5}',
        "",
      ].join("\n"),
    })
  })

  test("trigger test - --filter-field/--filter-value/--filter-header test other filters on the stored event without saving them", async () => {
    await setup()
    const { id } = await closedPush()
    const before = await triggers(stack.raw.nc, "get", { name: "st-hook" })
    const args = ["trigger", "test", "st-hook", "--delivery", id, "--filter-field", "action"]
    expect(await stack.cli(...args, "--filter-value", "closed", "--filter-header", "X-Kind=pull")).toStrictEqual({
      matched: false,
      reason: 'header "x-kind" is "push", want "pull"',
      checks: [
        subjectCheck,
        actionCheck("closed"),
        { check: "filter", pass: false, header: "x-kind", want: "pull", seen: "push" },
      ],
    })
    expect(await stack.cli(...args, "--filter-value", "closed")).toStrictEqual({
      matched: true,
      checks: [subjectCheck, actionCheck("closed")],
    })
    expect(await triggers(stack.raw.nc, "get", { name: "st-hook" })).toStrictEqual(before)
    const unpaired = await stack.cliRaw(...args)
    expect({ code: unpaired.code, stderr: unpaired.stderr }).toStrictEqual({
      code: 2,
      stderr: expect.stringContaining("--filter-field and --filter-value: give them in pairs (1 fields, 0 values)"),
    })
  })

  test("trigger test - the endpoint takes exactly one of payload, delivery and event_seq", async () => {
    await setup()
    await expect(
      stack.raw.request("dagnats.triggers.test", { name: "st-hook", payload: {}, event_seq: 1 }),
    ).rejects.toThrow(/event_seq: give exactly one of payload, delivery and event_seq/)
    await expect(
      stack.raw.request("dagnats.triggers.test", { name: "st-hook", event_seq: 1, headers: { a: "b" } }),
    ).rejects.toThrow(/headers: not with event_seq/)
    const both = await stack.cliRaw("trigger", "test", "st-hook", "--event", "1", "--payload", "{}")
    expect(both.code).toBe(2)
  })
})
