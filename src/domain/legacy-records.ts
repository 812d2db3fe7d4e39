// Recognising records an older dagnats wrote under names the DagNats engine also uses (`triggers`,
// `runs`, `debounce_state`, `batch_state`), by their shape: the engine's own records there (its
// TriggerDef keyed by id, its debounce entries) must never be taken for ours. Pure.

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined

/** A dagnats trigger definition: `name`, `workflow` and `type`; the engine's has `id` and `workflow_id`. */
export const isDagnatsTrigger = (v: unknown): boolean => {
  const o = obj(v)
  return (
    o !== undefined &&
    typeof o["name"] === "string" &&
    typeof o["workflow"] === "string" &&
    (o["type"] === "webhook" || o["type"] === "event" || o["type"] === "schedule")
  )
}

/** A dagnats run record: `run_id`, `workflow`, `status` and a `trigger` with name and type. */
export const isDagnatsRun = (v: unknown): boolean => {
  const o = obj(v)
  const t = obj(o?.["trigger"])
  return (
    o !== undefined &&
    typeof o["run_id"] === "string" &&
    typeof o["workflow"] === "string" &&
    typeof o["status"] === "string" &&
    t !== undefined &&
    "type" in t
  )
}

/** A dagnats debounce window or batch (or its fired marker). */
export const isDagnatsWindow = (v: unknown): boolean => {
  const o = obj(v)
  if (o === undefined) return false
  const kind = o["kind"] === "debounce" || o["kind"] === "batch"
  const window = kind && typeof o["trigger"] === "string" && typeof o["due_at"] === "number"
  const done = typeof o["fired_upto"] === "number" && Array.isArray(o["seqs"])
  return window || done
}

/** The one line serve logs when it finds any: what was found, and what to do (there is no migration). */
export const legacyNotice = (found: ReadonlyArray<string>): string =>
  `found records of an older dagnats under the names it used before (${found.join(", ")}); ` +
  "this version keeps its own under dagnats_triggers, dagnats_runs, dagnats_debounce, dagnats_batch and " +
  "DAGNATS_TIMERS and does not migrate: re-create the triggers with `dagnats trigger create` (old runs and " +
  "open windows are not carried over), then delete the old resources unless the DagNats engine uses them " +
  "(it owns triggers, debounce_state and its own SLEEP_TIMERS)"
