// The run start span, applied only when traces are exported: it names the run, the workflow and the
// trigger, under the evaluate span of the event that started it.
import { Effect } from "effect"
import { SpanNames } from "../telemetry/index.js"
import type { RunStarterShape } from "./starter.js"

export const traceStarter = (starter: RunStarterShape): RunStarterShape => ({
  start: (spec) =>
    starter.start(spec).pipe(
      Effect.withSpan(SpanNames.runStart, {
        attributes: {
          "dagnats.run_id": spec.runId,
          "dagnats.workflow": spec.workflow,
          "dagnats.trigger": spec.triggerName ?? "",
        },
      }),
    ),
})
