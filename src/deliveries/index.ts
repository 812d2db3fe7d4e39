// Deliveries: the record of every webhook request (recorder.ts, used by ingest) and the reads behind
// `dagnats.deliveries.list|get` (read.ts, endpoints.ts). Other folders import from here only.
export { makeRecorder, toRecord, REJECTED_PER_SECOND, type Recorder, type Seen } from "./recorder.js"
export { deliveryEndpoints } from "./endpoints.js"
export { storedEvent, type StoredEvent, type StoredSource } from "./stored-event.js"
