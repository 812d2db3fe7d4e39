// `dagnats trigger test NAME [--count N]` for a schedule trigger: the next N fire times in the
// trigger's time zone and in UTC; `--json` prints {"next":[RFC3339…]}.
import { Effect, Option } from "effect"
import { endpointSubject } from "../../protocol/names.js"
import { requestAs } from "../client.js"
import { ScheduleNext } from "../replies.js"
import { withNats } from "../shared.js"
import { printJson, printLine, printTable } from "../output.js"
import { usageError } from "../exit.js"

export const scheduleTest = (name: string, count: Option.Option<number>) =>
  Effect.gen(function* () {
    if (Option.isSome(count) && !(count.value >= 1 && count.value <= 1000)) {
      return yield* usageError("--count: must be a whole number from 1 to 1000")
    }
    yield* withNats((nc, shared) =>
      Effect.gen(function* () {
        const body = { name, ...(Option.isSome(count) ? { count: count.value } : {}) }
        const reply = yield* requestAs(nc, endpointSubject("triggers", "test"), body, ScheduleNext)
        if (reply.next === undefined) {
          return yield* usageError("--payload: required for webhook and event triggers (--count is for schedules)")
        }
        if (shared.json) return printJson({ next: reply.next })
        if (reply.next.length === 0) return printLine(`schedule ${name} never fires again`)
        const zone = reply.timezone ?? "UTC"
        const rows = reply.next.map((utc, i) => (zone === "UTC" ? [utc] : [reply.next_local?.[i] ?? "", utc]))
        printTable(zone === "UTC" ? ["UTC"] : [zone, "UTC"], rows)
      }),
    )
  })
