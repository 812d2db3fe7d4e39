// The root command and the flags every command takes: --json and the NATS connection flags
// (flag over environment over default). Commands read them with `yield* root`.
import { Effect, Option, type Scope } from "effect"
import { Command, Flag } from "effect/cli"
import type { NatsConnection } from "../nats/core-api.js"
import { connectCli, requestAs, type ConnectionInput } from "./client.js"
import type { Shape } from "./reply-shape.js"
import { printJson } from "./output.js"
import type { CliFailure } from "./exit.js"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

const sharedFlags = {
  json: Flag.Boolean("json").pipe(
    Flag.withoutNegation,
    Flag.withDescription("print one JSON document on stdout"),
    Flag.withDefault(false),
  ),
  natsUrl: optionalString("nats-url", "NATS servers, comma separated (env NATS_URL)"),
  creds: optionalString("creds", "NATS credentials file (env NATS_CREDS)"),
  user: optionalString("user", "NATS user (env NATS_USER)"),
  password: optionalString("password", "NATS password (env NATS_PASSWORD)"),
  token: optionalString("token", "NATS token (env NATS_TOKEN)"),
  inboxPrefix: optionalString("inbox-prefix", "prefix of reply inboxes (env NATS_INBOX_PREFIX, default _INBOX_<user>)"),
}

export interface SharedInput extends ConnectionInput {
  readonly json: boolean
}

export const root = Command.make("dagnats").pipe(
  Command.withDescription("dagnats: webhooks and NATS events into workflow runs"),
  Command.withSharedFlags(sharedFlags),
)

/** Run `body` with a NATS connection and the shared flags; the connection closes afterwards. */
export const withNats = <A>(
  body: (nc: NatsConnection, shared: SharedInput) => Effect.Effect<A, CliFailure, Scope.Scope>,
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const shared = yield* root
      const { nc } = yield* connectCli(shared)
      return yield* body(nc, shared)
    }),
  )

/** Call one service endpoint and print its reply, decoded as `shape`: JSON with --json, else `human(reply)`. */
export const callAndPrint = <T>(subject: string, body: unknown, shape: Shape<T>, human: (reply: T) => void) =>
  withNats((nc, shared) =>
    Effect.gen(function* () {
      const reply = yield* requestAs(nc, subject, body, shape)
      if (shared.json) printJson(reply)
      else human(reply)
    }),
  )
