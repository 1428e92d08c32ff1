/**
 * Manual retry: a person asks again for a message that `failed` or was held because its connector
 * was disabled. One conditional transition `failed|connector_disabled -> retry_pending` (on the
 * attempt number seen, so two people retrying at once queue it once), then a trigger for the next
 * attempt with no delay. The retry policy then counts from there: a message that had used all its
 * attempts gets one more.
 *
 * The retry also takes the message off the failed-sends list (failed.ts): it is being dealt with.
 *
 * Retrying a message that failed as `interrupted` may send it twice (the provider may have taken
 * the interrupted attempt); its last error says so, and the person decides.
 */
import type { UserWithRoles } from '../org/directory.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import { canManageOutbound, canSeeOutbound } from './cancel.js';
import { messageRetryRequestedEvent } from './events.js';
import { FAILED_LIST_ATTRIBUTES, type OutboxRecord, type OutboxStore } from './outbox-store.js';
import type { OutboxQueue } from './queue.js';

export interface RetryDeps {
  outbox: OutboxStore;
  queue: OutboxQueue;
  clock: Clock;
  events: EventPublisher;
}

export type RetryOutcome =
  | { kind: 'queued'; record: OutboxRecord }
  | { kind: 'not-found' }
  | { kind: 'forbidden' }
  /** Not failed or held (queued, sending, sent, cancelled), or someone retried it first. */
  | { kind: 'conflict'; record: OutboxRecord };

export async function retryMessage(caller: UserWithRoles, messageKey: string, deps: RetryDeps): Promise<RetryOutcome> {
  const record = await deps.outbox.get(messageKey);
  if (!record || !canSeeOutbound(caller, record)) return { kind: 'not-found' };
  if (!canManageOutbound(caller, record)) return { kind: 'forbidden' };
  if (record.attempt >= record.maxAttempts) record.maxAttempts = record.attempt + 1;
  const result = await deps.outbox.transition(messageKey, {
    to: 'retry_pending', from: ['failed', 'connector_disabled'], attempt: record.attempt,
    set: { nextAttemptAt: deps.clock.now().toISOString(), maxAttempts: record.maxAttempts, retriedBy: caller.email },
    remove: [...FAILED_LIST_ATTRIBUTES],
  });
  if (!result.ok) return result.current ? { kind: 'conflict', record: result.current } : { kind: 'not-found' };
  await deps.queue.enqueue({ messageKey, attempt: record.attempt }, 0);
  await deps.events.publish([messageRetryRequestedEvent(result.record, caller.email, record.status === 'connector_disabled' ? 'connector_disabled' : 'failed', deps.clock.now())]);
  return { kind: 'queued', record: result.record };
}
