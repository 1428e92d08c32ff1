/**
 * A conversation's history as one timeline, oldest first: stored entries (views and changes) merged
 * with "received" entries derived from the conversation's message refs.
 *
 * Why "received" is derived rather than stored: the inbound use case writes a new conversation
 * and its message in one BatchWriteItem; a history item there would add a write unit to every
 * received message (and another write per message joining an existing conversation), the
 * system's most frequent write. The conversation already holds `<receivedAt>#<messageKey>` for
 * every message (`messageRefs`), and the history route reads the conversation anyway to check
 * access, so the entries cost nothing: they are computed at read time and merged by sort position
 * (`H#<receivedAt>#r#<messageKey>`) with the stored ones, one Query per page.
 */
import type { ConversationStatus } from '../model/types.js';
import { receivedSort, type HistoryItem } from './conversation-repository.js';

export type HistoryEntry =
  | { id: string; at: string; kind: 'received'; actor: null; version: null; messageKey: string }
  | { id: string; at: string; kind: 'viewed'; actor: string; version: null }
  | { id: string; at: string; kind: 'assigned'; actor: string; version: number; assignee: string; previousAssignee: string | null; message: string | null }
  | { id: string; at: string; kind: 'unassigned'; actor: string; version: number; previousAssignee: string; message: string | null }
  | { id: string; at: string; kind: 'status_changed'; actor: string; version: number; from: ConversationStatus; to: ConversationStatus }
  | { id: string; at: string; kind: 'labelled' | 'unlabelled'; actor: string; version: number; labels: string[] }
  | { id: string; at: string; kind: 'archived' | 'unarchived' | 'unsnoozed' | 'follow_up_cancelled'; actor: string; version: number }
  | { id: string; at: string; kind: 'snoozed'; actor: string; version: number; until: string }
  | { id: string; at: string; kind: 'follow_up_set'; actor: string; version: number; remindAt: string }
  | { id: string; at: string; kind: 'timer_fired'; actor: string; version: number; timer: 'snooze' | 'follow_up'; dueAt: string; setBy: string | null }
  | { id: string; at: string; kind: 'note_added'; actor: string; version: null; noteId: string; mentions: string[] }
  | { id: string; at: string; kind: 'moved'; actor: string; version: number; from: string; to: string; previousAssignee: string | null }
  | { id: string; at: string; kind: 'trashed' | 'restored'; actor: string; version: number }
  | { id: string; at: string; kind: 'qualified'; actor: string; version: number; qualification: string | null; previousQualification: string | null }
  | { id: string; at: string; kind: 'overdue'; actor: string; version: number; dueAt: string }
  | { id: string; at: string; kind: 'replied' | 'forwarded'; actor: string; version: null; messageKey: string }
  | { id: string; at: string; kind: 'overdue_cleared'; actor: string; version: null; dueAt: string; overdue: boolean; reason: 'replied' };

/** Expands a stored item into its entries (a change can record several facts). */
export function entriesOf(item: HistoryItem): HistoryEntry[] {
  return item.facts.map((fact, n) => {
    const id = `${item.sort.slice(2)}#${n}`;
    if (fact.kind === 'viewed') return { id, at: item.at, kind: 'viewed', actor: item.actor ?? '', version: null };
    if (fact.kind === 'note_added') return { id, at: item.at, actor: item.actor ?? '', version: null, ...fact };
    if (fact.kind === 'replied' || fact.kind === 'forwarded' || fact.kind === 'overdue_cleared') return { id, at: item.at, actor: item.actor ?? '', version: null, ...fact };
    return { id, at: item.at, actor: item.actor ?? '', version: item.version ?? 0, ...fact } as HistoryEntry;
  });
}

/** "received" positions from `<receivedAt>#<messageKey>` refs, in sort order. */
export function receivedItems(messageRefs: string[]): { sort: string; entry: HistoryEntry }[] {
  return messageRefs.map((ref) => {
    const split = ref.indexOf('#');
    const at = ref.slice(0, split);
    const messageKey = ref.slice(split + 1);
    return { sort: receivedSort(at, messageKey), entry: { id: `received#${messageKey}`, at, kind: 'received', actor: null, version: null, messageKey } as HistoryEntry };
  }).sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
}

/**
 * Merges one page of stored items (queried after `after`, at most `limit`) with the derived
 * entries after `after`, and cuts at `limit` positions. The cursor is the last position returned:
 * stored items past the cut are queried again on the next page, so nothing is skipped or repeated.
 */
export function mergeHistoryPage(
  stored: { items: HistoryItem[]; more: boolean },
  derived: { sort: string; entry: HistoryEntry }[],
  limit: number,
  after?: string,
): { entries: HistoryEntry[]; nextAfter: string | null } {
  // When the Query stopped early, stored items may exist past its last one: derived entries beyond
  // that point wait for the next page, or they would jump ahead of them.
  const horizon = stored.more ? stored.items[stored.items.length - 1]?.sort : undefined;
  const positions = [
    ...stored.items.map((item) => ({ sort: item.sort, entries: entriesOf(item) })),
    ...derived
      .filter((d) => (after === undefined || d.sort > after) && (horizon === undefined || d.sort < horizon))
      .map((d) => ({ sort: d.sort, entries: [d.entry] })),
  ].sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  const page = positions.slice(0, limit);
  const more = positions.length > limit || stored.more;
  return { entries: page.flatMap((p) => p.entries), nextAfter: more && page.length > 0 ? page[page.length - 1]!.sort : null };
}
