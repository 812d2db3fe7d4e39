// The web console for operators: pages over the micro endpoints, served by serve on a listener of its own.
export { Console, layer } from "./start.js"
