// The part of nats.js's micro services client the rest of dagnats may name (see core-api.ts).
export { ServiceErrorCodeHeader, ServiceErrorHeader, Svcm } from "@nats-io/services"
export type { Service, ServiceMsg } from "@nats-io/services"
