// The runs surface: starting a run exactly once, reading run records, and serve's starter as a service
// (runs counted, and the run start span when traces are exported).
// Other folders import from here only; the files behind it are free to change.

export { getRun, listRuns, parseCursor } from "./query.js"
export type { RunStarterShape } from "./starter.js"
export { RunStarter, layer as RunStarterLayer } from "./service.js"
