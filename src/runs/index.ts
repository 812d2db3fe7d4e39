// The runs surface: starting a run exactly once, reading run records, the run start span.
// Other folders import from here only; the files behind it are free to change.

export { getRun, listRuns } from "./query.js"
export * as RunStarter from "./starter.js"
export type { RunStarterShape } from "./starter.js"
export { traceStarter } from "./tracing.js"
export * as RunStarterLayer from "./layer.js"
