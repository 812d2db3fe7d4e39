// What `run get --wait` shows while it waits: on a terminal, one line on stderr rewritten in place
// with the run's state and the time waited so far, cleared when the wait ends; when stderr is a pipe
// or a file, nothing at all, so scripts and logs see exactly what they saw before.
import { safeText } from "./terminal-text.js"

/** Back to the start of the line and erase it (a shorter line must not leave the end of a longer one). */
const CLEAR_LINE = "\r\u001b[2K"

/** Whole seconds waited, as 7s, 1m05s or 1h02m05s. */
export const formatElapsed = (ms: number): string => {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, "0")
  return h > 0 ? `${h}h${two(m)}m${two(s)}s` : m > 0 ? `${m}m${two(s)}s` : `${s}s`
}

/** The progress line itself: `waiting for run ID: running, 1m05s`. */
export const progressLine = (id: string, status: string, elapsedMs: number): string =>
  `waiting for run ${safeText(id)}: ${safeText(status)}, ${formatElapsed(elapsedMs)}`

export interface WaitProgress {
  /** Show the run's current status and the time since the wait began. */
  readonly show: (status: string) => void
  /** Remove the line, before the result or the error is printed. */
  readonly clear: () => void
}

export const waitProgress = (
  id: string,
  stream: Pick<NodeJS.WriteStream, "isTTY" | "write"> = process.stderr,
  now: () => number = Date.now,
): WaitProgress => {
  if (stream.isTTY !== true) return { show: () => undefined, clear: () => undefined }
  const started = now()
  let shown = false
  return {
    show: (status) => {
      shown = true
      stream.write(CLEAR_LINE + progressLine(id, status, now() - started))
    },
    clear: () => {
      if (shown) stream.write(CLEAR_LINE)
      shown = false
    },
  }
}
