// The console's address and token: `--console-addr` / DAGNATS_CONSOLE_ADDR (default 127.0.0.1:8081;
// given empty, no console) and DAGNATS_CONSOLE_TOKEN. A console reachable from other machines shows
// and changes triggers, so an address that is not loopback needs the token; without one serve
// refuses to start. Pure, like settings.ts.
import { parseHostPort } from "./settings.js"
import type { Env } from "./environment.js"

export const DEFAULT_CONSOLE_ADDR = "127.0.0.1:8081"
/** Shorter tokens are guessable over a network; 16 characters is the least worth accepting. */
const MIN_TOKEN_LENGTH = 16

export interface ConsoleSettings {
  readonly host: string
  readonly port: number
  /** Required of every request when set; always set on an address that is not loopback. */
  readonly token: string | undefined
}

/** 127.0.0.0/8, ::1 and localhost reach only this machine. */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

/**
 * The console's settings, undefined when it is disabled, or the message naming what is wrong. An
 * empty flag or variable disables it (unlike the other settings, where empty means "not given").
 */
export const consoleSettings = (flag: string | undefined, env: Env): ConsoleSettings | undefined | string => {
  const fromEnv = env["DAGNATS_CONSOLE_ADDR"]
  const given = flag ?? fromEnv ?? DEFAULT_CONSOLE_ADDR
  const name = flag !== undefined ? "--console-addr" : "DAGNATS_CONSOLE_ADDR"
  if (given === "") return undefined
  const hostPort = parseHostPort(given)
  if (hostPort === undefined)
    return (
      `${name}: must be host:port, such as ${DEFAULT_CONSOLE_ADDR}, ` +
      `or empty for no console (got "${given.slice(0, 80)}")`
    )
  const token = env["DAGNATS_CONSOLE_TOKEN"] === "" ? undefined : env["DAGNATS_CONSOLE_TOKEN"]
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    return `DAGNATS_CONSOLE_TOKEN: must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length})`
  if (token === undefined && !isLoopback(hostPort.host))
    return (
      `${name}: ${given} is reachable from other machines; set DAGNATS_CONSOLE_TOKEN ` +
      `(at least ${MIN_TOKEN_LENGTH} characters) to require it, ` +
      `or use a loopback address such as ${DEFAULT_CONSOLE_ADDR}`
    )
  return { host: hostPort.host, port: hostPort.port, token }
}
