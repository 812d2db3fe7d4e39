// The pipeline bench's yardstick: the least a hand-written webhook → run pipeline can do, in one
// Node process as serve is. node:http → js.publish → 202; a pull consumer that, per event, issues a
// run record create (KV), a history publish and a fire-record publish together, then acks. No
// routing, signature check, filters, metrics, deliveries or tracing. Environment: NATS_URL, PORT,
// STREAM (holding SUBJECT and OUT_SUBJECTS), DURABLE, BUCKET.
import { createServer } from "node:http"
import { connect } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"

const env = process.env
const nc = await connect({ servers: env.NATS_URL })
const js = jetstream(nc, { timeout: 5_000 })
const kv = await new Kvm(js).open(env.BUCKET)
const decoder = new TextDecoder()
const encoder = new TextEncoder()

createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    js.publish(`${env.SUBJECT}`, Buffer.concat(chunks)).then(
      (ack) => res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ seq: ack.seq })),
      () => res.writeHead(503).end(),
    )
  })
}).listen(Number(env.PORT), "127.0.0.1", () => console.log("minimal pipeline listening"))

const consumer = await js.consumers.get(env.STREAM, env.DURABLE)
const messages = await consumer.consume({ max_messages: 256 })
void (async () => {
  for await (const m of messages) {
    const input = JSON.parse(decoder.decode(m.data))
    const run = encoder.encode(JSON.stringify({ run_id: `r${m.seq}`, input }))
    await Promise.all([
      kv.create(`run.r${m.seq}`, run),
      js.publish(`${env.SUBJECT}.history.r${m.seq}`, encoder.encode('{"type":"workflow.started"}')),
      js.publish(`${env.SUBJECT}.fire.r${m.seq}`, encoder.encode('{"outcome":"fired"}')),
    ])
    m.ack()
  }
})()

process.once("SIGTERM", () => nc.close().then(() => process.exit(0)))
