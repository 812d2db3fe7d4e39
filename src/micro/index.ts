// One micro endpoint's shape and its request decoding, shared by every folder that adds endpoints.
// Other folders import from here only; the files behind it are free to change.

export { endpoint } from "./endpoint.js"
export type { Endpoint } from "./endpoint.js"
export { MicroEndpoints } from "./endpoints.js"
