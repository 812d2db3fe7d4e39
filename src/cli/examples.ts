// Worked examples shown under EXAMPLES in `--help`: the commands a new user reaches for first.
import type { Command } from "effect/cli"

type Examples = ReadonlyArray<Command.Command.Example>

const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

export const rootExamples: Examples = [
  { command: "dagnats serve", description: "start everything, with an embedded NATS server" },
  {
    command: "dagnats trigger create deploy --workflow deploy-wf --webhook --secret s3cret",
    description: "a signed webhook",
  },
  {
    command: `dagnats webhook send deploy --secret s3cret --data '{"ref":"main"}'`,
    description: "try it as a provider would",
  },
  { command: "dagnats run list --limit 5", description: "the newest runs" },
  { command: "dagnats help trigger create", description: "every flag of a command" },
]

export const triggerExamples: Examples = [
  {
    command:
      "dagnats trigger create gh --workflow ci --webhook --scheme github --secret-file gh.secret " +
      "--filter-header X-GitHub-Event=push",
    description: "GitHub pushes only (a ping starts no run)",
  },
  { command: "dagnats trigger create orders --workflow fulfil --subject 'event.orders.>' --debounce 5s" },
  { command: "dagnats trigger list --json" },
  { command: `dagnats trigger test orders --payload '{"id":7}'`, description: "would it fire?" },
  {
    command: "dagnats trigger test gh --payload @push.json --header X-GitHub-Event=push",
    description: "a payload from a file (--payload - reads stdin)",
  },
]

export const createExamples: Examples = [
  { command: "dagnats trigger create deploy --workflow deploy-wf --webhook --secret s3cret" },
  { command: `dagnats trigger create svix --workflow billing --webhook --scheme standard --secret ${STANDARD_SECRET}` },
  { command: "dagnats trigger create batch --workflow bulk --subject event.orders --batch-size 10 --batch-timeout 5s" },
  {
    command: "dagnats trigger create new-orders --workflow fulfil --stream ORDERS --subject 'orders.*.created'",
    description: "on a stream of yours instead of EVENTS",
  },
  {
    command: "dagnats trigger create flags --workflow reconfigure --kv config --key 'flags.>' --ops put,delete",
    description: "on the changes of a KV bucket of yours",
  },
]

export const publishExamples: Examples = [
  { command: `dagnats event publish event.orders.created '{"id":7}'` },
  { command: "dagnats event publish event.orders.created @order.json", description: "or --file order.json" },
  { command: "curl -s https://example.com/order.json | dagnats event publish event.orders.created --file -" },
]

export const sendExamples: Examples = [
  {
    command: `dagnats webhook send deploy --secret s3cret --data '{"ref":"main"}'`,
    description: "signed with the trigger's own scheme",
  },
  { command: 'dagnats webhook send gh --secret "$GH_SECRET" --header X-GitHub-Event=push --data @push.json' },
]

export const runStartExamples: Examples = [
  { command: `dagnats run start deploy-wf --input '{"ref":"main"}'` },
  { command: "dagnats run start deploy-wf --input @input.json", description: "the input from a file" },
  { command: `jq -n '{ref: "main"}' | dagnats run start deploy-wf --input -`, description: "the input from stdin" },
]

export const runListExamples: Examples = [
  { command: "dagnats run list --workflow deploy-wf --limit 50" },
  { command: "dagnats run list --json | jq -r '.runs[0].run_id'" },
]

export const serveExamples: Examples = [
  { command: "dagnats serve", description: "embedded nats-server, data in $XDG_DATA_HOME/dagnats" },
  { command: "dagnats serve --nats-url nats://nats-1:4222,nats://nats-2:4222 --http-addr 0.0.0.0:8080" },
  { command: "dagnats serve --log-level debug", description: "also log each refused webhook's reason" },
  {
    command: "dagnats serve --nats-url nats://nats:4222 --role evaluate --http-addr 127.0.0.1:9090",
    description: "evaluate only, beside serves with --role ingest taking the webhooks",
  },
]
