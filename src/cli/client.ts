// The micro service client for Effect commands: the plain client of nats-client.ts with its
// failures as the commands' typed failures, so every command reports them the same way.
// It takes only the connection flags it reads, so shared.ts (the root command) can build on it.
import { Effect, Option } from "effect"
import type { NatsConnection } from "../nats/core-api.js"
import { connectPlain, natsRefusal as plainRefusal, requestPlain } from "./nats-client.js"
import { ExitError } from "./exit-codes.js"
import { failure, Unreachable, type CliFailure } from "./exit.js"
import { requestReply } from "./replies.js"
import type { Shape } from "./reply-shape.js"

/** The NATS connection flags every command takes (flag over environment over default). */
export interface ConnectionInput {
  readonly natsUrl: Option.Option<string>
  readonly creds: Option.Option<string>
  readonly user: Option.Option<string>
  readonly password: Option.Option<string>
  readonly token: Option.Option<string>
  readonly inboxPrefix: Option.Option<string>
}

export const connectionFlags = (s: ConnectionInput) => ({
  natsUrl: Option.getOrUndefined(s.natsUrl),
  creds: Option.getOrUndefined(s.creds),
  user: Option.getOrUndefined(s.user),
  password: Option.getOrUndefined(s.password),
  token: Option.getOrUndefined(s.token),
  inboxPrefix: Option.getOrUndefined(s.inboxPrefix),
})

/** A plain helper's failure as a typed one: an ExitError keeps its condition; anything else means NATS away. */
export const fromPlain = (e: unknown): CliFailure =>
  e instanceof ExitError
    ? failure(e.condition, e.message)
    : new Unreachable({ message: e instanceof Error ? e.message : String(e) })

/** NATS refusing this user (permissions) as a Refused with what to change, or undefined. */
export const natsRefusal = (what: string, e: unknown): CliFailure | undefined => {
  const refusal = plainRefusal(what, e)
  return refusal === undefined ? undefined : fromPlain(refusal)
}

/** A NATS connection for the command's lifetime; Unreachable with the hint when it cannot be made. */
export const connectCli = (s: ConnectionInput) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => connectPlain(connectionFlags(s)), catch: fromPlain }).pipe(
      Effect.map((nc) => ({ nc })),
    ),
    ({ nc }) => Effect.promise(() => nc.close()),
  )

/** Send one request to `subject`; resolve with the decoded JSON reply or fail with a typed failure. */
export const request = (nc: NatsConnection, subject: string, body: unknown, timeoutMs?: number) =>
  Effect.tryPromise({ try: () => requestPlain(nc, subject, body, timeoutMs), catch: fromPlain })

/** Send one request to `subject`; resolve with the reply decoded as `shape` (a refusal naming the field if not). */
export const requestAs = <T>(nc: NatsConnection, subject: string, body: unknown, shape: Shape<T>, timeoutMs?: number) =>
  Effect.tryPromise({ try: () => requestReply(nc, subject, body, shape, timeoutMs), catch: fromPlain })
