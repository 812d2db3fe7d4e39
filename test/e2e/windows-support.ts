// Raw NATS access for the debounce and batch end-to-end tests: publish events as any NATS program
// would, and read what dagnats left in the streams and buckets (runs, fire records, open windows,
// pending timers), plus a "nothing more can happen" barrier so a test can assert exact counts.
import { type NatsConnection } from "@nats-io/nats-core"
import { type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { expect } from "vitest"
import { eventually } from "../support/poll.js"
import { cliOn } from "../support/cli.js"
import { openRawNats } from "../support/raw-nats.js"

export { cliOn }

export type Json = Record<string, any>

export interface WindowsNats {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** Publish a JSON event to EVENTS; returns its stream sequence. */
  readonly publish: (subject: string, payload: unknown) => Promise<number>
  /** Every run record the trigger started, ordered by the (last) event it names. */
  readonly runsOf: (trigger: string) => Promise<Array<Json>>
  /** Every trigger.fire record of the trigger, in the order they were stored. */
  readonly fires: (trigger: string) => Promise<Array<Json>>
  /** How many `workflow.started` events WORKFLOW_HISTORY holds for each of the trigger's runs. */
  readonly startedCounts: (runIds: ReadonlyArray<string>) => Promise<Array<number>>
  /**
   * When JetStream stored a message (ms; its times are whole milliseconds): an event by sequence, or
   * the last message on a subject. Windows are decided on these times.
   */
  readonly storedAt: (stream: string, query: { seq: number } | { last_by_subj: string }) => Promise<number>
  /** Open debounce windows and batches of the trigger (done-state keys not counted). */
  readonly openWindows: (trigger: string) => Promise<number>
  /** Resolves once the evaluator has acknowledged every event in EVENTS. */
  readonly settled: (timeoutMs?: number) => Promise<void>
  /**
   * Resolves once nothing more can happen for the trigger: the evaluator has acknowledged every
   * event, no window or batch of it is open and no timer is left on DAGNATS_TIMERS.
   */
  readonly quiet: (trigger: string, timeoutMs?: number) => Promise<void>
  readonly close: () => Promise<void>
}

export const openWindowsNats = async (url: string): Promise<WindowsNats> => {
  const base = await openRawNats(url)
  const { nc, js, jsm } = base
  const kvm = new Kvm(js)

  const publish = (subject: string, payload: unknown) => base.publish(subject, JSON.stringify(payload))

  const runsOf = async (trigger: string) =>
    (await base.allRuns()).filter((r) => r.trigger?.name === trigger).sort((a, b) => a.event.seq - b.event.seq)

  const messages = async (stream: string, subject: string) =>
    (await base.messages(stream, subject)).map((m) => m.data as Json)

  const startedCounts = (runIds: ReadonlyArray<string>) =>
    Promise.all(runIds.map(async (id) => (await messages("WORKFLOW_HISTORY", `history.${id}`)).length))

  const openWindows = async (trigger: string) => {
    let n = 0
    for (const bucket of ["dagnats_debounce", "dagnats_batch"]) {
      // `*` is one token: window keys are `{trigger}.{key}`, done state is `{trigger}.{key}.done`.
      for await (const _ of await (await kvm.open(bucket)).keys(`${trigger}.*`)) n++
    }
    return n
  }

  /** Timers left on SLEEP_TIMERS for the trigger's windows (subjects `sleep.{kind}.{trigger}.{key}`). */
  const timersOf = async (trigger: string) => {
    const info = await jsm.streams.info("DAGNATS_TIMERS", { subjects_filter: `dagnats.timers.*.${trigger}.*` })
    return Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0)
  }

  const evaluatorCaughtUp = async () => {
    const events = await jsm.streams.info("EVENTS")
    const c = await jsm.consumers.info("EVENTS", "dagnats-evaluator")
    expect(c.delivered.stream_seq).toBeGreaterThanOrEqual(events.state.last_seq)
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }

  const quiet = (trigger: string, timeoutMs = 20_000) =>
    eventually(
      async () => {
        await evaluatorCaughtUp()
        expect(await openWindows(trigger)).toBe(0)
        expect(await timersOf(trigger)).toBe(0)
      },
      timeoutMs,
      100,
    )

  return {
    nc,
    js,
    jsm,
    publish,
    runsOf,
    fires: (trigger) => messages("TRIGGER_HISTORY", `trigger.fire.${trigger}`),
    startedCounts,
    storedAt: async (stream, query) => (await jsm.streams.getMessage(stream, query))!.time.getTime(),
    openWindows,
    settled: (timeoutMs = 20_000) => eventually(evaluatorCaughtUp, timeoutMs, 100),
    quiet,
    close: () => base.close(),
  }
}

/**
 * Create an event trigger with the CLI, then wait until serve's trigger table has it (`trigger
 * list` answers only after the table caught up with KV).
 */
export const createTrigger = async (url: string, name: string, subject: string, flags: ReadonlyArray<string>) => {
  const cli = cliOn(url)
  const created = await cli.json("trigger", "create", name, "--workflow", `${name}-wf`, "--subject", subject, ...flags)
  await cli.json("trigger", "list")
  return created
}

/** Each run covers a contiguous run of the published events: checks the runs tile them exactly. */
export const expectContiguousCover = (runs: ReadonlyArray<Json>, publishedSeqs: ReadonlyArray<number>) => {
  let covered = 0
  for (const r of runs) {
    covered += r.count as number
    // The run names its last event; the events before it in stream order are the rest of its window.
    expect(publishedSeqs.indexOf(r.event.seq as number) + 1).toBe(covered)
  }
  expect(covered).toBe(publishedSeqs.length)
}
