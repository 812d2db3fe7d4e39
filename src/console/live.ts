// Live updates for the pages, as Server-Sent Events. Deliveries: one core NATS subscription to the
// delivery records as serve writes them, fanned out to every open page; it exists only while a page
// is open (without one, every record would come back to serve for nothing, at ingest's cost), and a
// record that is not a delivery (a flood-cap count) is skipped. Runs: a page showing runs names them
// (a bounded few) and their statuses are read again every second while it is open, each change sent
// as it is seen; a run that reached a final status is no longer read. A page that stops reading is
// dropped rather than buffered for.
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
/** How often a page's runs are read again: a status change shows within about this long. */
const RUN_POLL_MS = 1_000

export interface RunStatus {
  readonly run_id: string
  readonly status: string
  /** The status can change no more. */
  readonly final: boolean
}
/** The statuses of the runs that could be read now. */
export type RunStatuses = (ids: ReadonlyArray<string>) => Promise<ReadonlyArray<RunStatus>>

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
  /**
   * Streams to `res` every delivery from now on, or (when `runs` names some) those runs' status
   * changes; false when too many pages are open.
   */
  readonly add: (res: ServerResponse, runs?: ReadonlyArray<string>) => boolean
  readonly close: () => void
}

export const makeLive = (nc: NatsConnection, statuses: RunStatuses): Live => {
  const clients = new Set<ServerResponse>()
  const watchers = new Set<ServerResponse>()
  const open = () => clients.size + watchers.size
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
  const heartbeat = setInterval(() => {
    send(": keep-alive\n\n")
    for (const res of watchers) res.write(": keep-alive\n\n")
  }, HEARTBEAT_MS)
  heartbeat.unref()

  /** One read of the page's runs after another (never two at once), until it closes or all are final. */
  const watch = (res: ServerResponse, ids: ReadonlyArray<string>) => {
    const seen = new Map<string, string>()
    let pending = [...ids]
    let timer: NodeJS.Timeout | undefined
    const stop = () => {
      watchers.delete(res)
      clearTimeout(timer)
    }
    const tick = () =>
      void statuses(pending).then((now) => {
        if (!watchers.has(res)) return
        if (res.writableLength > MAX_BUFFERED_BYTES) return (stop(), res.destroy())
        for (const r of now) {
          if (seen.get(r.run_id) !== r.status)
            res.write(`event: run\ndata: ${JSON.stringify({ run_id: r.run_id, status: r.status })}\n\n`)
          seen.set(r.run_id, r.status)
        }
        const final = new Set(now.filter((r) => r.final).map((r) => r.run_id))
        pending = pending.filter((id) => !final.has(id))
        if (pending.length > 0) timer = setTimeout(tick, RUN_POLL_MS)
      })
    watchers.add(res)
    res.on("close", stop)
    res.write(": live\n\n")
    tick()
  }

  return {
    add: (res, runs = []) => {
      if (open() >= MAX_CLIENTS) return false
      if (runs.length > 0) return (watch(res, runs), true)
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
      for (const res of [...clients, ...watchers]) res.end()
      clients.clear()
      watchers.clear()
    },
  }
}
