/** Read side of the inbox: each call is one Query (or GetItem + BatchGetItem) on a key or index. */
import { indexKeys, keys } from '../model/keys.js';
import type { ConversationRecord, ConversationStatus, MessageBody, MessageRecord, ThreadingReason } from '../model/types.js';
import type { Item, Table } from '../adapters/dynamodb-table.js';
import { conversationFromItem, messageFromItem, type MailStore } from '../inbound/mail-store.js';
import type { DownloadLinks } from '../adapters/s3-presigner.js';
import { encodeCursor, type CursorPosition } from './cursor.js';

export interface Page<T> { items: T[]; nextCursor: string | null }

export async function listConversations(
  table: Table, mailboxId: string, options: { status?: ConversationStatus; limit: number; cursor?: CursorPosition },
): Promise<Page<ConversationRecord>> {
  const byStatus = options.status !== undefined;
  const index = byStatus ? 'GSI2' : 'GSI1';
  const pk = byStatus ? indexKeys.mailboxStatus(mailboxId, options.status!) : indexKeys.mailboxConversations(mailboxId);
  const out = await table.query({
    IndexName: index,
    KeyConditionExpression: `${index}PK = :pk`,
    ExpressionAttributeValues: { ':pk': pk },
    ScanIndexForward: false,
    Limit: options.limit,
    ...(options.cursor ? { ExclusiveStartKey: { [`${index}PK`]: pk, [`${index}SK`]: options.cursor.s, PK: options.cursor.p, SK: 'CONV' } } : {}),
  });
  return {
    items: out.items.map(conversationFromItem),
    nextCursor: out.lastKey ? encodeCursor({ s: String(out.lastKey[`${index}SK`]), p: String(out.lastKey.PK) }) : null,
  };
}

export function explainThreading(reason: ThreadingReason): string {
  switch (reason.kind) {
    case 'new': return 'Started a new conversation: no reference to a known message.';
    case 'in-reply-to': return `Reply to <${reason.messageId}> (In-Reply-To header).`;
    case 'references': return `Refers to <${reason.messageId}> (References header).`;
    case 'reply-token': return `Carries this conversation's reply token (${reason.token}).`;
    case 'subject': return `Same subject ("${reason.subjectKey}") from a participant, within the subject window; no header referenced the conversation.`;
    case 'redelivery': return 'Delivered again; stored once.';
  }
}

export interface MessageView {
  message: MessageRecord;
  body: MessageBody;
  threading: ThreadingReason;
}

/** The conversation's messages in order, oldest first (messageRefs sort by arrival time). */
export async function loadConversationMessages(store: MailStore, conversation: ConversationRecord): Promise<MessageView[]> {
  const refs = [...conversation.messageRefs].sort();
  const messageKeys = refs.map((r) => r.slice(r.indexOf('#') + 1));
  const loaded = await store.getMessages(messageKeys);
  return loaded.map(({ message, body }) => ({
    message, body,
    threading: message.placements.find((p) => p.conversationId === conversation.conversationId)?.threading ?? { kind: 'new' },
  }));
}

/** Inline images: `cid:` references in sanitised HTML become short-lived links to the stored parts. */
export async function resolveInlineImages(html: string, message: MessageRecord, links: DownloadLinks): Promise<string> {
  const inline = message.attachments.filter((a) => a.contentId !== null);
  if (inline.length === 0 || !html.includes('cid:')) return html;
  const urls = new Map<string, string>();
  for (const a of inline) {
    urls.set(a.contentId!.toLowerCase(), await links.link(a.storageKey, { filename: a.filename, contentType: a.contentType, inline: true, expiresInSeconds: 3600 }));
  }
  return html.replace(/(src\s*=\s*["'])cid:([^"']+)(["'])/gi, (whole, open: string, cid: string, close: string) => {
    const url = urls.get(decodeURIComponent(cid).toLowerCase());
    return url ? `${open}${url.replace(/&/g, '&amp;')}${close}` : whole;
  });
}

export async function listByLookupIndex(table: Table, partition: string, limit: number, cursor?: CursorPosition): Promise<{ items: Item[]; nextCursor: string | null }> {
  const out = await table.query({
    IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :pk', ExpressionAttributeValues: { ':pk': partition },
    ScanIndexForward: false, Limit: limit,
    ...(cursor ? { ExclusiveStartKey: { GSI3PK: partition, GSI3SK: cursor.s, PK: cursor.p, SK: cursor.p.startsWith('MSG#') ? 'MSG' : 'QUAR' } } : {}),
  });
  return {
    items: out.items,
    nextCursor: out.lastKey ? encodeCursor({ s: String(out.lastKey.GSI3SK), p: String(out.lastKey.PK) }) : null,
  };
}

export async function getMessageItem(table: Table, messageKey: string): Promise<MessageRecord | null> {
  const item = await table.get(keys.message(messageKey));
  return item ? messageFromItem(item) : null;
}
