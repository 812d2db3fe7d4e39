// Proves serve's two log formats: json is one object per line with ts, level, msg first and the log
// annotations after (never overwriting them); text is `time LEVEL message key=value`.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest"
import { Effect, Logger } from "effect"
import { loggerFor } from "../../../src/app/log.js"

let written: Array<string> = []
beforeEach(() => {
  written = []
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
})
afterEach(() => vi.restoreAllMocks())

const logWith = (format: "text" | "json", effect: Effect.Effect<void>) =>
  Effect.runSync(effect.pipe(Effect.provide(Logger.layer([loggerFor(format)]))))

describe("serve log", () => {
  test("serve log - json: one line, ts/level/msg first, annotations after, an annotation named msg cannot replace it", () => {
    logWith(
      "json",
      Effect.logWarning("evaluating failed").pipe(Effect.annotateLogs({ subject: "event.a", seq: 7, msg: "spoof" })),
    )
    expect(written).toHaveLength(1)
    expect(written[0]!.endsWith("}\n")).toBe(true)
    const o = JSON.parse(written[0]!) as Record<string, unknown>
    expect(Object.keys(o)).toEqual(["ts", "level", "msg", "subject", "seq"])
    expect(o).toMatchObject({ level: "warn", msg: "evaluating failed", subject: "event.a", seq: 7 })
    expect(new Date(o["ts"] as string).toISOString()).toBe(o["ts"])
  })

  test("serve log - text: time, padded level, message, then key=value for each annotation", () => {
    logWith("text", Effect.log("dagnats serve ready"))
    logWith("text", Effect.logError("webhook hook: 401").pipe(Effect.annotateLogs({ trigger: "hook" })))
    expect(written[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  dagnats serve ready\n$/)
    expect(written[1]).toMatch(/^\S+Z ERROR webhook hook: 401 trigger=hook\n$/)
  })
})
