// The webhook ingest surface serve starts: the HTTP listener with its pipeline.
// Other folders import from here only; the files behind it are free to change.

export { startIngest } from "./start.js"
