// The micro endpoint `dagnats.events.dead`: the newest dead letters, newest first, for
// `dagnats event dead`. Decode, read, encode.
import { Effect, Schema } from "effect"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { endpoint, type Endpoint } from "../micro/index.js"
import { listDead } from "./dead-letters.js"
import { wholeNumber } from "../domain/whole-number.js"

const DEFAULT_LIMIT = 20
const MAX_LIMIT = 1_000

const Limit = wholeNumber(1, MAX_LIMIT)
const DeadRequest = Schema.Struct({ limit: Schema.optionalKey(Limit) })

export const deadEndpoints = (js: JetStreamClient, jsm: JetStreamManager): ReadonlyArray<Endpoint> => [
  endpoint("events", "dead", DeadRequest, (r) =>
    Effect.map(listDead(js, jsm, r.limit ?? DEFAULT_LIMIT), (dead) => ({ dead })),
  ),
]
