/**
 * Bulk retry and bulk cancel: the same use cases as the single routes (cancel.ts, retry.ts), one
 * message at a time, each with its own conditional transition, so every item succeeds or fails on
 * its own and a client can show progress and a result per message. A cancel that loses to the
 * sender's claim (or a retry that loses to another person's) reports 409 with the status it found;
 * a message the caller cannot see reports 404, exactly as the single routes would.
 *
 * Items run a few at a time: enough to keep a page of 100 well under the API's timeout, few enough
 * not to burst DynamoDB or the queue.
 */
import type { UserWithRoles } from '../org/directory.js';
import { cancelMessage, type CancelDeps } from './cancel.js';
import type { OutboxRecord } from './outbox-store.js';
import { retryMessage, type RetryDeps } from './retry.js';
import { MAX_BULK_ITEMS_LIMIT } from './limits.js';

export const MAX_BULK_ITEMS = MAX_BULK_ITEMS_LIMIT;
const CONCURRENCY = 8;

export type BulkAction = 'retry' | 'cancel';

export type BulkItemResult =
  | { messageKey: string; status: 200; record: OutboxRecord }
  | { messageKey: string; status: 403 | 404; error: string }
  | { messageKey: string; status: 409; error: string; record: OutboxRecord };

export type BulkDeps = CancelDeps & RetryDeps;

async function one(caller: UserWithRoles, action: BulkAction, messageKey: string, deps: BulkDeps): Promise<BulkItemResult> {
  if (action === 'cancel') {
    const outcome = await cancelMessage(caller, messageKey, deps);
    switch (outcome.kind) {
      case 'cancelled': return { messageKey, status: 200, record: outcome.record };
      case 'not-found': return { messageKey, status: 404, error: 'No such outgoing message, or you cannot see it.' };
      case 'forbidden': return { messageKey, status: 403, error: 'Only its author, or an admin or dispatcher of the mailbox, may cancel it.' };
      case 'too-late': return { messageKey, status: 409, error: `Too late to cancel: it is ${outcome.record.status.replace('_', ' ')}.`, record: outcome.record };
    }
  }
  const outcome = await retryMessage(caller, messageKey, deps);
  switch (outcome.kind) {
    case 'queued': return { messageKey, status: 200, record: outcome.record };
    case 'not-found': return { messageKey, status: 404, error: 'No such outgoing message, or you cannot see it.' };
    case 'forbidden': return { messageKey, status: 403, error: 'Only its author, or an admin or dispatcher of the mailbox, may retry it.' };
    case 'conflict': return { messageKey, status: 409, error: `Only a failed or held message can be retried; it is ${outcome.record.status.replace('_', ' ')}.`, record: outcome.record };
  }
}

/**
 * Applies the action to each message (duplicates once), in the order given. An infrastructure
 * error on one item is thrown after the others have run, so what succeeded stays reported by
 * the state of the messages themselves and a repeated request is harmless (the transitions are
 * conditional: a second cancel answers 409 `cancelled`).
 */
export async function bulkOutboxAction(caller: UserWithRoles, action: BulkAction, messageKeys: string[], deps: BulkDeps): Promise<BulkItemResult[]> {
  const unique = [...new Set(messageKeys)].slice(0, MAX_BULK_ITEMS);
  const results: BulkItemResult[] = new Array(unique.length);
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    for (let i = next++; i < unique.length; i = next++) {
      try {
        results[i] = await one(caller, action, unique[i]!, deps);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, unique.length) }, worker));
  if (failure !== null) throw failure;
  return results;
}
