// Placeholder until debounce and batch land: windowed triggers start a run per event.
import { Effect, type Scope } from "effect"
import type { ServeContext } from "../serve/serve.js"
import type { RunStarterShape } from "../runs/starter.js"
import type { WindowHandler } from "./evaluate.js"
import { fired } from "../domain/fire-record.js"
import { runIdFor } from "../domain/run-id.js"

export const makeWindows = (_ctx: ServeContext, starter: RunStarterShape): Effect.Effect<{ debounce: WindowHandler; batch: WindowHandler }, never, Scope.Scope> => {
  const immediate: WindowHandler = {
    absorb: ({ trigger, event, payload }) => {
      const runId = runIdFor(trigger.name, { kind: "sequence", seq: event.seq })
      return Effect.as(
        starter.start({ runId, workflow: trigger.workflow, input: payload, source: trigger.type, triggerName: trigger.name, event: { subject: event.subject, seq: event.seq, delivery_id: event.deliveryId ?? null }, count: 1 }),
        fired({ trigger: trigger.name, workflow: trigger.workflow, event }, runId, 1),
      )
    },
  }
  return Effect.succeed({ debounce: immediate, batch: immediate })
}
