// Reading one subject of a stream forwards from a point in time, for look-ups that know roughly when
// what they want was stored: a delivery by its id (a ULID carries its time), the trigger history
// records of one event. The server filters by subject and starts at the time, so the cost follows
// the messages on that subject after it, and the caller stops as soon as it has what it needs.
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream"
import { readUntil } from "./read-until.js"

export interface ForwardMessage {
  readonly seq: number
  readonly subject: string
  /** When JetStream stored it. */
  readonly timeMs: number
  readonly data: Uint8Array
}

interface ScanForwardOptions {
  readonly stream: string
  readonly subject: string
  readonly startTimeMs: number
  /** At most this many messages are read. */
  readonly maxMessages: number
  /** Each message in order; true to stop. */
  readonly visit: (m: ForwardMessage) => boolean
}

const MAX_BUFFERED = 8
const INACTIVE_THRESHOLD_MS = 30_000

export const scanForward = async (js: JetStreamClient, o: ScanForwardOptions): Promise<void> => {
  const consumer = await js.consumers.get(o.stream, {
    filter_subjects: o.subject,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Math.max(0, o.startTimeMs)).toISOString(),
    inactive_threshold: INACTIVE_THRESHOLD_MS,
  })
  const read = async () => {
    // Nothing on the subject after the time: no message to wait for.
    if ((await consumer.info(true)).num_pending === 0) return
    const iter = await consumer.consume({ max_messages: MAX_BUFFERED })
    let count = 0
    await readUntil(
      iter,
      () => iter.close(),
      (m) => {
        count++
        const stop = o.visit({ seq: m.seq, subject: m.subject, timeMs: m.info.timestampNanos / 1e6, data: m.data })
        return stop || m.info.pending === 0 || count >= o.maxMessages
      },
    )
  }
  // The ordered consumer is deleted however the read ends (a visit that throws too).
  await read().finally(() => consumer.delete().catch(() => undefined))
}
