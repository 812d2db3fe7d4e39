// The run outcomes consumer serve starts (run status from the engine's lifecycle events).
// Other folders import from here only; the files behind it are free to change.

export { Outcomes, layer as OutcomesLayer } from "./start.js"
