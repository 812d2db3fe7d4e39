// Synchronous webhooks: the waiting side of a webhook trigger with `respond`. Other folders import
// from here only.
export { Responder, layer as ResponderLayer, type ResponderShape, type Waited, type WaitRequest } from "./responder.js"
