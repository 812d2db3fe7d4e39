// `dagnats event replay --trigger T [--since 2h|RFC3339] [--until …] [--subject S] [--dead] [--dry-run]`:
// evaluate stored events again against a trigger as it is now, through `dagnats.events.replay`.
// Progress goes to stderr on a terminal; the request waits as long as --timeout allows.
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { createInbox } from "@nats-io/nats-core"
import { endpointSubject } from "../../protocol/names.js"
import { parseDurationMs } from "../../domain/duration.js"
import { request } from "../client.js"
import { withNats } from "../shared.js"
import { printJson, printLine, printTable } from "../output.js"
import { usageError } from "../exit.js"
import type { ReplayReply } from "../../replay/index.js"

/** A replay reads up to 14 days of events; give it far longer than an ordinary request. */
const DEFAULT_TIMEOUT = "10m"

const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)
const switchFlag = (flag: string, description: string) =>
  Flag.Boolean(flag).pipe(Flag.withoutNegation, Flag.withDescription(description), Flag.withDefault(false))

const decoder = new TextDecoder()

export const replayCommand = Command.make(
  "replay",
  {
    trigger: Flag.String("trigger").pipe(Flag.withDescription("the trigger to evaluate events against, as it is now")),
    since: opt(
      "since",
      "events stored since this: a duration ago (2h) or an RFC 3339 time (default: the oldest stored)",
    ),
    until: opt("until", "events stored until this: a duration ago or an RFC 3339 time (default: now)"),
    subject: opt("subject", "only events on this subject (pattern) inside the trigger's own"),
    dead: switchFlag("dead", "replay dead letters (DAGNATS_DEAD) instead; each that now evaluates cleanly is removed"),
    dryRun: switchFlag("dry-run", "start nothing; report per event what would happen"),
    timeout: opt("timeout", `how long to wait for the replay to finish (default ${DEFAULT_TIMEOUT})`),
  },
  (input) =>
    Effect.gen(function* () {
      const timeoutMs = parseDurationMs(Option.getOrElse(input.timeout, () => DEFAULT_TIMEOUT))
      if (timeoutMs === undefined || timeoutMs <= 0) {
        return yield* usageError("--timeout: must be a duration such as 30s or 10m")
      }
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const tty = process.stderr.isTTY === true
          const progress = tty ? createInbox() : undefined
          if (progress !== undefined) {
            const sub = nc.subscribe(progress)
            void (async () => {
              for await (const m of sub) {
                try {
                  const c = JSON.parse(decoder.decode(m.data)) as Omit<ReplayReply, "runs">
                  process.stderr.write(
                    `\rreplay: ${c.evaluated} evaluated, ${c.fired} fired, ` +
                      `${c.existing} existing, ${c.skipped} skipped`,
                  )
                } catch {
                  /* not a progress line */
                }
              }
            })()
            yield* Effect.addFinalizer(() => Effect.sync(() => sub.unsubscribe()))
          }
          const body = {
            trigger: input.trigger,
            ...(Option.isSome(input.since) ? { since: input.since.value } : {}),
            ...(Option.isSome(input.until) ? { until: input.until.value } : {}),
            ...(Option.isSome(input.subject) ? { subject: input.subject.value } : {}),
            ...(input.dead ? { dead: true } : {}),
            ...(input.dryRun ? { dry_run: true } : {}),
            ...(progress !== undefined ? { progress } : {}),
          }
          const reply = (yield* request(nc, endpointSubject("events", "replay"), body, timeoutMs)) as ReplayReply
          if (tty) process.stderr.write("\n")
          if (shared.json) return printJson(reply)
          const what = input.dryRun ? "dry run, nothing started" : `${reply.fired} runs started`
          printLine(
            `replayed ${reply.evaluated} ${input.dead ? "dead letters" : "events"} ` +
              `against ${input.trigger} (${what}): ` +
              `${reply.fired} fired, ${reply.existing} existing, ${reply.skipped} skipped` +
              (reply.removed !== undefined ? `, ${reply.removed} dead letters removed` : ""),
          )
          if (input.dryRun && reply.events !== undefined && reply.events.length > 0) {
            printTable(
              ["EVENT", "OUTCOME", "DETAIL"],
              reply.events.map((e) => [
                `${e.subject} #${e.seq}`,
                e.outcome === "fired" ? "would fire" : e.outcome,
                e.run_id ?? e.reason ?? "",
              ]),
            )
          }
          if (reply.truncated === true) printLine(`(only the first ${reply.runs.length} runs are listed)`)
        }),
      )
    }),
).pipe(
  Command.withDescription(
    "evaluate stored events again against a trigger as it is now; runs that exist are not started again",
  ),
)
