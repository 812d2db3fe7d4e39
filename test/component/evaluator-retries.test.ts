// Proves the evaluator's in-process retries against a real nats-server: an evaluation that fails is
// attempted again after 100, 200 and 400 ms, and only then handed back
// to JetStream with a NAK (reported once); one that succeeds on a retry is acked and reported never.
import { describe, expect, test } from "vitest"
import { Effect, Fiber } from "effect"
import { Unavailable } from "../../src/domain/errors.js"
import { ensureEvaluatorConsumer, makeMatcher, runEvaluatorLoop, type EvaluateDeps } from "../../src/evaluator/index.js"
import { rigPerTest } from "./windows-support.js"
import { eventually } from "../support/poll.js"

const rig = rigPerTest()

const evaluatorWith = async (name: string, failFirst: number) => {
  const r = await rig({ name, workflow: "wf", type: "event", subject: `event.${name}` })
  await Effect.runPromise(ensureEvaluatorConsumer(r.handles))
  const attempts: Array<number> = []
  const retries: Array<string> = []
  const deps: EvaluateDeps = {
    matcher: makeMatcher(r.table),
    starter: {
      start: (spec) =>
        Effect.suspend(() => {
          attempts.push(performance.now())
          return attempts.length <= failFirst
            ? Effect.fail(new Unavailable({ message: "NATS: timeout" }))
            : Effect.succeed({ runId: spec.runId, created: true })
        }),
    },
    debounce: r.engine.debounce,
    batch: r.engine.batch,
    lookupRunSeq: () => Effect.succeed(undefined),
  }
  const hooks = {
    onOutcomes: () => undefined,
    onRetry: (_: unknown, error: string) => Effect.sync(() => void retries.push(error)),
    onDead: () => Effect.void,
  }
  const loop = Effect.runFork(Effect.scoped(Effect.andThen(runEvaluatorLoop(r.handles, deps, hooks), Effect.never)))
  return { r, attempts, retries, stop: () => Effect.runPromise(Fiber.interrupt(loop)) }
}

describe("evaluator - in-process retries", () => {
  test("retries - an evaluation that keeps failing is attempted 4 times, 100/200/400 ms apart, then NAKed and reported once", async () => {
    const { r, attempts, retries, stop } = await evaluatorWith("rf", Number.POSITIVE_INFINITY)
    try {
      await r.publish("event.rf", { n: 1 })
      await eventually(async () => expect(retries).toHaveLength(1), 10_000, 20)
      expect(attempts).toHaveLength(4)
      // Each wait lasts at least its delay (timers fire late, never early).
      const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!)
      expect(gaps.map((g, i) => g >= [100, 200, 400][i]! - 2)).toStrictEqual([true, true, true])
      expect(retries[0]).toContain("NATS: timeout")
      const c = await r.handles.jsm.consumers.info("EVENTS", "dagnats-evaluator")
      expect(c.ack_floor.stream_seq).toBe(0)
    } finally {
      await stop()
    }
  })

  test("retries - an evaluation that fails once is acked after its second attempt, with no retry reported", async () => {
    const { r, attempts, retries, stop } = await evaluatorWith("ro", 1)
    try {
      const e = await r.publish("event.ro", { n: 1 })
      await eventually(
        async () => {
          const c = await r.handles.jsm.consumers.info("EVENTS", "dagnats-evaluator")
          expect([c.ack_floor.stream_seq, c.num_ack_pending]).toStrictEqual([e.seq, 0])
        },
        10_000,
        20,
      )
      expect(attempts).toHaveLength(2)
      expect(retries).toStrictEqual([])
    } finally {
      await stop()
    }
  })
})
