// The dead-letter surface: publishing an event that kept failing to DAGNATS_DEAD, and the
// endpoints that list and read dead letters.
// Other folders import from here only; the files behind it are free to change.

export { deadLetterOrigin, isDead, publishDead } from "./dead-letters.js"
export type { DeadOrigin } from "./dead-letters.js"
export { deadEndpoints } from "./endpoint.js"
