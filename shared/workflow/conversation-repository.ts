/**
 * The workflow's writes and reads on the single table. Every state change is one conditional
 * UpdateItem on the conversation's `version`, and it moves the index keys that depend on the
 * state in the same expression (GSI2PK for the status, GSI4PK/GSI4SK for the assignee), so a list
 * can never show a conversation under a status or an assignee it no longer has.
 *
 * History entries live in the conversation's own partition (`PK=CONV#<id>`, `SK=H#<isoTime>#...`),
 * written with `attribute_not_exists` under keys derived from the change (time and version), so a
 * retried request or a repaired side effect never writes the same entry twice.
 */
import { indexKeys, keys, shelfOf } from '../model/keys.js';
import type { ConversationRecord } from '../model/types.js';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { conversationFromItem } from '../inbound/mail-store.js';
import type { Fact, WorkflowState } from './rules.js';
import { workflowSettingsOf, type WorkflowSettings } from './settings.js';

/** The change that produced a conversation's current version, kept on the item to replay its side effects. */
export interface LastChange {
  /** Hash of (actor, action, expected version): recognises a retry of the same request. */
  key: string;
  actor: string;
  at: string;
  version: number;
  facts: Fact[];
}

export interface WorkflowConversation extends ConversationRecord {
  /** Always known on a workflow read (list rows get it from the partition they were read from). */
  archived: boolean;
  /** Snoozed until then (not projected: null on list rows). */
  snoozedUntil: string | null;
  /** Version of the change that set the snooze: its timer carries it (timers.ts). */
  snoozeToken: number | null;
  /** Follow-up reminder time, removed by any customer message (not projected). */
  followUpAt: string | null;
  followUpToken: number | null;
  /** Members who read the conversation since its last message. */
  readBy: string[];
  lastChange: LastChange | null;
  /** When a `viewed` entry was last recorded, per member. */
  viewedAt: Record<string, string>;
  /** In the trash (`#TRASHED` list partitions). */
  trashed: boolean;
  /** The organisation's qualification id (business category), or null. */
  qualification: string | null;
  /** The response deadline passed without a reply (projected: lists show it). */
  overdue: boolean;
  /** When a response is due; set while a customer message awaits one. */
  dueAt: string | null;
  /** Token of the armed deadline timer (timers.ts); a reply or closing removes it. */
  deadlineToken: number | null;
  /** Last activity of the current assignee (the inactivity timer's token). */
  assigneeActiveAt: string | null;
}

/** History facts that are not state changes. */
export type ViewFact = { kind: 'viewed' };
export type NoteFact = { kind: 'note_added'; noteId: string; mentions: string[] };
/** What the outbox did in the conversation, recorded from its `Message Queued` events (reactions.ts). */
export type OutboundFact =
  | { kind: 'replied' | 'forwarded'; messageKey: string }
  | { kind: 'overdue_cleared'; dueAt: string; overdue: boolean; reason: 'replied' };

export interface HistoryItem {
  sort: string;
  at: string;
  actor: string | null;
  version: number | null;
  facts: (Fact | ViewFact | NoteFact | OutboundFact)[];
}

export type ApplyResult =
  | { ok: true; conversation: WorkflowConversation }
  | { ok: false; current: WorkflowConversation | null };

/** Per-member attribute recording the last recorded view (not projected: costs no index write). */
const VIEWED_PREFIX = 'VW#';

function strings(value: unknown): string[] {
  if (value instanceof Set) return [...(value as Set<string>)].map(String).sort();
  if (Array.isArray(value)) return value.map(String);
  return [];
}

/** A stored conversation (base item or list projection) with the workflow's own attributes. */
export function workflowConversationFromItem(item: Item): WorkflowConversation {
  const viewedAt: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(VIEWED_PREFIX) && typeof value === 'string') viewedAt[name.slice(VIEWED_PREFIX.length)] = value;
  }
  return {
    ...conversationFromItem(item),
    archived: item.archived === true,
    snoozedUntil: typeof item.snoozedUntil === 'string' ? item.snoozedUntil : null,
    snoozeToken: typeof item.snoozeToken === 'number' ? item.snoozeToken : null,
    followUpAt: typeof item.followUpAt === 'string' ? item.followUpAt : null,
    followUpToken: typeof item.followUpToken === 'number' ? item.followUpToken : null,
    readBy: strings(item.readBy),
    lastChange: (item.lastChange ?? null) as LastChange | null,
    viewedAt,
    trashed: item.trashed === true,
    qualification: typeof item.qualification === 'string' ? item.qualification : null,
    overdue: item.overdue === true,
    dueAt: typeof item.dueAt === 'string' ? item.dueAt : null,
    deadlineToken: typeof item.deadlineToken === 'number' ? item.deadlineToken : null,
    assigneeActiveAt: typeof item.assigneeActiveAt === 'string' ? item.assigneeActiveAt : null,
  };
}

/** A conversation deleted permanently keeps its item only until the purge: it is gone for every reader. */
function live(item: Item | undefined): Item | undefined {
  return item && item.deletedAt === undefined ? item : undefined;
}

/** `H#<isoTime>#v<version>`: fixed-width version so entries of one millisecond still sort by version. */
export function changeSort(at: string, version: number): string {
  return `H#${at}#v${String(version).padStart(10, '0')}`;
}

export function viewSort(at: string, email: string): string {
  return `H#${at}#w#${email}`;
}

/** Sort position of a "received" entry derived from a message ref; never stored (see history.ts). */
export function receivedSort(receivedAt: string, messageKey: string): string {
  return `H#${receivedAt}#r#${messageKey}`;
}

export type ListIndex = 'GSI1' | 'GSI2' | 'GSI4';

/** One Query on one index partition, optionally narrowed by a filter on projected attributes. */
export interface ListPlan {
  index: ListIndex;
  partition: string;
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
}

/** Conditional writes and key-based reads of conversations, their read state and their history. */
export class ConversationRepository {
  constructor(private readonly table: Table) {}

  async get(conversationId: string, consistent = false): Promise<WorkflowConversation | null> {
    const item = live(await this.table.get(keys.conversation(conversationId), consistent));
    return item ? workflowConversationFromItem(item) : null;
  }

  async getMany(conversationIds: string[]): Promise<WorkflowConversation[]> {
    if (conversationIds.length === 0) return [];
    return (await this.table.batchGet(conversationIds.map((id) => keys.conversation(id)))).filter((i) => live(i)).map(workflowConversationFromItem);
  }

  /**
   * Applies a decided state in one UpdateItem conditioned on the version it was decided from. The
   * activity sort key cannot move under us: a new message bumps the version too. Archiving moves
   * every list key of the conversation to its `#ARCHIVED` partition in the same expression.
   */
  async apply(current: WorkflowConversation, next: WorkflowState, change: LastChange): Promise<ApplyResult> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':expected': current.version, ':version': change.version, ':change': change,
      ':status': next.status, ':assignee': next.assignee, ':isNew': next.isNew,
    };
    const sets = ['#status = :status', 'assignee = :assignee', 'isNew = :isNew', 'version = :version', 'lastChange = :change'];
    const removes: string[] = [];
    const archived = next.archived ?? current.archived;
    if (archived !== current.archived) {
      if (archived) { sets.push('archived = :archived'); values[':archived'] = true; } else removes.push('archived');
    }
    const snoozedUntil = next.snoozedUntil === undefined ? current.snoozedUntil : next.snoozedUntil;
    if (snoozedUntil !== current.snoozedUntil) {
      if (snoozedUntil === null) removes.push('snoozedUntil', 'snoozeToken');
      else { sets.push('snoozedUntil = :snoozedUntil', 'snoozeToken = :version'); values[':snoozedUntil'] = snoozedUntil; }
    }
    const followUpAt = next.followUpAt === undefined ? current.followUpAt : next.followUpAt;
    if (followUpAt !== current.followUpAt) {
      if (followUpAt === null) removes.push('followUpAt', 'followUpToken');
      else { sets.push('followUpAt = :followUpAt', 'followUpToken = :version'); values[':followUpAt'] = followUpAt; }
    }
    const trashed = next.trashed ?? current.trashed;
    if (trashed !== current.trashed) {
      if (trashed) { sets.push('trashed = :trashed'); values[':trashed'] = true; } else removes.push('trashed');
    }
    const qualification = next.qualification === undefined ? current.qualification : next.qualification;
    if (qualification !== current.qualification) {
      if (qualification === null) removes.push('qualification');
      else { sets.push('qualification = :qualification'); values[':qualification'] = qualification; }
    }
    const overdue = next.overdue ?? current.overdue;
    if (overdue !== current.overdue) {
      if (overdue) { sets.push('overdue = :overdue'); values[':overdue'] = true; } else removes.push('overdue');
    }
    if (next.dueAt === null && current.dueAt !== null) removes.push('dueAt', 'deadlineToken', 'awaitingSince');
    if (next.assignee !== current.assignee && current.assigneeActiveAt !== null) removes.push('assigneeActiveAt');
    // A move changes the mailbox of every list key: one expression moves them all, so no list of
    // either mailbox ever shows it in both or in neither.
    const mailboxId = next.mailboxId ?? current.mailboxId;
    const relocating = mailboxId !== current.mailboxId;
    if (relocating) {
      sets.push('mailboxId = :mailboxId');
      values[':mailboxId'] = mailboxId;
      if (current.subjectKey) {
        sets.push('GSI3PK = :subjectPartition');
        values[':subjectPartition'] = indexKeys.subject(mailboxId, current.subjectKey);
      }
    }
    const shelf = shelfOf({ archived: archived && !trashed, snoozedUntil: trashed ? null : snoozedUntil, trashed });
    const moving = shelf !== shelfOf(current) || relocating;
    if (moving) {
      sets.push('GSI1PK = :mailboxPartition');
      values[':mailboxPartition'] = indexKeys.mailboxConversations(mailboxId, shelf);
    }
    if (next.status !== current.status || moving) {
      sets.push('GSI2PK = :statusPartition');
      values[':statusPartition'] = indexKeys.mailboxStatus(mailboxId, next.status, shelf);
    }
    if (next.assignee !== current.assignee || (moving && next.assignee !== null)) {
      if (next.assignee === null) {
        removes.push('GSI4PK', 'GSI4SK');
      } else {
        sets.push('GSI4PK = :assigneePartition', 'GSI4SK = :sort');
        values[':assigneePartition'] = indexKeys.mailboxAssignee(mailboxId, next.assignee, shelf);
        values[':sort'] = indexKeys.activitySort(current.lastActivityAt, current.conversationId);
      }
    }
    if (!sameSet(next.labels, current.labels)) {
      if (next.labels.length === 0) removes.push('labels');
      else { sets.push('labels = :labels'); values[':labels'] = new Set(next.labels); }
    }
    try {
      const item = await this.table.update({
        Key: keys.conversation(current.conversationId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletedAt) AND version = :expected',
        ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      });
      return { ok: true, conversation: workflowConversationFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: await this.currentAfterFailure(current.conversationId, error) };
    }
  }

  /** A mailbox's organisation and workflow settings (one GetItem), or null when it does not exist. */
  async mailbox(mailboxId: string): Promise<{ mailboxId: string; orgId: string; settings: WorkflowSettings } | null> {
    const item = await this.table.get(keys.mailbox(mailboxId));
    return item ? { mailboxId, orgId: String(item.orgId ?? ''), settings: workflowSettingsOf(item) } : null;
  }

  async hasQualification(orgId: string, qualificationId: string): Promise<boolean> {
    const item = await this.table.get(keys.qualification(orgId, qualificationId));
    return item !== undefined && item.deletedAt === undefined;
  }

  /**
   * Keeps the overdue marker in step with the conversation: present (under the mailbox it is in)
   * while it is overdue, absent otherwise. Put and delete are idempotent, so a retried change
   * repairs it.
   */
  async syncOverdueMarker(conversation: WorkflowConversation): Promise<void> {
    if (conversation.overdue && conversation.dueAt !== null) {
      await this.table.put({
        ...keys.overdue(conversation.conversationId), type: 'overdue', conversationId: conversation.conversationId,
        mailboxId: conversation.mailboxId, dueAt: conversation.dueAt,
        GSI3PK: indexKeys.overdue(conversation.mailboxId), GSI3SK: `${conversation.dueAt}#${conversation.conversationId}`,
      });
    } else {
      await this.table.delete(keys.overdue(conversation.conversationId));
    }
  }

  /**
   * After a move: each message's placement in this conversation names the new mailbox, so access to
   * its raw mail and attachments follows the conversation. Setting the same value again is harmless.
   */
  async relocatePlacements(conversation: WorkflowConversation): Promise<void> {
    const messageKeys = conversation.messageRefs.map((ref) => ref.slice(ref.indexOf('#') + 1));
    if (messageKeys.length === 0) return;
    const items = await this.table.batchGet(messageKeys.map((k) => keys.message(k)), ['PK', 'SK', 'placements']);
    await Promise.all(items.map(async (item) => {
      const placements = (item.placements ?? []) as { mailboxId: string; conversationId: string }[];
      if (!placements.some((p) => p.conversationId === conversation.conversationId && p.mailboxId !== conversation.mailboxId)) return;
      const next = placements.map((p) => (p.conversationId === conversation.conversationId ? { ...p, mailboxId: conversation.mailboxId } : p));
      try {
        await this.table.update({
          Key: { PK: String(item.PK), SK: String(item.SK) },
          UpdateExpression: 'SET placements = :next',
          // The count pins the list: placements are only ever appended (a later delivery elsewhere).
          ConditionExpression: 'size(placements) = :seen',
          ExpressionAttributeValues: { ':next': next, ':seen': placements.length },
        });
      } catch (error) {
        // Placed somewhere else meanwhile (the same mail delivered again): the next retry redoes it.
        if (!(error instanceof ConditionFailedError)) throw error;
        throw new Error(`placements of ${String(item.PK)} changed during the move of ${conversation.conversationId}`);
      }
    }));
  }

  /** Records one history entry; an entry already written under the same key is left as it is. */
  async putHistory(conversationId: string, entry: HistoryItem): Promise<void> {
    try {
      await this.table.put({
        ...keys.history(conversationId, entry.sort), type: 'history', conversationId,
        at: entry.at, actor: entry.actor, version: entry.version, facts: entry.facts,
      }, { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /**
   * Records that `email` opened the conversation, at most once per window: the condition makes
   * two tabs opening at once record one view. Clears the "new" flag on the first open. Answers
   * null when a view inside the window was already recorded.
   */
  async recordView(conversation: WorkflowConversation, email: string, at: string, windowStart: string): Promise<WorkflowConversation | null> {
    const names: Record<string, string> = { '#viewed': `${VIEWED_PREFIX}${email}` };
    const values: Record<string, unknown> = { ':at': at, ':windowStart': windowStart };
    const sets = ['#viewed = :at'];
    if (conversation.isNew) { sets.push('isNew = :false'); values[':false'] = false; }
    try {
      const item = await this.table.update({
        Key: keys.conversation(conversation.conversationId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#viewed) OR #viewed < :windowStart)',
        ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      });
      return workflowConversationFromItem(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return null;
      throw error;
    }
  }

  /**
   * Read state is not a conversation change: no version bump (it never makes someone else's
   * If-Match fail) and no history. Adding to a set is idempotent, so no condition beyond existence.
   */
  async markRead(conversationId: string, email: string): Promise<WorkflowConversation> {
    const item = await this.table.update({
      Key: keys.conversation(conversationId),
      UpdateExpression: 'SET isNew = :false ADD readBy :me',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':false': false, ':me': new Set([email]) },
    });
    return workflowConversationFromItem(item);
  }

  async markUnread(conversationId: string, email: string): Promise<WorkflowConversation> {
    const item = await this.table.update({
      Key: keys.conversation(conversationId),
      UpdateExpression: 'DELETE readBy :me',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':me': new Set([email]) },
    });
    return workflowConversationFromItem(item);
  }

  /** One page of stored history entries, oldest first, after `afterSort` (exclusive). */
  async history(conversationId: string, limit: number, afterSort?: string): Promise<{ items: HistoryItem[]; more: boolean }> {
    const pk = keys.conversation(conversationId).PK;
    const out = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'H#' },
      ScanIndexForward: true,
      Limit: limit,
      ...(afterSort ? { ExclusiveStartKey: { PK: pk, SK: afterSort } } : {}),
    });
    return {
      items: out.items.map((i) => ({
        sort: String(i.SK), at: String(i.at), actor: typeof i.actor === 'string' ? i.actor : null,
        version: typeof i.version === 'number' ? i.version : null, facts: (i.facts ?? []) as HistoryItem['facts'],
      })),
      more: out.lastKey !== undefined,
    };
  }

  /** One Query of a list partition, newest activity first. */
  async list(plan: ListPlan, limit: number, cursor?: { s: string; p: string }): Promise<{ items: WorkflowConversation[]; last: { s: string; p: string } | null }> {
    const pkName = `${plan.index}PK`;
    const skName = `${plan.index}SK`;
    const out = await this.table.query({
      IndexName: plan.index,
      KeyConditionExpression: `${pkName} = :pk`,
      ExpressionAttributeValues: { ':pk': plan.partition, ...plan.filter?.values },
      ...(plan.filter ? { FilterExpression: plan.filter.expression, ExpressionAttributeNames: plan.filter.names } : {}),
      ScanIndexForward: false,
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: { [pkName]: plan.partition, [skName]: cursor.s, PK: cursor.p, SK: 'CONV' } } : {}),
    });
    return {
      items: out.items.map(workflowConversationFromItem),
      last: out.lastKey ? { s: String(out.lastKey[skName]), p: String(out.lastKey.PK) } : null,
    };
  }

  private async currentAfterFailure(conversationId: string, error: ConditionFailedError): Promise<WorkflowConversation | null> {
    // DynamoDB returns the item with the failure (ReturnValuesOnConditionCheckFailure); emulators may not.
    const item = live(error.item ?? await this.table.get(keys.conversation(conversationId), true));
    return item ? workflowConversationFromItem(item) : null;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
