// Proves bench/evaluator.mjs still runs against the built dagnats and describes its method with the
// evaluator consumer's real settings (it once printed `ack wait NaN s, max ack pending undefined`
// and gave its ceiling consumer those values): a brief dry run, which appends nothing.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { DEFAULT_TIMING } from "../../src/config/evaluator-timing.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

describe("ops bench", () => {
  it("ops bench - a brief dry run of bench/evaluator.mjs exits 0 and its method line names the ack wait, max ack pending and max_messages the evaluator uses", () => {
    const r = spawnSync(process.execPath, ["bench/run.mjs", "evaluator"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        // No console: a `make run` on the machine holds its default address.
        DAGNATS_CONSOLE_ADDR: "",
        BENCH_DRY_RUN: "1",
        BENCH_TRIGGER_COUNTS: "10",
        BENCH_ROUNDS: "1",
        BENCH_EVAL_EVENTS: "100",
        BENCH_WEBHOOK_SECONDS: "1",
        BENCH_WEBHOOK_RPS: "20",
      },
    })
    expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" })
    const method = r.stdout.split("\n").find((l) => l.startsWith("Throughput: "))
    expect(method).toContain(
      `(ack wait ${DEFAULT_TIMING.ackWaitMs / 1000} s, max ack pending 4096, consume max_messages 128)`,
    )
    expect(method).not.toMatch(/NaN|undefined/)
    expect(r.stdout).toContain("BENCH_DRY_RUN=1: not appended")
  })
})
