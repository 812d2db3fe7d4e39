// Synchronous webhooks inside serve: a waiting request subscribes (core NATS) to its run's answer
// subject, its run history and its trigger's evaluation outcomes before the event is stored, so the
// fastest `respond` cannot be missed whichever serve starts the run; then it is answered by the first
// signal that decides it. Answers are kept in KV `dagnats_responses` for retries of the same
// delivery. Waiting requests are bounded, and a shutting-down serve answers each still waiting 503.
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import type { Subscription } from "../nats/core-api.js"
import { Unavailable } from "../domain/errors.js"
import { decodeHttpAnswer, type HttpAnswer } from "../domain/http-envelope.js"
import { parseJson } from "../domain/json.js"
import { Subjects } from "../protocol/names.js"
import { ServeConfig } from "../config/serve-config.js"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { Boundary } from "../runtime/index.js"
import { respondWaiting } from "../metrics/index.js"
import { utf8Bytes } from "../domain/utf8.js"

/** How a waiting request ends; `runId` null only when the event started no run. */
export type Waited =
  | { readonly _tag: "Response"; readonly runId: string; readonly answer: HttpAnswer }
  | {
      readonly _tag: "Refused"
      readonly runId: string
      readonly status: number
      readonly code: string
      readonly message: string
      readonly retryAfter?: boolean
    }
  | { readonly _tag: "NoRun"; readonly reason: string }
  /** The client went away first: nobody to answer, while the wait goes on to keep the run's answer. */
  | { readonly _tag: "Gone"; readonly runId: string }

/** What storing the event reports: the stream sequence is how its evaluation outcome is recognised. */
interface StoredEvent {
  readonly seq: number
  readonly duplicate: boolean
}

export interface WaitRequest {
  readonly trigger: string
  readonly runId: string
  readonly timeoutMs: number
  /** Registers what to do when the client goes away (called at most once). */
  readonly onGone?: (listener: () => void) => void
}

export interface ResponderShape {
  /** Subscribe, run `store`, then wait for the answer; fails Unavailable when too many already wait. */
  readonly wait: <S extends StoredEvent, E>(
    req: WaitRequest,
    store: Effect.Effect<S, E>,
  ) => Effect.Effect<{ readonly stored: S; readonly waited: Waited }, E | Unavailable>
  /** serve is stopping: every waiting request is answered 503 now, and new ones are refused. */
  readonly shutdown: () => void
  readonly waiting: () => number
}

export class Responder extends Context.Service<Responder, ResponderShape>()("dagnats/respond/Responder") {}

/** The parts of a `trigger.fire.*` record that say whether this event started no run. */
const FireRecord = Schema.Struct({
  outcome: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  event: Schema.optionalKey(Schema.Struct({ seq: Schema.Finite })),
})
const decodeFire = Schema.decodeUnknownOption(FireRecord)
const LifecycleType = Schema.Struct({ type: Schema.String })
const decodeLifecycle = Schema.decodeUnknownOption(LifecycleType)

const json = (data: Uint8Array): unknown => Option.getOrUndefined(parseJson(Buffer.from(data).toString("utf8")))

const RunStatus = Schema.Struct({ status: Schema.String })
const decodeStatus = Schema.decodeUnknownOption(RunStatus)
/** What dagnats keeps for a delivery whose event started no run (never an engine answer: no `status`). */
const NoRunKept = Schema.Struct({ no_run: Schema.String })
const decodeNoRun = Schema.decodeUnknownOption(NoRunKept)

/** A retried request whose run ended without an answer kept for it: what the first one was told. */
const ENDED: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  failed: { status: 500, code: "workflow_failed", message: "failed" },
  cancelled: { status: 503, code: "workflow_cancelled", message: "was cancelled" },
  completed: { status: 504, code: "workflow_timeout", message: "completed without responding" },
}

/** Reasons a matched event starts no run that a waiting request is told at once. */
const NO_RUN = new Set(["filtered", "disabled"])
/**
 * With `duplicate`: the same delivery sent again after JetStream's duplicate window, so the event was
 * stored anew and found its run existing; the request then gets that run's answer like any retry.
 */
const WATCHED = new Set([...NO_RUN, "duplicate"])

export const make = Effect.gen(function* () {
  const settings = yield* ServeConfig
  const { nc } = yield* Nats
  const buckets = yield* NatsBuckets
  const boundary = yield* Boundary
  const responses: KV = buckets.responses
  const maxWaiting = settings.respondMaxWaiting
  const active = new Set<() => void>()
  const waitingGauge = respondWaiting()
  waitingGauge.set(0)
  let stopping = false

  const keep = (runId: string, data: Uint8Array) =>
    // A failed put loses only a retry's shortcut: the retry then waits for the run like the first.
    void responses.put(runId, data).catch(() => undefined)

  // An event that started no run is kept too, under the run id it would have had, so a retry of the
  // delivery (its event a duplicate, evaluated no more) gets the same 202 instead of waiting in vain.
  const keepNoRun = (runId: string, reason: string) => keep(runId, utf8Bytes(JSON.stringify({ no_run: reason })))

  // A read that fails (NATS away) finds nothing kept: the retry then waits for the run like the first.
  const storedAnswer = async (runId: string): Promise<Waited | undefined> => {
    const entry = await responses.get(runId).catch(() => null)
    if (entry === null || entry.operation !== "PUT") return undefined
    const noRun = decodeNoRun(json(entry.value))
    if (noRun._tag === "Some") return { _tag: "NoRun", reason: noRun.value.no_run }
    const answer = decodeHttpAnswer(entry.value)
    return typeof answer === "string" ? undefined : { _tag: "Response", runId, answer }
  }

  // One subscription per trigger name, however many of its requests wait: every decision of a busy
  // trigger would otherwise reach this process once per waiting request.
  interface SkipListener {
    readonly skipped: (skip: { readonly seq: number; readonly reason: string }) => void
    readonly lost: (err: Error) => void
  }
  const fireWatches = new Map<string, { readonly sub: Subscription; readonly listeners: Set<SkipListener> }>()
  const watchSkips = (trigger: string, listener: SkipListener): (() => void) => {
    let watch = fireWatches.get(trigger)
    if (watch === undefined) {
      const listeners = new Set<SkipListener>()
      const sub = nc.subscribe(Subjects.triggerFire(trigger), {
        callback: (err, m) => {
          if (err !== null) {
            if (fireWatches.get(trigger)?.sub === sub) fireWatches.delete(trigger)
            for (const l of [...listeners]) l.lost(err)
            return
          }
          const fire = decodeFire(json(m.data))
          if (fire._tag === "None") return
          const f = fire.value
          if (f.outcome !== "skipped" || f.reason === undefined || !WATCHED.has(f.reason) || f.event === undefined)
            return
          const skip = { seq: f.event.seq, reason: f.reason }
          for (const l of listeners) l.skipped(skip)
        },
      })
      watch = { sub, listeners }
      fireWatches.set(trigger, watch)
    }
    const { sub, listeners } = watch
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && fireWatches.get(trigger)?.sub === sub) {
        fireWatches.delete(trigger)
        sub.unsubscribe()
      }
    }
  }

  /** The run's status in `dagnats_runs`, for a retry that came after the run ended. */
  const runStatus = async (runId: string): Promise<string | undefined> => {
    const entry = await buckets.runs.get(runId).catch(() => null)
    if (entry === null || entry.operation !== "PUT") return undefined
    const record = decodeStatus(json(entry.value))
    return record._tag === "Some" ? record.value.status : undefined
  }

  const wait = <S extends StoredEvent, E>(req: WaitRequest, store: Effect.Effect<S, E>) =>
    Effect.suspend((): Effect.Effect<{ readonly stored: S; readonly waited: Waited }, E | Unavailable> => {
      if (stopping) return Effect.fail(new Unavailable({ message: "serve is shutting down; retry later" }))
      if (active.size >= maxWaiting)
        return Effect.fail(
          new Unavailable({
            message:
              `${maxWaiting} synchronous webhook requests are waiting already ` +
              "(DAGNATS_RESPOND_MAX_WAITING); retry later",
          }),
        )
      const { runId } = req
      let decide: ((w: Waited) => void) | undefined
      let decided: Waited | undefined
      let seq: number | undefined
      const skips: Array<{ seq: number; reason: string }> = []
      let released = false
      let timer: ReturnType<typeof setTimeout> | undefined
      // Subscriptions, the slot and the timer go once the run decided, whether or not anyone is
      // still waiting for it (a client that left still gets its answer kept for a retry).
      const release = () => {
        if (released) return
        released = true
        if (timer !== undefined) clearTimeout(timer)
        active.delete(stop)
        waitingGauge.set(active.size)
        for (const s of subs) s.unsubscribe()
        unwatch()
      }
      const finish = (w: Waited) => {
        if (decided !== undefined) return
        decided = w
        decide?.(w)
        release()
      }
      const refused = (status: number, code: string, message: string, retryAfter?: boolean): Waited => ({
        _tag: "Refused",
        runId,
        status,
        code,
        message,
        ...(retryAfter === true ? { retryAfter } : {}),
      })
      // A subscription NATS refused (permissions) or closed: this serve cannot see the answer, so it
      // says so now instead of a 504 later; the sender's retry waits for the same run.
      const lost = (err: Error) => {
        if (decided !== undefined) return
        boundary.fork(
          Effect.logWarning(`synchronous webhook ${req.trigger}: cannot wait for run ${runId}: ${err.message}`).pipe(
            Effect.annotateLogs({ trigger: req.trigger, run_id: runId }),
          ),
        )
        finish(refused(503, "unavailable", `cannot wait for the run's answer: ${err.message}; retry later`, true))
      }
      // A retry of the same delivery: its run may have answered, or ended, already.
      const settleFromEarlier = async () => {
        const earlier = await storedAnswer(runId)
        if (earlier !== undefined) return finish(earlier)
        const status = await runStatus(runId)
        const ended = status === undefined ? undefined : ENDED[status]
        if (ended !== undefined) finish(refused(ended.status, ended.code, `run ${runId} ${ended.message}`))
      }
      const skippedOurs = (reason: string) => {
        if (NO_RUN.has(reason)) {
          keepNoRun(runId, reason)
          finish({ _tag: "NoRun", reason })
        } else void settleFromEarlier()
      }
      const onFire = () => {
        for (const s of skips) if (s.seq === seq) skippedOurs(s.reason)
      }
      let gone = false
      req.onGone?.(() => {
        gone = true
        decide?.({ _tag: "Gone", runId })
      })
      // The slot is taken from the first subscription to the answer: all of it counts against the bound.
      const stop = () => finish(refused(503, "unavailable", "serve is shutting down; retry later", true))
      active.add(stop)
      waitingGauge.set(active.size)
      const subs: Array<Subscription> = [
        nc.subscribe(Subjects.httpResponse(runId), {
          callback: (err, m) => {
            if (err !== null) return lost(err)
            const answer = decodeHttpAnswer(m.data)
            if (typeof answer === "string") return finish(refused(502, "malformed_response", answer))
            keep(runId, m.data)
            finish({ _tag: "Response", runId, answer })
          },
        }),
        nc.subscribe(Subjects.history(runId), {
          callback: (err, m) => {
            if (err !== null) return lost(err)
            const event = decodeLifecycle(json(m.data))
            if (event._tag === "None") return
            switch (event.value.type) {
              case "workflow.failed":
                return finish(refused(500, "workflow_failed", `run ${runId} failed`))
              case "workflow.cancelled":
                return finish(refused(503, "workflow_cancelled", `run ${runId} was cancelled`))
              case "workflow.completed":
                return finish(refused(504, "workflow_timeout", `run ${runId} completed without responding`))
            }
          },
        }),
      ]
      const unwatch = watchSkips(req.trigger, {
        // Until the event is stored its sequence is unknown: keep what arrives (a short window).
        skipped: (skip) => {
          if (seq === undefined) skips.push(skip)
          else if (skip.seq === seq) skippedOurs(skip.reason)
        },
        lost,
      })
      return Effect.gen(function* () {
        // The server has the subscriptions before the event exists, so no signal can come first.
        yield* Effect.promise(() => nc.flush().catch(() => undefined))
        const stored = yield* store
        seq = stored.seq
        onFire()
        if (stored.duplicate && decided === undefined) yield* Effect.promise(settleFromEarlier)
        if (decided === undefined) {
          timer = setTimeout(() => {
            // The answer may have been kept by another serve while this one missed it.
            void storedAnswer(runId).then((w) =>
              finish(w ?? refused(504, "workflow_timeout", `run ${runId} did not respond within ${req.timeoutMs} ms`)),
            )
          }, req.timeoutMs)
        }
        const waited = yield* Effect.callback<Waited>((resume) => {
          if (decided !== undefined) return resume(Effect.succeed(decided))
          if (gone) return resume(Effect.succeed({ _tag: "Gone", runId }))
          decide = (w) => {
            decide = undefined
            resume(Effect.succeed(w))
          }
        })
        return { stored, waited }
      }).pipe(
        // Storing failed or the request was interrupted: nothing to wait for.
        Effect.onExit((exit) => (exit._tag === "Failure" ? Effect.sync(release) : Effect.void)),
      )
    })

  const shutdown = () => {
    stopping = true
    for (const stop of [...active]) stop()
  }
  return { wait, shutdown, waiting: () => active.size } satisfies ResponderShape
})

export const layer = Layer.effect(Responder, make)
