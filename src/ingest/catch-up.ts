// Webhooks for a trigger created a moment ago: the trigger reaches this serve's table through a KV
// watch, so a webhook sent right after `trigger create` (answered by another serve, or before the
// watch delivered) can find no trigger yet. On a miss the table catches up with KV once before the
// pipeline answers, so only a trigger that really does not exist is 404.
import { Effect } from "effect"
import type { TriggerTableShape } from "../triggers/index.js"

export const withTableCaughtUp =
  <R extends { readonly name: string }, A, E>(table: TriggerTableShape, pipeline: (req: R) => Effect.Effect<A, E>) =>
  (req: R): Effect.Effect<A, E> =>
    Effect.andThen(table.get(req.name) === undefined ? table.sync : Effect.void, pipeline(req))
