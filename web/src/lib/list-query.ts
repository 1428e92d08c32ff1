/**
 * What a conversation list shows, as it sits in the URL (`?status=todo&label=urgent&q=facture`),
 * so a filtered list or a search can be bookmarked, shared and reloaded. The API takes the same
 * names (GET /api/mailboxes/{id}/conversations, /search); with `department` the list is the
 * department's, merged over the caller's mailboxes in it (GET /api/conversations, /api/search).
 */

export interface ListQuery {
  status: string | null;
  /** `me`, `unassigned` or a member's email. */
  assignee: string | null;
  label: string | null;
  /** Qualification id (GET /api/qualifications). */
  qualification: string | null;
  hasAttachment: 'true' | 'false' | null;
  /** Last activity from / to, `YYYY-MM-DD`. */
  from: string | null;
  to: string | null;
  /** Full-text search: when set, the list is the search's results. */
  q: string | null;
  /** A department's name (as the mailboxes list it): the list spans its mailboxes. */
  department: string | null;
  /**
   * `trash`: the mailbox's trashed conversations instead of the list; `archived` / `snoozed`: its
   * archived or snoozed conversations (the API's `archived=true` / `snoozed=true`), with the list's
   * filters but without search (the search covers the default lists only).
   */
  view: ListView | null;
}

export type ListView = 'trash' | 'archived' | 'snoozed';
const VIEWS: readonly string[] = ['trash', 'archived', 'snoozed'] satisfies ListView[];

/** The shelves listed with the normal conversation rows (the trash has rows of its own). */
export function isShelfView(view: ListView | null): view is 'archived' | 'snoozed' {
  return view === 'archived' || view === 'snoozed';
}

export const EMPTY_QUERY: ListQuery = {
  status: null, assignee: null, label: null, qualification: null, hasAttachment: null, from: null, to: null, q: null, department: null, view: null,
};

const KEYS = Object.keys(EMPTY_QUERY) as (keyof ListQuery)[];

export function parseListQuery(params: URLSearchParams): ListQuery {
  const value = (key: keyof ListQuery): string | null => {
    const raw = params.get(key)?.trim();
    return raw ? raw : null;
  };
  const attachment = value('hasAttachment');
  const view = value('view');
  return {
    status: value('status'), assignee: value('assignee'), label: value('label'), qualification: value('qualification'),
    hasAttachment: attachment === 'true' || attachment === 'false' ? attachment : null,
    from: value('from'), to: value('to'), q: value('q'), department: value('department'),
    view: view !== null && VIEWS.includes(view) ? view as ListView : null,
  };
}

/** `key=value&…` of the set fields, in a stable order (empty when nothing is set). */
export function listQueryString(query: Partial<ListQuery>): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** Filters other than the status select and the search box, for the "Filters (n)" button. */
export function advancedFilterCount(query: ListQuery): number {
  return [query.assignee, query.label, query.qualification, query.hasAttachment, query.from, query.to, query.department].filter((v) => v !== null).length;
}

export function sameQuery(a: ListQuery, b: ListQuery): boolean {
  return KEYS.every((key) => a[key] === b[key]);
}

/**
 * The API request for one page of this list: the search when `q` is set, else the filtered list;
 * a department's (over all its mailboxes) when `department` is set, else the mailbox's. The trash
 * is the mailbox's own list of trashed conversations, without the other filters. The archived
 * and snoozed views are the filtered list on that shelf; a department's list has an archived shelf
 * but no snoozed one (GET /api/conversations), so the snoozed view is always the mailbox's.
 */
export function apiListPath(mailboxId: string, query: ListQuery, cursor: string | null, limit: number): string {
  const base = `/api/mailboxes/${encodeURIComponent(mailboxId)}`;
  if (query.view === 'trash') {
    const params = new URLSearchParams({ trashed: 'true', limit: String(limit) });
    if (cursor) params.set('cursor', cursor);
    return `${base}/conversations?${params}`;
  }
  const shelf = isShelfView(query.view) ? query.view : null;
  if (query.q !== null && shelf === null) {
    const params = new URLSearchParams({ q: query.q, limit: String(Math.min(limit, 50)) });
    if (query.department !== null) params.set('department', query.department);
    if (cursor) params.set('cursor', cursor);
    return query.department !== null ? `/api/search?${params}` : `${base}/search?${params}`;
  }
  const params = new URLSearchParams({ limit: String(limit) });
  const department = shelf === 'snoozed' ? null : query.department;
  if (department !== null) params.set('department', department);
  if (shelf !== null) params.set(shelf, 'true');
  for (const key of ['status', 'assignee', 'label', 'qualification', 'hasAttachment', 'from', 'to'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (cursor) params.set('cursor', cursor);
  return department !== null ? `/api/conversations?${params}` : `${base}/conversations?${params}`;
}
