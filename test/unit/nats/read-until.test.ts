// Proves readUntil stops the iterator however the read ends: when `done` says so (nothing after it
// is read), when the iterator ends, and when `done` throws (the throw reaches the caller).
import { expect, test } from "vitest"
import { readUntil } from "../../../src/nats/read-until.js"

const numbers = async function* (n: number) {
  for (let i = 1; i <= n; i++) yield i
}

test("read until - stops at the first item done holds for, reads nothing after it, and stops the iterator once", async () => {
  const seen: Array<number> = []
  let stops = 0
  await readUntil(
    numbers(5),
    () => void stops++,
    (i) => {
      seen.push(i)
      return i === 2
    },
  )
  expect({ seen, stops }).toStrictEqual({ seen: [1, 2], stops: 1 })
})

test("read until - an iterator that ends before done holds is read to its end and stopped once", async () => {
  const seen: Array<number> = []
  let stops = 0
  await readUntil(
    numbers(3),
    () => void stops++,
    (i) => {
      seen.push(i)
      return false
    },
  )
  expect({ seen, stops }).toStrictEqual({ seen: [1, 2, 3], stops: 1 })
})

test("read until - a throw from done reaches the caller after the iterator is stopped", async () => {
  const events: Array<string> = []
  const read = readUntil(
    numbers(3),
    () => void events.push("stopped"),
    () => {
      throw new Error("bad record")
    },
  )
  await expect(read).rejects.toThrow("bad record")
  expect(events).toStrictEqual(["stopped"])
})

test("read until - an asynchronous stop is awaited before the read resolves", async () => {
  const events: Array<string> = []
  await readUntil(
    numbers(1),
    () => new Promise<void>((resolve) => setImmediate(() => resolve(void events.push("stopped")))),
    () => true,
  )
  events.push("resolved")
  expect(events).toStrictEqual(["stopped", "resolved"])
})
