// What dagnats reads from the DagNats engine: whether a workflow is registered, and what it (or any
// other program) changed of the streams both share.
// Other folders import from here only; the files behind it are free to change.

export { make as makeWorkflowRegistry, notRegistered } from "./workflow-defs.js"
export type { WorkflowRegistry } from "./workflow-defs.js"
export { SharedStreams, layer as SharedStreamsLayer } from "./shared-streams.js"
