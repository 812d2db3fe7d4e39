// Live updates for the pages, as Server-Sent Events. Deliveries: one core NATS subscription to the
// delivery records as serve writes them, fanned out to every open page; it exists only while a page
// is open (without one, every record would come back to serve for nothing, at ingest's cost), and a
// record that is not a delivery (a flood-cap count) is skipped. Runs: a page showing runs names them
// (a bounded few) and the open pages' runs are read again about every second, at most a bounded number
// per read, each change sent as it is seen; a run that reached a final status is no longer read. A
// page that stops reading is dropped rather than buffered for.
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
/** The pause between reads of the open pages' runs: a status change shows within about this long. */
const RUN_POLL_MS = 1_000
/** Runs read at most in one read (every open page's together): bounds the requests a second. */
const MAX_RUNS_PER_READ = 200

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

interface Watcher {
  /** The page's runs that may still change. */
  readonly pending: Set<string>
  /** The status last sent for each of them. */
  readonly seen: Map<string, string>
}

export const makeLive = (nc: NatsConnection, statuses: RunStatuses): Live => {
  const clients = new Set<ServerResponse>()
  const watchers = new Map<ServerResponse, Watcher>()
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
  // Resolves once the server has the subscription: a page is told it is live only then, so a record
  // stored right after it was told can't be published before the server knows anyone wants it.
  let subscribed: Promise<void> = Promise.resolve()
  const subscribe = () => {
    const s = nc.subscribe(Subjects.deliveriesStored, {
      callback: (err, msg) => {
        if (err !== null || clients.size === 0) return
        const record = decodeRecord(new TextDecoder().decode(msg.data))
        if (record._tag === "Some") send(`event: delivery\ndata: ${JSON.stringify(summary(record.value))}\n\n`)
      },
    })
    subscribed = nc.flush().catch(() => undefined)
    return s
  }
  const leave = (res: ServerResponse) => {
    clients.delete(res)
    if (clients.size === 0 && sub !== undefined) {
      sub.unsubscribe()
      sub = undefined
    }
  }
  const heartbeat = setInterval(() => {
    send(": keep-alive\n\n")
    for (const res of watchers.keys()) res.write(": keep-alive\n\n")
  }, HEARTBEAT_MS)
  heartbeat.unref()

  // One read of every open page's runs at a time (a run two pages show is read once), then a pause;
  // when they are more than one read takes, each read takes the next ones in turn.
  let timer: NodeJS.Timeout | undefined
  let reading = false
  let turn = 0
  const readRuns = () => {
    timer = undefined
    const all = [...new Set([...watchers.values()].flatMap((w) => [...w.pending]))]
    if (all.length === 0) return
    const from = turn % all.length
    const ids = [...all.slice(from), ...all.slice(0, from)].slice(0, MAX_RUNS_PER_READ)
    turn = from + ids.length
    reading = true
    void statuses(ids)
      .catch((): ReadonlyArray<RunStatus> => [])
      .then((now) => {
        reading = false
        for (const [res, w] of watchers) {
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            watchers.delete(res)
            res.destroy()
            continue
          }
          for (const r of now) {
            if (!w.pending.has(r.run_id)) continue
            if (w.seen.get(r.run_id) !== r.status)
              res.write(`event: run\ndata: ${JSON.stringify({ run_id: r.run_id, status: r.status })}\n\n`)
            w.seen.set(r.run_id, r.status)
            if (r.final) w.pending.delete(r.run_id)
          }
        }
        schedule(RUN_POLL_MS)
      })
  }
  const schedule = (ms: number) => {
    if (timer === undefined && !reading) timer = setTimeout(readRuns, ms)
  }

  const watch = (res: ServerResponse, ids: ReadonlyArray<string>) => {
    watchers.set(res, { pending: new Set(ids), seen: new Map() })
    res.on("close", () => watchers.delete(res))
    res.write(": live\n\n")
    // A new page's runs are read soon: their status may have changed since the page was rendered.
    schedule(0)
  }

  return {
    add: (res, runs = []) => {
      if (open() >= MAX_CLIENTS) return false
      if (runs.length > 0) return (watch(res, runs), true)
      clients.add(res)
      sub ??= subscribe()
      res.on("close", () => leave(res))
      void subscribed.then(() => {
        if (!res.destroyed) res.write(": live\n\n")
      })
      return true
    },
    close: () => {
      clearInterval(heartbeat)
      clearTimeout(timer)
      sub?.unsubscribe()
      sub = undefined
      for (const res of [...clients, ...watchers.keys()]) res.end()
      clients.clear()
      watchers.clear()
    },
  }
}
