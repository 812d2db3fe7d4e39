// The JSON depth limit as a Schema, for requests the micro service decodes.
import { Schema } from "effect"
import { MAX_JSON_DEPTH, jsonValueDepthWithin } from "./json-limits.js"

/** Any JSON value nested at most MAX_JSON_DEPTH deep: run inputs, test payloads, request bodies. */
export const BoundedJson = Schema.Unknown.pipe(
  Schema.check(
    Schema.makeFilter((v: unknown) =>
      jsonValueDepthWithin(v) ? undefined : `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    ),
  ),
)
