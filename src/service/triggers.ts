// Micro endpoints for trigger management: decode, call the store or table, encode.
// create and update also ask whether the engine knows the workflow: a warning in the reply, or a
// refusal when the request says `require_workflow: true`.
import { Effect, Schema } from "effect"
import { wholeNumber } from "../domain/whole-number.js"
import { isValidName, Name, toView } from "../domain/trigger.js"
import { BoundedJson } from "../domain/bounded-json.js"
import { InvalidInput, type Unavailable } from "../domain/errors.js"
import { notRegistered, type WorkflowRegistry } from "../engine/index.js"
import type { TriggerStoreShape, TriggerTableShape } from "../triggers/index.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { nextFireFields, scheduleRateProblem, type ScheduleCandidate } from "../schedules/index.js"
import { fitList, replyBudget, truncatedField } from "../domain/list-budget.js"
import { streamsTouched, type SourceGateShape } from "../sources/index.js"

/** No source gate (tests of the endpoints alone): a source is stored as given, no consumer is kept. */
const noGate: SourceGateShape = { prepare: () => Effect.succeed([]), settle: () => Effect.void }

/** A write refused after the gate prepared a consumer for it: that consumer is set back to what is stored. */
const settlingOnFailure =
  (sources: SourceGateShape, streams: ReadonlyArray<string>) =>
  <A, E, R>(write: Effect.Effect<A, E, R>) =>
    write.pipe(Effect.tapError(() => Effect.ignore(sources.settle(streams))))

/** update takes the name plus any updatable fields; the store checks which ones and the result. */
const UpdateRequest = Schema.Record(Schema.String, Schema.Unknown)
/** create and update bodies are bounded in depth before anything decodes or echoes their values. */
const CreateRequest = BoundedJson
const isBounded = Schema.is(BoundedJson)
/** Requests naming one trigger: the name is checked before it can reach a KV key or a subject. */
const TriggerNameRequest = Schema.Struct({ name: Name })

/**
 * list pages so a reply always fits the NATS max_payload: `limit` triggers after the name `after`,
 * with `next` (the cursor for the following page) when more remain. Without `limit` it answers
 * every trigger that fits one reply; when they do not all fit it says `truncated` and `next`.
 */
const MAX_PAGE = 1_000
const ListRequest = Schema.Struct({
  after: Schema.optionalKey(
    Schema.String.pipe(
      Schema.check(Schema.isMaxLength(64, { message: "must be a trigger name (at most 64 characters)" })),
    ),
  ),
  limit: Schema.optionalKey(wholeNumber(1, MAX_PAGE)),
})

/** Open debounce windows and batches per trigger; list marks triggers that have any. */
type OpenCounts = Effect.Effect<ReadonlyMap<string, number>, Unavailable>

/** No registry to ask (tests, or a serve that does not look): every workflow counts as known. */
const noRegistry: WorkflowRegistry = { check: () => Effect.succeed("none") }

/** The request without `require_workflow`, and whether it was set; not a boolean is invalid. */
const takeRequire = (req: unknown) => {
  if (typeof req !== "object" || req === null || Array.isArray(req) || !("require_workflow" in req)) {
    return Effect.succeed({ body: req, require: false })
  }
  const { require_workflow, ...body } = req as Record<string, unknown>
  return typeof require_workflow === "boolean"
    ? Effect.succeed({ body: body as unknown, require: require_workflow })
    : Effect.fail(new InvalidInput({ message: "require_workflow: must be true or false" }))
}

/** Warnings for `workflow`; with `require`, an unregistered workflow is refused before anything is written. */
const workflowWarnings = (registry: WorkflowRegistry, workflow: unknown, require: boolean) =>
  Effect.gen(function* () {
    // An invalid name is the store's to refuse (400); it is not a KV key to look up.
    if (typeof workflow !== "string" || !isValidName(workflow)) return []
    if ((yield* registry.check(workflow)) !== "unknown") return []
    if (require) return yield* new InvalidInput({ message: `workflow: ${notRegistered(workflow)} (require_workflow)` })
    return [notRegistered(workflow)]
  })

const withWarnings = <A extends object>(reply: A, warnings: ReadonlyArray<string>) =>
  warnings.length > 0 ? { ...reply, warnings } : reply

/** Refuse a schedule that would take the enabled schedules past their bound on instants a second. */
const withinScheduleRate = (table: TriggerTableShape, candidate: unknown) =>
  Effect.gen(function* () {
    if (typeof candidate !== "object" || candidate === null) return
    const { name, type } = candidate as { name?: unknown; type?: unknown }
    if (typeof name !== "string" || type !== "schedule") return
    // Judged against every trigger stored so far, not just those this serve has seen change.
    yield* table.sync
    const problem = scheduleRateProblem(candidate as ScheduleCandidate, table.all())
    if (problem !== undefined) return yield* new InvalidInput({ message: problem })
  })

/** A stored trigger with a patch applied, as far as the schedule bound needs it. */
const patched = (table: TriggerTableShape, name: string, patch: Record<string, unknown>) =>
  Effect.gen(function* () {
    yield* table.sync
    const current = table.get(name)
    return current === undefined ? undefined : { ...current, ...patch, name, type: current.type }
  })

export const triggerEndpoints = (
  store: TriggerStoreShape,
  table: TriggerTableShape,
  openCounts: OpenCounts,
  workflows: WorkflowRegistry = noRegistry,
  maxPayload: () => number = () => 0,
  sources: SourceGateShape = noGate,
): ReadonlyArray<Endpoint> => [
  endpoint("triggers", "create", CreateRequest, (req) =>
    Effect.gen(function* () {
      const { body, require } = yield* takeRequire(req)
      const warnings = yield* workflowWarnings(workflows, (body as { workflow?: unknown } | null)?.workflow, require)
      yield* withinScheduleRate(table, body)
      const streams = yield* sources.prepare(body)
      const stored = yield* store.create(body).pipe(settlingOnFailure(sources, streams))
      return withWarnings(toView(stored), warnings)
    }),
  ),
  endpoint("triggers", "get", TriggerNameRequest, ({ name }) => Effect.map(store.get(name), toView)),
  endpoint("triggers", "list", ListRequest, ({ after, limit }) =>
    Effect.gen(function* () {
      yield* table.sync
      const open = yield* openCounts
      const sorted = table
        .all()
        .filter((t) => after === undefined || t.name > after)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      const page = limit === undefined ? sorted : sorted.slice(0, limit)
      const next = yield* nextFireFields(page, Date.now())
      const views = page.map((t, i) => ({
        ...toView(t),
        ...(open.has(t.name) ? { open: open.get(t.name) } : {}),
        ...next[i],
      }))
      // A trigger is bounded by its definition's rules (a few KB at most): none is cut, fewer are answered.
      const fit = fitList(views, replyBudget(maxPayload()))
      const last = fit.items.at(-1)
      return {
        triggers: fit.items,
        ...truncatedField(fit.truncated),
        ...(fit.items.length < sorted.length && last !== undefined ? { next: last.name } : {}),
      }
    }),
  ),
  {
    group: "triggers",
    name: "update",
    handle: (body) => {
      const decoded = Schema.decodeUnknownExit(UpdateRequest)(body)
      const name = decoded._tag === "Success" ? decoded.value["name"] : undefined
      if (decoded._tag === "Failure" || typeof name !== "string" || !isValidName(name)) {
        // Report the name alone: the other fields cannot be judged without the trigger.
        const reported = typeof name === "string" ? { name } : body
        return endpoint("triggers", "update", TriggerNameRequest, () => Effect.void).handle(reported)
      }
      if (!isBounded(body)) return endpoint("triggers", "update", CreateRequest, () => Effect.void).handle(body)
      return Effect.gen(function* () {
        const { body: patch, require } = yield* takeRequire(decoded.value)
        // The workflow the trigger will have: the one the patch sets, else its current one.
        const given = (patch as Record<string, unknown>)["workflow"]
        const workflow = typeof given === "string" ? given : (yield* store.get(name)).workflow
        const warnings = yield* workflowWarnings(workflows, workflow, require)
        const candidate = yield* patched(table, name, patch as Record<string, unknown>)
        yield* withinScheduleRate(table, candidate)
        const streams = yield* sources.prepare(candidate)
        const previous = table.get(name)
        const stored = yield* store
          .update(name, patch as Record<string, unknown>)
          .pipe(settlingOnFailure(sources, streams))
        yield* sources.settle(streamsTouched(previous, stored))
        return withWarnings(toView(stored), warnings)
      })
    },
  },
  endpoint("triggers", "delete", TriggerNameRequest, ({ name }) =>
    Effect.gen(function* () {
      const previous = yield* Effect.orElseSucceed(store.get(name), () => undefined)
      yield* store.delete(name)
      yield* sources.settle(streamsTouched(previous))
      return { deleted: true, name }
    }),
  ),
  endpoint("triggers", "enable", TriggerNameRequest, ({ name }) =>
    patched(table, name, { enabled: true }).pipe(
      Effect.andThen((candidate) => withinScheduleRate(table, candidate)),
      Effect.andThen(store.update(name, { enabled: true })),
      Effect.map(toView),
    ),
  ),
  endpoint("triggers", "disable", TriggerNameRequest, ({ name }) =>
    Effect.map(store.update(name, { enabled: false }), toView),
  ),
]
