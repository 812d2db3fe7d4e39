// The `dagnats` micro service serve starts, with its trigger and run endpoints.
// Other folders import from here only; the files behind it are free to change.

export { runEndpoints } from "./runs.js"
export { startService } from "./server.js"
export { triggerEndpoints } from "./triggers.js"
