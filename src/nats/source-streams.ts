// The operator's own streams as sources, through the door: what dagnats needs to know of one (it
// exists, its subjects, its retention, its creation time) and the one durable consumer dagnats keeps
// on it. The stream itself is only ever read: nothing here changes or deletes it.
import { Effect } from "effect"
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from "@nats-io/jetstream"
import { nanos } from "@nats-io/nats-core"
import type { NatsHandles } from "./connection.js"
import { describe, isConsumerNotFound, isStreamNotFound, permissionViolation, recoverWhen } from "./errors.js"
import { toUnavailable } from "./conditions.js"
import type { Unavailable } from "../domain/errors.js"

/** What a source stream is, or why it cannot be read. */
export type StreamFacts =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Forbidden"; readonly detail: string }
  | {
      readonly _tag: "Found"
      readonly subjects: ReadonlyArray<string>
      readonly retention: "limits" | "interest" | "workqueue"
      /** The stream's creation time, digits only: its sequences restart with a new one. */
      readonly created: string
    }

/** A nats.js request whose failure stays as nats.js threw it, for the predicates of errors.ts. */
const request = <A>(f: () => Promise<A>): Effect.Effect<A, unknown> => Effect.tryPromise({ try: f, catch: (e) => e })

/** dagnats's consumer is not there, or its whole stream is not. */
const consumerGone = (e: unknown) => isConsumerNotFound(e) || isStreamNotFound(e)

/** The stream's facts; a refusal of the request itself (a missing permission) is Forbidden. */
export const streamFacts = (h: NatsHandles, stream: string): Effect.Effect<StreamFacts, Unavailable> =>
  request(() => h.jsm.streams.info(stream)).pipe(
    Effect.map((info): StreamFacts => ({
      _tag: "Found",
      subjects: info.config.subjects ?? [],
      retention: info.config.retention as "limits" | "interest" | "workqueue",
      created: info.created.replace(/\D/g, ""),
    })),
    Effect.catchIf(isStreamNotFound, () => Effect.succeed<StreamFacts>({ _tag: "Missing" })),
    Effect.catchIf(
      (e) => permissionViolation(e) !== undefined,
      (e) => Effect.succeed<StreamFacts>({ _tag: "Forbidden", detail: describe(e) }),
    ),
    Effect.mapError(toUnavailable),
  )

const filtersOf = async (h: NatsHandles, stream: string, name: string) => {
  const info = await recoverWhen(h.jsm.consumers.info(stream, name), consumerGone, undefined)
  if (info === undefined) return undefined
  const c = info.config
  return c.filter_subjects !== undefined && c.filter_subjects.length > 0
    ? c.filter_subjects
    : c.filter_subject !== undefined && c.filter_subject !== ""
      ? [c.filter_subject]
      : []
}

/** dagnats's consumer on a source stream: its filter subjects (empty: every subject), or undefined. */
export const sourceConsumerFilters = (
  h: NatsHandles,
  stream: string,
  name: string,
): Effect.Effect<ReadonlyArray<string> | undefined, Unavailable> =>
  Effect.tryPromise({ try: () => filtersOf(h, stream, name), catch: toUnavailable })

/** The filter fields for `filters`: none (every subject), one, or several (nats-server 2.10+). */
const filterFields = (filters: ReadonlyArray<string>): Partial<ConsumerConfig> =>
  filters.length === 0
    ? { filter_subject: undefined, filter_subjects: undefined }
    : filters.length === 1
      ? { filter_subject: filters[0], filter_subjects: undefined }
      : { filter_subject: undefined, filter_subjects: [...filters] }

export interface SourceConsumerSpec {
  readonly stream: string
  readonly name: string
  readonly filters: ReadonlyArray<string>
  readonly ackWaitMs: number
  readonly maxAckPending: number
}

/**
 * Create the consumer (deliver policy `new`, explicit acks) with these filters, or set them on the
 * one there. Another serve creating it at the same moment is no failure: the second writer updates.
 * "created" when this call created it.
 */
export const putSourceConsumer = (
  h: NatsHandles,
  s: SourceConsumerSpec,
): Effect.Effect<"created" | "updated" | "unchanged" | { readonly forbidden: string }, Unavailable> =>
  request(() => put(h, s)).pipe(
    Effect.catchIf(
      (e) => permissionViolation(e) !== undefined,
      (e) => Effect.succeed({ forbidden: describe(e) }),
    ),
    Effect.mapError(toUnavailable),
  )

const put = async (h: NatsHandles, s: SourceConsumerSpec) => {
  for (let attempt = 0; ; attempt++) {
    const current = await filtersOf(h, s.stream, s.name)
    if (current === undefined) {
      const added = h.jsm.consumers.add(s.stream, {
        durable_name: s.name,
        deliver_policy: DeliverPolicy.New,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(s.ackWaitMs),
        max_ack_pending: s.maxAckPending,
        // Never give up on a message: a failing one is retried with a growing delay, then dead-lettered.
        max_deliver: -1,
        ...filterFields(s.filters),
      })
      // Created meanwhile by another serve with other filters: update it instead (the next attempt).
      const raced = (e: unknown) => attempt < 2 && /already exists|already in use/i.test(describe(e))
      if ((await recoverWhen(added, raced, undefined)) !== undefined) return "created" as const
      continue
    }
    if (sameSet(current, s.filters)) return "unchanged" as const
    await h.jsm.consumers.update(s.stream, s.name, filterFields(s.filters))
    return "updated" as const
  }
}

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((x) => b.includes(x))

/** Delete dagnats's consumer on a source stream; one already gone (or its stream) is no failure. */
export const deleteSourceConsumer = (h: NatsHandles, stream: string, name: string): Effect.Effect<void, Unavailable> =>
  Effect.tryPromise({
    try: () => recoverWhen(h.jsm.consumers.delete(stream, name), consumerGone, false),
    catch: toUnavailable,
  }).pipe(Effect.asVoid)

/** A stream's epoch as a source's events carry it (`{stream}:{created}`), or undefined when it does not exist. */
export const sourceEpoch = (jsm: JetStreamManager, stream: string): Effect.Effect<string | undefined, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const info = await recoverWhen(jsm.streams.info(stream), isStreamNotFound, undefined)
      return info === undefined ? undefined : `${stream}:${info.created.replace(/\D/g, "")}`
    },
    catch: toUnavailable,
  })

/** The backlog of dagnats's consumer on a source stream, or undefined when it does not exist. */
export const sourceConsumerLag = (
  h: NatsHandles,
  stream: string,
  name: string,
): Effect.Effect<{ readonly pending: number; readonly ackPending: number } | undefined, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const info = await recoverWhen(h.jsm.consumers.info(stream, name), consumerGone, undefined)
      return info === undefined ? undefined : { pending: info.num_pending, ackPending: info.num_ack_pending }
    },
    catch: toUnavailable,
  })
