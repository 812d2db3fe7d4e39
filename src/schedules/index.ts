// The schedules surface: the schedule engine serve starts (a service), and the views the service
// answers with. Other folders import from here only; the files behind it are free to change.

export { Schedules, layer as SchedulesLayer } from "./start.js"
export { MAX_TEST_COUNT, nextFireField, nextFireFields, scheduleTest } from "./view.js"
export { MAX_SCHEDULE_RATE, scheduleRateProblem, type ScheduleCandidate } from "./rate.js"
