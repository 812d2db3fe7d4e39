// Watches the streams dagnats shares with the DagNats engine (EVENTS, WORKFLOW_HISTORY,
// TRIGGER_HISTORY) for settings another program changed: the engine rewrites their limits on every
// start. Every interval it reads their configs and, for each setting that differs from the last look,
// logs one line (old → new) and counts it; it never changes a stream back. Started by serve.
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { Streams } from "../protocol/names.js"
import { Nats, type NatsHandles } from "../nats/connection.js"
import { sharedStreamChanges } from "../metrics/index.js"
import { changeLine, changesBetween, streamSettings, type StreamSettings } from "../domain/stream-drift.js"

export const SHARED_STREAMS = [Streams.events, Streams.workflowHistory, Streams.triggerHistory] as const

export class SharedStreams extends Context.Service<SharedStreams, { readonly interval: Duration.Duration }>()(
  "dagnats/engine/SharedStreams",
) {}

/** One look at every shared stream: reports the changes since `seen` and remembers what it saw. */
export const lookOnce = (
  h: NatsHandles,
  seen: Map<string, StreamSettings>,
  onChange: (stream: string, line: string, setting: string) => Effect.Effect<void>,
) =>
  Effect.forEach(SHARED_STREAMS, (stream) =>
    Effect.tryPromise(() => h.jsm.streams.info(stream)).pipe(
      Effect.flatMap((info) => {
        const now = streamSettings(info.config)
        const before = seen.get(stream)
        seen.set(stream, now)
        if (before === undefined) return Effect.void
        return Effect.forEach(changesBetween(before, now), (c) => onChange(stream, changeLine(stream, c), c.setting))
      }),
      // A stream that cannot be read now (gone, NATS trouble) is looked at again next time.
      Effect.catch((e) => Effect.logDebug(`cannot read shared stream ${stream}: ${String(e)}`)),
    ),
  )

export const make = (intervalMs: number, warning?: string) =>
  Effect.gen(function* () {
    if (warning !== undefined) yield* Effect.logWarning(warning)
    const h = yield* Nats
    const changes = sharedStreamChanges()
    const seen = new Map<string, StreamSettings>()
    const report = (stream: string, line: string, setting: string) =>
      Effect.sync(() => changes.inc({ stream, setting })).pipe(Effect.andThen(Effect.logWarning(line)))
    // The first look (right after serve ensured the streams) is the baseline; later ones compare.
    yield* lookOnce(h, seen, report)
    yield* lookOnce(h, seen, report).pipe(
      Effect.delay(Duration.millis(intervalMs)),
      Effect.repeat(Schedule.forever),
      Effect.forkScoped,
    )
    return { interval: Duration.millis(intervalMs) }
  })

export const layer = (interval: { readonly ms: number; readonly warning?: string }) =>
  Layer.effect(SharedStreams, make(interval.ms, interval.warning))
