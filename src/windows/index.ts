// The windows surface: the debounce/batch engine (a service) and its timer worker, open-window
// counts, and the event and handler shapes the evaluator calls them through.
// Other folders import from here only; the files behind it are free to change.

export type { InboundEvent, WindowedEvent, WindowHandler } from "./handler.js"
export { openWindowCounts } from "./status.js"
export * as Timers from "./timers.js"
export { TimerRoutes } from "./timers.js"
export type { TimerRoute } from "./timers.js"
export * as WindowsService from "./service.js"
export { Windows } from "./service.js"
