// Freezing a child process (SIGSTOP) for tests that need a peer that is connected but silent.
// kill() returns once the signal is queued, not once the process has stopped: each thread stops
// only when it next enters the kernel, and on a loaded machine a nats-server answered a publish
// 7–21 ms after its SIGSTOP was sent. So freezing waits until every thread reports itself stopped.
import { readdirSync, readFileSync } from "node:fs"
import { eventually } from "./poll.js"

/** The state letter of each thread of `pid` (`T` stopped, `t` traced, `R`, `S`, … otherwise). */
const threadStates = (pid: number): Array<string> =>
  readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      // `pid (comm) S …`: the command may hold spaces and parentheses, the state follows the last `)`.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")
      return [stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)]
    } catch {
      return [] // the thread ended meanwhile
    }
  })

/** SIGSTOP `pid` and resolve once all of its threads are stopped. */
export const freeze = async (pid: number): Promise<void> => {
  process.kill(pid, "SIGSTOP")
  await eventually(
    () => {
      const states = threadStates(pid)
      if (!states.every((s) => s === "T" || s === "t")) throw new Error(`pid ${pid} threads: ${states.join("")}`)
    },
    10_000,
    5,
  )
}

/** SIGCONT `pid`. */
export const thaw = (pid: number): void => {
  process.kill(pid, "SIGCONT")
}
