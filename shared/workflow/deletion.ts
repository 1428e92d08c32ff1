/**
 * Permanent deletion of a trashed conversation: admin-only and irreversible.
 *
 * Primary course (API, `DELETE /api/conversations/{id}`):
 * 1. The caller must be an admin of the conversation's mailbox; the conversation must be in the
 *    trash (and at the version the caller saw, when given).
 * 2. One conditional UpdateItem marks it deleted (`deletedAt`) and removes every index key: from
 *    then on no list shows it and every read answers 404.
 * 3. A tombstone (`SK=DELETED`: who, when, which mailbox and messages) and a `Conversation
 *    Deleted` event tell integrators; both are keyed by the conversation, so a retry repeats them.
 *
 * Secondary course (timers function, consuming `Conversation Deleted`), the purge:
 * 4. For each message: remove this conversation's placement. A message still placed elsewhere
 *    (the same mail delivered to several mailboxes) is kept; otherwise its raw mail, its S3 body,
 *    its attachments (received mail only: a forward's attachments belong to the forwarded
 *    message) and its item are deleted.
 * 5. Every item of the conversation's partition but the tombstone (conversation, history, notes,
 *    markers, presence) is deleted.
 * Each step finds less to do when repeated, so the event can be delivered any number of times.
 */
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { buildEvent, type EventData } from '../events/contracts.js';
import { keys } from '../model/keys.js';
import type { UserWithRoles } from '../org/directory.js';
import type { BlobStore, Clock, EventPublisher } from '../ports/index.js';
import { workflowConversationFromItem, type WorkflowConversation } from './conversation-repository.js';
import { actorFor } from './conversation-workflow.js';

export type DeletionOutcome =
  | { kind: 'deleted'; tombstone: Tombstone }
  | { kind: 'not-visible' }
  | { kind: 'forbidden' }
  | { kind: 'not-trashed'; conversation: WorkflowConversation }
  | { kind: 'conflict'; conversation: WorkflowConversation };

export interface Tombstone {
  conversationId: string;
  mailboxId: string;
  orgId: string;
  deletedBy: string;
  deletedAt: string;
  messageKeys: string[];
}

const INDEX_KEYS = ['GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK', 'GSI4PK', 'GSI4SK'];

function messageKeysOf(refs: string[]): string[] {
  return refs.map((ref) => ref.slice(ref.indexOf('#') + 1));
}

export function deletedEvent(t: Tombstone) {
  const data: EventData<'conversationDeleted'> = {
    conversationId: t.conversationId, mailboxId: t.mailboxId, orgId: t.orgId, actor: t.deletedBy, deletedAt: t.deletedAt, messageKeys: t.messageKeys,
  };
  return buildEvent('conversationDeleted', `conversation:${t.conversationId}:deleted`, data, new Date(t.deletedAt));
}

export class ConversationDeletion {
  constructor(private readonly deps: { table: Table; events: EventPublisher; clock: Clock }) {}

  async request(caller: UserWithRoles, conversationId: string, expectedVersion?: number): Promise<DeletionOutcome> {
    const [item, tomb] = await Promise.all([
      this.deps.table.get(keys.conversation(conversationId), true),
      this.deps.table.get(keys.deletedConversation(conversationId), true),
    ]);
    // Already deleted (a retry): the same answer, the tombstone and the event repeated.
    const earlier = tomb ? tombstoneFromItem(tomb) : item?.deletedAt !== undefined && item ? tombstoneOf(workflowConversationFromItem(item), String(item.deletedBy), String(item.deletedAt)) : null;
    if (earlier) {
      if (!Object.hasOwn(caller.roles, earlier.mailboxId) || caller.roles[earlier.mailboxId] !== 'admin') return { kind: 'not-visible' };
      return { kind: 'deleted', tombstone: await this.announce(earlier) };
    }
    if (!item) return { kind: 'not-visible' };
    const conversation = workflowConversationFromItem(item);
    const actor = actorFor(caller, conversation);
    if (!actor) return { kind: 'not-visible' };
    if (actor.role !== 'admin') return { kind: 'forbidden' };
    if (!conversation.trashed) return { kind: 'not-trashed', conversation };
    if (expectedVersion !== undefined && expectedVersion !== conversation.version) return { kind: 'conflict', conversation };
    const at = this.deps.clock.now().toISOString();
    try {
      await this.deps.table.update({
        Key: keys.conversation(conversationId),
        UpdateExpression: `SET deletedAt = :at, deletedBy = :by REMOVE ${INDEX_KEYS.join(', ')}`,
        ConditionExpression: 'version = :seen AND trashed = :true AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':at': at, ':by': caller.email, ':seen': conversation.version, ':true': true },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = error.item ?? await this.deps.table.get(keys.conversation(conversationId), true);
      if (!current || current.deletedAt !== undefined) return this.request(caller, conversationId);
      return { kind: 'conflict', conversation: workflowConversationFromItem(current) };
    }
    await this.deps.table.delete(keys.overdue(conversationId));
    return { kind: 'deleted', tombstone: await this.announce(tombstoneOf(conversation, caller.email, at)) };
  }

  private async announce(tombstone: Tombstone): Promise<Tombstone> {
    await this.deps.table.put({ ...keys.deletedConversation(tombstone.conversationId), type: 'deletedConversation', ...tombstone });
    await this.deps.events.publish([deletedEvent(tombstone)]);
    return tombstone;
  }
}

function tombstoneOf(c: WorkflowConversation, deletedBy: string, deletedAt: string): Tombstone {
  return { conversationId: c.conversationId, mailboxId: c.mailboxId, orgId: c.orgId, deletedBy, deletedAt, messageKeys: messageKeysOf(c.messageRefs) };
}

function tombstoneFromItem(item: Item): Tombstone {
  return {
    conversationId: String(item.conversationId), mailboxId: String(item.mailboxId), orgId: String(item.orgId),
    deletedBy: String(item.deletedBy), deletedAt: String(item.deletedAt), messageKeys: (item.messageKeys ?? []) as string[],
  };
}

/** Deletes objects; `eraseAllVersions`, when the store keeps versions, removes them all (S3BlobStore). */
export interface BlobEraser extends Pick<BlobStore, 'delete'> {
  eraseAllVersions?(key: string): Promise<void>;
}

/** What the purge did, for logs and tests. */
export interface PurgeReport {
  erased: string[];
  kept: string[];
  blobsDeleted: number;
  itemsDeleted: number;
}

/** Steps 4 and 5 (see the module comment); idempotent. */
export async function purgeConversation(
  deps: { table: Table; blobs: BlobEraser },
  deleted: { conversationId: string; messageKeys: string[] },
): Promise<PurgeReport> {
  const report: PurgeReport = { erased: [], kept: [], blobsDeleted: 0, itemsDeleted: 0 };
  for (const messageKey of deleted.messageKeys) {
    for (let attempt = 0; ; attempt += 1) {
      const item = await deps.table.get(keys.message(messageKey), true);
      if (!item) break;
      const placements = (item.placements ?? []) as { conversationId: string }[];
      const others = placements.filter((p) => p.conversationId !== deleted.conversationId);
      try {
        if (others.length > 0) {
          if (others.length !== placements.length) {
            await deps.table.update({
              Key: keys.message(messageKey), UpdateExpression: 'SET placements = :others',
              ConditionExpression: 'size(placements) = :seen', ExpressionAttributeValues: { ':others': others, ':seen': placements.length },
            });
          }
          report.kept.push(messageKey);
          break;
        }
        // S3 first: a failure leaves the item, so the retry still knows the keys to delete.
        const blobKeys = [String(item.rawKey ?? ''), typeof item.bodyKey === 'string' ? item.bodyKey : '',
          ...(item.direction === 'outbound' ? [] : ((item.attachments ?? []) as { storageKey?: string }[]).map((a) => a.storageKey ?? ''))]
          .filter((k) => k !== '');
        await Promise.all(blobKeys.map((k) => (deps.blobs.eraseAllVersions ? deps.blobs.eraseAllVersions(k) : deps.blobs.delete(k))));
        report.blobsDeleted += blobKeys.length;
        await deps.table.update({
          Key: keys.message(messageKey), UpdateExpression: 'REMOVE placements',
          ConditionExpression: 'size(placements) = :seen', ExpressionAttributeValues: { ':seen': placements.length },
        }).then(() => deps.table.delete(keys.message(messageKey)));
        report.erased.push(messageKey);
        break;
      } catch (error) {
        // Placed in another mailbox meanwhile: decide again on the fresh placements.
        if (!(error instanceof ConditionFailedError) || attempt >= 3) throw error;
      }
    }
  }
  const pk = keys.conversation(deleted.conversationId).PK;
  let start: Item | undefined;
  do {
    const out = await deps.table.query({
      KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'PK, SK', ...(start ? { ExclusiveStartKey: start } : {}),
    });
    const doomed = out.items.filter((i) => i.SK !== keys.deletedConversation(deleted.conversationId).SK).map((i) => ({ PK: String(i.PK), SK: String(i.SK) }));
    if (doomed.length > 0) await deps.table.batchPut([], doomed);
    report.itemsDeleted += doomed.length;
    start = out.lastKey;
  } while (start);
  return report;
}
