// Decodes `application/x-www-form-urlencoded` webhook bodies (Slack interactivity and slash
// commands) into a JSON-like object, so filters and run inputs see the same shape as for JSON
// bodies. Pure; uses the WHATWG form parser (URLSearchParams: `+` is a space, bad escapes kept).
import { Option } from "effect"
import { parseJson } from "./json.js"

/** Slack puts interactive payloads as a JSON document in this form field. */
const JSON_FIELD = "payload"

const decodeValue = (key: string, value: string): unknown =>
  // Not JSON after all: keep what the sender sent rather than dropping it.
  key === JSON_FIELD ? Option.getOrElse(parseJson(value), () => value) : value

/**
 * Form body → object. A key sent once maps to its string; a key sent several times maps to the
 * array of its values in body order (nothing the sender sent is dropped, unlike "last wins").
 * Every `payload` value that holds JSON is replaced by the parsed JSON; one that does not parse
 * stays a string. Keys such as `__proto__` become ordinary own properties.
 */
export const decodeFormBody = (raw: string): Record<string, unknown> => {
  // URLSearchParams drops one leading `?` (query-string habit); a form body has no such prefix,
  // so shield it with an empty `&`-sequence, which the form parser skips.
  const params = new URLSearchParams(raw.startsWith("?") ? `&${raw}` : raw)
  const values = new Map<string, Array<unknown>>()
  for (const [key, value] of params) {
    const decoded = decodeValue(key, value)
    const seen = values.get(key)
    if (seen === undefined) values.set(key, [decoded])
    else seen.push(decoded)
  }
  // Object.fromEntries defines own properties, so `__proto__=…` cannot reach the prototype.
  return Object.fromEntries(Array.from(values, ([key, all]) => [key, all.length === 1 ? all[0] : all] as const))
}
