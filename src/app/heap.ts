// serve's V8 heap policy. Under webhook load much of the garbage is request state that outlived two
// young-generation collections and was promoted; V8 lets the old generation grow to a multiple (up
// to 4×) of what survived the last full collection before it collects again, so most of serve's
// peak RSS under the ingest bench (204–232 MB, with about 30 MB live) was dead objects. Letting it
// grow by at most HEAP_GROWING_PERCENT before a full collection keeps it within about twice
// the live size (serve peaks near 150 MB), at the cost of more frequent full collections, marked concurrently;
// the bench measured no loss of throughput from them (30% and 50% cost some p99; 100% did not).
import { setFlagsFromString } from "node:v8"

export const HEAP_GROWING_PERCENT = 100

/**
 * Read by V8 at every full collection, so setting it once serve starts takes effect for the whole
 * run (a heap size flag such as --max-semi-space-size would not: those are fixed at start-up).
 */
export const limitHeapGrowth = (): void => setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
