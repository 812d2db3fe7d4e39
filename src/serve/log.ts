// serve's log: one line per event on stderr, `time level message`, so operators can grep it and
// systemd/journald keep it readable.
import { Logger } from "effect"

export const lineLogger = Logger.make(({ date, logLevel, message }) => {
  const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
  process.stderr.write(`${date.toISOString()} ${logLevel.toUpperCase().padEnd(5)} ${text}\n`)
})
