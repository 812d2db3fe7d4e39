// Proves the benchmarking switch DAGNATS_DELIVERIES=off: serve still answers every webhook with its
// delivery id, and stores the accepted event, but writes no delivery record at all (checked after a
// graceful stop, which drains every publish serve made) and has no DAGNATS_DELIVERIES stream, so it runs
// in an account whose storage cannot hold that stream's reservation.
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { DELIVERY_ID, send, signed, webhookTrigger } from "./ingest-support.js"

const SECRET = "off-secret"
const stack = e2eStack({ serve: { env: { DAGNATS_DELIVERIES: "off" } } })

test("deliveries - with DAGNATS_DELIVERIES=off webhooks keep their answers and delivery ids, and serve writes no record: it does not even create DAGNATS_DELIVERIES (nor reserve its storage)", async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: [SECRET] })
  await stack.raw.request("dagnats.triggers.list", {})
  const url = `${stack.serve.baseUrl}/v1/webhooks/hook`
  const body = '{"a":1}'
  const accepted = await send(url, { body, headers: signed(SECRET, body) })
  expect({ status: accepted.status, id: accepted.json.delivery_id }).toStrictEqual({ status: 202, id: DELIVERY_ID })
  const refused = await send(url, { body, headers: signed("wrong", body) })
  expect({ status: refused.status, id: refused.json.delivery_id }).toStrictEqual({ status: 401, id: DELIVERY_ID })
  expect(await stack.serve.stop()).toBe(0)
  const names: Array<string> = []
  for await (const n of stack.raw.jsm.streams.names()) names.push(n)
  expect(names.includes("DAGNATS_DELIVERIES")).toBe(false)
  expect((await stack.raw.jsm.streams.getMessage("EVENTS", { seq: accepted.json.seq }))?.subject).toBe(
    "event.webhook.hook",
  )
})
