// serve's resolved settings as a service: every part of serve reads the settings it needs from
// here instead of being handed them; serve provides it once, from the flags and the environment.
import { Context, Layer } from "effect"
import type { ServeSettings } from "./serve-settings.js"

export class ServeConfig extends Context.Service<ServeConfig, ServeSettings>()("dagnats/config/ServeConfig") {}

export const layer = (settings: ServeSettings) => Layer.succeed(ServeConfig, settings)
