/**
 * The failed-sends list: outgoing messages that failed (refused, out of attempts, interrupted),
 * were held by a disabled connector, or bounced for some recipient, until someone acknowledges
 * them or retries them. Each is a sparse GSI4 entry (`OUTBOX#FAILED#<mailboxId>`) on the message
 * item, set by the transition that failed it (send.ts) or by the delivery update that reported the
 * bounce (delivery-tracker.ts), so the list is one Query per mailbox and costs nothing while all
 * goes well.
 *
 * Who sees an entry: the author (their own messages, in any mailbox they belong to), and the
 * admins and dispatchers of the mailbox (everything, system-generated mail included).
 */
import { ConditionFailedError, type Table } from '../adapters/dynamodb-table.js';
import { indexKeys, keys } from '../model/keys.js';
import type { UserWithRoles } from '../org/directory.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import { DELIVERY_FAILED_FLAG } from './delivery.js';
import { canManageOutbound, canSeeOutbound } from './cancel.js';
import { failureAcknowledgedEvent } from './events.js';
import type { OutboxRecord, OutboxStore } from './outbox-store.js';
import { readMerged, type ViewPage } from './views.js';

export interface FailedDeps {
  outbox: OutboxStore;
  events: EventPublisher;
  clock: Clock;
}

/**
 * Flags the message's conversation `delivery-failed` (the same flag a bounce sets), so the
 * conversation list shows that something it sent did not go out. Idempotent (a set ADD); a
 * message without a conversation (a notification) changes nothing.
 */
export async function flagConversationFailed(table: Table, record: OutboxRecord): Promise<void> {
  if (record.systemKind === 'mention' || record.systemKind === 'assignment') return;
  try {
    await table.update({
      Key: keys.conversation(record.conversationId),
      UpdateExpression: 'ADD flags :flag',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':flag': new Set([DELIVERY_FAILED_FLAG]) },
    });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}

/** Whether the caller should see this failed message: its author, or an admin or dispatcher of its mailbox. */
export function seesFailure(caller: UserWithRoles, record: OutboxRecord): boolean {
  return canSeeOutbound(caller, record) && canManageOutbound(caller, record);
}

/** The caller's failed-sends list, newest failure first: one Query per mailbox they belong to. */
export async function listFailed(caller: UserWithRoles, deps: Pick<FailedDeps, 'outbox'>, options: { limit: number; before: string | null; mailboxId: string | null }): Promise<ViewPage> {
  const mailboxes = Object.keys(caller.roles).filter((id) => options.mailboxId === null || id === options.mailboxId);
  if (mailboxes.length === 0) return { items: [], next: null };
  return readMerged(deps.outbox, mailboxes.map((id) => ({
    index: 'GSI4' as const, partition: indexKeys.outboxFailed(id), keep: (r: OutboxRecord) => seesFailure(caller, r),
  })), { limit: options.limit, before: options.before, statuses: null });
}

export type AcknowledgeOutcome =
  | { kind: 'acknowledged'; record: OutboxRecord }
  | { kind: 'not-found' }
  /** Not on the list (acknowledged already, retried, or never failed). */
  | { kind: 'not-listed'; record: OutboxRecord };

/** Takes a message off the list for everyone: its sparse entry is removed. */
export async function acknowledgeFailure(caller: UserWithRoles, messageKey: string, deps: FailedDeps): Promise<AcknowledgeOutcome> {
  const record = await deps.outbox.get(messageKey);
  if (!record || !seesFailure(caller, record)) return { kind: 'not-found' };
  const now = deps.clock.now();
  const result = await deps.outbox.acknowledgeFailure(messageKey, caller.email, now.toISOString());
  if (!result.ok) return result.current ? { kind: 'not-listed', record: result.current } : { kind: 'not-found' };
  await deps.events.publish([failureAcknowledgedEvent(result.record, caller.email, record.failedListedAt ?? now.toISOString(), now)]);
  return { kind: 'acknowledged', record: result.record };
}
