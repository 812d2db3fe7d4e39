// NATS subject syntax: which strings are valid trigger subject patterns and event subjects, and
// whether a pattern matches a subject with the server's semantics (`*` = exactly one token,
// `>` = one or more trailing tokens). Pure; the subject index relies on the same token rules.

/** The first token of every subject stored in the `EVENTS` stream (`event.>`). */
const EVENTS_ROOT = "event"

const FULL_WILDCARD = ">"
const SINGLE_WILDCARD = "*"
const WHITESPACE = /\s/

/**
 * True when `s` is a NATS subject pattern: `.`-separated non-empty tokens without whitespace;
 * `*` only as a whole token; `>` only as the whole last token.
 */
export const isValidSubjectPattern = (s: string): boolean => {
  if (s.length === 0 || WHITESPACE.test(s)) return false
  const tokens = s.split(".")
  const last = tokens.length - 1
  return tokens.every((token, i) => {
    if (token.length === 0) return false
    if (token.includes(SINGLE_WILDCARD)) return token === SINGLE_WILDCARD
    if (token.includes(FULL_WILDCARD)) return token === FULL_WILDCARD && i === last
    return true
  })
}

/**
 * True when `s` is a literal NATS subject (what a message is published to): the pattern rules
 * with no `*` or `>` anywhere. Wildcard characters are rejected even inside a longer token
 * (`a*b`): the server would take them literally, but a subject that looks like a wildcard is
 * never what an operator meant.
 */
export const isValidSubjectLiteral = (s: string): boolean =>
  isValidSubjectPattern(s) && !s.includes(SINGLE_WILDCARD) && !s.includes(FULL_WILDCARD)

/**
 * True when every subject `pattern` can match lies inside `event.>`: a valid pattern whose first
 * token is literally `event`, with at least one token after it. Invalid patterns are never
 * within events.
 */
export const isWithinEvents = (pattern: string): boolean =>
  isValidSubjectPattern(pattern) && pattern.startsWith(`${EVENTS_ROOT}.`)

/**
 * NATS matching: `*` matches exactly one token, a trailing `>` one or more tokens, any other
 * token only itself. False when `pattern` is not a valid pattern or `subject` not a valid
 * literal subject.
 */
export const subjectMatches = (pattern: string, subject: string): boolean => {
  if (!isValidSubjectPattern(pattern) || !isValidSubjectLiteral(subject)) return false
  const want = pattern.split(".")
  const have = subject.split(".")
  for (let i = 0; i < want.length; i++) {
    const token = want[i]
    if (token === FULL_WILDCARD) return have.length > i
    if (i >= have.length) return false
    if (token !== SINGLE_WILDCARD && token !== have[i]) return false
  }
  return want.length === have.length
}
