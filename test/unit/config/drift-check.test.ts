// Proves how often serve looks at the shared streams: DAGNATS_DRIFT_CHECK_INTERVAL within 1s..1h, else the default.
import { expect, test } from "vitest"
import { driftCheckInterval } from "../../../src/config/drift-check.js"

test("drift check interval - 60s by default, DAGNATS_DRIFT_CHECK_INTERVAL within 1s..1h, else the default with a warning", () => {
  expect(driftCheckInterval({})).toStrictEqual({ ms: 60_000 })
  expect(driftCheckInterval({ DAGNATS_DRIFT_CHECK_INTERVAL: "5s" })).toStrictEqual({ ms: 5_000 })
  for (const bad of ["10ms", "2h", "soon"])
    expect(driftCheckInterval({ DAGNATS_DRIFT_CHECK_INTERVAL: bad })).toStrictEqual({
      ms: 60_000,
      warning: `DAGNATS_DRIFT_CHECK_INTERVAL: must be a duration from 1s to 1h, such as "60s" (got "${bad}"); using 60s`,
    })
})
