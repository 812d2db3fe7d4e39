// Waiting without fixed sleeps: poll until a check passes or a deadline expires.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Retry `check` until it returns without throwing; rethrow its last error at the deadline. */
export const eventually = async <T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      return await check()
    } catch (e) {
      last = e
    }
    await sleep(intervalMs)
  }
  throw last instanceof Error ? last : new Error(`eventually: timed out after ${timeoutMs}ms: ${String(last)}`)
}
