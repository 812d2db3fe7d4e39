// Text from outside (a service's reply, a webhook's body) made safe to print for a person: every
// character a terminal or log viewer would act on instead of show is written as a visible escape,
// so a hostile reply cannot move the cursor, retitle the window, hide text or fake a line.
// Effect-free: the start-up fast path prints through it too.

/**
 * C0 controls (ESC among them), DEL, C1 controls (8-bit CSI and OSC), the line and paragraph
 * separators, and the bidirectional overrides and isolates that reorder what is shown.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const named: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const visible = (c: string): string => {
  const name = named[c]
  if (name !== undefined) return name
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
}

/** `s` with every control character as a visible escape (`\x1b`, `\n`, `\u202e`). */
export const safeText = (s: string): string => s.replace(UNSAFE, visible)

/** The same, keeping line breaks: for messages whose lines are the CLI's own (an error and its hint). */
export const safeLines = (s: string): string => s.replace(UNSAFE_BUT_NEWLINE, visible)

/** The same characters as JSON escapes: still exactly the same JSON, but inert on a terminal. */
export const inertJson = (json: string): string =>
  json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  })
