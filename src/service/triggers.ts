// Micro endpoints for trigger management (SPEC §7): decode, call the store or table, encode.
import { Effect, Schema } from "effect"
import { toView } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { TriggerStoreShape } from "../triggers/store.js"
import type { TriggerTableShape } from "../triggers/table.js"
import { NameRequest, endpoint, type Endpoint } from "./endpoint.js"
import { nextFireField } from "../schedules/view.js"

/** update takes the name plus any updatable fields; the store checks which ones and the result. */
const UpdateRequest = Schema.Record(Schema.String, Schema.Unknown)

/**
 * list pages so a reply always fits the NATS max_payload: `limit` triggers after the name `after`,
 * with `next` (the cursor for the following page) when more remain. Without `limit` it answers
 * every trigger in one reply, for clients that know their list is small.
 */
const MAX_PAGE = 1_000
const ListRequest = Schema.Struct({
  after: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(
    Schema.Number.pipe(
      Schema.check(Schema.makeFilter((n: number) => (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? undefined : `must be a whole number from 1 to ${MAX_PAGE}`))),
    ),
  ),
})

/** Open debounce windows and batches per trigger; list marks triggers that have any. */
export type OpenCounts = Effect.Effect<ReadonlyMap<string, number>, Unavailable>

export const triggerEndpoints = (store: TriggerStoreShape, table: TriggerTableShape, openCounts: OpenCounts): ReadonlyArray<Endpoint> => [
  endpoint("triggers", "create", Schema.Unknown, (req) => Effect.map(store.create(req), toView)),
  endpoint("triggers", "get", NameRequest, ({ name }) => Effect.map(store.get(name), toView)),
  endpoint("triggers", "list", ListRequest, ({ after, limit }) =>
    Effect.gen(function* () {
      yield* table.sync
      const open = yield* openCounts
      const sorted = table
        .all()
        .filter((t) => after === undefined || t.name > after)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      const page = limit === undefined ? sorted : sorted.slice(0, limit)
      return {
        triggers: page.map((t) => ({
          ...toView(t),
          ...(open.has(t.name) ? { open: open.get(t.name) } : {}),
          ...nextFireField(t, Date.now()),
        })),
        ...(page.length < sorted.length ? { next: page[page.length - 1]!.name } : {}),
      }
    }),
  ),
  {
    group: "triggers",
    name: "update",
    handle: (body) => {
      const decoded = Schema.decodeUnknownExit(UpdateRequest)(body)
      const name = decoded._tag === "Success" ? decoded.value["name"] : undefined
      if (decoded._tag === "Failure" || typeof name !== "string") {
        return endpoint("triggers", "update", NameRequest, () => Effect.void).handle(body)
      }
      return Effect.map(store.update(name, decoded.value), toView)
    },
  },
  endpoint("triggers", "delete", NameRequest, ({ name }) => Effect.as(store.delete(name), { deleted: true, name })),
  endpoint("triggers", "enable", NameRequest, ({ name }) => Effect.map(store.update(name, { enabled: true }), toView)),
  endpoint("triggers", "disable", NameRequest, ({ name }) => Effect.map(store.update(name, { enabled: false }), toView)),
]
