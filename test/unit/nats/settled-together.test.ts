// Proves settledTogether, the join of writes in flight together: results in the writes' order
// whatever order they settle in, nothing to wait for with no writes, and a failure reported only once
// every write has settled, as the first one that failed (anything not Unavailable made one).
import { expect, test } from "vitest"
import { Effect, Exit, Option } from "effect"
import { Unavailable } from "../../../src/domain/errors.js"
import { settledTogether } from "../../../src/nats/publish-json.js"

const failureOf = (exit: Exit.Exit<unknown, Unavailable>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined

const later = <A>(ms: number, f: () => A): Promise<A> =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(f())
      } catch (e) {
        reject(e)
      }
    }, ms),
  )

test("settledTogether - results come in the writes' order, not the order they settled in", async () => {
  const joined = settledTogether([later(20, () => "slow"), later(0, () => 2), Promise.resolve(true)])
  expect(await Effect.runPromise(joined)).toStrictEqual(["slow", 2, true])
})

test("settledTogether - no writes is an empty result at once", async () => {
  expect(await Effect.runPromise(settledTogether([]))).toStrictEqual([])
})

test("settledTogether - fails with the first failure, only after every write settled", async () => {
  let lastSettled = false
  const joined = settledTogether([
    later(0, () => {
      throw new Unavailable({ message: "NATS: first" })
    }),
    later(10, () => {
      throw new Unavailable({ message: "NATS: second" })
    }),
    later(30, () => {
      lastSettled = true
      return 1
    }),
  ])
  const exit = await Effect.runPromiseExit(joined)
  expect(lastSettled).toBe(true)
  const error = failureOf(exit)
  expect(error).toBeInstanceOf(Unavailable)
  expect(error?.message).toBe("NATS: first")
})

test("settledTogether - a rejection that is not Unavailable fails as Unavailable with its message", async () => {
  const exit = await Effect.runPromiseExit(settledTogether([Promise.reject(new Error("socket closed"))]))
  const error = failureOf(exit)
  expect(error).toBeInstanceOf(Unavailable)
  expect(error?.message).toBe("NATS: socket closed")
})
