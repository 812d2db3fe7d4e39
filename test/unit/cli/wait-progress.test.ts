// Proves what `run get --wait` writes while it waits: one line rewritten in place on a terminal, with
// the run's state (escaped) and the time waited; nothing at all when stderr is not a terminal.
import { describe, expect, test } from "vitest"
import { formatElapsed, waitProgress } from "../../../src/cli/wait-progress.js"

const stream = (isTTY: boolean) => {
  const written: Array<string> = []
  return { isTTY, written, write: (s: string) => written.push(s) > 0 }
}

describe("wait progress", () => {
  test("wait progress - elapsed time in whole seconds, then minutes and hours", () => {
    expect([0, 999, 7_400, 65_000, 3_725_000].map(formatElapsed)).toStrictEqual(["0s", "0s", "7s", "1m05s", "1h02m05s"])
  })

  test("wait progress - on a terminal each status rewrites one line, and clear erases it once", () => {
    const s = stream(true)
    let now = 1_000
    const p = waitProgress("r1", s, () => now)
    p.show("pending")
    now = 66_000
    p.show("running\u001b[2J")
    p.clear()
    p.clear()
    expect(s.written).toStrictEqual([
      "\r\u001b[2Kwaiting for run r1: pending, 0s",
      "\r\u001b[2Kwaiting for run r1: running\\x1b[2J, 1m05s",
      "\r\u001b[2K",
    ])
  })

  test("wait progress - when stderr is not a terminal nothing is written", () => {
    const s = stream(false)
    const p = waitProgress("r1", s, () => 0)
    p.show("pending")
    p.clear()
    expect(s.written).toStrictEqual([])
  })
})
