/** Paging and refresh of a conversation list (pure functions; the hook in use-conversations.ts holds the state). */
import type { ConversationPage, ConversationSummary } from '../api/types';

/** The first page is small, to show the inbox fast; further pages are the API's maximum, to scroll far in few requests. */
export const FIRST_PAGE_SIZE = 50;
export const NEXT_PAGE_SIZE = 100;

function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  return b.lastActivityAt.localeCompare(a.lastActivityAt);
}

/** Appends a further page, skipping conversations already shown (one may have moved up meanwhile). */
export function appendPage(items: ConversationSummary[], page: ConversationPage): ConversationSummary[] {
  const seen = new Set(items.map((c) => c.conversationId));
  return [...items, ...page.items.filter((c) => !seen.has(c.conversationId))];
}

export interface Merged {
  items: ConversationSummary[];
  nextCursor: string | null;
  /** Conversations that were not shown before. */
  arrived: number;
}

/**
 * Folds a fresh first page into what is shown. The fresh page is the truth for its time range
 * (newest activity down to its last item): a shown conversation in that range but missing from
 * it has left this list (e.g. its status changed). Older shown conversations are kept.
 */
export function mergeFirstPage(items: ConversationSummary[], nextCursor: string | null, fresh: ConversationPage): Merged {
  const known = new Set(items.map((c) => c.conversationId));
  const arrived = fresh.items.filter((c) => !known.has(c.conversationId)).length;
  // A filtered page may come back empty with more to read: it says nothing about what is shown.
  if (fresh.items.length === 0 && fresh.nextCursor !== null) return { items, nextCursor, arrived: 0 };
  if (fresh.nextCursor === null || items.length <= fresh.items.length) {
    return { items: [...fresh.items], nextCursor: fresh.nextCursor, arrived };
  }
  const freshIds = new Set(fresh.items.map((c) => c.conversationId));
  const oldest = fresh.items[fresh.items.length - 1]?.lastActivityAt ?? '';
  const older = items.filter((c) => !freshIds.has(c.conversationId) && c.lastActivityAt < oldest);
  return { items: [...fresh.items, ...older].sort(byActivity), nextCursor, arrived };
}
