// `dagnats services`: every micro service instance on this NATS system, like `nats micro list`.
// Any program may answer $SRV.INFO: an answer that is not a service's info is left out with a
// warning, so one odd responder cannot hide the others.
import { Effect } from "effect"
import { Command } from "effect/cli"
import { Svcm } from "../../nats/services-api.js"
import { withNats } from "../shared.js"
import { natsRefusal } from "../client.js"
import { printJson, printLine, printTable, printWarning } from "../output.js"
import { ServiceInfo } from "../replies.js"
import { ShapeMismatch, fitShape, type Decoded } from "../reply-shape.js"
import { Unreachable } from "../exit.js"

/** Instances answer $SRV.INFO within milliseconds; wait this long for the last one. */
const DISCOVERY_WAIT_MS = 1_000

export const services = Command.make("services", {}, () =>
  withNats((nc, shared) =>
    Effect.gen(function* () {
      const infos = yield* Effect.tryPromise({
        try: async () => {
          const out: Array<Decoded<typeof ServiceInfo>> = []
          const iter = await new Svcm(nc).client({ maxWait: DISCOVERY_WAIT_MS, strategy: "timer" }).info()
          for await (const info of iter) {
            const fits = fitShape(ServiceInfo, info)
            if (!(fits instanceof ShapeMismatch)) out.push(fits)
            else printWarning(`left out an answer to $SRV.INFO that is not a service's info: ${fits.message}`)
          }
          return out
        },
        catch: (e) =>
          natsRefusal("service discovery failed", e) ??
          new Unreachable({ message: `service discovery failed: ${String(e)}` }),
      })
      infos.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      if (shared.json) return printJson({ services: infos })
      if (infos.length === 0) return printLine("no micro services answered; start one with `dagnats serve`")
      printTable(
        ["NAME", "VERSION", "ID", "ENDPOINTS", "DESCRIPTION"],
        infos.map((s) => [s.name, s.version, s.id, String(s.endpoints?.length ?? 0), s.description ?? ""]),
      )
    }),
  ),
).pipe(Command.withDescription("list every micro service instance (like `nats micro list`)"))
