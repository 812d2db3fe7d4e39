// Evaluating one event against every trigger it reaches: decode the payload, then for each
// trigger disabled → filters → `when` → `input` → debounce/batch → start run, and return the outcome
// records. Pure in shape: the run starter and the window handlers are passed in, so this file owns
// only the order. The CEL variables are built once per event, and only when a trigger has expressions.
import { Effect } from "effect"
import { decodeEventPayload } from "../domain/event-payload.js"
import { failed, fired, skipped, type FireRecord } from "../domain/fire-record.js"
import { runIdFor, storedEventIdentity } from "../domain/run-id.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { RunStarterShape } from "../runs/index.js"
import type { Matcher } from "./matcher.js"
import type { InboundEvent, WindowHandler } from "../windows/index.js"
import { Headers, webhookPath } from "../protocol/names.js"
import { httpEnvelope } from "../domain/http-envelope.js"
import { describeSubjectProblem, subjectProblem, type SubjectProblem } from "../domain/subjects.js"
import { evaluateInput, evaluateWhen, expressionVars, type ExpressionVars } from "../domain/expressions.js"

export type { InboundEvent, WindowedEvent, WindowHandler } from "../windows/index.js"

export interface EvaluateDeps {
  readonly matcher: Matcher
  readonly starter: RunStarterShape
  readonly debounce: WindowHandler
  readonly batch: WindowHandler
  readonly lookupRunSeq: (runId: string) => Effect.Effect<number | undefined, Unavailable>
}

/** An event with all its headers by lowercase name, for expressions (a stored event has them). */
export type EvaluatedEvent = InboundEvent & { readonly headers?: ReadonlyMap<string, string> }

const NO_HEADERS: ReadonlyMap<string, string> = new Map()

const traceOf = (e: InboundEvent) => {
  const tp = e.header(Headers.traceparent)
  return tp !== undefined ? { traceParent: tp } : {}
}

const envelopeOf = (name: string, event: EvaluatedEvent) =>
  httpEnvelope({
    path: webhookPath(name),
    query: event.header(Headers.query.toLowerCase()),
    headers: event.headers ?? NO_HEADERS,
    body: event.data,
  })

const sourceOf = (t: StoredTrigger): "webhook" | "event" => (t.type === "webhook" ? "webhook" : "event")

/**
 * An event on a subject that is no valid literal subject (control characters, wildcards, too long)
 * is not evaluated: nothing derived from it is trusted to route. Each trigger the server routed it
 * to records `error` saying why (a disabled one `disabled`, as for any event), so it is visible in
 * that trigger's history; one the server routed to no trigger has no record (the caller logs and
 * counts it).
 */
const unroutable = (deps: EvaluateDeps, event: InboundEvent, problem: SubjectProblem): ReadonlyArray<FireRecord> =>
  (deps.matcher.reach?.(event.subject) ?? []).map((trigger) => {
    const base = { trigger: trigger.name, workflow: trigger.workflow, event }
    if (trigger.enabled === false) return skipped(base, "disabled")
    return failed(base, `not evaluated: the event subject ${describeSubjectProblem(problem)}`)
  })

/**
 * Each trigger's outcome in trigger order: a record decided on the spot, or the effect that decides it
 * (a window, a run start, a log line). The effects run one after another, in that order.
 */
type Outcome = FireRecord | Effect.Effect<FireRecord, Unavailable>

// A plain function, not a generator: this runs once per event and Effect.gen costs ~2 µs a call.
// What can be decided without NATS (filters, expressions) is decided first; only the rest waits.
export const evaluateEvent = (
  deps: EvaluateDeps,
  event: EvaluatedEvent,
): Effect.Effect<ReadonlyArray<FireRecord>, Unavailable> => {
  const problem = subjectProblem(event.subject)
  if (problem !== undefined) return Effect.succeed(unroutable(deps, event, problem))
  const matched = deps.matcher.match(event.subject)
  if (matched.length === 0) return Effect.succeed([])
  const decoded = decodeEventPayload(event.data, event.header("content-type"))
  const outcomes: Array<Outcome> = []
  let waiting = 0
  const later = (effect: Effect.Effect<FireRecord, Unavailable>) => {
    waiting++
    outcomes.push(effect)
  }
  let vars: ExpressionVars | undefined
  let windowVars: ExpressionVars | undefined
  const varsOf = (payload: unknown) => (vars ??= expressionVars(payload, event.headers ?? NO_HEADERS, event.subject))
  // Windows map each event when they fire, from the stored payload alone: check with what they will see.
  const windowVarsOf = (payload: unknown) => (windowVars ??= expressionVars(payload, NO_HEADERS, event.subject))
  for (const { trigger, filters, expressions } of matched) {
    const base = { trigger: trigger.name, workflow: trigger.workflow, event }
    // A disabled trigger is not evaluated at all (no filters, no payload checks), so its history
    // says disabled even for an event it could not have decoded.
    if (trigger.enabled === false) {
      outcomes.push(skipped(base, "disabled"))
      continue
    }
    const windowed = trigger.debounce !== undefined || trigger.batch !== undefined
    // A payload that is not JSON is `body == null` for a trigger whose `when` decides on it (its run
    // input is null, or what `input` maps). Windows still record the error: their crash recovery
    // counts only the events it can decode.
    const bodyNull = !decoded.ok && decoded.notJson === true && expressions.ok && expressions.when !== undefined
    if (!decoded.ok && !(bodyNull && !windowed)) {
      outcomes.push(failed(base, decoded.error))
      continue
    }
    const payload = decoded.ok ? decoded.payload : null
    // A stored expression that no longer compiles disables this trigger alone, loudly.
    if (!expressions.ok) {
      const record = failed(base, `stored expression does not compile: ${expressions.error}`)
      later(
        Effect.logError(`trigger ${trigger.name} is not evaluated: ${expressions.error}`).pipe(
          Effect.annotateLogs({ trigger: trigger.name, subject: event.subject, seq: event.seq }),
          Effect.as(record),
        ),
      )
      continue
    }
    const filtered = filters(payload, event.header)
    if (!filtered.matched) {
      // Which filter failed, what it wanted and the value it saw: "why didn't my webhook run?".
      outcomes.push(skipped(base, "filtered", filtered.reason))
      continue
    }
    if (expressions.when !== undefined) {
      const outcome = evaluateWhen(expressions.when, varsOf(payload), trigger.name)
      if (!outcome.matched) {
        outcomes.push(skipped(base, "filtered", outcome.detail))
        continue
      }
    }
    // A synchronous webhook's run gets the engine's HTTP envelope, as the engine's own HTTP
    // triggers give it, so its HTTP workflows run unchanged; an input mapping still overrides it.
    const sync = trigger.respond !== undefined && trigger.type === "webhook"
    let input: unknown = sync ? envelopeOf(trigger.name, event) : payload
    if (expressions.input !== undefined) {
      const mapped = evaluateInput(expressions.input, windowed ? windowVarsOf(payload) : varsOf(payload), trigger.name)
      if (!mapped.ok) {
        outcomes.push(failed(base, mapped.error))
        continue
      }
      input = mapped.input
    }
    // Windows keep the raw payload (their key paths read it) and map each event when they fire.
    if (trigger.debounce !== undefined) {
      later(Effect.suspend(() => deps.debounce.absorb({ trigger, event, payload })))
      continue
    }
    if (trigger.batch !== undefined) {
      later(Effect.suspend(() => deps.batch.absorb({ trigger, event, payload })))
      continue
    }
    const runId = runIdFor(trigger.name, storedEventIdentity(event))
    later(
      Effect.suspend(() =>
        deps.starter.start({
          runId,
          workflow: trigger.workflow,
          input,
          source: sourceOf(trigger),
          ...(sync ? { engineKind: "http" as const } : {}),
          triggerName: trigger.name,
          event: { subject: event.subject, seq: event.seq, delivery_id: event.deliveryId ?? null },
          count: 1,
          // The publisher's (or ingest's) trace continues into the run; the starter makes a new one without.
          ...traceOf(event),
        }),
      ).pipe(
        // A run that existed already: a redelivery of this very event still reports it as fired; the
        // same delivery sent again later (a new stream message) is reported as a duplicate.
        Effect.flatMap((outcome) =>
          outcome.created
            ? Effect.succeed(fired(base, runId, 1))
            : Effect.map(deps.lookupRunSeq(runId), (seq) =>
                seq === event.seq ? fired(base, runId, 1) : skipped(base, "duplicate"),
              ),
        ),
      ),
    )
  }
  return waiting === 0 ? Effect.succeed(outcomes as Array<FireRecord>) : settleInOrder(outcomes, waiting)
}

const isDecided = (o: Outcome): o is FireRecord => !Effect.isEffect(o)

/** The outcomes' records in order, running the undecided ones one after another. */
const settleInOrder = (
  outcomes: Array<Outcome>,
  waiting: number,
): Effect.Effect<ReadonlyArray<FireRecord>, Unavailable> => {
  // The usual event: one trigger, one run start (or window) to wait for.
  if (waiting === 1) {
    const at = outcomes.findIndex((o) => !isDecided(o))
    return Effect.map(outcomes[at] as Effect.Effect<FireRecord, Unavailable>, (record) => {
      outcomes[at] = record
      return outcomes as Array<FireRecord>
    })
  }
  return Effect.forEach(outcomes, (o) => (isDecided(o) ? Effect.succeed(o) : o))
}
