// Every setting of `dagnats serve`: what settings.ts resolves from flags and variables, plus the
// evaluator's timing and the listener's timeouts. A module of its own because the timeouts decode
// with effect Schema, and settings.ts stays effect-free for the CLI's lean start.
import { serveBaseSettings, type Env, type ServeBaseSettings, type ServeFlags } from "./settings.js"
import { DEFAULT_TIMING, evaluatorTiming, type EvaluatorTiming } from "./evaluator-timing.js"
import { httpTimeouts, type HttpTimeouts } from "./http-timeouts.js"
import { consoleSettings, type ConsoleSettings } from "./console-settings.js"

export interface ServeSettings extends ServeBaseSettings {
  /**
   * `--role ingest` (or the older `DAGNATS_EVALUATOR=off`): this serve only ingests and answers
   * requests (to scale HTTP separately).
   */
  readonly evaluatorOff: boolean
  /** `--role evaluate`: no webhooks on this serve's listener, which serves only the probes and /metrics. */
  readonly webhooksOff: boolean
  /** Ack wait and retry delay; a wrong variable falls back to the defaults with `evaluatorTimingWarning`. */
  readonly evaluatorTiming: EvaluatorTiming
  readonly evaluatorTimingWarning: string | undefined
  /** How long the listener waits for slow clients; a wrong variable falls back with a warning. */
  readonly httpTimeouts: HttpTimeouts
  readonly httpTimeoutWarnings: ReadonlyArray<string>
  /** The web console's listener; undefined when `--console-addr` is empty. */
  readonly console: ConsoleSettings | undefined
}

/** Every serve setting, or the message naming the one that is wrong. */
export const serveSettings = (flags: ServeFlags, env: Env): ServeSettings | string => {
  const base = serveBaseSettings(flags, env)
  if (typeof base === "string") return base
  const consoleAt = consoleSettings(flags.consoleAddr, env)
  if (typeof consoleAt === "string") return consoleAt
  // Bad timing variables warn at start and keep the defaults rather than refusing to start.
  const legacyOff = (env["DAGNATS_EVALUATOR"] ?? "").toLowerCase() === "off"
  if (legacyOff && base.role === "evaluate") {
    return "--role evaluate: contradicts DAGNATS_EVALUATOR=off (a serve that neither ingests nor evaluates); unset one"
  }
  const timing = evaluatorTiming(env)
  const http = httpTimeouts(env)
  return {
    ...base,
    role: legacyOff ? "ingest" : base.role,
    evaluatorOff: legacyOff || base.role === "ingest",
    webhooksOff: base.role === "evaluate",
    evaluatorTiming: typeof timing === "string" ? DEFAULT_TIMING : timing,
    evaluatorTimingWarning: typeof timing === "string" ? `${timing}; using the defaults` : undefined,
    httpTimeouts: http.timeouts,
    httpTimeoutWarnings: http.warnings,
    console: consoleAt,
  }
}
