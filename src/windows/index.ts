// The windows surface: the debounce/batch engine (a service) and its timer worker, open-window
// counts, and the event and handler shapes the evaluator calls them through.
// Other folders import from here only; the files behind it are free to change.

export type { InboundEvent, WindowedEvent, WindowHandler } from "./handler.js"
export { openWindowCounts } from "./status.js"
export { TimerRoutes, layer as TimersLayer, type TimerRoute } from "./timers.js"
export { Windows, layer as WindowsLayer } from "./service.js"
