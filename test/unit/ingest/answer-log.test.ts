// The webhook answer log's rate limit: at most 20 lines in a wall-clock second, then one summary line
// for that second with the count left out, whether the next request or the once-a-second tick finds it.
import { describe, expect, test } from "vitest"
import { makeAnswerLog } from "../../../src/ingest/answer-log.js"
import type { Answered } from "../../../src/ingest/server.js"

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5)
const answer = (i: number, o: Partial<Answered> = {}): Answered => ({
  id: `01KC3Q8Z7X9V2M4N6P8R0S2T${String(i).padStart(2, "0")}`,
  receivedAtMs: T0,
  name: "hook",
  method: "POST",
  path: "/v1/webhooks/hook",
  remoteAddr: "127.0.0.1",
  contentType: "application/json",
  rawHeaders: [],
  body: undefined,
  declaredLength: undefined,
  status: 202,
  code: undefined,
  durationMs: 1.26,
  ...o,
})

describe("answer log", () => {
  test("answer log - one line per answer with delivery, trigger, status, code and latency; a path naming no valid trigger is _", () => {
    const log = makeAnswerLog()
    expect(log.answered(answer(1, { status: 401, code: "invalid_signature" }), T0)).toStrictEqual([
      {
        message: "webhook answered",
        fields: {
          delivery: answer(1).id,
          trigger: "hook",
          status: 401,
          code: "invalid_signature",
          latency_ms: 1.3,
        },
      },
    ])
    expect(log.answered(answer(2, { name: "bad name\u001b" }), T0)[0]!.fields).toStrictEqual({
      delivery: answer(2).id,
      trigger: "_",
      status: 202,
      latency_ms: 1.3,
    })
  })

  test("answer log - past 20 lines in a second the rest are one summary line, given by the next answer after it", () => {
    const log = makeAnswerLog()
    const lines = Array.from({ length: 25 }, (_, i) => log.answered(answer(i), T0 + i))
    expect(lines.map((l) => l.length)).toStrictEqual([...Array(20).fill(1), ...Array(5).fill(0)])
    const next = log.answered(answer(30), T0 + 1_000)
    expect(next[0]).toStrictEqual({
      message: "5 more webhook answers not logged (at most 20 lines a second)",
      fields: { suppressed: 5, from: new Date(T0 - (T0 % 1000)).toISOString() },
    })
    expect(next[1]!.fields["delivery"]).toBe(answer(30).id)
    expect(log.tick(T0 + 5_000)).toStrictEqual([])
  })

  test("answer log - a quiet second after a flood gets its summary from the tick, once", () => {
    const log = makeAnswerLog()
    for (let i = 0; i < 22; i++) log.answered(answer(i), T0)
    expect(log.tick(T0 + 500)).toStrictEqual([])
    expect(log.tick(T0 + 1_000).map((l) => l.fields["suppressed"])).toStrictEqual([2])
    expect(log.tick(T0 + 2_000)).toStrictEqual([])
  })
})
