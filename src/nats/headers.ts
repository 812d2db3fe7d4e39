// NATS headers for serve's own publishes, built without nats.js's per-call scans: MsgHdrs.append
// lists and filters every name already present, and set does that twice (to delete first), then
// encode goes through TextEncoder. For an event's ten headers that is ~4 µs and a dozen short-lived
// arrays, several times per webhook. The result is nats.js's own MsgHdrsImpl with the same names,
// values, order and bytes as its methods give (a test compares), and the same errors for a name or
// value NATS cannot carry.
import { MsgHdrsImpl, canonicalMIMEHeaderKey, type MsgHdrs } from "@nats-io/nats-core"
import { utf8Bytes } from "../domain/utf8.js"

class OutboundHeaders extends MsgHdrsImpl {
  override encode(): Uint8Array {
    return utf8Bytes(this.toString())
  }
}

/** Throws nats.js's own error for a name it refuses (anything but printable ASCII without `:`). */
const checkName = (name: string): void => {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 33 || c > 126 || c === 58) canonicalMIMEHeaderKey(name)
  }
}

/** Headers to publish with: names kept exactly as given, repeats in the order appended. */
export interface HeaderBuilder {
  /** Adds a value after any the name has already. */
  readonly append: (name: string, value: string) => void
  /** Replaces the name's values with this one, the name moving last (as MsgHdrs.set does). */
  readonly set: (name: string, value: string) => void
  readonly headers: MsgHdrs
}

export const headerBuilder = (): HeaderBuilder => {
  const h = new OutboundHeaders()
  const map = h.headers
  return {
    append: (name, value) => {
      checkName(name)
      const v = MsgHdrsImpl.validHeaderValue(value)
      const had = map.get(name)
      if (had === undefined) map.set(name, [v])
      else had.push(v)
    },
    set: (name, value) => {
      checkName(name)
      const v = MsgHdrsImpl.validHeaderValue(value)
      map.delete(name)
      map.set(name, [v])
    },
    headers: h,
  }
}
