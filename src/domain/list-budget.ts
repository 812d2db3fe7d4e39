// How a list reply stays within the server's max payload, for every list endpoint (runs, trigger
// history, dead letters, triggers). Pure. Two steps: while a list is read, each record is cut to its
// share of the reply (its largest fields first), so what a read holds is bounded by the reply's size
// whatever `limit` asks; then the records, in reply order, are taken while they fit. A reply that cut
// a field or left records out says `truncated: true`; `next` is where the following page starts.

import { utf8Length } from "./utf8.js"

/** Room for the reply's own fields (`{"runs":[…],"truncated":true,"next":…}`) and the message headers. */
export const ENVELOPE_BYTES = 1_024
/**
 * The least share of a reply a record gets, whatever the limit: enough for any record with its large
 * fields cut (names, subjects, times and ids are bounded well below it).
 */
export const MIN_SHARE_BYTES = 2_048
/** A string field that is cut keeps this many characters, then "…". */
export const CUT_STRING_CHARS = 256
/** The NATS default, for a connection that has not said its own. */
export const DEFAULT_MAX_PAYLOAD = 1_048_576

/** The size of a value in a JSON reply, in UTF-8 bytes. */
export const jsonBytes = (value: unknown): number => utf8Length(JSON.stringify(value) ?? "null")

/** The bytes the records of one reply may take. */
export const replyBudget = (maxPayload: number): number =>
  Math.max(MIN_SHARE_BYTES, (maxPayload > 0 ? maxPayload : DEFAULT_MAX_PAYLOAD) - ENVELOPE_BYTES)

/** Each record's share of a reply of at most `limit` records. */
export const recordShare = (budget: number, limit: number): number =>
  Math.max(MIN_SHARE_BYTES, Math.floor(budget / Math.max(1, limit)))

export interface Cut<A> {
  readonly record: A
  /** Its size in the reply, after any cut. */
  readonly bytes: number
  readonly cut: boolean
}

/**
 * The record within `share` bytes: the `large` fields, in that order, are cut until it fits — a
 * string is shortened to CUT_STRING_CHARS characters and "…", any other value left out — and the
 * record names them in `cut`. Fields not named in `large`, and values no larger than a cut string,
 * are never touched, so a record that is still too big after every cut is kept as it is (the list
 * step then decides).
 */
export const cutToShare = <A extends object>(
  record: A,
  share: number,
  large: ReadonlyArray<string>,
  knownBytes?: number,
): Cut<A> => {
  let bytes = knownBytes ?? jsonBytes(record)
  if (bytes <= share) return { record, bytes, cut: false }
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) }
  const cut: Array<string> = []
  for (const field of large) {
    if (bytes <= share) break
    const value = out[field]
    if (value === undefined) continue
    if (typeof value === "string") {
      if (value.length <= CUT_STRING_CHARS) continue
      out[field] = `${value.slice(0, CUT_STRING_CHARS)}…`
    } else {
      // A small value (an id, a count, a flag) is worth more than the bytes it frees.
      if (jsonBytes(value) <= CUT_STRING_CHARS) continue
      delete out[field]
    }
    cut.push(field)
    bytes = jsonBytes({ ...out, cut })
  }
  if (cut.length === 0) return { record, bytes, cut: false }
  return { record: { ...out, cut } as unknown as A, bytes, cut: true }
}

export interface Fitted<A> {
  readonly items: ReadonlyArray<A>
  /** Records were left out (beyond the budget) or had fields cut. */
  readonly truncated: boolean
  /** How many of the given records were left out for size. */
  readonly left: number
}

/**
 * The records, in reply order, while they fit `budget` (each with its comma). The first record is
 * always kept when it fits alone within the budget; a record that does not fit ends the list there,
 * so the reply stays a prefix of the list and its last record is where the next page starts.
 */
export const fitList = <A>(
  records: ReadonlyArray<A>,
  budget: number,
  sizeOf: (a: A) => number = jsonBytes,
  alreadyCut = false,
): Fitted<A> => {
  let used = 0
  let n = 0
  for (const r of records) {
    const size = sizeOf(r) + 1
    if (used + size > budget) break
    used += size
    n++
  }
  return {
    items: n === records.length ? records : records.slice(0, n),
    truncated: alreadyCut || n < records.length,
    left: records.length - n,
  }
}

/** The reply fields that say so: `truncated` only when set, as every list reply spells it. */
export const truncatedField = (truncated: boolean): { readonly truncated?: true } =>
  truncated ? { truncated: true } : {}
