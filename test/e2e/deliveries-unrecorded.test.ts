// Proves that recording a delivery never changes a webhook's answer: with DAGNATS_DELIVERIES gone, a
// signed webhook is still stored and answered 202 (with its delivery id), a refused one keeps its
// 401, and each record that could not be written is counted on /metrics.
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { DELIVERY_ID, send, signed, webhookTrigger } from "./ingest-support.js"

const SECRET = "unrecorded-secret"
const stack = e2eStack()

test("deliveries - with DAGNATS_DELIVERIES deleted, webhooks get their usual answers and every unwritten record is counted", async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: [SECRET] })
  await stack.raw.request("dagnats.triggers.list", {})
  await stack.raw.jsm.streams.delete("DAGNATS_DELIVERIES")
  const url = `${stack.serve.baseUrl}/v1/webhooks/hook`
  const body = '{"a":1}'
  const accepted = await send(url, { body, headers: signed(SECRET, body) })
  expect(accepted.status).toBe(202)
  expect(accepted.json).toStrictEqual({
    accepted: true,
    subject: "event.webhook.hook",
    stream: "EVENTS",
    seq: accepted.json.seq,
    duplicate: false,
    delivery_id: DELIVERY_ID,
  })
  const refused = await send(url, { body, headers: signed("wrong", body) })
  expect(refused.status).toBe(401)
  expect(refused.json).toStrictEqual({
    error: { code: "invalid_signature", message: "signature mismatch" },
    delivery_id: DELIVERY_ID,
  })
  await eventually(async () => {
    const metrics = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
    expect(metrics).toMatch(/^dagnats_deliveries_record_failures_total 2$/m)
  }, 15_000)
  expect((await stack.raw.jsm.streams.getMessage("EVENTS", { seq: accepted.json.seq }))?.subject).toBe(
    "event.webhook.hook",
  )
})
