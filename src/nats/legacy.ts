// Looking for dagnats records under the names an older dagnats used (see protocol LegacyNames), so
// serve can say so once. Reads a few entries of each old bucket and classifies them by shape; the
// engine's records under the same names are not ours and are never reported. Never fails serve.
import { Effect, Option } from "effect"
import { RetentionPolicy } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { LegacyNames, kvStream } from "../protocol/names.js"
import { parseJsonBytes } from "../domain/json.js"
import { isDagnatsRun, isDagnatsTrigger, isDagnatsWindow, legacyNotice } from "../domain/legacy-records.js"
import type { NatsHandles } from "./connection.js"
import { isStreamNotFound, recoverWhen } from "./errors.js"
import { readUntil } from "./read-until.js"

/** Entries read per old bucket: an old dagnats bucket is all ours, so the first few tell. */
const SAMPLE = 20

const SHAPES: Readonly<Record<string, (v: unknown) => boolean>> = {
  triggers: isDagnatsTrigger,
  runs: isDagnatsRun,
  debounce_state: isDagnatsWindow,
  batch_state: isDagnatsWindow,
}

const exists = (h: NatsHandles, stream: string) => recoverWhen(h.jsm.streams.info(stream), isStreamNotFound, undefined)

const holdsOurRecords = async (h: NatsHandles, bucket: string, isOurs: (v: unknown) => boolean): Promise<boolean> => {
  const info = await exists(h, kvStream(bucket))
  if (info === undefined || info.state.messages === 0) return false
  const kv = await new Kvm(h.js).open(bucket)
  // Deleted keys are delivered too (and skipped below): the last entry, deleted or not, ends the read.
  const iter = await kv.watch()
  let seen = 0
  let ours = false
  await readUntil(
    iter,
    () => iter.stop(),
    (e) => {
      seen++
      // Not JSON: not ours.
      if (e.operation === "PUT" && Option.exists(parseJsonBytes(e.value), isOurs)) ours = true
      return ours || seen >= SAMPLE || e.delta === 0
    },
  )
  return ours
}

/** The notice to log, or undefined when nothing of an older dagnats is there (or it cannot be read). */
export const findLegacyRecords = (h: NatsHandles) =>
  Effect.promise(async () => {
    const found: Array<string> = []
    for (const bucket of LegacyNames.buckets) {
      if (await holdsOurRecords(h, bucket, SHAPES[bucket] ?? (() => false))) found.push(`KV ${bucket}`)
    }
    // Our old timer stream was a work queue; the engine's SLEEP_TIMERS has limits retention.
    const timers = await exists(h, LegacyNames.timerStream)
    const oldTimers =
      timers !== undefined &&
      timers.config.retention === RetentionPolicy.Workqueue &&
      (timers.config.subjects ?? []).includes(LegacyNames.timerSubject)
    if (oldTimers) {
      found.push(`stream ${LegacyNames.timerStream} (work queue on ${LegacyNames.timerSubject})`)
    }
    return found.length > 0 ? legacyNotice(found) : undefined
  }).pipe(
    // Lacking permission to look (a least-privilege user) or a NATS hiccup must not stop serve.
    Effect.timeout("10 seconds"),
    Effect.catchCause(() => Effect.succeed(undefined)),
  )
