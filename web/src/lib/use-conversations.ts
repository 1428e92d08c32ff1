/** The state of one mailbox's conversation list: first page, further pages, refreshes. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationPage, ConversationSummary } from '../api/types';
import { appendPage, FIRST_PAGE_SIZE, mergeFirstPage, NEXT_PAGE_SIZE } from './conversation-pages';
import { apiListPath, listQueryString, type ListQuery } from './list-query';

export interface ConversationsState {
  items: ConversationSummary[];
  nextCursor: string | null;
  /** First page not there yet. */
  loading: boolean;
  /** The first page failed. */
  error: unknown;
  loadingMore: boolean;
  moreError: unknown;
  /** The last refresh failed (the list still shows what it had). */
  refreshError: unknown;
  refreshedAt: Date | null;
  /** Conversations that appeared in the last refresh. */
  arrived: number;
}

const initial: ConversationsState = {
  items: [], nextCursor: null, loading: true, error: null, loadingMore: false, moreError: null, refreshError: null, refreshedAt: null, arrived: 0,
};

function listPath(mailboxId: string, query: ListQuery, cursor: string | null): string {
  return apiListPath(mailboxId, query, cursor, cursor === null ? FIRST_PAGE_SIZE : NEXT_PAGE_SIZE);
}

/** Filtered lists (an agent's own conversations) can return sparse pages: read on until half a page is there. */
const MAX_PAGES_PER_FILL = 4;

async function fetchFilled(api: ApiClient, mailboxId: string, query: ListQuery, cursor: string | null, revalidate = false): Promise<ConversationPage> {
  const items: ConversationSummary[] = [];
  let next = cursor;
  for (let pages = 0; pages < MAX_PAGES_PER_FILL; pages++) {
    // Polling re-reads the first pages: an unchanged page comes back as a 304.
    const page = await api.get<ConversationPage>(listPath(mailboxId, query, next), { revalidate });
    items.push(...page.items);
    next = page.nextCursor;
    if (next === null || items.length >= FIRST_PAGE_SIZE / 2) break;
  }
  return { items, nextCursor: next };
}

export function useConversations(api: ApiClient, mailboxId: string, query: ListQuery) {
  /** The query as a stable value for the hooks' dependencies (a new object each render otherwise). */
  const key = listQueryString(query);
  const [state, setState] = useState<ConversationsState>(initial);
  const current = useRef(state);
  current.current = state;
  /** Bumped on mailbox/filter change: answers to an older list are dropped. */
  const generation = useRef(0);

  const loadFirst = useCallback(async () => {
    const mine = ++generation.current;
    setState(initial);
    try {
      const page = await fetchFilled(api, mailboxId, query, null);
      if (mine !== generation.current) return;
      setState({ ...initial, loading: false, items: page.items, nextCursor: page.nextCursor, refreshedAt: new Date() });
    } catch (error) {
      if (mine !== generation.current) return;
      setState({ ...initial, loading: false, error });
    }
  }, [api, mailboxId, key]);

  useEffect(() => {
    void loadFirst();
  }, [loadFirst]);

  const loadMore = useCallback(async () => {
    const { nextCursor, loadingMore } = current.current;
    if (nextCursor === null || loadingMore) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loadingMore: true, moreError: null }));
    try {
      const page = await fetchFilled(api, mailboxId, query, nextCursor);
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, loadingMore: false, items: appendPage(s.items, page), nextCursor: page.nextCursor }));
    } catch (error) {
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, loadingMore: false, moreError: error }));
    }
  }, [api, mailboxId, key]);

  const refresh = useCallback(async () => {
    const mine = generation.current;
    if (current.current.loading) return;
    if (current.current.error !== null) {
      await loadFirst();
      return;
    }
    try {
      const page = await fetchFilled(api, mailboxId, query, null, true);
      if (mine !== generation.current) return;
      setState((s) => {
        const merged = mergeFirstPage(s.items, s.nextCursor, page);
        return { ...s, ...merged, refreshError: null, refreshedAt: new Date() };
      });
    } catch (error) {
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, refreshError: error }));
    }
  }, [api, mailboxId, key, loadFirst]);

  /** A newer view of one conversation (after opening or changing it): replace it in place. */
  const patch = useCallback((summary: ConversationSummary) => {
    setState((s) => {
      const index = s.items.findIndex((c) => c.conversationId === summary.conversationId);
      if (index === -1) return s;
      const items = s.items.slice();
      items[index] = { ...items[index]!, ...summary };
      return { ...s, items };
    });
  }, []);

  return { state, loadMore, refresh, reload: loadFirst, patch };
}
