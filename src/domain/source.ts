// Triggers with a source (a stream or KV bucket of the operator's): which kind, and the run input a
// KV change makes. Pure; the stream and subject names they map to are the protocol's (sources/plan.ts).
import { Option } from "effect"
import { parseJson } from "./json.js"
import type { KvOp, Source } from "./trigger-fields.js"
import { KvOps } from "./trigger-fields.js"

export type SourceRef =
  | { readonly kind: "stream"; readonly stream: string }
  | { readonly kind: "kv"; readonly bucket: string; readonly ops: ReadonlyArray<KvOp> }

export const sourceRef = (s: Source | undefined): SourceRef | undefined =>
  s === undefined
    ? undefined
    : "stream" in s
      ? { kind: "stream", stream: s.stream }
      : { kind: "kv", bucket: s.kv, ops: s.ops ?? KvOps }

/** KV writes a KV-Operation header on delete (`DEL`) and purge (`PURGE`) markers; a put has none. */
export const kvOpOf = (header: string | undefined): KvOp => (header === "DEL" || header === "PURGE" ? "delete" : "put")

/** The run input of one KV change; `value` is the JSON value, or the text when it is not JSON. */
export interface KvChange {
  readonly bucket: string
  readonly key: string
  readonly op: KvOp
  readonly revision: number
  readonly value?: unknown
}

const decoder = new TextDecoder()

export const kvChange = (c: {
  readonly bucket: string
  readonly key: string
  readonly op: KvOp
  readonly revision: number
  readonly data: Uint8Array
}): KvChange => {
  const base = { bucket: c.bucket, key: c.key, op: c.op, revision: c.revision }
  if (c.op === "delete") return base
  const text = decoder.decode(c.data)
  return { ...base, value: Option.getOrElse(parseJson(text), () => text) }
}
