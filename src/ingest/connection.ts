// Whether serve's NATS connection is up right now, followed from nc.status() events. Ingest fails
// fast with 503 while disconnected (instead of buffering publishes for 5 s), and /readyz reports
// it. Only events set the flag, so after a reconnect requests succeed again by themselves.
import { Effect, type Scope } from "effect"
import type { NatsConnection } from "../nats/core-api.js"

export interface ConnectionState {
  readonly connected: () => boolean
}

/** `onChange` is called once with the initial state (`initial` true), then on every change. */
export const followConnection = (
  nc: NatsConnection,
  onChange: (connected: boolean, initial: boolean) => void,
): Effect.Effect<ConnectionState, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // serve connected before starting ingest, so the connection is up unless already closed.
      let connected = !nc.isClosed()
      onChange(connected, true)
      const events = nc.status()
      const set = (up: boolean) => {
        if (up === connected) return
        connected = up
        onChange(up, false)
      }
      void (async () => {
        for await (const s of events) {
          if (s.type === "disconnect" || s.type === "close") set(false)
          else if (s.type === "reconnect") set(true)
        }
      })()
      return { state: { connected: () => connected }, events }
    }),
    ({ events }) => Effect.sync(() => (events as { stop?: () => void }).stop?.()),
  ).pipe(Effect.map(({ state }) => state))
