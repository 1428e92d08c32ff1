/**
 * Cancel an outgoing message that has not been sent: during the undo window, before its scheduled
 * time, or while a retry is pending. One conditional transition `queued|retry_pending ->
 * cancelled`; if the sender claimed the message first, the cancel is refused with the current
 * status (it is being sent, or was). The planned schedule, if any, is deleted afterwards; if that
 * fails the schedule still fires, and its trigger finds the message cancelled and does nothing.
 *
 * Who may cancel: the author, or an admin or dispatcher of the mailbox.
 */
import type { UserWithRoles } from '../org/directory.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import { messageCancelledEvent } from './events.js';
import type { OutboxRecord, OutboxStore } from './outbox-store.js';
import type { RetryScheduler } from './retry-scheduler.js';

export interface CancelDeps {
  outbox: OutboxStore;
  scheduler: RetryScheduler;
  events: EventPublisher;
  clock: Clock;
}

export type CancelOutcome =
  | { kind: 'cancelled'; record: OutboxRecord }
  | { kind: 'not-found' }
  | { kind: 'forbidden' }
  /** Too late: claimed by the sender, sent, failed or cancelled already. */
  | { kind: 'too-late'; record: OutboxRecord };

/** Whether the caller may see an outbound message: any member of its mailbox. */
export function canSeeOutbound(caller: UserWithRoles, record: OutboxRecord): boolean {
  return Object.hasOwn(caller.roles, record.mailboxId);
}

/** Whether the caller may act on it (cancel, retry): its author, or an admin or dispatcher of the mailbox. */
export function canManageOutbound(caller: UserWithRoles, record: OutboxRecord): boolean {
  const role = Object.hasOwn(caller.roles, record.mailboxId) ? caller.roles[record.mailboxId] : undefined;
  return record.composedBy === caller.email || role === 'admin' || role === 'dispatcher';
}

export async function cancelMessage(caller: UserWithRoles, messageKey: string, deps: CancelDeps): Promise<CancelOutcome> {
  const record = await deps.outbox.get(messageKey);
  if (!record || !canSeeOutbound(caller, record)) return { kind: 'not-found' };
  if (!canManageOutbound(caller, record)) return { kind: 'forbidden' };
  const now = deps.clock.now();
  const result = await deps.outbox.transition(messageKey, {
    to: 'cancelled', from: ['queued', 'retry_pending'],
    set: { cancelledAt: now.toISOString(), cancelledBy: caller.email, nextAttemptAt: null, scheduleName: null },
  });
  if (!result.ok) return result.current ? { kind: 'too-late', record: result.current } : { kind: 'not-found' };
  if (record.scheduleName) {
    await deps.scheduler.cancel(record.scheduleName).catch((error: unknown) => {
      console.warn(JSON.stringify({ level: 'warn', msg: 'could not delete the schedule of a cancelled message', messageKey, error: String(error) }));
    });
  }
  await deps.events.publish([messageCancelledEvent(result.record, caller.email, now)]);
  return { kind: 'cancelled', record: result.record };
}
