// `dagnats delivery list [--trigger T] [--status S] [--since TIME|DUR] [--limit N] [--before ID]` and
// `dagnats delivery get ID [--body]`: what happened to webhook requests, through `dagnats.deliveries.list|get`.
// `get` prints the chain as a tree: request → response → event → decisions → runs with their status.
// Replies are decoded with the domain Schemas; a reply of another shape is refused, not guessed at.
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { parseDurationMs } from "../../domain/duration.js"
import { Delivery, DeliveryListReply, isDeliveryId, type DeliveryListItem } from "../../domain/delivery.js"
import { request } from "../client.js"
import { withNats } from "../shared.js"
import { limitRows, requestLimit, truncatedNote } from "../list-hint.js"
import { printJson, printLine, printTable } from "../output.js"
import { Refused, usageError } from "../exit.js"

const LIST = endpointSubject("deliveries", "list")
const GET = endpointSubject("deliveries", "get")
const decodeList = Schema.decodeUnknownOption(DeliveryListReply)
const decodeDelivery = Schema.decodeUnknownOption(Delivery)

const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)

const unknownShape = (subject: string) =>
  new Refused({ message: `the service answered ${subject} with a reply of an unknown shape` })

/** `--since`: a duration ago (2h) or an RFC 3339 time, as the RFC 3339 time the endpoint takes. */
const sinceTime = (text: string, nowMs: number): string | undefined => {
  const ago = parseDurationMs(text)
  if (ago !== undefined) return new Date(nowMs - ago).toISOString()
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN
  return Number.isNaN(at) ? undefined : new Date(at).toISOString()
}

const statusText = (d: { response: { status: number; code?: string } }) =>
  d.response.code !== undefined ? `${d.response.status} ${d.response.code}` : String(d.response.status)

const listRow = (d: DeliveryListItem) => [
  d.received_at,
  d.id,
  d.trigger,
  statusText(d),
  `${d.request.size} B`,
  `${d.response.duration_ms} ms`,
  d.event !== undefined ? `${d.event.stream} #${d.event.seq}${d.event.duplicate ? " (duplicate)" : ""}` : "-",
]

const list = Command.make(
  "list",
  {
    trigger: opt("trigger", "only deliveries to this trigger name (`_`: paths that name no valid trigger)"),
    status: opt("status", "accepted (2xx), rejected (any other), an error code such as invalid_signature, or a status"),
    since: opt("since", "received since this: a duration ago (2h) or an RFC 3339 time"),
    limit: Flag.Int("limit").pipe(Flag.withDescription("how many, newest first (1-1000, default 20)"), Flag.optional),
    before: opt("before", "only deliveries stored before this delivery id (the next page after a list's last row)"),
  },
  (input) =>
    Effect.gen(function* () {
      const limit = Option.getOrUndefined(input.limit)
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
        return yield* usageError("--limit: must be a whole number from 1 to 1000")
      if (Option.isSome(input.before) && !isDeliveryId(input.before.value))
        return yield* usageError("--before: must be a delivery id (a 26-character ULID)")
      let since: string | undefined
      if (Option.isSome(input.since)) {
        since = sinceTime(input.since.value, Date.now())
        if (since === undefined)
          return yield* usageError(
            "--since: must be a duration such as 2h or an RFC 3339 time such as 2026-01-02T15:04:05Z",
          )
      }
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const wanted = requestLimit(limit, shared.json)
          const body = {
            ...(Option.isSome(input.trigger) ? { trigger: input.trigger.value } : {}),
            ...(Option.isSome(input.status) ? { status: input.status.value } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(wanted !== undefined ? { limit: wanted } : {}),
            ...(Option.isSome(input.before) ? { before: input.before.value } : {}),
          }
          const reply = decodeList(yield* request(nc, LIST, body))
          if (reply._tag === "None") return yield* unknownShape(LIST)
          if (shared.json) return printJson(reply.value)
          const { rows, hint } = limitRows(reply.value.deliveries, limit)
          if (rows.length === 0) return printLine("no deliveries")
          printTable(["RECEIVED", "ID", "TRIGGER", "STATUS", "SIZE", "TOOK", "EVENT"], rows.map(listRow))
          if (hint !== undefined) process.stderr.write(hint + "\n")
          truncatedNote(reply.value, "deliveries were left out or shown without their headers")
        }),
      )
    }),
).pipe(Command.withDescription("list webhook deliveries (accepted and rejected), newest first"))

/** The stored body after the tree: as text (control characters shown escaped), or why there is none. */
export const bodyLines = (d: Delivery): ReadonlyArray<string> => {
  const b = d.body
  if (b === undefined) return ["", "body: none stored (a refused request's body is never kept)"]
  if ("gone" in b) return ["", "body: no longer in EVENTS (aged out or purged)"]
  if ("cut" in b) return ["", `body: ${b.size} B, too large for a reply; read it from EVENTS #${d.event?.seq}`]
  const shown = b.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => JSON.stringify(c).slice(1, -1))
  return ["", `body (${b.encoding}):`, shown]
}

/** The chain of one delivery, one branch per step. */
export const deliveryTree = (d: Delivery): ReadonlyArray<string> => {
  const lines = [`delivery ${d.id}  ${d.received_at}  trigger ${d.trigger}`]
  const r = d.request
  lines.push(
    `├─ request   ${r.method} ${r.path} from ${r.remote_addr || "?"}  ` +
      `${r.content_type ?? "(no content type)"}  ${r.size} B` +
      (r.body_sha256 !== undefined ? `  sha256 ${r.body_sha256.slice(0, 16)}…` : ""),
  )
  lines.push(`├─ response  ${statusText(d)}  in ${d.response.duration_ms} ms`)
  if (d.event === undefined) {
    lines.push(`└─ event     none (nothing was stored)`)
    return lines
  }
  const e = d.event
  lines.push(
    `├─ event     ${e.stream} #${e.seq} ${e.subject}${e.duplicate ? "  (duplicate of an earlier delivery)" : ""}`,
  )
  lines.push(d.decisions.length === 0 ? "├─ decisions none yet (not evaluated so far)" : "├─ decisions")
  d.decisions.forEach((x, i) => {
    const branch = i === d.decisions.length - 1 ? "└─" : "├─"
    const what =
      x.outcome === "fired"
        ? `fired → run ${x.run_id ?? "?"}`
        : x.outcome === "skipped"
          ? `skipped: ${x.reason ?? "?"}${x.detail !== undefined ? ` (${x.detail})` : ""}`
          : `error: ${x.detail ?? "?"}`
    lines.push(`│  ${branch} ${x.trigger}  ${what}  at ${x.at}`)
  })
  lines.push(d.runs.length === 0 ? "└─ runs      none" : "└─ runs")
  d.runs.forEach((x, i) => {
    const branch = i === d.runs.length - 1 ? "└─" : "├─"
    lines.push(`   ${branch} ${x.run_id}  ${x.workflow}  ${x.status}`)
  })
  return lines
}

const get = Command.make(
  "get",
  {
    id: Argument.String("id").pipe(Argument.withDescription("the delivery id")),
    body: Flag.Boolean("body").pipe(
      Flag.withoutNegation,
      Flag.withDescription("also print the body the accepted request stored on EVENTS"),
      Flag.withDefault(false),
    ),
  },
  ({ id, body }) =>
    Effect.gen(function* () {
      if (!isDeliveryId(id))
        return yield* usageError("ID: must be a delivery id (26 characters, as in the Dagnats-Delivery header)")
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const reply = decodeDelivery(yield* request(nc, GET, body ? { id, body: true } : { id }))
          if (reply._tag === "None") return yield* unknownShape(GET)
          if (shared.json) return printJson(reply.value)
          for (const line of deliveryTree(reply.value)) printLine(line)
          if (body) for (const line of bodyLines(reply.value)) printLine(line)
        }),
      )
    }),
).pipe(
  Command.withDescription("one webhook delivery and what followed: request → event → decisions → runs with status"),
)

export const deliveryCommand = Command.make("delivery").pipe(
  Command.withDescription("what happened to webhook requests: list deliveries, or follow one to its runs"),
  Command.withExamples([
    {
      command: "dagnats delivery list --trigger github --since 1h",
      description: "the last hour's requests to one webhook",
    },
    {
      command: "dagnats delivery list --status invalid_signature",
      description: "requests refused for their signature",
    },
    {
      command: "dagnats delivery get 01KC3Q8Z7X9V2M4N6P8R0S2T4W",
      description: "one request (the Dagnats-Delivery header of its answer) → event → decisions → runs",
    },
  ]),
  Command.withSubcommands([list, get]),
)
