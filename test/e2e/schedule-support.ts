// Raw NATS reads for the schedule and replay end-to-end tests: run records, trigger history and
// workflow.started events as any NATS program would see them, plus the cron instants a schedule
// should have fired at, so a test can count runs against instants.
import { type NatsConnection } from "@nats-io/nats-core"
import { type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { openRawNats as openBaseNats } from "../support/raw-nats.js"

export type Json = Record<string, any>

export interface RawNats {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** Publish a JSON event to EVENTS; returns its stream sequence. */
  readonly publish: (subject: string, payload: unknown, msgId?: string) => Promise<number>
  /** Every run record the trigger started. */
  readonly runsOf: (trigger: string) => Promise<Array<Json>>
  /** Every record on `subject` of `stream`, in stream order. */
  readonly messages: (stream: string, subject: string) => Promise<Array<Json>>
  readonly close: () => Promise<void>
}

export const openRawNats = async (url: string): Promise<RawNats> => {
  const base = await openBaseNats(url)
  const publish = (subject: string, payload: unknown, msgId?: string) =>
    base.publish(subject, JSON.stringify(payload), msgId !== undefined ? { msgID: msgId } : {})
  const runsOf = async (trigger: string) => (await base.allRuns()).filter((r) => r.trigger?.name === trigger)
  const messages = async (stream: string, subject: string) =>
    (await base.messages(stream, subject)).map((m) => m.data as Json)
  return { nc: base.nc, js: base.js, jsm: base.jsm, publish, runsOf, messages, close: () => base.close() }
}

/** Scheduled instants (ms) of a schedule's runs, ascending. */
export const instantsOf = (runs: ReadonlyArray<Json>) =>
  runs.map((r) => Date.parse(r.input.scheduled_at as string)).sort((a, b) => a - b)

/** Every instant of an every-2-seconds schedule in [from, to], ascending. */
export const every2s = (fromMs: number, toMs: number) => {
  const out: Array<number> = []
  for (let t = Math.ceil(fromMs / 2_000) * 2_000; t <= toMs; t += 2_000) out.push(t)
  return out
}
