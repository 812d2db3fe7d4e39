// The schedules surface: the schedule engine serve starts, and the views the service answers with.
// Other folders import from here only; the files behind it are free to change.

export { startSchedules } from "./start.js"
export { MAX_TEST_COUNT, nextFireField, scheduleTest } from "./view.js"
