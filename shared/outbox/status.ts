/**
 * The outbox state machine. An outbound message's send state lives on its own message item
 * (`PK=MSG#<messageKey>`), so the conversation shows exactly what the outbox knows, and every
 * transition is one conditional UpdateItem on `sendStatus` (and, for the sender, `sendAttempt`).
 *
 * ```
 * queued ─────────┬─> sending ──> sent
 *   │  ▲          │      │
 *   │  │(manual)  │      ├──> retry_pending ──> sending (next attempt)
 *   │  │          │      └──> failed
 *   ├──┴─> cancelled  (from queued or retry_pending only)
 *   └────> connector_disabled  (from queued or retry_pending, when the mailbox's connector is off)
 * ```
 *
 * Why this guarantees "never twice": only a claim (`queued|retry_pending -> sending` for the
 * attempt a trigger was issued for) lets the sender call the provider, and DynamoDB applies
 * conditional writes on one item one at a time, so of a cancel and a claim, or of two deliveries
 * of the same trigger, exactly one wins.
 */
import type { OutboxStatus } from '../model/types.js';

export type { OutboxStatus } from '../model/types.js';

export const OUTBOX_STATUSES: readonly OutboxStatus[] = [
  'queued', 'sending', 'retry_pending', 'failed', 'connector_disabled', 'sent', 'cancelled',
];

/** Allowed transitions: `from -> to[]`. Everything else is refused before any write is attempted. */
export const TRANSITIONS: Readonly<Record<OutboxStatus, readonly OutboxStatus[]>> = {
  queued: ['sending', 'cancelled', 'connector_disabled'],
  retry_pending: ['sending', 'cancelled', 'connector_disabled'],
  sending: ['sent', 'retry_pending', 'failed'],
  // A person may ask again after a failure or once the connector is enabled (manual retry).
  failed: ['retry_pending'],
  connector_disabled: ['retry_pending'],
  sent: [],
  cancelled: [],
};

/** Statuses from which the sender may claim a message and the user may still cancel it. */
export const PENDING_STATUSES: readonly OutboxStatus[] = ['queued', 'retry_pending'];

/** Statuses that no trigger can change any more. */
export const FINAL_STATUSES: readonly OutboxStatus[] = ['sent', 'cancelled'];

export function canTransition(from: OutboxStatus, to: OutboxStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Every status that may move to `to`: the `IN (...)` list of the transition's condition. */
export function sourcesOf(to: OutboxStatus): OutboxStatus[] {
  return OUTBOX_STATUSES.filter((from) => canTransition(from, to));
}

export function isOutboxStatus(value: unknown): value is OutboxStatus {
  return typeof value === 'string' && (OUTBOX_STATUSES as readonly string[]).includes(value);
}
