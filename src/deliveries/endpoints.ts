// The micro endpoints `dagnats.deliveries.list` and `dagnats.deliveries.get`: decode, read, fit the
// list to the server's max payload, encode.
import { Effect } from "effect"
import type { KV } from "../nats/kv-api.js"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { InvalidInput } from "../domain/errors.js"
import { DeliveryGetRequest, DeliveryListRequest } from "../domain/delivery.js"
import { fitList, recordShare, replyBudget, truncatedField } from "../domain/list-budget.js"
import { getDelivery, listDeliveries } from "./read.js"

const DEFAULT_LIMIT = 20

export const deliveryEndpoints = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  runs: KV,
  maxPayload: () => number,
): ReadonlyArray<Endpoint> => [
  endpoint("deliveries", "list", DeliveryListRequest, (r) => {
    const sinceMs = r.since !== undefined ? Date.parse(r.since) : undefined
    if (sinceMs !== undefined && Number.isNaN(sinceMs))
      return Effect.fail(
        new InvalidInput({ message: `since: must be an RFC 3339 time (got "${r.since!.slice(0, 40)}")` }),
      )
    const limit = r.limit ?? DEFAULT_LIMIT
    const budget = replyBudget(maxPayload())
    const q = {
      trigger: r.trigger,
      status: r.status,
      sinceMs,
      limit,
      share: recordShare(budget, limit),
      before: r.before,
    }
    return Effect.map(listDeliveries(js, jsm, q), (items) => {
      const fit = fitList(items, budget)
      return { deliveries: fit.items, ...truncatedField(fit.truncated || fit.items.some((i) => i.cut !== undefined)) }
    })
  }),
  endpoint("deliveries", "get", DeliveryGetRequest, (r) =>
    getDelivery(js, jsm, runs, r.id, r.body === true ? { room: replyBudget(maxPayload()) } : undefined),
  ),
]
