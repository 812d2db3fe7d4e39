// The bench baseline: the least an HTTP-to-JetStream bridge can do. Reads the body, awaits
// js.publish on $SUBJECT (default event.webhook.bench), answers 202. No routing, checks, headers or metrics.
import { createServer } from "node:http"
import { connect } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"

const nc = await connect({ servers: process.env.NATS_URL })
const js = jetstream(nc, { timeout: 5_000 })
const SUBJECT = process.env.SUBJECT ?? "event.webhook.bench"

createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    js.publish(SUBJECT, Buffer.concat(chunks)).then(
      (ack) => res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ seq: ack.seq })),
      () => res.writeHead(503).end(),
    )
  })
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("baseline listening"))

process.once("SIGTERM", () => nc.close().then(() => process.exit(0)))
