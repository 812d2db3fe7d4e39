// Deterministic run ids: 32 lowercase hex characters derived from the trigger name and the
// event's identity, so a redelivered or re-sent event can never start a second run.
import { hash, randomBytes } from "node:crypto"

/** What makes an evaluation unique; the same identity always yields the same run id. */
type EventIdentity =
  | { readonly kind: "delivery"; readonly deliveryId: string }
  /**
   * A stream sequence is reused when the stream is deleted and recreated, so it names an event only
   * together with the stream's epoch (its creation time).
   */
  | { readonly kind: "sequence"; readonly seq: number; readonly epoch?: string | undefined }
  | { readonly kind: "window"; readonly windowId: string }
  | { readonly kind: "manual"; readonly requestId: string }

const identityText = (i: EventIdentity): string => {
  switch (i.kind) {
    case "delivery":
      return `delivery:${i.deliveryId}`
    case "sequence":
      return i.epoch === undefined ? `seq:${i.seq}` : `seq:${i.epoch}:${i.seq}`
    case "window":
      return `window:${i.windowId}`
    case "manual":
      return `manual:${i.requestId}`
  }
}

/**
 * The identity of a stored event, the one every evaluation of it must use (the live evaluator, its
 * retries, a replay of the event or of its dead letter): the sender's delivery id when it had one,
 * else its sequence within the stream's epoch. Two derivations would give one event two run ids.
 */
export const storedEventIdentity = (e: {
  readonly deliveryId: string | undefined
  readonly seq: number
  readonly epoch?: string | undefined
}): EventIdentity =>
  e.deliveryId !== undefined
    ? { kind: "delivery", deliveryId: e.deliveryId }
    : { kind: "sequence", seq: e.seq, epoch: e.epoch }

export const runIdFor = (triggerName: string, identity: EventIdentity): string =>
  // The one-shot hash: no Hash object per event.
  hash("sha256", `${triggerName}\n${identityText(identity)}`, "hex").slice(0, 32)

/** A fresh identity for runs nobody will retry by delivery id (manual starts without a key). */
export const freshRequestId = (): string => randomBytes(16).toString("hex")

export const isRunId = (s: string): boolean => /^[0-9a-f]{32}$/.test(s)

/**
 * The run id of one scheduled instant: the same trigger and instant always give the same id, on any
 * serve and after any restart, so an instant can never start two runs. Distinct from every event
 * identity above by its own prefix.
 */
export const scheduleRunId = (triggerName: string, instantMs: number): string =>
  hash("sha256", `${triggerName}\nschedule:${instantMs}`, "hex").slice(0, 32)
