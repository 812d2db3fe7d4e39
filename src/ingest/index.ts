// The webhook ingest surface serve starts: the HTTP listener with its pipeline, as a service.
// Other folders import from here only; the files behind it are free to change.

export { Ingest, layer as IngestLayer } from "./start.js"
