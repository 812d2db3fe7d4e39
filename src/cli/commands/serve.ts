// `dagnats serve`: flags to settings, then the composition root.
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { serveSettings } from "../../config/settings.js"
import { serve as runServe } from "../../serve/serve.js"
import { connectionFlags } from "../client.js"
import { root } from "../shared.js"
import { CliExit, usageError } from "../exit.js"

const opt = (flag: string, description: string) => Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)
const optInt = (flag: string, description: string) => Flag.Int(flag).pipe(Flag.withDescription(description), Flag.optional)

export const serve = Command.make(
  "serve",
  {
    httpAddr: opt("http-addr", "HTTP listen address host:port (env DAGNATS_HTTP_ADDR, default 127.0.0.1:8080)"),
    dataDir: opt("data-dir", "embedded NATS storage (env DAGNATS_DATA_DIR, default $XDG_DATA_HOME/dagnats)"),
    natsPort: optInt("nats-port", "embedded NATS port (env DAGNATS_NATS_PORT, default 4222)"),
    maxBody: optInt("max-body", "largest webhook body in bytes (env DAGNATS_MAX_BODY_BYTES, default 1048576)"),
    replicas: optInt("replicas", "stream and bucket replicas on a cluster (env DAGNATS_REPLICAS, default 1)"),
    shutdownDelay: opt(
      "shutdown-delay",
      "on SIGTERM, answer /readyz 503 this long before closing the listener (env DAGNATS_SHUTDOWN_DELAY, default 5s)",
    ),
  },
  (input) =>
    Effect.gen(function* () {
      const shared = yield* root
      const flags = {
        ...connectionFlags(shared),
        httpAddr: Option.getOrUndefined(input.httpAddr),
        dataDir: Option.getOrUndefined(input.dataDir),
        natsPort: Option.getOrUndefined(input.natsPort),
        maxBody: Option.getOrUndefined(input.maxBody),
        replicas: Option.getOrUndefined(input.replicas),
        shutdownDelay: Option.getOrUndefined(input.shutdownDelay),
      }
      const settings = serveSettings(flags, process.env)
      if (typeof settings === "string") return yield* usageError(settings)
      yield* runServe(settings, flags, process.env).pipe(
        Effect.catch((e) => Effect.fail(new CliExit({ code: 1, message: e.message }))),
      )
    }),
).pipe(Command.withDescription("run the HTTP listener, the micro service and the evaluator (embedded NATS unless --nats-url)"))
