// Cryptographic random bytes drawn from a pool refilled 4 KiB at a time. Every webhook needs a
// delivery id and often a new trace: asking the OS for a few bytes each time (and the ULID library
// asks once per character) was a measurable share of the ingest path's CPU.
import { randomFillSync } from "node:crypto"

const POOL_BYTES = 4096
const pool = new Uint8Array(POOL_BYTES)
let next = POOL_BYTES

const take = (n: number): number => {
  if (next + n > POOL_BYTES) {
    randomFillSync(pool)
    next = 0
  }
  const at = next
  next += n
  return at
}

/** `n` (at most 4 KiB) fresh random bytes, in a new array the caller owns. */
export const pooledRandomBytes = (n: number): Uint8Array => {
  const at = take(n)
  return pool.slice(at, at + n)
}

/** A number in [0, 1) from one random byte: what the ULID library needs per character (32 values). */
export const pooledPrng = (): number => pool[take(1)]! / 256
