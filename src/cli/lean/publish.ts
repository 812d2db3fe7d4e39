// `dagnats event publish` as plain promises: check the subject and payload, publish to EVENTS with
// JetStream's acknowledgement, print `{"stream","seq","duplicate"}` or one line. Both the effect
// command and the start-up fast path run this, so a script publishing in a loop starts quickly.
import { headers as natsHeaders, type NatsConnection } from "../../nats/core-api.js"
import { jetstream } from "../../nats/jetstream-api.js"
import { Streams } from "../../protocol/names.js"
import { isValidSubjectLiteral, isWithinEvents } from "../../domain/subjects.js"
import { ExitError } from "../exit-codes.js"
import { natsRefusal } from "../nats-client.js"
import { parseJsonText, payloadText } from "../payload.js"
import { printJson, printLine } from "../output.js"

interface PublishInput {
  readonly subject: string
  readonly json: string | undefined
  readonly file: string | undefined
  readonly id: string | undefined
}

const PAYLOAD_NAMES = { argName: "the JSON argument", fileFlag: "--file", fallback: "{}" } as const

/** The payload to publish; an ExitError (usage) for a bad subject, source or JSON. Nothing is sent. */
export const publishPayload = (input: PublishInput): string => {
  const { subject } = input
  if (!isValidSubjectLiteral(subject) || !isWithinEvents(subject)) {
    const message = `subject: must be a subject without wildcards inside event.> (got "${subject}")`
    throw new ExitError("usage", message)
  }
  const payload = payloadText(input.json, input.file, PAYLOAD_NAMES)
  if (!payload.ok) throw new ExitError("usage", payload.message)
  // The depth is checked before parsing (parseJsonText): the service and the evaluator refuse deeper
  // JSON, and parsing or serializing JSON nested thousands deep can overflow the stack.
  const json = parseJsonText(payload.text, payload.from)
  if (!json.ok) throw new ExitError("usage", json.message)
  return payload.text
}

export const publishEvent = async (
  nc: NatsConnection,
  input: PublishInput,
  text: string,
  json: boolean,
): Promise<void> => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  const ack = await jetstream(nc)
    .publish(input.subject, text, {
      headers: h,
      ...(input.id !== undefined ? { msgID: input.id } : {}),
      timeout: 5_000,
    })
    .catch((e: unknown) => {
      const why = e instanceof Error ? e.message : String(e)
      const hint = "is the EVENTS stream there? start `dagnats serve`"
      const refused = natsRefusal(`publish to ${input.subject} failed`, e)
      if (refused !== undefined) throw refused
      throw new ExitError("unreachable", `publish to ${input.subject} failed: ${why} (${hint})`)
    })
  if (json) return printJson({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate })
  const duplicate = ack.duplicate ? " (duplicate, not stored again)" : ""
  printLine(`published to ${input.subject}: ${Streams.events} #${ack.seq}${duplicate}`)
}
