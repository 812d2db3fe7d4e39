// Binding a node:http server to its address as an effect, shared by serve's two listeners (webhooks
// and console): a taken or refused address is a ListenError with the one line that says what to do,
// and the line serve logs names the address actually bound (port 0 picks one).
import type { Server } from "node:http"
import { Effect, Schema } from "effect"

/** The listener could not start; `message` is the one line that says what to do. */
export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", { message: Schema.String }) {}

export interface Listener {
  readonly host: string
  readonly port: number
  /** What the address is for, in the error (`"the console"`); omitted for the webhook listener. */
  readonly purpose?: string
  /** How to choose another address, said when this one is in use. */
  readonly elsewhere: string
}

export const listen = (server: Server, l: Listener): Effect.Effect<void, ListenError> =>
  Effect.callback<void, ListenError>((resume) => {
    const where = `cannot listen on ${l.host}:${l.port}${l.purpose !== undefined ? ` for ${l.purpose}` : ""}`
    const onError = (e: NodeJS.ErrnoException) =>
      resume(
        Effect.fail(
          new ListenError({
            message:
              e.code === "EADDRINUSE" ? `${where}: the address is in use; ${l.elsewhere}` : `${where}: ${e.message}`,
          }),
        ),
      )
    server.once("error", onError)
    server.listen(l.port, l.host, () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

/** `http://host:port` of a listening server, with the port it was given (IPv6 hosts bracketed). */
export const listeningUrl = (server: Server, host: string, port: number): string => {
  const address = server.address()
  const bound = typeof address === "object" && address !== null ? address.port : port
  return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`
}
