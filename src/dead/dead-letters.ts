// Dead letters on DAGNATS_DEAD: an event whose evaluation kept failing, or an event of a window whose
// run could not be stored, is kept there byte for byte with its original headers, plus why it was
// given up on. One message per event on `dagnats.dead.{seq}`, deduplicated per event, so a retried
// give-up never stores it twice. Reading them back is headers only: bodies can be megabytes.
import { Effect } from "effect"
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "../nats/jetstream-api.js"
import { headersFrom } from "../nats/publish-json.js"
import { Headers, Streams, Subjects } from "../protocol/names.js"
import { toUnavailable } from "../nats/conditions.js"
import { boundedPull } from "../nats/pull-bound.js"
import { readUntil } from "../nats/read-until.js"
import { deadLetters } from "../metrics/index.js"
import type { DeadSummary } from "../domain/dead-letter.js"

interface DeadLetter {
  readonly subject: string
  readonly seq: number
  /** Which incarnation of EVENTS the sequence is from; part of the deduplication id. */
  readonly epoch: string
  readonly error: string
  /** The stored event's headers as they were (lower- or mixed-case names). */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly data: Uint8Array
}

/** A listed dead letter and its sequence in DAGNATS_DEAD (where the next page starts). */
export interface DeadEntry {
  readonly streamSeq: number
  readonly dead: DeadSummary
}

/** Longest error text kept in a header; a stack of NATS errors can be long. */
const MAX_ERROR_CHARS = 1_000
/** Room for the dead-letter headers beside the original body. */
const HEADER_ROOM_BYTES = 4_096

/** Header values must be one line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").slice(0, MAX_ERROR_CHARS)

/**
 * JetStream control headers of the original must not act again on the dead letter, and dead-letter
 * headers an event arrived with must not pass for the dead letter's own.
 */
const keepHeader = (name: string) => !/^(nats-|dagnats-dead-)/i.test(name)

/** The dead letter's own message id: one per event of one EVENTS incarnation. */
const deadMsgId = (epoch: string, seq: number) => `dead.${epoch}.${seq}`
const DEAD_MSG_ID = /^dead\.(\d+)\.(\d+)$/

export const publishDead = (
  js: JetStreamClient,
  maxPayload: number,
  letter: DeadLetter,
  now: () => Date = () => new Date(),
) =>
  Effect.tryPromise({
    try: async () => {
      const msgId = letter.headers.find(([k]) => k.toLowerCase() === Headers.msgId.toLowerCase())?.[1]
      const fits = maxPayload <= 0 || letter.data.length + HEADER_ROOM_BYTES <= maxPayload
      const h = headersFrom(
        letter.headers.filter(([k]) => keepHeader(k)),
        {
          [Headers.deadSubject]: letter.subject,
          [Headers.deadSeq]: String(letter.seq),
          [Headers.deadError]: oneLine(letter.error),
          [Headers.deadAt]: now().toISOString(),
          // What the event's identity is made of (its run ids): the original's Nats-Msg-Id is left out
          // with the other control headers (keepHeader), so it is kept under a name of its own.
          [Headers.deadEpoch]: letter.epoch,
          [Headers.deadMsgId]: msgId !== "" ? msgId : undefined,
          [Headers.deadBodyOmitted]: fits ? undefined : String(letter.data.length),
        },
      )
      const ack = await js.publish(Subjects.dead(letter.seq), fits ? letter.data : new Uint8Array(0), {
        headers: h,
        msgID: deadMsgId(letter.epoch, letter.seq),
      })
      if (!ack.duplicate) deadLetters().inc()
      return ack
    },
    catch: toUnavailable,
  })

/** Where a dead letter's event was stored: subject, sequence and the EVENTS epoch of that sequence. */
export interface DeadOrigin {
  readonly subject: string
  readonly seq: number
  /** Undefined only for a letter that says neither (never written by this dagnats). */
  readonly epoch: string | undefined
}

/**
 * The origin of a dead letter from its headers (looked up by lower-case name), or undefined when it
 * is not a dead letter. Letters written before the epoch header was added carry the epoch in their
 * own message id.
 */
export const deadLetterOrigin = (header: (lowercaseName: string) => string | undefined): DeadOrigin | undefined => {
  const subject = header(Headers.deadSubject.toLowerCase())
  const seq = Number(header(Headers.deadSeq.toLowerCase()))
  if (subject === undefined || subject === "" || !Number.isInteger(seq) || seq < 1) return undefined
  const own = DEAD_MSG_ID.exec(header(Headers.msgId.toLowerCase()) ?? "")
  const epoch = header(Headers.deadEpoch.toLowerCase()) || (own !== null && Number(own[2]) === seq ? own[1] : undefined)
  return { subject, seq, epoch }
}

/** The newest `limit` dead letters (stored before the sequence `before`, when given), newest first. */
export const listDead = (js: JetStreamClient, jsm: JetStreamManager, limit: number, before?: number) =>
  Effect.tryPromise({
    try: async (): Promise<Array<DeadEntry>> => {
      const info = await jsm.streams.info(Streams.dead)
      const last = Math.min(info.state.last_seq, (before ?? Number.POSITIVE_INFINITY) - 1)
      if (info.state.messages === 0 || last < info.state.first_seq) return []
      const from = Math.max(info.state.first_seq, last - limit + 1)
      const consumer = await js.consumers.get(Streams.dead, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
        headers_only: true,
      })
      const out: Array<DeadEntry> = []
      // Headers only, but a dead letter keeps its event's headers, which may be near max_payload:
      // the pull is bounded like every other (pull-bound.ts) and refills until `limit` are read.
      const iter = await consumer.consume(boundedPull(js, limit))
      await readUntil(
        iter,
        () => iter.close(),
        (m) => {
          const h = m.headers
          if (m.seq > last) return true
          const dead = {
            subject: h?.get(Headers.deadSubject) ?? "",
            seq: Number(h?.get(Headers.deadSeq) ?? 0),
            error: h?.get(Headers.deadError) ?? "",
            at: h?.get(Headers.deadAt) ?? m.time.toISOString(),
          }
          out.push({ streamSeq: m.seq, dead })
          return out.length >= limit || m.info.pending === 0 || m.seq >= last
        },
      )
      return out.reverse().slice(0, limit)
    },
    catch: toUnavailable,
  })

/**
 * Whether the event at `seq` has been given up on (a window need not wait for it). Dead letters are
 * filed by sequence alone, so with `epoch` (the stream incarnation the event is of: EVENTS or a
 * source stream) a letter of another stream's event at the same sequence does not count.
 */
export const isDead = (jsm: JetStreamManager, seq: number, epoch?: string) =>
  Effect.tryPromise({
    try: async () => {
      const letter = await jsm.streams.getMessage(Streams.dead, { last_by_subj: Subjects.dead(seq) })
      if (letter === null) return false
      const of = letter.header.get(Headers.deadEpoch)
      return epoch === undefined || of === "" || of === epoch
    },
    catch: toUnavailable,
  })
