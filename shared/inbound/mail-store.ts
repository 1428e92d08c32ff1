/**
 * Persistence of messages and conversations in the single table. Message bodies are stored
 * brotli-compressed inside the message item (a 5 KB mail costs two write units instead of five);
 * bodies that stay large after compression go to S3 under `bodies/`.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import { indexKeys, keys, shelfOf } from '../model/keys.js';
import type { ConversationRecord, ConversationStatus, MessageBody, MessagePlacement, MessageRecord } from '../model/types.js';
import type { MailFlag } from '../mail/types.js';
import type { BlobStore } from '../ports/index.js';
import type { Item, Table } from '../adapters/dynamodb-table.js';
import { ConditionFailedError } from '../adapters/dynamodb-table.js';
import { addressRouteFromItem, domainRouteFromItem, type AddressRoute, type DomainRoute } from '../org/directory.js';
import type { SubjectCandidate } from './threading.js';

/** Compressed bodies above this size go to S3 (items are limited to 400 KB). */
const INLINE_BODY_LIMIT = 96 * 1024;

export interface LookupRequest {
  messageKeys: string[];
  addresses: string[];
  domains: string[];
  conversationIds: string[];
}

export interface LookupResult {
  messages: Map<string, MessageRecord>;
  routes: Map<string, AddressRoute>;
  domains: Map<string, DomainRoute>;
  conversations: Map<string, ConversationRecord>;
}

/** What a new message changes on a conversation it joins. */
export interface ConversationAppend {
  conversationId: string;
  messageRef: string;
  at: string;
  snippet: string;
  from: MessageRecord['from'];
  participants: string[];
  labels: string[];
  flags: MailFlag[];
  hasAttachments: boolean;
}

export function encodeBody(body: MessageBody): Buffer {
  return brotliCompressSync(Buffer.from(JSON.stringify(body)), {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT },
  });
}

export function decodeBody(data: Uint8Array): MessageBody {
  return JSON.parse(brotliDecompressSync(data).toString('utf8')) as MessageBody;
}

function toSet(values: string[]): Set<string> | undefined {
  return values.length > 0 ? new Set(values) : undefined;
}

function fromSet(value: unknown): string[] {
  if (value instanceof Set) return [...(value as Set<string>)].sort();
  if (Array.isArray(value)) return value.map(String);
  return [];
}

export function conversationItem(c: ConversationRecord): Item {
  const sort = indexKeys.activitySort(c.lastActivityAt, c.conversationId);
  const { archived, snoozedUntil, ...record } = c;
  const shelf = shelfOf(c);
  return {
    ...keys.conversation(c.conversationId),
    type: 'conversation',
    ...record,
    ...(archived === true ? { archived: true } : {}),
    ...(typeof snoozedUntil === 'string' ? { snoozedUntil } : {}),
    participants: toSet(c.participants),
    labels: toSet(c.labels),
    flags: toSet(c.flags),
    messageRefs: toSet(c.messageRefs),
    GSI1PK: indexKeys.mailboxConversations(c.mailboxId, shelf), GSI1SK: sort,
    GSI2PK: indexKeys.mailboxStatus(c.mailboxId, c.status, shelf), GSI2SK: sort,
    // Sparse: only an assigned conversation is in GSI4, so inbound mail never writes to it.
    ...(c.assignee ? { GSI4PK: indexKeys.mailboxAssignee(c.mailboxId, c.assignee, shelf), GSI4SK: sort } : {}),
    ...(c.subjectKey ? { GSI3PK: indexKeys.subject(c.mailboxId, c.subjectKey), GSI3SK: c.lastActivityAt } : {}),
  };
}

export function conversationFromItem(item: Item): ConversationRecord {
  return {
    conversationId: String(item.conversationId), mailboxId: String(item.mailboxId), orgId: String(item.orgId ?? ''),
    subject: String(item.subject ?? ''), subjectKey: String(item.subjectKey ?? ''), snippet: String(item.snippet ?? ''),
    from: (item.from ?? null) as ConversationRecord['from'],
    participants: fromSet(item.participants), status: (item.status ?? 'unassigned') as ConversationStatus,
    assignee: (item.assignee ?? null) as string | null, isNew: item.isNew === true,
    labels: fromSet(item.labels), flags: fromSet(item.flags) as MailFlag[],
    messageCount: Number(item.messageCount ?? 0), hasAttachments: item.hasAttachments === true,
    createdAt: String(item.createdAt ?? ''), lastActivityAt: String(item.lastActivityAt ?? ''),
    lastMessageKey: String(item.lastMessageKey ?? ''), messageRefs: fromSet(item.messageRefs),
    version: Number(item.version ?? 0),
    ...(item.archived === true ? { archived: true } : {}),
    ...(typeof item.snoozedUntil === 'string' ? { snoozedUntil: item.snoozedUntil } : {}),
  };
}

export function messageFromItem(item: Item): MessageRecord {
  const { PK: _pk, SK: _sk, type: _type, body: _body, GSI3PK: _g, GSI3SK: _s, ...rest } = item;
  return rest as unknown as MessageRecord;
}

export class MailStore {
  constructor(private readonly table: Table, private readonly blobs: BlobStore) {}

  /** One BatchGetItem for everything inbound processing needs to decide. */
  async lookup(request: LookupRequest): Promise<LookupResult> {
    const items = await this.table.batchGet([
      ...request.messageKeys.map((k) => keys.message(k)),
      ...request.addresses.map((a) => keys.address(a)),
      ...request.domains.map((d) => keys.domain(d)),
      ...request.conversationIds.map((c) => keys.conversation(c)),
    ]);
    const result: LookupResult = { messages: new Map(), routes: new Map(), domains: new Map(), conversations: new Map() };
    for (const item of items) {
      switch (item.type) {
        case 'message': result.messages.set(String(item.messageKey), messageFromItem(item)); break;
        case 'address': result.routes.set(String(item.address), addressRouteFromItem(item)); break;
        case 'domain': result.domains.set(String(item.domain), domainRouteFromItem(item)); break;
        case 'conversation': result.conversations.set(String(item.conversationId), conversationFromItem(item)); break;
        default: break;
      }
    }
    return result;
  }

  async subjectCandidates(mailboxId: string, subjectKey: string, since: string): Promise<SubjectCandidate[]> {
    const out = await this.table.query({
      IndexName: 'GSI3',
      KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK >= :since',
      ExpressionAttributeValues: { ':pk': indexKeys.subject(mailboxId, subjectKey), ':since': since },
      ScanIndexForward: false,
      Limit: 10,
    });
    return out.items.map((i) => ({ conversationId: String(i.conversationId), participants: fromSet(i.participants), lastActivityAt: String(i.lastActivityAt) }));
  }

  async getConversations(ids: string[]): Promise<ConversationRecord[]> {
    if (ids.length === 0) return [];
    return (await this.table.batchGet(ids.map((id) => keys.conversation(id)))).map(conversationFromItem);
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const item = await this.table.get(keys.conversation(id));
    return item ? conversationFromItem(item) : null;
  }

  /** Message items (with bodies) in the order asked. */
  async getMessages(messageKeys: string[]): Promise<{ message: MessageRecord; body: MessageBody }[]> {
    const items = await this.table.batchGet(messageKeys.map((k) => keys.message(k)));
    const byKey = new Map(items.map((i) => [String(i.messageKey), i]));
    const out: { message: MessageRecord; body: MessageBody }[] = [];
    for (const key of messageKeys) {
      const item = byKey.get(key);
      if (!item) continue;
      const message = messageFromItem(item);
      out.push({ message, body: await this.readBody(message, item.body as Uint8Array | undefined) });
    }
    return out;
  }

  /** Message records without decoding bodies, in the order asked. */
  async getMessagesMeta(messageKeys: string[]): Promise<MessageRecord[]> {
    if (messageKeys.length === 0) return [];
    const items = await this.table.batchGet(messageKeys.map((k) => keys.message(k)));
    const byKey = new Map(items.map((i) => [String(i.messageKey), messageFromItem(i)]));
    return messageKeys.flatMap((k) => byKey.get(k) ?? []);
  }

  async getMessage(messageKey: string): Promise<MessageRecord | null> {
    const item = await this.table.get(keys.message(messageKey));
    return item ? messageFromItem(item) : null;
  }

  private async readBody(message: MessageRecord, inline: Uint8Array | undefined): Promise<MessageBody> {
    if (inline) return decodeBody(inline);
    if (message.bodyKey) return decodeBody(await this.blobs.get(message.bodyKey));
    return { text: '', html: null };
  }

  /**
   * Writes a new message and the conversations it opens in one BatchWriteItem. Every value is a
   * function of the raw message, so a redelivery writes the same items again.
   */
  async saveNew(message: MessageRecord, body: MessageBody, newConversations: ConversationRecord[]): Promise<void> {
    const encoded = encodeBody(body);
    let inline: Buffer | undefined = encoded;
    if (encoded.length > INLINE_BODY_LIMIT) {
      message.bodyKey = `bodies/${message.messageKey}.json.br`;
      await this.blobs.put(message.bodyKey, encoded, 'application/octet-stream');
      inline = undefined;
    }
    const unroutable = message.placements.length === 0;
    const messageItem: Item = {
      ...keys.message(message.messageKey), type: 'message', ...message, body: inline,
      ...(unroutable ? { GSI3PK: indexKeys.unroutable, GSI3SK: `${message.receivedAt}#${message.messageKey}`, at: message.receivedAt } : {}),
    };
    await this.table.batchPut([messageItem, ...newConversations.map(conversationItem)]);
  }

  /** Writes conversations opened for a message that is already stored. */
  async saveConversations(conversations: ConversationRecord[]): Promise<void> {
    await this.table.batchPut(conversations.map(conversationItem));
  }

  /** Adds placements to an already stored message (the same mail delivered to another mailbox later). */
  async addPlacements(messageKey: string, placements: MessagePlacement[]): Promise<void> {
    await this.table.update({
      Key: keys.message(messageKey),
      UpdateExpression: 'SET placements = list_append(placements, :p) REMOVE GSI3PK, GSI3SK',
      ExpressionAttributeValues: { ':p': placements },
      ConditionExpression: 'attribute_exists(PK)',
    });
  }

  /**
   * Adds a message to an existing conversation in one conditional UpdateItem. The condition makes
   * a redelivery a no-op (`already`); a customer reply reopens a closed conversation, unarchives
   * an archived one and ends a snooze (its list keys move back out of the shelf partitions), which
   * needs its current state and so a second, also conditional, update. A conversation that is
   * none of these costs one update, as before. Every customer message removes the follow-up
   * reminder's token: a reminder firing later finds it gone and does nothing (timers.ts).
   *
   * `GSI4SK` follows the activity time whether or not the conversation is assigned: without
   * `GSI4PK` it indexes nothing, and one expression serves both cases. A new message makes the
   * conversation unread for everyone (`readBy` removed) and bumps `version`, so a change decided
   * on the state before the message is refused rather than applied blindly.
   */
  async appendToConversation(append: ConversationAppend, attempt = 0): Promise<'appended' | 'already' | 'missing'> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':ref': append.messageRef, ':refs': new Set([append.messageRef]), ':at': append.at, ':one': 1,
      ':snippet': append.snippet, ':closed': 'closed',
    };
    const sets = ['lastActivityAt = :at', 'snippet = :snippet', 'lastMessageKey = :key',
      'GSI1SK = :sort', 'GSI2SK = :sort', 'GSI3SK = :at', 'GSI4SK = :sort'];
    values[':key'] = append.messageRef.slice(append.messageRef.indexOf('#') + 1);
    values[':sort'] = indexKeys.activitySort(append.at, append.conversationId);
    if (append.from) { sets.push('#from = :from'); names['#from'] = 'from'; values[':from'] = append.from; }
    if (append.hasAttachments) { sets.push('hasAttachments = :true'); values[':true'] = true; }
    const adds = ['messageRefs :refs', 'messageCount :one', 'version :one'];
    if (append.participants.length) { adds.push('participants :participants'); values[':participants'] = new Set(append.participants); }
    if (append.labels.length) { adds.push('labels :labels'); values[':labels'] = new Set(append.labels); }
    if (append.flags.length) { adds.push('flags :flags'); values[':flags'] = new Set(append.flags); }
    const update = `SET ${sets.join(', ')} ADD ${adds.join(', ')} REMOVE readBy, followUpAt, followUpToken`;
    try {
      await this.table.update({
        Key: keys.conversation(append.conversationId),
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(PK) AND NOT contains(messageRefs, :ref) AND #status <> :closed AND attribute_not_exists(archived) AND attribute_not_exists(snoozedUntil)',
        ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      });
      return 'appended';
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // DynamoDB returns the current item with the failure; emulators may not, so read it then.
      const currentItem = error.item ?? await this.table.get(keys.conversation(append.conversationId), true);
      const current = currentItem ? conversationFromItem(currentItem) : null;
      if (!current) return 'missing';
      if (current.messageRefs.includes(append.messageRef)) return 'already';
      // Closed: reopen to where it stands for its assignee. Archived or snoozed: move the list keys back.
      // Trashed: it stays in the trash (a deliberate choice, spam among others), its status list key
      // with it; restoring it is a person's decision.
      const trashed = currentItem?.['trashed'] === true;
      const closed = current.status === 'closed';
      const status: ConversationStatus = closed ? (current.assignee ? 'assigned' : 'unassigned') : current.status;
      const restore = ['GSI2PK = :st'];
      values[':st'] = indexKeys.mailboxStatus(current.mailboxId, status, trashed ? 'trashed' : null);
      values[':observed'] = current.status;
      let condition = 'attribute_exists(PK) AND NOT contains(messageRefs, :ref) AND #status = :observed';
      let removes = '';
      delete values[':closed'];
      if (closed) { restore.unshift('#status = :reopened'); values[':reopened'] = status; }
      if (trashed) {
        // The list keys stay on the trash shelf; the version pins the state this was decided on.
        condition += ' AND version = :seen';
        values[':seen'] = current.version;
      } else if (shelfOf(current) !== null) {
        restore.push('GSI1PK = :mailboxPartition');
        values[':mailboxPartition'] = indexKeys.mailboxConversations(current.mailboxId);
        if (current.assignee) {
          restore.push('GSI4PK = :assigneePartition');
          values[':assigneePartition'] = indexKeys.mailboxAssignee(current.mailboxId, current.assignee);
        }
        // The assignee decides GSI4PK: the version pins it (every change bumps the version).
        condition += ' AND version = :seen';
        values[':seen'] = current.version;
        removes = ', archived, snoozedUntil, snoozeToken';
      } else {
        condition += ' AND attribute_not_exists(archived) AND attribute_not_exists(snoozedUntil)';
      }
      try {
        await this.table.update({
          Key: keys.conversation(append.conversationId),
          UpdateExpression: `${update.replace('SET ', `SET ${restore.join(', ')}, `)}${removes}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names, ExpressionAttributeValues: values,
        });
        return 'appended';
      } catch (retryError) {
        if (!(retryError instanceof ConditionFailedError) || attempt >= 3) throw retryError;
        // Changed in between (reopened, unarchived or reassigned by someone, or this message got in): decide again.
        return this.appendToConversation(append, attempt + 1);
      }
    }
  }

  /** Records a message that failed processing, so it stays listable after reaching the dead-letter queue. */
  async recordFailure(rawKey: string, error: string, attempts: number, quarantined: boolean, at: string): Promise<void> {
    await this.table.put({
      ...keys.quarantine(rawKey), type: 'failure', rawKey, error: error.slice(0, 2000), attempts, at,
      ...(quarantined ? { GSI3PK: indexKeys.quarantine, GSI3SK: `${at}#${rawKey}` } : {}),
    });
  }

  async clearFailure(rawKey: string): Promise<void> {
    await this.table.delete(keys.quarantine(rawKey));
  }
}
