// Proves the in-process coordination of the window engine on Effect's primitives: key-locks.ts runs
// work of one key one at a time in arrival order while other keys go on, and starting.ts holds a
// fire's bookkeeping (startsDone) while any timer is still on its way to starting a run, with each
// timer's enter and leave counted once however often they are called.
import { describe, expect, test } from "vitest"
import { Deferred, Effect, Fiber } from "effect"
import { makeKeyLocks } from "../../../src/windows/key-locks.js"
import { makeStarting } from "../../../src/windows/starting.js"

/** Let every runnable fiber take its next steps. */
const settle = Effect.repeat(Effect.yieldNow, { times: 20 })

describe("windows coordination", () => {
  test("key-locks - a second absorb of key a waits for the first; key b runs meanwhile", async () => {
    const log: Array<string> = []
    const note = (s: string) => Effect.sync(() => void log.push(s))
    const program = Effect.gen(function* () {
      const oneAtATime = makeKeyLocks()
      const gate = yield* Deferred.make<void>()
      const a1 = yield* Effect.forkChild(
        oneAtATime("a", note("a1 start").pipe(Effect.andThen(Deferred.await(gate)), Effect.andThen(note("a1 end")))),
      )
      yield* settle
      const a2 = yield* Effect.forkChild(oneAtATime("a", note("a2")))
      const b = yield* Effect.forkChild(oneAtATime("b", note("b")))
      yield* settle
      const whileHeld = [...log]
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll([a1, a2, b])
      return whileHeld
    })
    expect(await Effect.runPromise(program)).toStrictEqual(["a1 start", "b"])
    expect(log).toStrictEqual(["a1 start", "b", "a1 end", "a2"])
  })

  test("starting - startsDone returns at once with no timer starting, and waits until the last of two timers left", async () => {
    const program = Effect.gen(function* () {
      const s = makeStarting()
      yield* s.startsDone
      const t1 = s.member()
      const t2 = s.member()
      yield* t1.enter
      yield* t1.enter
      yield* t2.enter
      const waiter = yield* Effect.forkChild(s.startsDone)
      yield* settle
      const whileBoth = waiter.pollUnsafe()
      yield* t1.leave
      // Leaving twice counts once: t2 still holds the bookkeeping back.
      yield* t1.leave
      yield* settle
      const whileOne = waiter.pollUnsafe()
      yield* t2.leave
      yield* Fiber.join(waiter)
      return { whileBoth, whileOne }
    })
    expect(await Effect.runPromise(program)).toStrictEqual({ whileBoth: undefined, whileOne: undefined })
  })
})
