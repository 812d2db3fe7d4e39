// Reading JSON text as a value, or not: the one place dagnats asks JSON.parse outside the CLI's lean
// start (which cannot load effect; it has its own in cli/payload.ts). A failure is a None, never a
// throw, so each caller says in its own words what text that is not JSON means (an error, a string
// kept as sent, a record skipped). Checks on size or depth come before, in json-limits.ts.
import { Option } from "effect"

const utf8 = new TextDecoder()

/** The JSON value `text` holds, or None when it is not JSON. */
export const parseJson: (text: string) => Option.Option<unknown> = Option.liftThrowable((text: string): unknown =>
  JSON.parse(text),
)

/**
 * The JSON value UTF-8 `bytes` hold, or None. Read as TextDecoder reads by default: a leading
 * byte-order mark is dropped and a malformed sequence becomes U+FFFD (then usually not JSON).
 */
export const parseJsonBytes = (bytes: Uint8Array): Option.Option<unknown> => parseJson(utf8.decode(bytes))
