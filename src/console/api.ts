// The console's JSON API, one route per thing a page shows or does, each answered only through the
// micro endpoints (and $SRV.PING). The browser's input is decoded here (path, query, POST bodies);
// the values themselves (names, ids, expressions) are the service's to judge, and its refusal is
// passed on with its status.
import { Effect, Option, Schema } from "effect"
import { checked, ConsoleFailure, type Micro } from "./micro.js"
import {
  AnyObject,
  DeadList,
  Delivery,
  DeliveryListReply,
  History,
  RunList,
  RunView,
  TestReply,
  TriggerPage,
  TriggerView,
} from "./replies.js"
import { overview, type NatsState } from "./overview.js"
import { isDeliveryId } from "../domain/delivery.js"

/** Rows per page: a list of thousands stays a page of these. */
export const PAGE_SIZE = 50
/** What the overview and a trigger's page look back over. */
const RECENT = 20
const HOUR_MS = 3_600_000
/** The largest list the service answers in one reply. */
const MAX_LIST = 1_000
/** The schedules page reads at most this many pages of triggers (20,000 triggers). */
const MAX_SCHEDULE_PAGES = 20
/** A trigger's 24 h count reads at most this many deliveries; at the limit the page shows "100+". */
export const COUNT_LIMIT = 100
const DAY_MS = 86_400_000
/** Requests in flight at once for one page's figures (its triggers' counts, its runs' statuses). */
const FIGURES_CONCURRENCY = 8
/** Runs whose status one live stream follows: a page of the runs list. */
export const MAX_WATCHED_RUNS = PAGE_SIZE
/** A run in one of these states changes no more. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"])

const TestBody = Schema.Struct({
  delivery: Schema.String,
  when: Schema.optionalKey(Schema.String),
  filters: Schema.optionalKey(Schema.Array(Schema.Unknown)),
})
const UpdateBody = Schema.Struct({
  when: Schema.optionalKey(Schema.NullOr(Schema.String)),
  filters: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Unknown))),
})
const ReplayBody = Schema.Struct({ trigger: Schema.String })

const notFound = (path: string) => Effect.fail(new ConsoleFailure({ status: 404, message: `no such page: ${path}` }))

/** Query parameters that are set, as request fields; the service checks their values. */
const fields = (q: URLSearchParams, names: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const n of names) {
    const v = q.get(n)
    if (v !== null && v !== "") out[n] = v.slice(0, 300)
  }
  return out
}

const limitOf = (q: URLSearchParams, fallback: number): number => {
  const n = Number(q.get("limit") ?? "")
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIST ? n : fallback
}

const decodePart = Option.liftThrowable(decodeURIComponent)

/** `/api/a/b` → ["a", "b"], each part decoded; undefined when a part is not valid percent-encoding. */
export const pathParts = (path: string): ReadonlyArray<string> | undefined =>
  Option.getOrUndefined(
    Option.all(
      path
        .split("/")
        .filter((p) => p !== "")
        .map(decodePart),
    ),
  )

/** A comma-separated query parameter as a list, at most `max` non-empty items. */
export const listParam = (q: URLSearchParams, name: string, max: number): ReadonlyArray<string> =>
  (q.get(name) ?? "")
    .split(",")
    .filter((s) => s !== "")
    .slice(0, max)
    .map((s) => s.slice(0, 300))

/** A count read from a list of at most `limit`: `more` when the list stopped there (or was cut to fit). */
const counted = (reply: typeof DeliveryListReply.Type, limit: number) => ({
  count: reply.deliveries.length,
  more: reply.deliveries.length >= limit || reply.truncated === true,
})

type TriggerView = typeof TriggerView.Type

export const makeApi = (micro: Micro, nats: () => NatsState, now: () => number = Date.now) => {
  const triggerPage = (name: string) =>
    Effect.all(
      {
        trigger: micro.call("triggers", "get", { name }, TriggerView),
        deliveries: micro.call("deliveries", "list", { trigger: name, limit: RECENT }, DeliveryListReply),
        runs: micro.call("runs", "list", { trigger: name, limit: RECENT }, RunList),
      },
      { concurrency: "unbounded" },
    )

  /**
   * A run and the delivery that brought its event. The run names its event by stream sequence (its
   * `delivery_id` is the sender's id, not dagnats'), so the delivery is the trigger's recent one
   * that stored that event: found among the last thousand, else none is named.
   */
  const runPage = (runId: string) =>
    micro.call("runs", "get", { run_id: runId }, RunView).pipe(
      Effect.flatMap((run) => {
        const name = run.trigger.name
        const seq = run.event?.seq
        if (name === null || seq === undefined) return Effect.succeed({ run, delivery: null })
        return micro
          .call("deliveries", "list", { trigger: name, limit: MAX_LIST }, DeliveryListReply)
          .pipe(Effect.map((l) => ({ run, delivery: l.deliveries.find((d) => d.event?.seq === seq)?.id ?? null })))
      }),
    )

  /**
   * What the triggers list shows beside each trigger of its page: the last delivery and the 24 h
   * accepted / rejected counts, each read from the deliveries list (bounded, a few at a time).
   */
  const triggerFigures = (names: ReadonlyArray<string>) => {
    const since = new Date(now() - DAY_MS).toISOString()
    const count = (trigger: string, status: string) =>
      micro
        .call("deliveries", "list", { trigger, status, since, limit: COUNT_LIMIT }, DeliveryListReply)
        .pipe(Effect.map((r) => counted(r, COUNT_LIMIT)))
    return Effect.forEach(
      names,
      (name) =>
        Effect.all(
          {
            last: micro.call("deliveries", "list", { trigger: name, limit: 1 }, DeliveryListReply),
            accepted: count(name, "accepted"),
            rejected: count(name, "rejected"),
          },
          { concurrency: "unbounded" },
        ).pipe(
          Effect.map(({ last, accepted, rejected }) => {
            const d = last.deliveries[0]
            const at = d === undefined ? null : { received_at: d.received_at, status: d.response.status }
            return { name, last: at, accepted, rejected }
          }),
        ),
      { concurrency: FIGURES_CONCURRENCY / 2 },
    ).pipe(Effect.map((figures) => ({ since, limit: COUNT_LIMIT, figures })))
  }

  /**
   * The current status of each run that may still change (a page's runs, for its live stream); a
   * run that cannot be read now is left out and asked for again next time.
   */
  const runStatuses = (ids: ReadonlyArray<string>) =>
    Effect.forEach(
      ids,
      (id) =>
        micro.call("runs", "get", { run_id: id }, RunView).pipe(
          Effect.map((r) => Option.some({ run_id: r.run_id, status: r.status, final: FINAL_STATUSES.has(r.status) })),
          Effect.orElseSucceed(() => Option.none()),
        ),
      { concurrency: FIGURES_CONCURRENCY },
    ).pipe(Effect.map((all) => all.flatMap((o) => (Option.isSome(o) ? [o.value] : []))))

  /**
   * One page of the deliveries list, newest first: `before` (the last row of the page before) is the
   * service's cursor, so any page of a long history costs one read of its own size (one extra record
   * says whether an older page exists).
   */
  const deliveriesPage = (q: URLSearchParams) => {
    const size = Math.min(limitOf(q, PAGE_SIZE), MAX_LIST - 1)
    const before = q.get("before") ?? ""
    const request = {
      limit: size + 1,
      ...fields(q, ["trigger", "status", "since"]),
      ...(isDeliveryId(before) ? { before } : {}),
    }
    return micro.call("deliveries", "list", request, DeliveryListReply).pipe(
      Effect.map((r) => {
        const deliveries = r.deliveries.slice(0, size)
        return { deliveries, size, more: r.deliveries.length > size, next: deliveries.at(-1)?.id ?? null }
      }),
    )
  }

  /** Every schedule trigger: the list has no type filter, so its pages are read to the end (bounded). */
  const schedules = (
    after: string | undefined,
    page: number,
    found: ReadonlyArray<TriggerView>,
  ): Effect.Effect<ReadonlyArray<TriggerView>, ConsoleFailure> =>
    micro.call("triggers", "list", { limit: MAX_LIST, ...(after !== undefined ? { after } : {}) }, TriggerPage).pipe(
      Effect.flatMap((p) => {
        const all = [...found, ...p.triggers.filter((t) => t.type === "schedule")]
        return p.next !== undefined && page < MAX_SCHEDULE_PAGES
          ? schedules(p.next, page + 1, all)
          : Effect.succeed(all)
      }),
    )

  const get = (path: string, q: URLSearchParams): Effect.Effect<unknown, ConsoleFailure> => {
    const parts = pathParts(path)
    if (parts === undefined || parts[0] !== "api") return notFound(path)
    const [, what, id, sub] = parts
    switch (what) {
      case "overview": {
        const since = new Date(now() - HOUR_MS).toISOString()
        return Effect.all(
          {
            deliveries: micro.call("deliveries", "list", { since, limit: MAX_LIST }, DeliveryListReply),
            runs: micro.call("runs", "list", { limit: MAX_LIST }, RunList),
            instances: micro.ping,
          },
          { concurrency: "unbounded" },
        ).pipe(Effect.map((r) => overview({ ...r, since, nats: nats() })))
      }
      case "triggers":
        if (id === undefined)
          return micro.call("triggers", "list", { limit: PAGE_SIZE, ...fields(q, ["after"]) }, TriggerPage)
        if (sub === "history") return micro.call("triggers", "history", { name: id, limit: RECENT }, History)
        return sub === undefined ? triggerPage(id) : notFound(path)
      case "schedules":
        return schedules(undefined, 1, []).pipe(Effect.map((all) => ({ schedules: all })))
      case "deliveries":
        if (id !== undefined) return micro.call("deliveries", "get", { id, body: true }, Delivery)
        return deliveriesPage(q)
      case "trigger-figures":
        return id === undefined ? triggerFigures(listParam(q, "names", PAGE_SIZE)) : notFound(path)
      case "runs":
        if (id !== undefined) return runPage(id)
        return micro.call(
          "runs",
          "list",
          { limit: PAGE_SIZE, ...fields(q, ["trigger", "status", "workflow", "before"]) },
          RunList,
        )
      case "dead":
        return micro.call("events", "dead", { limit: PAGE_SIZE }, DeadList)
      default:
        return notFound(path)
    }
  }

  const post = (path: string, body: unknown): Effect.Effect<unknown, ConsoleFailure> => {
    const parts = pathParts(path)
    if (parts === undefined || parts[0] !== "api") return notFound(path)
    const [, what, id, action] = parts
    if (what === "triggers" && id !== undefined) {
      switch (action) {
        case "enable":
        case "disable":
          return micro.call("triggers", action, { name: id }, TriggerView)
        case "test":
          return checked("the test request", TestBody, body).pipe(
            Effect.flatMap((b) => micro.call("triggers", "test", { ...b, name: id }, TestReply)),
          )
        case "update":
          return checked("the update request", UpdateBody, body).pipe(
            Effect.flatMap((b) => micro.call("triggers", "update", { ...b, name: id }, TriggerView)),
          )
      }
    }
    if (what === "dead" && id === "replay")
      return checked("the replay request", ReplayBody, body).pipe(
        Effect.flatMap((b) => micro.call("events", "replay", { trigger: b.trigger, dead: true }, AnyObject)),
      )
    return notFound(path)
  }

  return { get, post, runStatuses }
}

export type Api = ReturnType<typeof makeApi>
