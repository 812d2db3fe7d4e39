// The EVENTS stream's epoch: its creation time, digits only. Sequences restart with a new stream, so
// an event's identity is its sequence together with this epoch (the evaluator and the windows use it).
import { Streams } from "../protocol/names.js"
import type { NatsHandles } from "./connection.js"
import { askWhileStarting } from "./conditions.js"

export const eventsEpoch = (h: NatsHandles) =>
  askWhileStarting(async () => (await h.jsm.streams.info(Streams.events)).created.replace(/\D/g, ""))
