// The one place the process environment is read. Everything else receives an `Env` or the settings
// resolved from it, so every rule stays a pure function of its inputs. Effect-free: the CLI's lean
// start loads it.
/** Environment variables by name, as the settings functions take them. */
export type Env = Readonly<Record<string, string | undefined>>

/** The environment of this process, as the settings functions take it. */
export const processEnv = (): Env => process.env

/** `DAGNATS_LOG_LEVEL` asks for debug lines (debug or trace). */
export const debugLevel = (env: Env): boolean => /^(debug|trace)$/i.test(env["DAGNATS_LOG_LEVEL"] ?? "")

/** NO_COLOR set to anything turns colour off (no-color.org). */
export const noColour = (env: Env): boolean => (env["NO_COLOR"] ?? "") !== ""

/** `dagnats webhook send`'s defaults for --url and --secret. */
export const webhookClientDefaults = (
  env: Env,
): { readonly url: string | undefined; readonly secret: string | undefined } => ({
  url: env["DAGNATS_URL"] || undefined,
  secret: env["DAGNATS_WEBHOOK_SECRET"] || undefined,
})
