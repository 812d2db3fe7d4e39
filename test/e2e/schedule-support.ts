// Raw NATS reads for the schedule and replay end-to-end tests: run records, trigger history and
// workflow.started events as any NATS program would see them, plus the cron instants a schedule
// should have fired at, so a test can count runs against instants.
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core"
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { runCli, runJson } from "../support/cli.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

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
  const nc = await connect({ servers: url })
  const js = jetstream(nc)
  const jsm = await jetstreamManager(nc)
  const kvm = new Kvm(js)

  const publish = async (subject: string, payload: unknown, msgId?: string) => {
    const h = natsHeaders()
    h.set("Content-Type", "application/json")
    return (
      await js.publish(subject, encoder.encode(JSON.stringify(payload)), {
        headers: h,
        ...(msgId !== undefined ? { msgID: msgId } : {}),
      })
    ).seq
  }

  const runsOf = async (trigger: string) => {
    const kv = await kvm.open("dagnats_runs")
    const out: Array<Json> = []
    if ((await kv.status()).values === 0) return out
    const iter = await kv.watch()
    for await (const e of iter) {
      if (e.operation === "PUT") out.push(JSON.parse(decoder.decode(e.value)) as Json)
      if (e.delta === 0) break
    }
    iter.stop()
    return out.filter((r) => r.trigger?.name === trigger)
  }

  const messages = async (stream: string, subject: string) => {
    const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All })
    const pending = (await consumer.info(true)).num_pending
    const out: Array<Json> = []
    while (out.length < pending) {
      const batch = await consumer.fetch({ max_messages: Math.min(1_000, pending - out.length), expires: 5_000 })
      for await (const m of batch) out.push(JSON.parse(decoder.decode(m.data)) as Json)
    }
    await consumer.delete().catch(() => undefined)
    return out
  }

  return { nc, js, jsm, publish, runsOf, messages, close: () => nc.close() }
}

/** The CLI against one NATS server. */
export const cliOn = (url: string) => ({
  json: <T = any>(...args: Array<string>) => runJson<T>([...args, "--nats-url", url]),
  raw: (...args: Array<string>) => runCli([...args, "--nats-url", url]),
})

/** Scheduled instants (ms) of a schedule's runs, ascending. */
export const instantsOf = (runs: ReadonlyArray<Json>) =>
  runs.map((r) => Date.parse(r.input.scheduled_at as string)).sort((a, b) => a - b)

/** Every instant of an every-2-seconds schedule in [from, to], ascending. */
export const every2s = (fromMs: number, toMs: number) => {
  const out: Array<number> = []
  for (let t = Math.ceil(fromMs / 2_000) * 2_000; t <= toMs; t += 2_000) out.push(t)
  return out
}
