// The runs surface: starting a run exactly once, reading run records, and serve's starter as a layer
// (runs counted, and the run start span when traces are exported).
// Other folders import from here only; the files behind it are free to change.

export { getRun, listRuns, parseCursor } from "./query.js"
export * as RunStarter from "./starter.js"
export type { RunStarterShape } from "./starter.js"
export * as RunStarterLayer from "./layer.js"
