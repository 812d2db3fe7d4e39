// Triggers on the operator's own streams and KV buckets: the checks and consumer changes trigger
// create/update/delete make (the gate), and the readers serve runs. Other folders import from here only.

export { makeSourceGate, streamsTouched, type SourceGateShape } from "./gate.js"
export { SourceReaders, layer as SourceReadersLayer } from "./readers.js"
export { consumerName } from "./plan.js"
export { sourcePattern, sourceStream } from "../protocol/sources.js"
export { streamReading, kvReading, kvChangeEvent, readingOf, withOps } from "./reading.js"
