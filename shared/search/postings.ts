/**
 * The inverted index, stored in the single table: one small item (a posting) per (mailbox, term,
 * conversation).
 *
 *   PK = `TERM#<mailboxId>#<term>`   SK = `<conversation createdAt>#<conversationId>`
 *
 * The sort key uses the conversation's creation time, not its last activity, on purpose:
 * - it never moves, so every message of a conversation writes the same key for a term: one posting
 *   per conversation and term (a reply adds only the terms that are new to it), and an event
 *   delivered twice writes the same items again (idempotent without a condition or a read);
 * - a query can check whether a conversation holds a term with a GetItem on an exact key
 *   (BatchGetItem of candidates), instead of reading the term's whole posting list;
 * - postings still come newest first (newest conversations), which is what a search shows first.
 *
 * Postings carry no other attribute (about 80 bytes of key): one write unit each, and no index.
 */
import type { Item, Key, Table } from '../adapters/dynamodb-table.js';

export const TERM_PREFIX = 'TERM#';

export function termPartition(mailboxId: string, term: string): string {
  return `${TERM_PREFIX}${mailboxId}#${term}`;
}

export function postingSort(createdAt: string, conversationId: string): string {
  return `${createdAt}#${conversationId}`;
}

/** The conversation a posting points at (the sort key ends with it). */
export function conversationOfSort(sort: string): string {
  return sort.slice(sort.lastIndexOf('#') + 1);
}

export function postingKey(mailboxId: string, term: string, sort: string): Key {
  return { PK: termPartition(mailboxId, term), SK: sort };
}

export interface PostingPage {
  /** Posting sort keys, newest conversation first. */
  sorts: string[];
  /** True when the term has no postings beyond these (below `before`). */
  complete: boolean;
}

/** One page of a term's postings, newest first, strictly below `before` when given. */
export async function readPostings(table: Table, mailboxId: string, term: string, limit: number, before?: string): Promise<PostingPage> {
  const out = await table.query({
    KeyConditionExpression: before === undefined ? 'PK = :pk' : 'PK = :pk AND SK < :before',
    ExpressionAttributeValues: { ':pk': termPartition(mailboxId, term), ...(before === undefined ? {} : { ':before': before }) },
    ProjectionExpression: 'SK',
    ScanIndexForward: false,
    Limit: limit,
  });
  return { sorts: out.items.map((item) => String(item.SK)), complete: out.lastKey === undefined };
}

/**
 * A term's postings between two sort keys (inclusive), newest first, at most `limit`: how a query
 * checks a common term against a window of candidates for a fraction of a read unit each.
 */
export async function readPostingsBetween(table: Table, mailboxId: string, term: string, low: string, high: string, limit: number): Promise<PostingPage> {
  const out = await table.query({
    KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
    ExpressionAttributeValues: { ':pk': termPartition(mailboxId, term), ':low': low, ':high': high },
    ProjectionExpression: 'SK',
    ScanIndexForward: false,
    Limit: limit,
  });
  return { sorts: out.items.map((item) => String(item.SK)), complete: out.lastKey === undefined };
}

/** Which of these postings exist (one BatchGetItem per 100 keys, key attributes only). */
export async function existingPostings(table: Table, keys: Key[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const items: Item[] = await table.batchGet(keys, ['PK', 'SK']);
  return new Set(items.map((item) => `${String(item.PK)}\u0000${String(item.SK)}`));
}

export function postingId(key: Key): string {
  return `${key.PK}\u0000${key.SK}`;
}
