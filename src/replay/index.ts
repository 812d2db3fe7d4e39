// Replay's surface: the replay endpoints serve adds, and the reply shape the CLI prints.
// Other folders import from here only; the files behind it are free to change.

export { replayEndpoints } from "./endpoint.js"
export type { ReplayReply } from "./replay.js"
