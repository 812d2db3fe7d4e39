// Writing delivery records: one per webhook request, after its answer was sent and without the
// answer waiting on it. Fire and forget with a bound on records in flight; a record that cannot be
// written is counted and logged (at most one line per 10 s), never retried and never an error of
// the request. The records of one event-loop turn leave together and only the last asks for an
// acknowledgement: a PubAck costs both ends about as much as the record itself, and what makes
// records fail (the stream gone, JetStream or the connection down) fails the acknowledged one with
// them, so its failure counts the whole turn's. Rejected requests go through the flood cap (100 per
// second per trigger name); each second's surplus becomes one suppressed record. Knows nothing of HTTP or nats.js: ingest hands it
// a publish function and what it saw of each request.
import { hash } from "node:crypto"
import { Result } from "effect"
import { monotonicFactory } from "ulid"
import { Subjects } from "../protocol/names.js"
import { deliveryToken, redactedHeaders, type DeliveryRecord, type SuppressedRecord } from "../domain/delivery.js"
import { makeFloodCap } from "../domain/flood-cap.js"
import { pooledPrng } from "../domain/random-pool.js"
import { utf8Bytes } from "../domain/utf8.js"

/** Rejected records stored per second per trigger name. */
export const REJECTED_PER_SECOND = 100
/** Records published but not yet acknowledged; beyond it a record is dropped (and counted). */
const MAX_IN_FLIGHT = 4_096
/** Records confirmed by one acknowledgement at most: a turn with more sends them in parts. */
const MAX_PER_ACK = 256
const FAILURE_LOG_INTERVAL_MS = 10_000
const SUMMARY_INTERVAL_MS = 1_000

/** What ingest saw of one request and its answer. */
export interface Seen {
  readonly id: string
  readonly receivedAtMs: number
  /** The name in the path, as sent. */
  readonly name: string
  readonly method: string
  readonly path: string
  readonly remoteAddr: string
  readonly contentType: string | undefined
  readonly rawHeaders: ReadonlyArray<string>
  /** The bytes read; undefined when the request was refused before its body was read. */
  readonly body: Uint8Array | undefined
  readonly declaredLength: number | undefined
  readonly status: number
  readonly code: string | undefined
  readonly durationMs: number
  readonly event?: {
    readonly stream: string
    readonly subject: string
    readonly seq: number
    readonly duplicate: boolean
  }
}

export interface RecorderDeps {
  /** Publish and wait for the stream's acknowledgement. */
  readonly publish: (subject: string, data: Uint8Array) => Promise<unknown>
  /** Publish without asking for one, in order with `publish`; throws when it cannot send. */
  readonly send: (subject: string, data: Uint8Array) => void
  readonly nowMs: () => number
  readonly countSuppressed: (n: number) => void
  readonly countFailures: (n: number) => void
  readonly logFailure: (message: string) => void
}

export interface Recorder {
  /** A new delivery id (a ULID, increasing within this process). */
  readonly newId: () => string
  readonly record: (seen: Seen) => void
  /** Writes the pending suppressed counts and stops the summary timer. */
  readonly close: () => void
}

// Absent fields are left undefined rather than spread in conditionally (this runs once per webhook):
// JSON.stringify drops them, and the keys keep the order the record documents.
export const toRecord = (s: Seen): DeliveryRecord => ({
  id: s.id,
  received_at: new Date(s.receivedAtMs).toISOString(),
  trigger: deliveryToken(s.name),
  request: {
    method: s.method,
    path: s.path.slice(0, 512),
    remote_addr: s.remoteAddr,
    content_type: s.contentType,
    size: s.body?.length ?? s.declaredLength ?? 0,
    // The one-shot hash: no Hash object per webhook.
    body_sha256: s.body !== undefined ? hash("sha256", s.body, "hex") : undefined,
    headers: redactedHeaders(s.rawHeaders),
  },
  response: {
    status: s.status,
    code: s.code,
    duration_ms: Math.round(s.durationMs * 1000) / 1000,
  },
  event: s.event,
})

export const makeRecorder = (deps: RecorderDeps): Recorder => {
  // Answers finish out of arrival order: a second stays open one more second for its late admissions.
  const cap = makeFloodCap(REJECTED_PER_SECOND, 1)
  const newId = monotonicFactory(pooledPrng)
  let inFlight = 0
  let failures = 0
  let lastLogMs = Number.NEGATIVE_INFINITY
  let lastError = ""

  const failed = (why: string, n = 1) => {
    deps.countFailures(n)
    failures += n
    lastError = why
    const now = deps.nowMs()
    if (now - lastLogMs >= FAILURE_LOG_INTERVAL_MS) {
      lastLogMs = now
      deps.logFailure(`${failures} delivery record(s) not written to DAGNATS_DELIVERIES: ${lastError}`)
      failures = 0
    }
  }

  let turn: Array<{ readonly subject: string; readonly data: Uint8Array }> = []
  const flush = () => {
    const records = turn
    turn = []
    const last = records.pop()
    if (last === undefined) return
    let unsent = 0
    for (const r of records) if (Result.try(() => deps.send(r.subject, r.data))._tag === "Failure") unsent++
    const n = records.length + 1
    deps.publish(last.subject, last.data).then(
      () => {
        inFlight -= n
        if (unsent > 0) failed("not sent", unsent)
      },
      (e: unknown) => {
        inFlight -= n
        failed(e instanceof Error ? e.message : String(e), n)
      },
    )
  }

  const write = (subject: string, value: unknown) => {
    if (inFlight >= MAX_IN_FLIGHT) return failed("too many records in flight")
    // JSON.stringify throws on what JSON cannot hold: the record is lost, not the request.
    const encoded = Result.try(() => utf8Bytes(JSON.stringify(value)))
    if (encoded._tag === "Failure") return failed(String(encoded.failure))
    inFlight++
    if (turn.push({ subject, data: encoded.success }) === 1) setImmediate(flush)
    else if (turn.length >= MAX_PER_ACK) flush()
  }

  const summarize = () => {
    for (const s of cap.drain(deps.nowMs())) {
      const summary: SuppressedRecord = {
        suppressed: s.count,
        trigger: s.key,
        from: new Date(s.fromMs).toISOString(),
        to: new Date(s.fromMs + 1000).toISOString(),
      }
      deps.countSuppressed(s.count)
      write(Subjects.deliveriesSuppressed(s.key), summary)
    }
  }
  const timer = setInterval(summarize, SUMMARY_INTERVAL_MS)
  timer.unref()

  return {
    newId: () => newId(),
    // Whatever goes wrong building a record fails that record only: ingest calls this after answering.
    record: (seen) => {
      const built = Result.try(() => {
        const rejected = seen.status < 200 || seen.status >= 300
        const token = deliveryToken(seen.name)
        if (rejected && !cap.admit(token, seen.receivedAtMs)) return
        write(Subjects.delivery(token, seen.id), toRecord(seen))
      })
      if (built._tag === "Failure") failed(String(built.failure))
    },
    close: () => {
      clearInterval(timer)
      summarize()
      cap.drain(Number.MAX_SAFE_INTEGER).forEach((s) => {
        deps.countSuppressed(s.count)
        write(Subjects.deliveriesSuppressed(s.key), {
          suppressed: s.count,
          trigger: s.key,
          from: new Date(s.fromMs).toISOString(),
          to: new Date(s.fromMs + 1000).toISOString(),
        } satisfies SuppressedRecord)
      })
      flush()
    },
  }
}
