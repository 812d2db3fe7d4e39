// Reading the source streams inside serve: for every stream a trigger reads, one worker on
// dagnats's consumer there, evaluating each message as an EVENTS event is evaluated (the same
// matcher rules, run starter, windows, history, dead letters and metrics). Kept current from the
// trigger table, and checked every few seconds: a consumer deleted by hand is created again, a
// stream deleted and created again is read from its new epoch, a missing stream is waited for, each
// said once in the log.
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { Nats, type NatsHandles } from "../nats/connection.js"
import { sourceConsumerLag, streamFacts } from "../nats/source-streams.js"
import { sourceAckPending, sourcePending } from "../metrics/index.js"
import { ServeConfig } from "../config/serve-config.js"
import { TriggerTable, type TriggerTableShape } from "../triggers/index.js"
import {
  evaluationDeps,
  evaluatorHooks,
  makeMatcher,
  runSourceLoop,
  type EvaluateDeps,
  type MessageReading,
} from "../evaluator/index.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { streamsOf } from "./plan.js"
import { sourcePattern, sourceStream } from "../protocol/sources.js"
import { settle, sourceSpec, widen } from "./consumers.js"
import { readingOf, streamReading } from "./reading.js"

/** How often serve checks its source consumers and streams besides every trigger change. */
const CHECK_EVERY_MS = 2_000

export class SourceReaders extends Context.Service<SourceReaders, { readonly reading: () => ReadonlyArray<string> }>()(
  "dagnats/sources/SourceReaders",
) {}

interface Reader {
  readonly scope: Scope.Closeable
  readonly created: string
}

const readingFor = (table: TriggerTableShape, stream: string): MessageReading => {
  const t = table.all().find((x) => sourceStream(x) === stream)
  return (t === undefined ? undefined : readingOf(t)) ?? streamReading
}

const onStream = (stream: string) => ({
  includes: (t: StoredTrigger) => sourceStream(t) === stream,
  pattern: sourcePattern,
})

export const make = Effect.gen(function* () {
  const settings = yield* ServeConfig
  const h: NatsHandles = yield* Nats
  const table = yield* TriggerTable
  const base = yield* evaluationDeps
  const hooks = evaluatorHooks()
  const timing = settings.evaluatorTiming
  const options = { traced: settings.tracing._tag === "On" }
  const readers = new Map<string, Reader>()
  const pending = sourcePending()
  const ackPending = sourceAckPending()
  /** What was last said about a stream that cannot be read, so it is said once. */
  const said = new Map<string, string>()

  const sayOnce = (stream: string, line: string) =>
    said.get(stream) === line
      ? Effect.void
      : Effect.sync(() => said.set(stream, line)).pipe(Effect.andThen(Effect.logWarning(line)))

  const stop = (stream: string) =>
    Effect.gen(function* () {
      const r = readers.get(stream)
      if (r === undefined) return
      readers.delete(stream)
      pending.remove({ stream })
      ackPending.remove({ stream })
      yield* Scope.close(r.scope, Exit.void)
    })

  const start = (stream: string, created: string) =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const matcher = makeMatcher(table, onStream(stream))
      yield* Scope.addFinalizer(scope, Effect.sync(matcher.close))
      const deps: EvaluateDeps = { ...base, matcher }
      // The identity of its events: `sourceEpoch` gives replay the same text.
      const epoch = `${stream}:${created}`
      const run = runSourceLoop(
        h,
        sourceSpec(stream, timing),
        epoch,
        deps,
        hooks,
        readingFor(table, stream),
        timing,
        options,
      )
      const exit = yield* Effect.exit(Scope.provide(scope)(run))
      if (exit._tag === "Failure") {
        yield* Scope.close(scope, Exit.void)
        return yield* Effect.failCause(exit.cause)
      }
      readers.set(stream, { scope, created })
    })

  const check = (stream: string, patterns: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const facts = yield* streamFacts(h, stream)
      if (facts._tag !== "Found") {
        yield* stop(stream)
        return yield* sayOnce(
          stream,
          facts._tag === "Missing"
            ? `source stream ${stream} does not exist; its triggers wait for it`
            : `source stream ${stream} cannot be read: ${facts.detail}`,
        )
      }
      const widened = yield* widen(h, stream, patterns, timing)
      const r = readers.get(stream)
      if (r !== undefined && r.created !== facts.created) {
        yield* Effect.logWarning(`source stream ${stream} was deleted and created again; reading it from its new start`)
        yield* stop(stream)
      } else if (r !== undefined && widened === "created") {
        yield* Effect.logWarning(`the consumer on source stream ${stream} was gone (deleted by hand?); created again`)
        yield* stop(stream)
      }
      if (!readers.has(stream)) {
        yield* start(stream, facts.created)
        said.delete(stream)
        yield* Effect.log(`reading source stream ${stream} (consumer ${sourceSpec(stream, timing).name})`)
      }
      const lag = yield* sourceConsumerLag(h, stream, sourceSpec(stream, timing).name)
      if (lag !== undefined) {
        pending.set({ stream }, lag.pending)
        ackPending.set({ stream }, lag.ackPending)
      }
    }).pipe(Effect.catchCause((cause) => sayOnce(stream, `source stream ${stream}: ${String(cause)}; trying again`)))

  // Judged on the table as KV has it now, so a serve that has not seen a trigger's deletion yet does
  // not create its consumer again (and one it created just before is deleted once it has).
  const reconcile = Effect.gen(function* () {
    yield* table.sync
    const wanted = streamsOf(table.all())
    for (const stream of [...readers.keys()]) {
      if (wanted.has(stream)) continue
      yield* stop(stream)
      yield* Effect.ignore(settle(h, stream, [], timing))
    }
    for (const stream of [...said.keys()]) if (!wanted.has(stream)) said.delete(stream)
    for (const [stream, patterns] of wanted) yield* check(stream, patterns)
  })

  let wake: (() => void) | undefined
  const unsubscribe = table.subscribe(() => wake?.())
  const pause = Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), CHECK_EVERY_MS)
    wake = () => {
      clearTimeout(timer)
      resume(Effect.void)
    }
  })
  yield* reconcile
  yield* Effect.forkScoped(Effect.forever(pause.pipe(Effect.andThen(reconcile))))
  yield* Effect.addFinalizer(() =>
    Effect.gen(function* () {
      unsubscribe()
      for (const stream of [...readers.keys()]) yield* stop(stream)
    }),
  )
  return { reading: () => [...readers.keys()] }
})

export const layer = Layer.effect(SourceReaders, make)
