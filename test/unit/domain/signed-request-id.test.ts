// Proves the delivery id derived for Slack requests without event_id is the same for a replay (same
// signed timestamp and bytes) and different when either differs.
import { expect, test } from "vitest"
import { signedRequestId } from "../../../src/domain/signed-request-id.js"

const bytes = (s: string) => new TextEncoder().encode(s)

test("signed request id - a replay (same timestamp, same bytes) gets the same id; another timestamp or body does not", () => {
  const id = signedRequestId("slack", "1700000000", bytes("command=%2Fdeploy&trigger_id=1"))
  expect(id).toMatch(/^slack:1700000000:[0-9a-f]{32}$/)
  expect(signedRequestId("slack", "1700000000", bytes("command=%2Fdeploy&trigger_id=1"))).toBe(id)
  expect(signedRequestId("slack", "1700000001", bytes("command=%2Fdeploy&trigger_id=1"))).not.toBe(id)
  expect(signedRequestId("slack", "1700000000", bytes("command=%2Fdeploy&trigger_id=2"))).not.toBe(id)
})
