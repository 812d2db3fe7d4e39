// The micro endpoint `dagnats.events.dead`: the newest dead letters, newest first, for
// `dagnats event dead`. Decode, read, fit the reply to the server's max payload, encode.
import { Effect, Schema } from "effect"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { listDead, type DeadEntry } from "./dead-letters.js"
import { wholeNumber } from "../domain/whole-number.js"
import { DEAD_LARGE_FIELDS } from "../domain/dead-letter.js"
import { cutToShare, fitList, recordShare, replyBudget, truncatedField } from "../domain/list-budget.js"

const DEFAULT_LIMIT = 20
const MAX_LIMIT = 1_000

const Limit = wholeNumber(1, MAX_LIMIT)
/** `next` of an earlier page: only letters stored before this DAGNATS_DEAD sequence. */
const Before = wholeNumber(1, Number.MAX_SAFE_INTEGER)
const DeadRequest = Schema.Struct({ limit: Schema.optionalKey(Limit), before: Schema.optionalKey(Before) })

/** The reply: the letters that fit, each cut to its share; `next` when some were left out. */
const deadReply = (entries: ReadonlyArray<DeadEntry>, limit: number, maxPayload: number) => {
  const budget = replyBudget(maxPayload)
  const share = recordShare(budget, limit)
  const cut = entries.map((e) => ({ streamSeq: e.streamSeq, ...cutToShare(e.dead, share, DEAD_LARGE_FIELDS) }))
  const fit = fitList(cut, budget, (c) => c.bytes)
  const last = fit.items.at(-1)
  return {
    dead: fit.items.map((c) => c.record),
    ...truncatedField(fit.truncated || fit.items.some((c) => c.cut)),
    ...(fit.left > 0 && last !== undefined ? { next: last.streamSeq } : {}),
  }
}

export const deadEndpoints = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  maxPayload: () => number,
): ReadonlyArray<Endpoint> => [
  endpoint("events", "dead", DeadRequest, (r) => {
    const limit = r.limit ?? DEFAULT_LIMIT
    return Effect.map(listDead(js, jsm, limit, r.before), (entries) => deadReply(entries, limit, maxPayload()))
  }),
]
