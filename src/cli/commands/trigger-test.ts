// `dagnats trigger test`: a payload, a stored delivery or an EVENTS message checked against a trigger as it
// is now (subject, filters, `when`, and the run input an `input` mapping would make), or with filters and a
// `when` given as flags instead (nothing saved); prints the verdict and then each condition's own result.
// For a schedule: its next fire times. Starts nothing.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { isDeliveryId } from "../../domain/delivery.js"
import { callAndPrint } from "../shared.js"
import { printLine } from "../output.js"
import { Matched, TestCheck } from "../replies.js"
import { tryShape, type Decoded } from "../reply-shape.js"
import { usageError } from "../exit.js"
import { scheduleTest } from "./schedule-test.js"
import { parseJsonFlag } from "./json-flag.js"
import { filters as filterFlags } from "../trigger-flags.js"

const SHOWN_CHARS = 200

/** A JSON value on one line, cut to 200 characters. */
const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? "undefined"
  return text.length > SHOWN_CHARS ? text.slice(0, SHOWN_CHARS) + "…" : text
}

/** `  pass  field "action"  "opened"`: one condition's result under the verdict. */
export const checkLine = (c: TestCheck): string => {
  const mark = c.pass ? "pass" : "FAIL"
  const row = (what: string, text: string) => `  ${mark}  ${what.padEnd(16)}  ${text}`
  switch (c.check) {
    case "subject":
      return row("subject", c.pass ? c.seen : `${c.seen}, want ${c.want}`)
    case "filter": {
      const what = c.field !== undefined ? `field ${JSON.stringify(c.field)}` : `header ${JSON.stringify(c.header)}`
      const seen = !("seen" in c) ? "missing" : c.seen_cut === true ? String(c.seen) : shown(c.seen)
      return row(what, c.pass ? seen : `${seen}, want ${shown(c.want)}`)
    }
    case "when":
      return row("when", c.detail !== undefined ? `${c.source}  → ${c.detail}` : `${c.source}  → true`)
    case "input":
      return row("input", `${c.source}  → ${c.error ?? shown(c.input)}`)
  }
}

/** The test's verdict, each condition's result, and the run input when a mapping made it differ from the payload. */
const printMatched = (r: Decoded<typeof Matched>, sent?: unknown) => {
  const detail = r.detail !== undefined ? ` (${r.detail})` : ""
  printLine(
    r.matched ? `matched${r.reason !== undefined ? ` (${r.reason})` : ""}` : `not matched: ${r.reason ?? ""}${detail}`,
  )
  for (const c of r.checks ?? []) {
    const check = tryShape(TestCheck, c)
    printLine(check !== undefined ? checkLine(check) : `  ?     ${shown(c)}`)
  }
  if (r.matched && r.input !== undefined && JSON.stringify(r.input) !== JSON.stringify(sent)) {
    printLine(`run input: ${JSON.stringify(r.input)}`)
  }
}

/** `--delivery ID` or `--event SEQ` as the request's stored source; at most one. */
const storedSourceFlags = (
  delivery: Option.Option<string>,
  event: Option.Option<number>,
): { readonly delivery: string } | { readonly event_seq: number } | { readonly error: string } | undefined => {
  if (Option.isSome(delivery) && Option.isSome(event)) return { error: "--delivery, --event: give one of them" }
  if (Option.isSome(delivery))
    return isDeliveryId(delivery.value)
      ? { delivery: delivery.value }
      : { error: "--delivery: must be a delivery id (26 characters, as in the Dagnats-Delivery header)" }
  if (Option.isSome(event))
    return Number.isSafeInteger(event.value) && event.value >= 1
      ? { event_seq: event.value }
      : { error: "--event: must be an EVENTS sequence (a whole number from 1)" }
  return undefined
}

export const triggerTest = Command.make(
  "test",
  {
    name: Argument.String("name"),
    payload: Flag.String("payload").pipe(
      Flag.withDescription(
        "the event payload as JSON, @FILE to read a file or - to read stdin (webhook and event triggers)",
      ),
      Flag.optional,
    ),
    count: Flag.Int("count").pipe(
      Flag.withDescription("schedule triggers: how many next fire times (default 5)"),
      Flag.optional,
    ),
    subject: Flag.String("subject").pipe(
      Flag.withDescription("the event subject (default: the trigger's own)"),
      Flag.optional,
    ),
    header: Flag.String("header").pipe(
      Flag.withDescription("NAME=VALUE inbound header, for header filters and expressions"),
      Flag.atLeast(0),
    ),
    filterField: Flag.String("filter-field").pipe(
      Flag.withDescription("test with these filters instead of the stored ones: a payload dot path (nothing is saved)"),
      Flag.atLeast(0),
    ),
    filterValue: Flag.String("filter-value").pipe(
      Flag.withDescription("the value for the --filter-field at the same position (JSON or text)"),
      Flag.atLeast(0),
    ),
    filterHeader: Flag.String("filter-header").pipe(
      Flag.withDescription("test with these filters instead of the stored ones: NAME=VALUE header"),
      Flag.atLeast(0),
    ),
    when: Flag.String("when").pipe(
      Flag.withDescription("a CEL condition to test instead of the stored when (nothing is saved)"),
      Flag.optional,
    ),
    delivery: Flag.String("delivery").pipe(
      Flag.withDescription("re-evaluate the event a webhook delivery stored (its Dagnats-Delivery id)"),
      Flag.optional,
    ),
    event: Flag.Int("event").pipe(
      Flag.withDescription("re-evaluate the EVENTS message with this sequence"),
      Flag.optional,
    ),
  },
  ({ name, payload, subject, header, count, when, delivery, event, filterField, filterValue, filterHeader }) =>
    Effect.gen(function* () {
      const given = filterField.length + filterValue.length + filterHeader.length > 0
      const tried = filterFlags({ filterField, filterValue, filterHeader })
      if (typeof tried === "string") return yield* usageError(tried)
      // Given filters replace the stored ones for this test, as `trigger update --filter-…` would.
      const overrides = {
        ...(Option.isSome(when) ? { when: when.value } : {}),
        ...(given ? { filters: tried } : {}),
      }
      const stored = storedSourceFlags(delivery, event)
      if (stored !== undefined) {
        if (Option.isSome(payload) || Option.isSome(subject) || header.length > 0 || Option.isSome(count))
          return yield* usageError("--delivery/--event: the stored event has its own payload, subject and headers")
        if ("error" in stored) return yield* usageError(stored.error)
        const body = { name, ...stored, ...overrides }
        return yield* callAndPrint(endpointSubject("triggers", "test"), body, Matched, (r) => printMatched(r))
      }
      if (Option.isNone(payload)) return yield* scheduleTest(name, count)
      const parsed = yield* parseJsonFlag("--payload", payload.value)
      const headers: Record<string, string> = {}
      for (const h of header) {
        const eq = h.indexOf("=")
        if (eq <= 0) return yield* usageError(`--header: must be NAME=VALUE (got "${h}")`)
        headers[h.slice(0, eq)] = h.slice(eq + 1)
      }
      const body = {
        name,
        payload: parsed,
        ...(Option.isSome(subject) ? { subject: subject.value } : {}),
        ...(header.length > 0 ? { headers } : {}),
        ...overrides,
      }
      yield* callAndPrint(endpointSubject("triggers", "test"), body, Matched, (r) => printMatched(r, parsed))
    }),
).pipe(
  Command.withDescription(
    "check a payload (or a stored delivery or event) against the trigger's subject, filters and when as they " +
      "are now, and show the run input it would get (or a schedule's next fire times); starts nothing",
  ),
)
