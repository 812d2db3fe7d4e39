// The micro endpoints serve answers, as a service: serve gathers them from its parts (triggers, runs,
// dead letters, replay) and the micro service registers whatever this holds.
import { Context } from "effect"
import type { Endpoint } from "./endpoint.js"

export class MicroEndpoints extends Context.Service<MicroEndpoints, ReadonlyArray<Endpoint>>()(
  "dagnats/micro/MicroEndpoints",
) {}
