// The triggers surface: definitions in KV (the store) and the in-memory table every serve keeps.
// Other folders import from here only; the files behind it are free to change.

export { TriggerStore, layer as TriggerStoreLayer, type TriggerStoreShape } from "./store.js"
export { TriggerTable, layer as TriggerTableLayer } from "./table.js"
export type { TableChange, TriggerTableShape } from "./table.js"
