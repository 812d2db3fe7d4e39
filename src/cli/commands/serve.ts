// `dagnats serve`: flags to settings, then the composition root (imported only when serve runs, so
// other commands do not load the HTTP server, evaluator, window engine, serve's logger or trace exporter).
import { Effect, Option } from "effect"
import { Command, Flag, GlobalFlag } from "effect/cli"
import { serveSettings } from "../../config/serve-settings.js"
import { connectionFlags, natsRefusal } from "../client.js"
import { root } from "../shared.js"
import { usageError, type ServeFailure } from "../exit.js"
import { serveExamples } from "../examples.js"
import { processEnv } from "../../config/environment.js"

const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)
const optInt = (flag: string, description: string) =>
  Flag.Int(flag).pipe(Flag.withDescription(description), Flag.optional)

/** `--log-level` wins over DAGNATS_LOG_LEVEL for serve's debug-only lines (such as each 401's reason). */
const debugFrom = (level: Option.Option<string>, fromEnv: boolean) =>
  Option.match(level, { onNone: () => fromEnv, onSome: (l) => l === "Debug" || l === "Trace" || l === "All" })

export const serve = Command.make(
  "serve",
  {
    httpAddr: opt("http-addr", "HTTP listen address host:port (env DAGNATS_HTTP_ADDR, default 127.0.0.1:8080)"),
    dataDir: opt("data-dir", "embedded NATS storage (env DAGNATS_DATA_DIR, default $XDG_DATA_HOME/dagnats)"),
    natsPort: optInt("nats-port", "embedded NATS port (env DAGNATS_NATS_PORT, default 4222)"),
    maxBody: optInt("max-body", "largest webhook body in bytes (env DAGNATS_MAX_BODY_BYTES, default 1048576)"),
    replicas: optInt("replicas", "stream and bucket replicas on a cluster (env DAGNATS_REPLICAS, default 1)"),
    logFormat: opt("log-format", "text or json: one JSON object per log line (env DAGNATS_LOG_FORMAT, default text)"),
    runRetention: opt(
      "run-retention",
      "max age of run records such as 30d, 0 = forever (env DAGNATS_RUN_RETENTION, default 30d)",
    ),
    historyRetention: opt(
      "history-retention",
      "max age of trigger history, 0 = forever (env DAGNATS_HISTORY_RETENTION, default 30d)",
    ),
    shutdownDelay: opt(
      "shutdown-delay",
      "on SIGTERM, answer /readyz 503 this long before closing the listener " +
        "(env DAGNATS_SHUTDOWN_DELAY, default 5s with a NATS URL, 0 embedded)",
    ),
    role: opt(
      "role",
      "all, ingest (webhooks and the API, no evaluation) or evaluate (evaluation, no webhooks) " +
        "(env DAGNATS_ROLE, default all)",
    ),
    consoleAddr: opt(
      "console-addr",
      "web console listen address host:port, empty for none (env DAGNATS_CONSOLE_ADDR, default 127.0.0.1:8081)",
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
        logFormat: Option.getOrUndefined(input.logFormat),
        runRetention: Option.getOrUndefined(input.runRetention),
        historyRetention: Option.getOrUndefined(input.historyRetention),
        shutdownDelay: Option.getOrUndefined(input.shutdownDelay),
        consoleAddr: Option.getOrUndefined(input.consoleAddr),
        role: Option.getOrUndefined(input.role),
      }
      const env = processEnv()
      const parsed = serveSettings(flags, env)
      if (typeof parsed === "string") return yield* usageError(parsed)
      const settings = { ...parsed, debug: debugFrom(yield* GlobalFlag.LogLevel, parsed.debug) }
      const { serve: runServe } = yield* Effect.promise(() => import("../../app/serve.js"))
      yield* runServe(settings, flags, env).pipe(
        // NATS refusing this user is a refusal with what to change; toExitCode reports every other failure.
        Effect.catch((e: ServeFailure) => Effect.fail(natsRefusal("NATS refused serve", e.message) ?? e)),
      )
    }),
).pipe(
  Command.withDescription(
    "run the HTTP listener, the micro service and the evaluator (embedded NATS unless --nats-url)",
  ),
  Command.withExamples(serveExamples),
)
