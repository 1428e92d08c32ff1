/**
 * Persistence of outbound messages. An outbound message is stored once, like received mail: its
 * raw .eml under `outbound/` in the mail bucket and its `message` item (`PK=MSG#<messageKey>`),
 * which also carries the send state (`sendStatus`, `sendAttempt`, `sendVersion`, ...). Every
 * transition is one UpdateItem conditioned on `sendStatus` (and on `sendAttempt` for the sender),
 * so concurrent triggers, redeliveries and cancels cannot both win.
 *
 * The item is also indexed, once, for the outbox views: GSI3 under `OUTBOX#<mailboxId>` (the
 * mailbox's), GSI1 under its author (`OUTBOX#BY#<orgId>#<email>`, `system` for system-generated
 * mail) and GSI2 under its organisation (`OUTBOX#ORG#<orgId>`). Those keys never move with the
 * status, so a transition costs no index write. The one index entry that does move is the sparse
 * "failed sends" entry (GSI4 `OUTBOX#FAILED#<mailboxId>`): set when the message fails or bounces,
 * removed when someone acknowledges it or retries it.
 */
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { conversationItem } from '../inbound/mail-store.js';
import { indexKeys, keys } from '../model/keys.js';
import type { ConversationRecord, MessageRecord, OutboxLink, OutboxStatus } from '../model/types.js';
import type { MailAddress } from '../mail/types.js';
import type { Envelope } from './connector.js';
import type { Importance } from './mime.js';
import { isOutboxStatus, sourcesOf } from './status.js';

/** The send state of one outbound message, as the outbox and its views use it. */
export interface OutboxRecord {
  messageKey: string;
  messageId: string;
  orgId: string;
  mailboxId: string;
  conversationId: string;
  status: OutboxStatus;
  /** Attempts started so far (claims); the next trigger must carry this number. */
  attempt: number;
  /** Bumped by every transition. */
  version: number;
  maxAttempts: number;
  composedBy: string;
  createdAt: string;
  /** Requested send time (scheduled send), or null for "as soon as the undo window closes". */
  sendAt: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  firstFailureAt: string | null;
  lastError: string | null;
  providerMessageId: string | null;
  sentAt: string | null;
  connector: string;
  importance: Importance;
  readReceiptRequested: boolean;
  envelope: Envelope;
  subject: string;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  rawKey: string;
  attachmentCount: number;
  /** Name of the one-time schedule that will trigger the next attempt, if one is planned. */
  scheduleName: string | null;
  /** Mail Mailroom wrote by itself (auto-acknowledgement, notification), not a person. */
  systemGenerated: boolean;
  systemKind: SystemMailKind | null;
  /** When the message entered the failed-sends list; null while it is not on it. */
  failedListedAt: string | null;
  /** Recipients that bounced, complained or were rejected (from delivery events and DSNs). */
  failedRecipients: string[];
  /** The case and business records the message belonged to when composed (compose.ts `outboxLinks`). */
  links: OutboxLink[];
}

/** Kinds of system-generated mail. */
export type SystemMailKind = 'auto-ack' | 'mention' | 'assignment';

/** The author recorded on system-generated mail (`composedBy`), and its author partition. */
export const SYSTEM_AUTHOR = 'system';

/** Send-state attributes written with the message item when it is queued. */
export interface NewOutboundState {
  mailboxId: string;
  conversationId: string;
  maxAttempts: number;
  composedBy: string;
  createdAt: string;
  sendAt: string | null;
  nextAttemptAt: string;
  connector: string;
  importance: Importance;
  readReceiptRequested: boolean;
  envelope: Envelope;
  bcc: MailAddress[];
  scheduleName: string | null;
  /** Set for mail Mailroom generates (composedBy is then {@link SYSTEM_AUTHOR}). */
  systemKind?: SystemMailKind;
}

export type TransitionResult =
  | { ok: true; record: OutboxRecord }
  | { ok: false; current: OutboxRecord | null };

export interface TransitionRequest {
  to: OutboxStatus;
  /** Statuses it may leave; defaults to every status that may move to `to`. */
  from?: OutboxStatus[];
  /** When set, the transition applies only while `sendAttempt` equals it. */
  attempt?: number;
  /** Other attributes to set (null clears a field). */
  set?: Record<string, unknown>;
  /** Attributes set only when absent (e.g. the first failure time). */
  setIfAbsent?: Record<string, unknown>;
  /** Attributes removed (index keys cannot be set to null). */
  remove?: string[];
}

/** Attributes that put a message on its mailbox's failed-sends list (sparse GSI4 entry). */
export function failedListEntry(mailboxId: string, messageKey: string, at: string): Record<string, string> {
  return { GSI4PK: indexKeys.outboxFailed(mailboxId), GSI4SK: `${at}#${messageKey}`, failedListedAt: at };
}

/** Attributes removed when a message leaves the failed-sends list. */
export const FAILED_LIST_ATTRIBUTES = ['GSI4PK', 'GSI4SK', 'failedListedAt'] as const;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function outboxFromItem(item: Item): OutboxRecord {
  const status = item.sendStatus;
  if (!isOutboxStatus(status)) throw new Error(`Item ${String(item.PK)} is not an outbound message`);
  return {
    messageKey: String(item.messageKey), messageId: String(item.messageId), orgId: String(item.orgId ?? ''),
    mailboxId: String(item.mailboxId), conversationId: String(item.conversationId), status,
    attempt: Number(item.sendAttempt ?? 0), version: Number(item.sendVersion ?? 0), maxAttempts: Number(item.maxAttempts ?? 1),
    composedBy: String(item.composedBy ?? ''), createdAt: String(item.createdAt ?? ''), sendAt: str(item.sendAt),
    nextAttemptAt: str(item.nextAttemptAt), lastAttemptAt: str(item.lastAttemptAt), firstFailureAt: str(item.firstFailureAt),
    lastError: str(item.lastError), providerMessageId: str(item.providerMessageId), sentAt: str(item.sentAt),
    connector: String(item.connector ?? 'ses'), importance: (str(item.importance) ?? 'normal') as Importance,
    readReceiptRequested: item.readReceiptRequested === true,
    envelope: (item.envelope ?? { from: '', to: [] }) as Envelope, subject: String(item.subject ?? ''),
    to: (item.to ?? []) as MailAddress[], cc: (item.cc ?? []) as MailAddress[], bcc: (item.bcc ?? []) as MailAddress[],
    rawKey: String(item.rawKey), attachmentCount: Array.isArray(item.attachments) ? item.attachments.length : 0,
    scheduleName: str(item.scheduleName),
    systemGenerated: item.systemGenerated === true, systemKind: (str(item.systemKind) as SystemMailKind | null),
    failedListedAt: str(item.failedListedAt), failedRecipients: failedRecipientsOf(item.delivery),
    links: Array.isArray(item.links) ? (item.links as OutboxLink[]) : [],
  };
}

function failedRecipientsOf(delivery: unknown): string[] {
  if (!delivery || typeof delivery !== 'object') return [];
  return Object.entries(delivery as Record<string, { status?: unknown }>)
    .filter(([, state]) => state.status === 'bounced' || state.status === 'complained' || state.status === 'rejected')
    .map(([address]) => address);
}

/** One page of an outbox index partition: the records and where the next page starts. */
export interface OutboxPage {
  /** Each with the index sort key it was read under (the paging position). */
  items: (OutboxRecord & { indexSort: string })[];
  /** The index sort key of the last row read (`<at>#<messageKey>`), when more may follow. */
  last: string | null;
}

export class OutboxStore {
  constructor(private readonly table: Table) {}

  async get(messageKey: string, consistent = true): Promise<OutboxRecord | null> {
    const item = await this.table.get(keys.message(messageKey), consistent);
    return item && isOutboxStatus(item.sendStatus) ? outboxFromItem(item) : null;
  }

  /**
   * Writes the outbound message with its send state, once: a second call with the same Message-ID
   * (a client retrying with the same idempotency key) returns the stored record instead.
   */
  async createMessage(message: MessageRecord, body: Uint8Array, state: NewOutboundState): Promise<{ created: boolean; record: OutboxRecord }> {
    const sort = `${state.createdAt}#${message.messageKey}`;
    const { systemKind, ...rest } = state;
    const item: Item = {
      ...keys.message(message.messageKey), type: 'message', ...message, body,
      ...rest, sendStatus: 'queued' satisfies OutboxStatus, sendAttempt: 0, sendVersion: 1,
      GSI3PK: indexKeys.outbox(state.mailboxId), GSI3SK: sort, at: state.createdAt,
      GSI1PK: indexKeys.outboxAuthor(message.orgId ?? '', systemKind ? SYSTEM_AUTHOR : state.composedBy), GSI1SK: sort,
      GSI2PK: indexKeys.outboxOrg(message.orgId ?? ''), GSI2SK: sort,
      ...(systemKind ? { systemGenerated: true, systemKind } : {}),
    };
    try {
      await this.table.put(item, { ConditionExpression: 'attribute_not_exists(PK)' });
      return { created: true, record: outboxFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = await this.get(message.messageKey);
      if (!current) throw new Error(`Message ${message.messageKey} exists but is not an outbound message`);
      return { created: false, record: current };
    }
  }

  /** A conversation opened by an outgoing message. Written once; a retry finds it there. */
  async createConversation(conversation: ConversationRecord, readBy: string[]): Promise<void> {
    try {
      await this.table.put({ ...conversationItem(conversation), readBy: readBy.length ? new Set(readBy) : undefined }, { ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /**
   * Adds an outgoing message to its conversation: activity time, snippet and counters move, the
   * message reference is added once (a retry is a no-op), the author has read it. The status and
   * the unread state of others do not change: sending is not news to the team.
   */
  async appendToConversation(conversationId: string, messageRef: string, at: string, snippet: string, participants: string[], author: string): Promise<'appended' | 'already' | 'missing'> {
    const values: Record<string, unknown> = {
      ':ref': messageRef, ':refs': new Set([messageRef]), ':at': at, ':one': 1, ':snippet': snippet,
      ':key': messageRef.slice(messageRef.indexOf('#') + 1), ':sort': indexKeys.activitySort(at, conversationId),
      ':me': new Set([author]),
    };
    const adds = ['messageRefs :refs', 'messageCount :one', 'version :one', 'readBy :me'];
    if (participants.length > 0) { adds.push('participants :participants'); values[':participants'] = new Set(participants); }
    try {
      await this.table.update({
        Key: keys.conversation(conversationId),
        UpdateExpression: `SET lastActivityAt = :at, snippet = :snippet, lastMessageKey = :key, GSI1SK = :sort, GSI2SK = :sort, GSI3SK = :at, GSI4SK = :sort ADD ${adds.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK) AND NOT contains(messageRefs, :ref)',
        ExpressionAttributeValues: values,
      });
      return 'appended';
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = error.item ?? await this.table.get(keys.conversation(conversationId), true);
      return current ? 'already' : 'missing';
    }
  }

  /**
   * One conditional transition. On a lost race the current record comes back (`ok: false`), so
   * the caller can tell "someone else did it" from "it is gone".
   */
  async transition(messageKey: string, request: TransitionRequest): Promise<TransitionResult> {
    const from = request.from ?? sourcesOf(request.to);
    const names: Record<string, string> = { '#status': 'sendStatus' };
    const values: Record<string, unknown> = { ':to': request.to, ':one': 1 };
    const sets = ['#status = :to', 'sendVersion = sendVersion + :one'];
    let n = 0;
    for (const [attribute, value] of Object.entries(request.set ?? {})) {
      names[`#a${n}`] = attribute; values[`:v${n}`] = value; sets.push(`#a${n} = :v${n}`); n += 1;
    }
    for (const [attribute, value] of Object.entries(request.setIfAbsent ?? {})) {
      names[`#a${n}`] = attribute; values[`:v${n}`] = value; sets.push(`#a${n} = if_not_exists(#a${n}, :v${n})`); n += 1;
    }
    const removes: string[] = [];
    for (const attribute of request.remove ?? []) {
      names[`#a${n}`] = attribute; removes.push(`#a${n}`); n += 1;
    }
    from.forEach((status, i) => { values[`:f${i}`] = status; });
    let condition = `#status IN (${from.map((_, i) => `:f${i}`).join(', ')})`;
    if (request.attempt !== undefined) {
      condition += ' AND sendAttempt = :attempt';
      values[':attempt'] = request.attempt;
    }
    try {
      const item = await this.table.update({
        Key: keys.message(messageKey),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: `attribute_exists(PK) AND ${condition}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      return { ok: true, record: outboxFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = error.item && isOutboxStatus(error.item.sendStatus) ? outboxFromItem(error.item) : await this.get(messageKey);
      return { ok: false, current };
    }
  }

  /** A mailbox's outbound messages, newest first: one Query on GSI3, then the items. */
  async listByMailbox(mailboxId: string, limit: number, startKey?: Record<string, unknown>): Promise<{ items: OutboxRecord[]; lastKey: Record<string, unknown> | undefined }> {
    const page = await this.table.query({
      IndexName: 'GSI3',
      KeyConditionExpression: 'GSI3PK = :pk',
      ExpressionAttributeValues: { ':pk': indexKeys.outbox(mailboxId) },
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    return { items: await this.load(page.items.map((i) => String(i.PK).slice('MSG#'.length))), lastKey: page.lastKey };
  }

  /**
   * One page of an outbox index partition, newest first, strictly before `before` (an index sort
   * key `<at>#<messageKey>`): one Query for the keys, one BatchGetItem for the records. Paging by
   * sort key rather than by DynamoDB's start key lets a view merge several partitions.
   */
  async listPartition(index: 'GSI1' | 'GSI2' | 'GSI3' | 'GSI4', partition: string, limit: number, before: string | null): Promise<OutboxPage> {
    const pk = `${index}PK`;
    const sk = `${index}SK`;
    const page = await this.table.query({
      IndexName: index,
      KeyConditionExpression: before === null ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames: before === null ? { '#pk': pk } : { '#pk': pk, '#sk': sk },
      ExpressionAttributeValues: { ':pk': partition, ...(before === null ? {} : { ':before': before }) },
      ScanIndexForward: false,
      Limit: limit,
    });
    const rows = page.items.map((i) => ({ key: String(i.PK).slice('MSG#'.length), sort: String(i[sk]) }));
    const records = await this.load(rows.map((r) => r.key));
    const sorts = new Map(rows.map((r) => [r.key, r.sort]));
    return {
      items: records.map((r) => Object.assign(r, { indexSort: sorts.get(r.messageKey) ?? '' })),
      last: page.lastKey && rows.length > 0 ? rows[rows.length - 1]!.sort : null,
    };
  }

  /** Records by message key, in the order given; keys that are not outbound messages are left out. */
  async load(messageKeys: string[]): Promise<OutboxRecord[]> {
    if (messageKeys.length === 0) return [];
    const items = await this.table.batchGet(messageKeys.map((k) => keys.message(k)));
    const byKey = new Map(items.filter((i) => isOutboxStatus(i.sendStatus)).map((i) => [String(i.messageKey), outboxFromItem(i)]));
    return messageKeys.flatMap((k) => byKey.get(k) ?? []);
  }

  /**
   * Puts a sent message that bounced (or was complained about, or rejected) on its mailbox's
   * failed-sends list, whatever its send status; a newer failure lists it again after an
   * acknowledgement. Returns false when the message is gone.
   */
  async listAsFailed(messageKey: string, mailboxId: string, at: string): Promise<boolean> {
    const entry = failedListEntry(mailboxId, messageKey, at);
    try {
      await this.table.update({
        Key: keys.message(messageKey),
        UpdateExpression: 'SET GSI4PK = :pk, GSI4SK = :sk, failedListedAt = :at REMOVE failureAcknowledgedAt, failureAcknowledgedBy',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':pk': entry.GSI4PK, ':sk': entry.GSI4SK, ':at': at },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Takes a message off the failed-sends list (its sparse index entry is removed). Conditional on
   * it being listed: a second acknowledgement, or one racing a retry, gets `ok: false`.
   */
  async acknowledgeFailure(messageKey: string, by: string, at: string): Promise<TransitionResult> {
    try {
      const item = await this.table.update({
        Key: keys.message(messageKey),
        UpdateExpression: 'SET failureAcknowledgedAt = :at, failureAcknowledgedBy = :by REMOVE GSI4PK, GSI4SK, failedListedAt',
        ConditionExpression: 'attribute_exists(GSI4PK)',
        ExpressionAttributeValues: { ':at': at, ':by': by },
      });
      return { ok: true, record: outboxFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return { ok: false, current: await this.get(messageKey) };
    }
  }
}
