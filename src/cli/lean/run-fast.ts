// Running one fast-path command: check the input (usage errors come before any connection, as on
// the full path), connect, run the body, close, and map a failure to its code and one `dagnats: …`
// line on stderr (exitForError), exactly as the effect commands report it.
import type { NatsConnection } from "../../nats/core-api.js"
import type { SharedOnly } from "./argv.js"
import { connectPlain } from "../nats-client.js"
import { ExitCode, exitForError } from "../exit-codes.js"

export const runFast = <T>(
  shared: SharedOnly,
  prepare: () => T,
  body: (nc: NatsConnection, prepared: T) => Promise<void>,
): Promise<number> =>
  (async () => {
    const prepared = prepare()
    const nc = await connectPlain(shared.connection)
    // The connection is closed however the body ends, before the failure is reported.
    await body(nc, prepared).finally(() => nc.close())
    return ExitCode.ok
  })().catch((e: unknown) => {
    // The boundary (the fast path loads no effect) where any failure, prepare's usage errors thrown
    // synchronously included (the async function turns them into this rejection), becomes an exit
    // code and its stderr line.
    const { code, line } = exitForError(e)
    process.stderr.write(`${line}\n`)
    return code
  })
