// The webhook ingest surface serve starts: the HTTP listener with its pipeline, as a layer.
// Other folders import from here only; the files behind it are free to change.

export * as IngestService from "./start.js"
export { Ingest } from "./start.js"
