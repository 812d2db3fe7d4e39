// Trigger history's surface: recording an evaluation outcome and reading a trigger's history.
// Other folders import from here only; the files behind it are free to change.

export { historyReply, readHistory, recordOutcome, recordOutcomes, withRunStatus } from "./history.js"
