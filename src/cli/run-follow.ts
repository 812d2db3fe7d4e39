// How `dagnats tail` on a terminal learns how the runs it showed starting ended: it asks `runs.get`
// for each one until the record is completed, failed or cancelled. A poll, not a subscription: the
// shipped nats.conf lets the `cli` user read only its inboxes, `dagnats.deliveries.>` and
// `trigger.fire.>` (never `history.>`), and the run record already holds the folded outcome (a
// failed run's error comes from its last failed step, and runs the engine ends without any history
// event are folded from its KV) that a lone `workflow.failed` event does not carry.
import type { NatsConnection } from "../nats/core-api.js"
import { endpointSubject } from "../protocol/names.js"
import { isFinal } from "../domain/run-status.js"
import { Run, requestReply } from "./replies.js"

/** How often each followed run is asked for again. */
export const FOLLOW_POLL_MS = 1_000
/** Runs followed at once; the oldest is dropped (its end is not shown) when more start. */
export const FOLLOW_MAX = 100
/** A run still not final after this long is no longer asked about. */
export const FOLLOW_FOR_MS = 60 * 60 * 1000
/** A run record that cannot be read this many times in a row (not found, no reply) is given up. */
const MISSES = 30
const SHOWN_CHARS = 200

/** `0.42 s`, `12.3 s`, `2 min 5 s`: how long a run took, from its record's timestamps. */
export const runDuration = (createdAt: string, finishedAt: string | undefined): string | undefined => {
  const ms = finishedAt === undefined ? NaN : Date.parse(finishedAt) - Date.parse(createdAt)
  if (Number.isNaN(ms) || ms < 0) return undefined
  if (ms < 1_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** `    ↳ run X completed (1.2 s)` / `    ↳ run X failed (0.31 s): why` for a final run record. */
export const runEndLine = (r: Pick<Run, "run_id" | "status" | "created_at" | "finished_at" | "error">): string => {
  const took = runDuration(r.created_at, r.finished_at)
  const error =
    r.error === undefined ? "" : r.error.length > SHOWN_CHARS ? r.error.slice(0, SHOWN_CHARS) + "…" : r.error
  const why = error !== "" ? `: ${error}` : ""
  return `    ↳ run ${r.run_id} ${r.status}${took !== undefined ? ` (${took})` : ""}${why}`
}

export interface RunFollower {
  /** Start asking about this run (once per run id). */
  readonly follow: (runId: string) => void
  /** Stop asking about every run. */
  readonly stop: () => void
}

interface Followed {
  readonly since: number
  misses: number
}

/** Follows runs on `nc` and calls `ended` once with each one's final record. */
export const runFollower = (nc: NatsConnection, ended: (r: Run) => void, now: () => number = Date.now): RunFollower => {
  const followed = new Map<string, Followed>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let busy = false
  let stopped = false

  const ask = (runId: string, f: Followed): Promise<void> =>
    requestReply(nc, endpointSubject("runs", "get"), { run_id: runId }, Run)
      .then((r) => {
        f.misses = 0
        if (!isFinal(r.status) || !followed.has(runId)) return
        followed.delete(runId)
        ended(r)
      })
      .catch(() => {
        // Not recorded yet, serve restarting, or NATS away: asked again on the next round.
        if (++f.misses >= MISSES) followed.delete(runId)
      })

  const round = async () => {
    timer = undefined
    busy = true
    const t = now()
    for (const [id, f] of followed) if (t - f.since > FOLLOW_FOR_MS) followed.delete(id)
    // One request at a time: the follower never adds more than one request in flight to the service.
    for (const [id, f] of [...followed]) {
      if (stopped || nc.isClosed()) break
      await ask(id, f)
    }
    busy = false
    schedule()
  }

  const schedule = () => {
    if (stopped || busy || timer !== undefined || followed.size === 0 || nc.isClosed()) return
    timer = setTimeout(() => void round(), FOLLOW_POLL_MS)
  }

  return {
    follow: (runId) => {
      if (stopped || followed.has(runId)) return
      followed.set(runId, { since: now(), misses: 0 })
      if (followed.size > FOLLOW_MAX) followed.delete(followed.keys().next().value!)
      schedule()
    },
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      followed.clear()
    },
  }
}
