// Micro endpoints for trigger management (SPEC §7): decode, call the store or table, encode.
import { Effect, Schema } from "effect"
import { toView } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { TriggerStoreShape } from "../triggers/store.js"
import type { TriggerTableShape } from "../triggers/table.js"
import { EmptyRequest, NameRequest, endpoint, type Endpoint } from "./endpoint.js"

/** update takes the name plus any updatable fields; the store checks which ones and the result. */
const UpdateRequest = Schema.Record(Schema.String, Schema.Unknown)

/** Open debounce windows and batches per trigger; list marks triggers that have any. */
export type OpenCounts = Effect.Effect<ReadonlyMap<string, number>, Unavailable>

export const triggerEndpoints = (store: TriggerStoreShape, table: TriggerTableShape, openCounts: OpenCounts): ReadonlyArray<Endpoint> => [
  endpoint("triggers", "create", Schema.Unknown, (req) => Effect.map(store.create(req), toView)),
  endpoint("triggers", "get", NameRequest, ({ name }) => Effect.map(store.get(name), toView)),
  endpoint("triggers", "list", EmptyRequest, () =>
    Effect.gen(function* () {
      yield* table.sync
      const open = yield* openCounts
      return {
        triggers: table
          .all()
          .slice()
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((t) => ({ ...toView(t), ...(open.has(t.name) ? { open: open.get(t.name) } : {}) })),
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
