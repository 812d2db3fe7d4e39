// recoverWhen: the one way a caller turns an expected nats.js failure (a stream or consumer not there,
// a revision check lost) into an answer; any other failure must still fail.
import { expect, test } from "vitest"
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import { isRevisionMismatch, isStreamNotFound, recoverWhen } from "../../../src/nats/errors.js"

const apiError = (code: number) => new JetStreamApiError({ code: 400, err_code: code, description: `error ${code}` })

test("recoverWhen - a request that succeeds gives its value, whatever the predicate", async () => {
  expect(await recoverWhen(Promise.resolve("info"), () => true, undefined)).toBe("info")
})

test("recoverWhen - stream not found with isStreamNotFound: the value given instead", async () => {
  const missing = Promise.reject(apiError(JetStreamApiCodes.StreamNotFound))
  expect(await recoverWhen(missing, isStreamNotFound, "none")).toBe("none")
})

test("recoverWhen - both revision-check codes with isRevisionMismatch: false instead", async () => {
  for (const code of [JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown]) {
    expect(await recoverWhen(Promise.reject(apiError(code)), isRevisionMismatch, false)).toBe(false)
  }
})

test("recoverWhen - another failure rejects with that same error", async () => {
  const refused = apiError(JetStreamApiCodes.ConsumerNotFound)
  await expect(recoverWhen(Promise.reject(refused), isStreamNotFound, undefined)).rejects.toBe(refused)
  const plain = new Error("connection closed")
  await expect(recoverWhen(Promise.reject(plain), isRevisionMismatch, false)).rejects.toBe(plain)
})
