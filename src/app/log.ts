// serve's log: one line per event on stderr. `text` is `time level message key=value…`, readable in
// a terminal and in journald; `json` is one object per line (`ts`, `level`, `msg`, then the log
// annotations such as trigger, run_id, subject, seq) for log shippers. Annotations come from
// `Effect.annotateLogs` where a component logs about a trigger, a run or an event.
import { Logger, References } from "effect"
import type { LogFormat } from "../config/settings.js"

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map(String).join(" ") : String(message)

export const lineLogger = Logger.make(({ date, logLevel, message, fiber }) => {
  const annotations = fiber.getRef(References.CurrentLogAnnotations)
  let extra = ""
  for (const key in annotations) extra += ` ${key}=${String(annotations[key])}`
  process.stderr.write(`${date.toISOString()} ${logLevel.toUpperCase().padEnd(5)} ${messageText(message)}${extra}\n`)
})

const jsonLogger = Logger.make(({ date, logLevel, message, fiber }) => {
  const line: Record<string, unknown> = {
    ts: date.toISOString(),
    level: logLevel.toLowerCase(),
    msg: messageText(message),
  }
  const annotations = fiber.getRef(References.CurrentLogAnnotations)
  // ts, level and msg come first and cannot be overwritten by an annotation of the same name.
  for (const key in annotations) if (!(key in line)) line[key] = annotations[key]
  process.stderr.write(`${JSON.stringify(line)}\n`)
})

export const loggerFor = (format: LogFormat) => (format === "json" ? jsonLogger : lineLogger)
