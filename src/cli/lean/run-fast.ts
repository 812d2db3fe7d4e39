// Running one fast-path command: check the input (usage errors come before any connection, as on
// the full path), connect, run the body, close, and map a failure to its code and one `dagnats: …`
// line on stderr (exitForError), exactly as the effect commands report it.
import type { NatsConnection } from "../../nats/core-api.js"
import type { SharedOnly } from "./argv.js"
import { connectPlain } from "../nats-client.js"
import { ExitCode, exitForError } from "../exit-codes.js"

export const runFast = async <T>(
  shared: SharedOnly,
  prepare: () => T,
  body: (nc: NatsConnection, prepared: T) => Promise<void>,
): Promise<number> => {
  // try, not effect: the fast path loads no effect. This one is the boundary where any failure
  // (prepare throws usage errors synchronously) becomes an exit code and its stderr line.
  try {
    const prepared = prepare()
    const nc = await connectPlain(shared.connection)
    // The connection is closed however the body ends, before the failure is reported.
    try {
      await body(nc, prepared)
    } finally {
      await nc.close()
    }
    return ExitCode.ok
  } catch (e) {
    const { code, line } = exitForError(e)
    process.stderr.write(`${line}\n`)
    return code
  }
}
