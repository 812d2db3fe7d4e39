// The windows surface: the debounce/batch engine and its timers, open-window counts, and the
// event and handler shapes the evaluator calls them through.
// Other folders import from here only; the files behind it are free to change.

export { makeWindowEngine } from "./engine.js"
export type { InboundEvent, WindowedEvent, WindowHandler } from "./handler.js"
export { openWindowCounts } from "./status.js"
export { runTimers } from "./timers.js"
export type { TimerRoute } from "./timers.js"
