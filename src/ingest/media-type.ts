// Which request bodies a webhook trigger accepts, by Content-Type: JSON always, and for
// scheme `slack` also form-encoded bodies (slash commands and interactivity). Pure.
import type { SchemeName } from "../domain/signatures/index.js"

export type BodyKind = "json" | "form"

const JSON_TYPE = "application/json"
const FORM_TYPE = "application/x-www-form-urlencoded"

/** The media types a scheme accepts, in the order error messages list them. */
export const acceptedTypes = (scheme: SchemeName): ReadonlyArray<string> =>
  scheme === "slack" ? [JSON_TYPE, FORM_TYPE] : [JSON_TYPE]

/** The media type without parameters, lowercased (`Application/JSON; charset=utf-8` → `application/json`). */
const essence = (contentType: string): string => {
  const semi = contentType.indexOf(";")
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

/** How to read the body, or undefined when the Content-Type is not accepted for this scheme. */
export const bodyKind = (contentType: string | undefined, scheme: SchemeName): BodyKind | undefined => {
  if (contentType === undefined) return undefined
  const type = essence(contentType)
  if (type === JSON_TYPE) return "json"
  if (type === FORM_TYPE && scheme === "slack") return "form"
  return undefined
}
