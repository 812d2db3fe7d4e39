// Turning a stored event's bytes into the JSON payload filters and runs see: JSON as is, and Slack's
// form-encoded bodies decoded to an object (with a JSON `payload` field decoded too).
import { decodeFormBody } from "./form-body.js"

export type DecodedPayload = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: string }

const decoder = new TextDecoder("utf-8", { fatal: true })

export const decodeEventPayload = (bytes: Uint8Array, contentType: string | undefined): DecodedPayload => {
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    return { ok: false, error: "payload is not valid UTF-8" }
  }
  if (contentType !== undefined && /^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) {
    return { ok: true, payload: decodeFormBody(text) }
  }
  if (text.trim() === "") return { ok: false, error: "payload is empty, not JSON" }
  try {
    return { ok: true, payload: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, error: "payload is not valid JSON" }
  }
}
