// Live deliveries for the pages: one core NATS subscription to the delivery records as serve writes
// them, fanned out to every open page as Server-Sent Events. The subscription exists only while a
// page is open: without one, every record would come back to serve for nothing, at ingest's cost. A record that is not a delivery (a
// flood-cap count) is skipped; a page that stops reading is dropped rather than buffered for.
import type { ServerResponse } from "node:http"
import { Schema } from "effect"
import type { NatsConnection, Subscription } from "../nats/core-api.js"
import { Subjects } from "../protocol/names.js"
import { DeliveryRecord } from "../domain/delivery.js"

/** More open pages than an operations team has; each costs a socket. */
const MAX_CLIENTS = 200
/** A page further behind than this is gone or stuck: it is closed instead of buffered for. */
const MAX_BUFFERED_BYTES = 1_048_576
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000

const decodeRecord = Schema.decodeUnknownOption(Schema.fromJsonString(DeliveryRecord))

/** What a list row shows of a delivery: never its headers. */
export const summary = (r: DeliveryRecord) => ({
  id: r.id,
  received_at: r.received_at,
  trigger: r.trigger,
  request: { method: r.request.method, path: r.request.path },
  response: { status: r.response.status, ...(r.response.code !== undefined ? { code: r.response.code } : {}) },
})

export interface Live {
  /** Streams every delivery from now on to `res`; false when too many pages are open. */
  readonly add: (res: ServerResponse) => boolean
  readonly close: () => void
}

export const makeLive = (nc: NatsConnection): Live => {
  const clients = new Set<ServerResponse>()
  const send = (text: string) => {
    for (const res of clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        leave(res)
        res.destroy()
      } else res.write(text)
    }
  }
  let sub: Subscription | undefined
  const subscribe = () =>
    nc.subscribe(Subjects.deliveriesStored, {
      callback: (err, msg) => {
        if (err !== null || clients.size === 0) return
        const record = decodeRecord(new TextDecoder().decode(msg.data))
        if (record._tag === "Some") send(`event: delivery\ndata: ${JSON.stringify(summary(record.value))}\n\n`)
      },
    })
  const leave = (res: ServerResponse) => {
    clients.delete(res)
    if (clients.size === 0 && sub !== undefined) {
      sub.unsubscribe()
      sub = undefined
    }
  }
  const heartbeat = setInterval(() => send(": keep-alive\n\n"), HEARTBEAT_MS)
  heartbeat.unref()
  return {
    add: (res) => {
      if (clients.size >= MAX_CLIENTS) return false
      clients.add(res)
      sub ??= subscribe()
      res.on("close", () => leave(res))
      res.write(": live\n\n")
      return true
    },
    close: () => {
      clearInterval(heartbeat)
      sub?.unsubscribe()
      sub = undefined
      for (const res of clients) res.end()
      clients.clear()
    },
  }
}
