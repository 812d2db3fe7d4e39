// Where a trigger with a source reads: the stream (a KV bucket's is KV_{bucket}) and the subject
// pattern inside it (a key pattern becomes `$KV.{bucket}.{key}`). Named here so the evaluator's
// readers and the window engine, which reads a window's events back, spell it once.
import type { StoredTrigger } from "../domain/trigger.js"
import { sourceRef } from "../domain/source.js"
import { kvKeySubject, kvStream } from "./names.js"

/** The stream a trigger reads, or undefined for EVENTS and schedules. */
export const sourceStream = (t: Pick<StoredTrigger, "type" | "source">): string | undefined => {
  const ref = t.type === "event" ? sourceRef(t.source) : undefined
  return ref === undefined ? undefined : ref.kind === "stream" ? ref.stream : kvStream(ref.bucket)
}

/** The subject pattern a trigger listens on inside its source stream. */
export const sourcePattern = (t: Pick<StoredTrigger, "type" | "source" | "subject">): string => {
  const ref = sourceRef(t.source)
  const subject = t.subject ?? ""
  return ref?.kind === "kv" ? kvKeySubject(ref.bucket, subject) : subject
}
