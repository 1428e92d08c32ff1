/**
 * Outbox views: the outgoing messages a person may see, by scope, newest first, with cursor
 * paging. Each scope is one or a few Queries on index partitions written once at compose time
 * (outbox-store.ts), never a Scan:
 *
 * | scope    | who                                  | partitions                                           |
 * |----------|--------------------------------------|------------------------------------------------------|
 * | `mine`   | everyone                             | GSI1 `OUTBOX#BY#<orgId>#<email>`                     |
 * | `team`   | admins and dispatchers of a mailbox  | GSI3 `OUTBOX#<mailboxId>`, one per such mailbox      |
 * | `system` | admins and dispatchers               | GSI1 `OUTBOX#BY#<orgId>#system`, their mailboxes'    |
 * | `all`    | organisation admins                  | GSI2 `OUTBOX#ORG#<orgId>`                            |
 *
 * Several partitions are merged by sort key (`<createdAt>#<messageKey>`, unique). A page is only
 * trusted down to the oldest position every partition has been read to (the horizon), so merging
 * never skips a message; the cursor is that position. A status filter is applied to the records
 * read, reading further (a few rounds at most) to fill the page.
 *
 * Every column comes from the message items read for the page, nothing else: the case and
 * business records a message belongs to (`links`) are a snapshot written at compose time
 * (compose.ts `outboxLinks`), so a page never reads cases or conversations. A conversation linked
 * after its message was queued shows the link on the conversation, not on that message.
 */
import type { UserWithRoles } from '../org/directory.js';
import { indexKeys } from '../model/keys.js';
import type { OutboxStatus } from '../model/types.js';
import { canSeeOutbound } from './cancel.js';
import { SYSTEM_AUTHOR, type OutboxRecord, type OutboxStore } from './outbox-store.js';

export const OUTBOX_SCOPES = ['mine', 'team', 'system', 'all'] as const;
export type OutboxScope = (typeof OUTBOX_SCOPES)[number];

/** One index partition of a view, and which of its records the caller may see. */
export interface ViewPartition {
  index: 'GSI1' | 'GSI2' | 'GSI3' | 'GSI4';
  partition: string;
  keep: (record: OutboxRecord) => boolean;
}

export interface ViewPage {
  items: OutboxRecord[];
  /** Position to continue from (`before` of the next call), or null at the end. */
  next: string | null;
}

/** Reads of one page at most: a narrow status filter returns a short page with a cursor rather than reading on. */
const MAX_ROUNDS = 4;

export type ViewRefusal = { kind: 'forbidden'; message: string } | { kind: 'not-found' };

/** Mailboxes where the caller is an admin or a dispatcher: whose outbox they manage. */
export function managedMailboxes(caller: UserWithRoles): string[] {
  return Object.entries(caller.roles).filter(([, role]) => role === 'admin' || role === 'dispatcher').map(([id]) => id);
}

/** The scope a caller sees when they have not chosen one: admins everything, dispatchers their team's, others their own. */
export function defaultScope(caller: UserWithRoles): OutboxScope {
  if (caller.orgAdmin) return 'all';
  return managedMailboxes(caller).length > 0 ? 'team' : 'mine';
}

/** The partitions of a scope for a caller, or why they may not use it. `mailboxId` narrows `team` and `system`. */
export function partitionsFor(caller: UserWithRoles, scope: OutboxScope, mailboxId: string | null): ViewPartition[] | ViewRefusal {
  const managed = managedMailboxes(caller);
  const narrowed = (ids: string[]) => (mailboxId === null ? ids : ids.filter((id) => id === mailboxId));
  if (mailboxId !== null && !Object.hasOwn(caller.roles, mailboxId)) return { kind: 'not-found' };
  switch (scope) {
    case 'mine':
      return [{
        index: 'GSI1', partition: indexKeys.outboxAuthor(caller.orgId, caller.email),
        keep: (r) => canSeeOutbound(caller, r) && (mailboxId === null || r.mailboxId === mailboxId),
      }];
    case 'team': {
      const ids = narrowed(managed);
      if (ids.length === 0) return { kind: 'forbidden', message: 'The team view shows the mailboxes you dispatch or administer; you have none here.' };
      return ids.map((id) => ({ index: 'GSI3', partition: indexKeys.outbox(id), keep: () => true }));
    }
    case 'system': {
      const ids = new Set(narrowed(managed));
      if (ids.size === 0) return { kind: 'forbidden', message: 'System-generated mail is shown to admins and dispatchers of its mailbox.' };
      return [{ index: 'GSI1', partition: indexKeys.outboxAuthor(caller.orgId, SYSTEM_AUTHOR), keep: (r) => ids.has(r.mailboxId) }];
    }
    case 'all':
      if (!caller.orgAdmin) return { kind: 'forbidden', message: 'Only organisation administrators see every outgoing message.' };
      return [{ index: 'GSI2', partition: indexKeys.outboxOrg(caller.orgId), keep: (r) => mailboxId === null || r.mailboxId === mailboxId }];
  }
}

/**
 * One page of the merged partitions, newest first, strictly older than `before`, keeping records
 * that pass `keep` and the status filter.
 */
export async function readMerged(
  outbox: OutboxStore, partitions: ViewPartition[], options: { limit: number; before: string | null; statuses: readonly OutboxStatus[] | null },
): Promise<ViewPage> {
  const statusOk = (r: OutboxRecord) => options.statuses === null || options.statuses.includes(r.status);
  // A filter keeps only some of the rows read: read wider pages so a few rounds fill the page.
  const readLimit = options.statuses === null ? options.limit : Math.min(100, Math.max(options.limit * 4, 25));
  const found: { record: OutboxRecord; sort: string }[] = [];
  let before = options.before;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const pages = await Promise.all(partitions.map(async (p) => ({ p, page: await outbox.listPartition(p.index, p.partition, readLimit, before) })));
    // Every partition is read at least down to the horizon: below it, one may hold rows not yet read.
    const truncated = pages.filter((x) => x.page.last !== null).map((x) => x.page.last!);
    const horizon = truncated.length > 0 ? truncated.reduce((a, b) => (a > b ? a : b)) : null;
    for (const { p, page } of pages) {
      for (const record of page.items) {
        if (horizon !== null && record.indexSort < horizon) continue;
        if (p.keep(record) && statusOk(record)) found.push({ record, sort: record.indexSort });
      }
    }
    found.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
    if (found.length >= options.limit) {
      const page = found.slice(0, options.limit);
      return { items: page.map((f) => f.record), next: page[page.length - 1]!.sort };
    }
    if (horizon === null) return { items: found.map((f) => f.record), next: null };
    // Everything at or above the horizon is in `found`; continue below it.
    before = horizon;
  }
  return { items: found.map((f) => f.record), next: before };
}
