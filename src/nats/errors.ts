// The one place that inspects nats.js failures: each check is a named predicate, so callers say what
// happened ("no message found", "no responders") and not how nats.js spells it. Effect-free: the CLI's
// lean start imports it; translating into dagnats conditions is conditions.ts.
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import {
  AuthorizationError,
  NoRespondersError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "@nats-io/nats-core"

const isApiError = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code

/** A KV create/update lost a race or found the key present: the revision check failed. */
export const isRevisionMismatch = (e: unknown): boolean =>
  isApiError(e, JetStreamApiCodes.StreamWrongLastSequence) ||
  isApiError(e, JetStreamApiCodes.StreamWrongLastSequenceUnknown)

/** A direct get or last-by-subject read found no message. */
export const isNoMessageFound = (e: unknown): boolean => isApiError(e, JetStreamApiCodes.NoMessageFound)

/** The stream does not exist. */
export const isStreamNotFound = (e: unknown): boolean => isApiError(e, JetStreamApiCodes.StreamNotFound)

/** The consumer does not exist. */
export const isConsumerNotFound = (e: unknown): boolean => isApiError(e, JetStreamApiCodes.ConsumerNotFound)

/** A request nobody subscribes to: no service answers on that subject. */
export const isNoResponders = (e: unknown): boolean =>
  e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders())

/** The server refused the connection's credentials (wrong, missing or expired), not an unreachable server. */
export const isAuthorizationFailure = (e: unknown): boolean =>
  e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError

/** A request that got no reply in time. */
export const isRequestTimeout = (e: unknown): boolean => e instanceof TimeoutError

/** NATS refusing this user: "subscribe" when it may not subscribe (its inbox), "publish" otherwise; or undefined. */
export const permissionViolation = (e: unknown): "subscribe" | "publish" | undefined => {
  const message = describe(e)
  if (!/Permissions Violation/i.test(message)) return undefined
  return /for Subscription/i.test(message) ? "subscribe" : "publish"
}

export const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The server (or account) has not enough storage left for what a stream would reserve. */
export const isInsufficientStorage = (e: unknown): boolean =>
  e instanceof JetStreamApiError && (e.code === 10047 || /insufficient (storage )?resources/i.test(e.message))

/**
 * `request`'s value, or `instead` when it fails as `expected` says (a stream or consumer that is not
 * there, a revision check lost to another writer): for requests where that failure is an answer.
 * Every other failure stays one.
 */
export const recoverWhen = <A, B>(request: Promise<A>, expected: (e: unknown) => boolean, instead: B): Promise<A | B> =>
  request.catch((e: unknown) => {
    if (expected(e)) return instead
    throw e
  })
