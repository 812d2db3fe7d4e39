// The evaluator's surface: evaluating one event against its triggers, the matcher over the
// trigger table, and the durable consumer on EVENTS that serve runs (its layers).
// Other folders import from here only; the files behind it are free to change.

export { ensureEvaluatorConsumer, evaluatorSpec, runEvaluatorLoop, runSourceLoop } from "./consumer.js"
export type { EvaluatorHooks, EvaluatorOptions, MessageReading } from "./consumer.js"
export { evaluateEvent } from "./evaluate.js"
export type { EvaluateDeps, EvaluatedEvent, InboundEvent, WindowHandler } from "./evaluate.js"
export { makeMatcher, type MatcherScope } from "./matcher.js"
export { Evaluator, evaluationDeps, evaluatorHooks, lookupRunSeq } from "./start.js"
export { consumer as EvaluatorLayer, evaluation as EvaluationLayer } from "./start.js"
export { deliveryIdOf, headerLookup, storedEvent } from "./inbound.js"
