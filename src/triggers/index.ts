// The triggers surface: definitions in KV (the store) and the in-memory table every serve keeps.
// Other folders import from here only; the files behind it are free to change.

export * as TriggerStore from "./store.js"
export type { TriggerStoreShape } from "./store.js"
export * as TriggerTable from "./table.js"
export type { TriggerTableShape } from "./table.js"
export * as TriggerLayers from "./layers.js"
