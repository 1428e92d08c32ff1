/**
 * The search indexer: turns a stored message into postings (postings.ts), off the inbound path.
 *
 * Why asynchronous, from the bus: the inbound function's latency and write cost stay what they
 * were (one BatchWriteItem per new conversation); indexing costs one write unit per distinct term
 * and runs in its own function, fed by a rule on `Message Received` (and `Message Queued`, so the
 * team's own replies are found too). A message becomes searchable a second or so after it arrives.
 *
 * Primary course:
 * 1. Parse the bus event (as a rule delivers it to SQS); anything else is dropped.
 * 2. Read the message with its body (MailStore: inline, or S3 for large bodies) and the
 *    conversations it is placed in (one BatchGetItem): their creation time is the postings' sort key.
 * 3. Extract the terms of subject, participants, attachment names and the body's own text (its
 *    quoted history left out), capped (tokenize.ts).
 * 4. Write one posting per (placement, term) with BatchWriteItem. Every key and value derives from
 *    the stored message and conversation, so a redelivered event writes the same items.
 */
import * as z from 'zod';
import type { Table } from '../adapters/dynamodb-table.js';
import { EVENTS } from '../events/contracts.js';
import type { MailStore } from '../inbound/mail-store.js';
import { htmlToText } from '../mail/html-text.js';
import { makeSnippet } from '../mail/snippet.js';
import type { MessageBody, MessageRecord } from '../model/types.js';
import { postingKey, postingSort } from './postings.js';
import { terms } from './tokenize.js';

/**
 * Distinct terms indexed per message: bounds the write cost of one message (one write unit per
 * term) whatever its length (a newsletter, a log dump). Subject and participants come first.
 */
export const MAX_TERMS_PER_MESSAGE = 200;
/** Body characters read for terms. */
export const MAX_BODY_CHARS = 20_000;

/**
 * Events that make a message searchable, and `Conversation Moved`, after which the conversation's
 * messages are indexed again under their new mailbox; the indexer's bus rule matches these.
 */
export const INDEXED_DETAIL_TYPES = [EVENTS.messageReceived.detailType, EVENTS.messageQueued.detailType, EVENTS.conversationMoved.detailType] as const;

const movedEventSchema = z.object({
  'detail-type': z.literal(EVENTS.conversationMoved.detailType),
  detail: z.object({ data: z.object({ conversationId: z.string().min(1) }) }),
});

/** The conversation a `Conversation Moved` event names, or null when the body is not one. */
export function parseMovedEvent(body: string): string | null {
  try {
    const parsed = movedEventSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.detail.data.conversationId : null;
  } catch {
    return null;
  }
}

const busEventSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal(EVENTS.messageReceived.detailType),
    detail: z.object({
      data: z.object({
        messageKey: z.string().min(1),
        placements: z.array(z.object({ mailboxId: z.string().min(1), conversationId: z.string().min(1) })),
      }),
    }),
  }),
  z.object({
    'detail-type': z.literal(EVENTS.messageQueued.detailType),
    detail: z.object({ data: z.object({ messageKey: z.string().min(1), mailboxId: z.string().min(1), conversationId: z.string().min(1) }) }),
  }),
]);

/** What to index: a message and the conversations it is in. */
export interface IndexRequest {
  messageKey: string;
  placements: { mailboxId: string; conversationId: string }[];
}

/** The request an indexing event carries, or null when the body is not one (dropped: a retry cannot fix it). */
export function parseIndexEvent(body: string): IndexRequest | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const parsed = busEventSchema.safeParse(json);
  if (!parsed.success) return null;
  if (parsed.data['detail-type'] === EVENTS.messageReceived.detailType) {
    const { messageKey, placements } = parsed.data.detail.data;
    return { messageKey, placements: placements.map((p) => ({ mailboxId: p.mailboxId, conversationId: p.conversationId })) };
  }
  const { messageKey, mailboxId, conversationId } = parsed.data.detail.data;
  return { messageKey, placements: [{ mailboxId, conversationId }] };
}

export interface IndexerDeps {
  table: Table;
  store: MailStore;
}

export type IndexOutcome =
  | { kind: 'indexed'; terms: number; postings: number }
  /** The message or its conversations are gone (deleted meanwhile): nothing to index. */
  | { kind: 'missing' };

/** The terms a message is found by, capped at {@link MAX_TERMS_PER_MESSAGE}. */
export function messageTerms(message: Pick<MessageRecord, 'subject' | 'from' | 'to' | 'cc' | 'attachments'>, body: MessageBody): string[] {
  const found = new Set<string>();
  const max = MAX_TERMS_PER_MESSAGE;
  terms(message.subject, found, max);
  for (const address of [...(message.from ? [message.from] : []), ...message.to, ...message.cc]) {
    terms(`${address.name} ${address.address}`, found, max);
  }
  for (const attachment of message.attachments) terms(attachment.filename ?? '', found, max);
  const text = body.text.trim() !== '' ? body.text : body.html !== null ? htmlToText(body.html) : '';
  // The sender's own words: the quoted history of a reply is the earlier messages of the same
  // conversation, already indexed under the same postings (writing them again costs, finds nothing new).
  terms(makeSnippet(text.slice(0, MAX_BODY_CHARS * 2), MAX_BODY_CHARS), found, max);
  return [...found];
}

export async function indexMessage(request: IndexRequest, deps: IndexerDeps): Promise<IndexOutcome> {
  const [loaded] = await deps.store.getMessages([request.messageKey]);
  if (!loaded) return { kind: 'missing' };
  const conversations = await deps.store.getConversations(request.placements.map((p) => p.conversationId));
  const created = new Map(conversations.map((c) => [c.conversationId, c]));
  const found = messageTerms(loaded.message, loaded.body);
  const postings = request.placements.flatMap((placement) => {
    const conversation = created.get(placement.conversationId);
    if (!conversation) return [];
    // Under the mailbox the conversation is in now (it may have moved since the event).
    const sort = postingSort(conversation.createdAt, conversation.conversationId);
    return found.map((term) => postingKey(conversation.mailboxId, term, sort));
  });
  if (postings.length === 0) return { kind: 'missing' };
  await deps.table.batchPut(postings.map((key) => ({ PK: key.PK, SK: key.SK })));
  return { kind: 'indexed', terms: found.length, postings: postings.length };
}

/**
 * After a move: every message of the conversation indexed under the mailbox it is in now. The
 * postings left under the old mailbox find nothing (search keeps only conversations still in the
 * mailbox searched), so they are not worth a delete per term.
 */
export async function reindexConversation(conversationId: string, deps: IndexerDeps): Promise<IndexOutcome> {
  const [conversation] = await deps.store.getConversations([conversationId]);
  if (!conversation) return { kind: 'missing' };
  const placement = { mailboxId: conversation.mailboxId, conversationId };
  let terms = 0;
  let postings = 0;
  for (const ref of conversation.messageRefs) {
    const outcome = await indexMessage({ messageKey: ref.slice(ref.indexOf('#') + 1), placements: [placement] }, deps);
    if (outcome.kind === 'indexed') {
      terms += outcome.terms;
      postings += outcome.postings;
    }
  }
  return postings === 0 ? { kind: 'missing' } : { kind: 'indexed', terms, postings };
}
