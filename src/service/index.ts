// The `dagnats` micro service serve starts (a layer), with its trigger and run endpoints.
// Other folders import from here only; the files behind it are free to change.

export { runEndpoints } from "./runs.js"
export { MicroService, layer as MicroServiceLayer } from "./server.js"
export { triggerEndpoints } from "./triggers.js"
