// Reading a stream newest first in bounded windows, for lists that want the newest few records of a
// stream that may hold millions: `run list`, `trigger history`. JetStream reads forwards only, so
// the reader walks windows of sequences backwards from the end (each window read forwards with an
// ordered consumer, a few messages buffered at a time), and the caller says after each window
// whether it has what it needs. Cost follows what is returned, not what is stored.
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { boundedPull } from "./pull-bound.js"
import { readUntil } from "./read-until.js"

interface ScannedMessage {
  readonly seq: number
  readonly subject: string
  /** When JetStream stored it. */
  readonly timeMs: number
  readonly data: Uint8Array
  readonly header: (name: string) => string | undefined
}

interface ScanBackOptions {
  readonly stream: string
  readonly subject: string
  /** The newest sequence to read (e.g. the last message on the subject); default the stream's last. */
  readonly lastSeq?: number | undefined
  /** Sequences in the first window; each next window is twice as large, up to MAX_WINDOW. */
  readonly initialWindow: number
  /** Every message of a window, oldest first; windows come newest first. */
  readonly visit: (m: ScannedMessage) => void
  /** After each window that held messages: true to stop. `oldestTimeMs` is its first message's. */
  readonly done: (oldestTimeMs: number) => boolean
}

/**
 * The largest window: bounds the sequences one consumer covers, so a sparse subject (a trigger
 * with few records in a busy stream) is still found in few steps.
 */
const MAX_WINDOW = 65_536
/**
 * Messages buffered from the server at once, fewer when max_payload is large (pull-bound.ts): a
 * read holds a few megabytes of buffers whatever the window, which is what bounds memory.
 */
const MAX_BUFFERED = 8
/** Long enough for one window's read under load, short so abandoned window consumers go soon. */
const INACTIVE_THRESHOLD_MS = 30_000

export const scanBack = async (js: JetStreamClient, jsm: JetStreamManager, o: ScanBackOptions): Promise<void> => {
  const info = await jsm.streams.info(o.stream)
  const first = info.state.first_seq
  let end = Math.min(o.lastSeq ?? info.state.last_seq, info.state.last_seq)
  let size = Math.max(1, o.initialWindow)
  while (end >= first && end > 0) {
    const start = Math.max(first, end - size + 1)
    const consumer = await js.consumers.get(o.stream, {
      filter_subjects: o.subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start,
      // A window's consumer is abandoned after one read; the server removes it soon after.
      inactive_threshold: INACTIVE_THRESHOLD_MS,
    })
    // A window may hold nothing on the subject (and nothing after it): then there is no message
    // to wait for, and the window is skipped without one.
    const pending = (await consumer.info(true)).num_pending
    let oldest: number | undefined
    if (pending > 0) {
      const iter = await consumer.consume(boundedPull(js, Math.min(MAX_BUFFERED, size)))
      await readUntil(
        iter,
        () => iter.close(),
        (m) => {
          if (m.seq > end) return true
          const timeMs = m.info.timestampNanos / 1e6
          oldest ??= timeMs
          o.visit({ seq: m.seq, subject: m.subject, timeMs, data: m.data, header: (n) => m.headers?.get(n) })
          return m.seq === end || m.info.pending === 0
        },
      )
    }
    if (oldest !== undefined && o.done(oldest)) return
    end = start - 1
    size = Math.min(size * 2, MAX_WINDOW)
  }
}
