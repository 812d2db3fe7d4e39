// Proves serve's start-up requests to JetStream ride out a cluster electing leaders: a request that
// times out is made again, and any other failure (a refusal) fails at once. A serve restarted right
// after a node restart exited 3 on one such timeout (the cluster e2e test saw it).
import { expect, test } from "vitest"
import { Effect, Exit } from "effect"
import { TimeoutError } from "@nats-io/nats-core"
import { askWhileStarting } from "../../../src/nats/conditions.js"

test("askWhileStarting - two timeouts, then an answer: the answer, after three attempts", async () => {
  let attempts = 0
  const answer = await Effect.runPromise(
    askWhileStarting(async () => {
      attempts++
      if (attempts <= 2) throw new TimeoutError()
      return "info"
    }),
  )
  expect([answer, attempts]).toStrictEqual(["info", 3])
})

test("askWhileStarting - a refusal is not asked again: Unavailable naming it, after one attempt", async () => {
  let attempts = 0
  const exit = await Effect.runPromiseExit(
    askWhileStarting(async () => {
      attempts++
      throw new Error('Permissions Violation for Publish to "$JS.API.STREAM.INFO.EVENTS"')
    }),
  )
  expect(attempts).toBe(1)
  expect(exit).toStrictEqual(
    Exit.fail(expect.objectContaining({ _tag: "Unavailable", message: expect.stringContaining("Permissions") })),
  )
})

test("askWhileStarting - a request that always times out fails Unavailable after seven attempts", async () => {
  let attempts = 0
  const exit = await Effect.runPromiseExit(
    askWhileStarting(async () => {
      attempts++
      throw new TimeoutError()
    }),
  )
  expect(attempts).toBe(7)
  expect(exit).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "Unavailable" })))
}, 20_000)
