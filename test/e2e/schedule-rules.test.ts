// Proves the rules on cron expressions end to end: `trigger create --cron 'H * * * *'` and an expression with no instant for more than 10 years are refused naming `cron` (by the CLI and by the service), a trigger stored with H by an older build is read, tested with the same answer every time, listed and deleted without harming serve, `trigger test --count 1000` on a rare but valid expression (29 February) lets webhooks be answered while it computes, and schedules together may fire at most 100 instants a second (create, enable and update beyond it refused).
import { expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"

const stack = e2eStack()

const H_RULE =
  "cron: must not use H (a hashed value, which would be a different instant on every reading); " +
  "write the value you mean, such as 17 * * * * instead of H * * * *"
const HORIZON_RULE =
  "cron: must fire at least once every 10 years (this one can go 27 years without an instant; " +
  "instants are looked for at most 10 years ahead)"

test("rules - trigger create --cron 'H * * * *' is a usage error naming cron and the rule; nothing is stored", async () => {
  const r = await stack.cliRaw("trigger", "create", "hashed", "--workflow", "wf", "--cron", "H * * * *")
  expect(r.code).toBe(2)
  expect(r.stderr).toContain(H_RULE)
  await expect(stack.raw.request("dagnats.triggers.get", { name: "hashed" })).rejects.toThrow(/404/)
})

test("rules - the service refuses H and a 29-February-on-a-fifth-Monday expression with 400 naming cron", async () => {
  const create = (name: string, cron: string) =>
    stack.raw.request("dagnats.triggers.create", { name, workflow: "wf", type: "schedule", cron })
  const refusal = (message: string) =>
    `dagnats.triggers.create → 400: ${JSON.stringify({ error: { code: "invalid", message } })}`
  await expect(create("hashed2", "H * * * *")).rejects.toThrow(refusal(H_RULE))
  await expect(create("rare", "0 0 0 * 2 1#5")).rejects.toThrow(refusal(HORIZON_RULE))
  const r = await stack.cliRaw("trigger", "create", "rare", "--workflow", "wf", "--cron", "0 0 0 * 2 1#5")
  expect(r.code).toBe(2)
  expect(r.stderr).toContain(HORIZON_RULE)
})

test("rules - a trigger stored with H by an older build: test answers the same every time, list and delete work", async () => {
  const at = new Date().toISOString()
  const triggers = await new Kvm(stack.raw.js).open("dagnats_triggers")
  const stored = {
    name: "legacy-h",
    workflow: "wf",
    type: "schedule",
    cron: "H H * * *",
    timezone: "UTC",
    catch_up: "last",
    enabled: true,
    created_at: at,
    updated_at: at,
    revision: 1,
  }
  await triggers.put("legacy-h", JSON.stringify(stored))
  const first = await stack.cli("trigger", "test", "legacy-h", "--count", "5")
  expect(first.next).toHaveLength(5)
  for (let i = 0; i < 3; i++)
    expect(await stack.cli("trigger", "test", "legacy-h", "--count", "5")).toStrictEqual(first)
  const listed = await stack.raw.request("dagnats.triggers.list", {})
  expect(listed.triggers.find((t: { name: string }) => t.name === "legacy-h").next_fire_at).toBe(first.next[0])
  // Any update must replace the H (the service refuses it: exit 1).
  const disable = await stack.cliRaw("trigger", "disable", "legacy-h")
  expect(disable.code).toBe(1)
  expect(disable.stderr).toContain(H_RULE)
  expect(await stack.cli("trigger", "delete", "legacy-h")).toStrictEqual({ deleted: true, name: "legacy-h" })
})

test("rules - webhooks sent while trigger test --count 1000 computes 29 February instants are answered before it", async () => {
  await stack.cli(
    "trigger",
    "create",
    "leap",
    "--workflow",
    "wf",
    "--cron",
    "0 0 0 29 2 *",
    "--timezone",
    "Europe/Berlin",
  )
  await stack.cli("trigger", "create", "hook", "--workflow", "wf", "--webhook", "--no-verify")
  const url = `http://127.0.0.1:${stack.serve.httpPort}/v1/webhooks/hook`
  const post = async () =>
    (await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status
  // Warm: the route answers before the test starts.
  expect(await post()).toBe(202)

  let testDone = false
  const answeredDuringTest: Array<number> = []
  const testing = stack.raw.request("dagnats.triggers.test", { name: "leap", count: 1000 }).finally(() => {
    testDone = true
  })
  // Webhooks one after another on a few connections for as long as the test computes: each one
  // answered while it still runs is proof the computation let the event loop serve it. (With the
  // test computed in one go, a webhook arriving meanwhile waits for it and is answered after it.)
  const hooks = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!testDone) {
        const status = await post()
        if (!testDone) answeredDuringTest.push(status)
      }
    }),
  )
  const reply = await testing
  await hooks
  expect(reply.next).toHaveLength(1000)
  expect(reply.next[0]).toBe("2028-02-28T23:00:00.000Z")
  expect(answeredDuringTest.length).toBeGreaterThanOrEqual(1)
  expect(answeredDuringTest.every((s) => s === 202)).toBe(true)
})

test("rules - schedules together may fire at most 100 instants a second: create, enable and update beyond it are refused", async () => {
  // Every second of 29 February: 1 instant a second on its day, and none before 2028.
  const leapSeconds = "* * * 29 2 *"
  const create = (name: string, extra: Record<string, unknown> = {}) =>
    stack.raw.request("dagnats.triggers.create", {
      name,
      workflow: "wf",
      type: "schedule",
      cron: leapSeconds,
      ...extra,
    })
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => create(`rate-${i + j}`)))
  }
  const refusal = (message: string) => JSON.stringify({ error: { code: "invalid", message } })
  const rule =
    "cron: the enabled schedule triggers would fire 101 times a second together (this one 1); at most 100 a " +
    "second are allowed, so webhooks keep their share of serve: " +
    "use a longer period, or disable or delete other schedules"
  await expect(create("rate-extra")).rejects.toThrow(`→ 400: ${refusal(rule)}`)
  // Disabled, it is accepted; enabling it is refused; so is an update of a slower schedule to every second.
  await create("rate-extra", { enabled: false })
  const enable = await stack.cliRaw("trigger", "enable", "rate-extra")
  expect(enable.code).toBe(1)
  expect(enable.stderr).toContain(rule)
  await stack.cli("trigger", "update", "rate-0", "--cron", "0 * * 29 2 *")
  await expect(
    stack.raw.request("dagnats.triggers.update", { name: "rate-extra", cron: "*/2 * * 29 2 *", enabled: true }),
  ).resolves.toMatchObject({ enabled: true })
  await expect(stack.raw.request("dagnats.triggers.update", { name: "rate-0", cron: leapSeconds })).rejects.toThrow(
    "would fire 100.5 times a second together (this one 1)",
  )
  for (let i = 0; i < 100; i++) await stack.raw.request("dagnats.triggers.delete", { name: `rate-${i}` })
  await stack.raw.request("dagnats.triggers.delete", { name: "rate-extra" })
})
