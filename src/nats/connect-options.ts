// nats.js connect options from dagnats connection settings. Pure and effect-free so the CLI's
// start-up fast path and serve's scoped connection build exactly the same connection.
import { readFileSync } from "node:fs"
import { credsAuthenticator, type ConnectionOptions } from "@nats-io/nats-core"
import type { ConnectionSettings } from "../config/settings.js"

/** How long a one-shot command waits for the first connection before reporting NATS unreachable. */
const CLI_CONNECT_TIMEOUT_MS = 3_000

export const connectOptions = (s: ConnectionSettings): ConnectionOptions => ({
  servers: [...s.servers],
  name: s.name,
  // nats.js otherwise captures a stack trace per request; serve makes many requests per event.
  noAsyncTraces: true,
  // Each user of the shipped nats.conf may subscribe only to its own inboxes.
  inboxPrefix: s.inboxPrefix,
  ...(s.user !== undefined ? { user: s.user, pass: s.password ?? "" } : {}),
  ...(s.token !== undefined ? { token: s.token } : {}),
  ...(s.creds !== undefined ? { authenticator: credsAuthenticator(readFileSync(s.creds)) } : {}),
  ...(s.reconnect
    ? { maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false }
    : { maxReconnectAttempts: 0, timeout: CLI_CONNECT_TIMEOUT_MS }),
})
