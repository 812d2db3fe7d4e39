// Turning a stored event's bytes into the JSON payload filters and runs see: JSON as is, and Slack's
// form-encoded bodies decoded to an object (with a JSON `payload` field decoded too). Anything
// published straight to `event.>` arrives here unchecked, so the work is bounded before parsing:
// invalid UTF-8 and nesting over the limit are errors (recorded per trigger), never a crash. A payload
// that is not JSON at all (not UTF-8, empty, not parseable) says so with `notJson`: a trigger whose
// `when` decides on it sees `body == null` instead of the error.
import { decodeFormBody } from "./form-body.js"
import { parseJson } from "./json.js"
import { decodeUtf8, jsonTextDepthWithin, jsonValueDepthWithin, TOO_DEEP } from "./json-limits.js"

export type DecodedPayload =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly error: string; readonly notJson?: true }

const isForm = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/x-www-form-urlencoded\b/i.test(contentType.trim())

export const decodeEventPayload = (bytes: Uint8Array, contentType: string | undefined): DecodedPayload => {
  const text = decodeUtf8(bytes)
  if (text === undefined) return { ok: false, error: "payload is not valid UTF-8", notJson: true }
  if (isForm(contentType)) {
    const payload = decodeFormBody(text)
    return jsonValueDepthWithin(payload) ? { ok: true, payload } : { ok: false, error: `payload ${TOO_DEEP}` }
  }
  if (text.trim() === "") return { ok: false, error: "payload is empty, not JSON", notJson: true }
  // Checked on the bytes before JSON.parse builds anything: a hostile event costs one scan.
  if (!jsonTextDepthWithin(bytes)) return { ok: false, error: `payload ${TOO_DEEP}` }
  const parsed = parseJson(text)
  return parsed._tag === "Some"
    ? { ok: true, payload: parsed.value }
    : { ok: false, error: "payload is not valid JSON", notJson: true }
}
