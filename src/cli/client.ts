// The micro service client for Effect commands: the plain client of nats-client.ts with its
// failures as CliExit, so every command maps them to the same exit codes and messages.
import { Effect, Option } from "effect"
import type { NatsConnection } from "@nats-io/nats-core"
import { connectPlain, natsRefusal as plainRefusal, requestPlain } from "./nats-client.js"
import { ExitError } from "./exit-codes.js"
import { CliExit, ExitCode } from "./exit.js"
import type { SharedInput } from "./shared.js"

export const connectionFlags = (s: SharedInput) => ({
  natsUrl: Option.getOrUndefined(s.natsUrl),
  creds: Option.getOrUndefined(s.creds),
  user: Option.getOrUndefined(s.user),
  password: Option.getOrUndefined(s.password),
  token: Option.getOrUndefined(s.token),
  inboxPrefix: Option.getOrUndefined(s.inboxPrefix),
})

export const toCliExit = (e: unknown) =>
  e instanceof ExitError
    ? new CliExit({ code: e.code, message: e.message })
    : new CliExit({ code: ExitCode.unreachable, message: e instanceof Error ? e.message : String(e) })

/** NATS refusing this user (permissions) as a CliExit with what to change, or undefined. */
export const natsRefusal = (what: string, e: unknown): CliExit | undefined => {
  const refusal = plainRefusal(what, e)
  return refusal === undefined ? undefined : toCliExit(refusal)
}

/** A NATS connection for the command's lifetime; exit 3 with the hint when it cannot be made. */
export const connectCli = (s: SharedInput) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => connectPlain(connectionFlags(s)), catch: toCliExit }).pipe(
      Effect.map((nc) => ({ nc })),
    ),
    ({ nc }) => Effect.promise(() => nc.close()),
  )

/** Send one request to `subject`; resolve with the decoded JSON reply or fail with a CliExit. */
export const request = (nc: NatsConnection, subject: string, body: unknown, timeoutMs?: number) =>
  Effect.tryPromise({ try: () => requestPlain(nc, subject, body, timeoutMs), catch: toCliExit })
