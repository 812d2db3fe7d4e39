// NATS subject syntax: which strings are valid trigger subject patterns and event subjects, and
// whether a pattern matches a subject with the server's semantics (`*` = exactly one token,
// `>` = one or more trailing tokens). Pure; the subject index relies on the same token rules.

/** The first token of every subject stored in the `EVENTS` stream (`event.>`). */
const EVENTS_ROOT = "event"

const FULL_WILDCARD = ">"
const SINGLE_WILDCARD = "*"
/** Whitespace and control characters (NUL included) end a subject on the wire or corrupt it. */
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/
/**
 * The longest subject accepted. The server's protocol line (subject, reply, sizes) is capped at
 * 4 KB by default and a longer one disconnects the client; 256 is far beyond any real event
 * subject and keeps every derived subject well inside that line.
 */
export const MAX_SUBJECT_LENGTH = 256

/**
 * True when `s` is a NATS subject pattern: at most MAX_SUBJECT_LENGTH characters of
 * `.`-separated non-empty tokens without whitespace or control characters; `*` only as a whole
 * token; `>` only as the whole last token.
 */
export const isValidSubjectPattern = (s: string): boolean => {
  if (s.length === 0 || s.length > MAX_SUBJECT_LENGTH || WHITESPACE_OR_CONTROL.test(s)) return false
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

/** Why a stored subject is not a literal subject dagnats evaluates; a bounded set, for metrics labels. */
export type SubjectProblem = "control_characters" | "too_long" | "empty_token" | "wildcard"

/**
 * What makes `s` no valid literal subject, or undefined when it is one (exactly when
 * isValidSubjectLiteral holds). nats-server stores such subjects all the same (it only splits its
 * protocol line on spaces), so an event may arrive on one.
 */
export const subjectProblem = (s: string): SubjectProblem | undefined => {
  if (WHITESPACE_OR_CONTROL.test(s)) return "control_characters"
  if (s.length > MAX_SUBJECT_LENGTH) return "too_long"
  if (s.length === 0 || s.split(".").some((token) => token.length === 0)) return "empty_token"
  if (s.includes(SINGLE_WILDCARD) || s.includes(FULL_WILDCARD)) return "wildcard"
  return undefined
}

/** `problem` in words, for records and logs. */
export const describeSubjectProblem = (problem: SubjectProblem): string => {
  switch (problem) {
    case "control_characters":
      return "has whitespace or control characters"
    case "too_long":
      return `is longer than ${MAX_SUBJECT_LENGTH} characters`
    case "empty_token":
      return "has an empty token"
    case "wildcard":
      return "has a wildcard character (* or >)"
  }
}

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
