// Proves a trigger on a stream dagnats's NATS user may not read is refused at create (SPEC §12),
// naming the permission that is missing and where to grant it; nothing is stored.
import { expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import { jetstreamManager } from "@nats-io/jetstream"
import { perTestResources } from "../support/per-test.js"
import { startNatsServer } from "../support/nats-server.js"
import { startServe } from "../support/serve.js"
import { runCli, runJson } from "../support/cli.js"

const { track } = perTestResources()

/** serve's user may use JetStream but not see the stream SECRET; admin may do anything. */
const CONF = `authorization {
  users = [
    { user: admin, password: admin-pw }
    {
      user: dagnats
      password: serve-pw
      permissions: {
        publish: { allow: [">"], deny: ["$JS.API.STREAM.INFO.SECRET", "$JS.API.CONSUMER.*.SECRET.>"] }
        subscribe: { allow: [">"] }
      }
    }
  ]
}`

test("sources permissions - create on a stream dagnats's user may not read is refused naming the permission and nats.conf", async () => {
  const nats = track(await startNatsServer(CONF), (n) => n.dispose())
  track(await startServe({ natsUrl: nats.url, args: ["--user", "dagnats", "--password", "serve-pw"] }), (s) => s.stop())
  const nc = track(await connect({ servers: nats.url, user: "admin", pass: "admin-pw" }), (c) => c.close())
  await (await jetstreamManager(nc)).streams.add({ name: "SECRET", subjects: ["secret.>"] })
  const auth = ["--nats-url", nats.url, "--user", "admin", "--password", "admin-pw"]
  const r = await runCli([
    "trigger",
    "create",
    "t",
    "--workflow",
    "w",
    "--stream",
    "SECRET",
    "--subject",
    "secret.>",
    ...auth,
  ])
  expect([r.code, r.stderr.trim()]).toStrictEqual([
    1,
    "dagnats: --stream / --kv: dagnats's NATS user may not read stream SECRET " +
      '(Permissions Violation for Publish to "$JS.API.STREAM.INFO.SECRET"); allow it to publish to ' +
      "$JS.API.STREAM.INFO.SECRET, $JS.API.CONSUMER.> and $JS.ACK.SECRET.> (see nats.conf)",
  ])
  expect((await runJson(["trigger", "list", ...auth])).triggers).toStrictEqual([])
}, 60_000)
