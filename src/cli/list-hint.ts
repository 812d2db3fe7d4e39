// "There is more": list endpoints return at most `limit` rows and say nothing about the rest, so
// human output asks for one row more than it shows; when that row arrives a hint goes to stderr.
// --json output asks for exactly the limit and keeps its shape.

/** What the service uses when no --limit is given, and the most it returns. */
const DEFAULT_LIST_LIMIT = 20
const MAX_LIST_LIMIT = 1_000

/** The limit to request: one more than shown, for human output below the maximum. */
export const requestLimit = (shown: number | undefined, json: boolean): number | undefined => {
  if (json) return shown
  const n = shown ?? DEFAULT_LIST_LIMIT
  return n < MAX_LIST_LIMIT ? n + 1 : n
}

/** The rows to show and, when more exist, the hint for stderr. */
export const limitRows = <T>(
  rows: ReadonlyArray<T>,
  shown: number | undefined,
): { rows: ReadonlyArray<T>; hint?: string } => {
  const n = shown ?? DEFAULT_LIST_LIMIT
  if (rows.length <= n) return { rows }
  const next = Math.min(MAX_LIST_LIMIT, n * 5)
  const hint = `showing the newest ${n}; more exist: use --limit N (up to ${MAX_LIST_LIMIT}), e.g. --limit ${next}`
  return { rows: rows.slice(0, n), hint }
}

/** The line (for stderr) under a list the service cut to fit the NATS max payload (`"truncated": true`). */
export const truncatedNote = (reply: object, whole: string): void => {
  if ((reply as { readonly truncated?: unknown }).truncated === true) {
    process.stderr.write(`truncated to fit the NATS max payload: ${whole}\n`)
  }
}
