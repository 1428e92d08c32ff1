/**
 * Manual retry: a person asks again for a message that `failed` or was held because its connector
 * was disabled. One conditional transition `failed|connector_disabled -> retry_pending` (on the
 * attempt number seen, so two people retrying at once queue it once), then a trigger for the next
 * attempt with no delay. The retry policy then counts from there: a message that had used all its
 * attempts gets one more.
 *
 * Retrying a message that failed as `interrupted` may send it twice (the provider may have taken
 * the interrupted attempt); its last error says so, and the person decides.
 */
import type { UserWithRoles } from '../org/directory.js';
import type { Clock } from '../ports/index.js';
import { canManageOutbound, canSeeOutbound } from './cancel.js';
import type { OutboxRecord, OutboxStore } from './outbox-store.js';
import type { OutboxQueue } from './queue.js';

export interface RetryDeps {
  outbox: OutboxStore;
  queue: OutboxQueue;
  clock: Clock;
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
  });
  if (!result.ok) return result.current ? { kind: 'conflict', record: result.current } : { kind: 'not-found' };
  await deps.queue.enqueue({ messageKey, attempt: record.attempt }, 0);
  return { kind: 'queued', record: result.record };
}
