// The CLI's side of the micro service as plain promises: connect with the operator's settings, send
// one JSON request, and turn every failure into an ExitError with a message a person can act on.
// Effect-free so `trigger list` starts without the effect runtime; client.ts wraps it for commands.
import { connect } from "../nats/core-api.js"
import type { NatsConnection } from "../nats/core-api.js"
import { ServiceErrorCodeHeader, ServiceErrorHeader } from "../nats/services-api.js"
import {
  connectionSettings,
  credentialsHint,
  inboxPrefixError,
  requestedNatsUrl,
  DEFAULT_NATS_URL,
  type ConnectionFlags,
} from "../config/settings.js"
import { connectOptions } from "../nats/connect-options.js"
import {
  describe,
  isAuthorizationFailure,
  isNoResponders,
  isRequestTimeout,
  permissionViolation,
} from "../nats/errors.js"
import { ExitError, UNREACHABLE_HINT, conditionForMicroError } from "./exit-codes.js"
import { processEnv } from "../config/environment.js"
import { safeText } from "./terminal-text.js"
import { jsonValue } from "./payload.js"

/** Long enough for a list of thousands of triggers; short enough that a hung service is noticed. */
const REQUEST_TIMEOUT_MS = 10_000

/** A connection for one command; rejects as unreachable, with the hint, when NATS cannot be reached. */
export const connectPlain = async (flags: ConnectionFlags): Promise<NatsConnection> => {
  const env = processEnv()
  const inboxError = inboxPrefixError(flags, env)
  if (inboxError !== undefined) throw new ExitError("usage", inboxError)
  const url = requestedNatsUrl(flags, env) ?? DEFAULT_NATS_URL
  const settings = connectionSettings(flags, env, url, { name: "dagnats cli", reconnect: false })
  // async: reading the credentials (connectOptions) fails like connecting does, as a rejection.
  const open = async () => connect(connectOptions(settings))
  return open().catch((e: unknown) => {
    const hint = isAuthorizationFailure(e) ? credentialsHint(settings) : UNREACHABLE_HINT
    const message = `cannot connect to NATS at ${settings.servers.join(",")}: ${describe(e)}\n${hint}`
    throw new ExitError("unreachable", message)
  })
}

const decoder = new TextDecoder()

const errorMessage = (text: string): string | undefined => {
  const m = (jsonValue(text) as { error?: { message?: unknown } } | null | undefined)?.error?.message
  return typeof m === "string" ? m : undefined
}

const INBOX_HINT =
  "your NATS user may not subscribe to this inbox: set --inbox-prefix (or NATS_INBOX_PREFIX) to its own, such as _INBOX_<user>"

/**
 * A permissions violation is NATS refusing this user, not NATS being away: a refusal with what to change
 * (the inbox prefix, or a user allowed to publish there) instead of the hint to start serve.
 */
export const natsRefusal = (what: string, e: unknown): ExitError | undefined => {
  const refused = permissionViolation(e)
  if (refused === undefined) return undefined
  const hint = refused === "subscribe" ? INBOX_HINT : "your NATS user may not publish there"
  return new ExitError("refused", `${what}: ${describe(e)}\n${hint}`)
}

const requestFailure = (subject: string, e: unknown, timeoutMs: number): ExitError => {
  if (isNoResponders(e)) {
    return new ExitError("unreachable", `no dagnats service answers on ${subject}\n${UNREACHABLE_HINT}`)
  }
  if (isRequestTimeout(e)) {
    const message = `the dagnats service did not answer ${subject} within ${timeoutMs / 1000}s`
    return new ExitError("unreachable", message)
  }
  const what = `request ${subject} failed`
  return natsRefusal(what, e) ?? new ExitError("unreachable", `${what}: ${describe(e)}`)
}

/** Send one request to `subject`; resolve with the decoded JSON reply or reject with an ExitError. */
export const requestPlain = async (
  nc: NatsConnection,
  subject: string,
  body: unknown,
  timeoutMs: number = REQUEST_TIMEOUT_MS,
): Promise<unknown> => {
  const reply = await nc.request(subject, JSON.stringify(body ?? {}), { timeout: timeoutMs }).catch((e: unknown) => {
    throw requestFailure(subject, e, timeoutMs)
  })
  const text = decoder.decode(reply.data)
  const code = reply.headers?.get(ServiceErrorCodeHeader)
  if (code !== undefined && code !== "") {
    // The service's own words, on one line: a line break in them cannot pass for the CLI's hint.
    const message = errorMessage(text) ?? reply.headers?.get(ServiceErrorHeader) ?? "request failed"
    throw new ExitError(conditionForMicroError(Number(code)), safeText(message))
  }
  const value = jsonValue(text)
  if (value === undefined)
    throw new ExitError("refused", `the service answered ${subject} with something that is not JSON`)
  return value
}
