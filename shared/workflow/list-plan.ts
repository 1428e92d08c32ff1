/**
 * Which Query serves a conversation list, given the caller's role and the filters, and how one
 * page of it is read. The planning is pure, so the role rules of listing are tested without a table.
 *
 * Key condition (the partition, chosen as the most selective index for the filters):
 * - No filter: GSI1, the mailbox by activity. Status: GSI2, one partition per status.
 * - A person (`assignee=me` or an email): GSI4, the sparse index of that member's conversations.
 *   An agent gets this plan whatever they ask: their list is a Query of their own conversations,
 *   never a filtered read of the mailbox.
 * - A person and a status: the smaller partition, filtered on the other attribute. For open
 *   statuses that is the status partition (bounded by the team's open work); for `closed` it is
 *   the person's partition (the closed partition holds the mailbox's whole past).
 * - `unassigned`: the `unassigned` status partition (no assignee <=> unassigned, except closed
 *   conversations nobody took, served from the closed partition with a filter).
 * - `archived` / `snoozed`: the same plan on the `#ARCHIVED` / `#SNOOZED` partitions. Archiving moves every list key of a
 *   conversation, so default lists never filter archived rows out (no page shrinks, nothing scanned).
 * - A date range (`from`/`to` on the last activity) is a condition on the sort key of whichever
 *   index serves the list: every list sort key starts with `lastActivityAt`, so the Query reads
 *   only the rows inside the range, however large the mailbox.
 *
 * Label, qualification and "has attachment" have no index of their own (an index per label would
 * cost a write per label on every conversation change): they are a FilterExpression on projected
 * attributes of the chosen partition. A filtered page may hold fewer items than `limit`, even none;
 * `nextCursor` says whether more follow. A page reads at most {@link MAX_FILTERED_ROUNDS} Queries of
 * {@link FILTERED_EVALUATE} rows, so its cost is fixed whatever the mailbox size.
 */
import * as z from 'zod';
import type { Item, Table } from '../adapters/dynamodb-table.js';
import { indexKeys, type Shelf } from '../model/keys.js';
import type { ConversationStatus } from '../model/types.js';
import { workflowConversationFromItem, type ListPlan, type WorkflowConversation } from './conversation-repository.js';
import { MAX_LABEL_LENGTH, seesWholeMailbox, type Actor, type Refusal } from './rules.js';

export type AssigneeFilter = 'me' | 'unassigned' | { email: string };

export interface ListFilters {
  status?: ConversationStatus | undefined;
  assignee?: AssigneeFilter | undefined;
  /** True: the archived conversations, from the same partitions suffixed `#ARCHIVED` (keys.ts). */
  archived?: boolean | undefined;
  /** True: the snoozed conversations (`#SNOOZED` partitions); archived wins when both are asked. */
  snoozed?: boolean | undefined;
  /** True: the conversations in the trash (`#TRASHED` partitions); the trash wins over the other shelves. */
  trashed?: boolean | undefined;
  /** Only conversations carrying this label. */
  label?: string | undefined;
  /** Only conversations with this qualification (admin-defined business category). */
  qualification?: string | undefined;
  /** True: only conversations with an attachment; false: only those without. */
  hasAttachments?: boolean | undefined;
  /** Last activity at or after this ISO time. */
  from?: string | undefined;
  /** Last activity at or before this ISO time. */
  to?: string | undefined;
}

/** A list plan with the sort-key range of the date filter (bounds inclusive, as sort-key strings). */
export interface RangedListPlan extends ListPlan {
  range?: { low?: string; high?: string };
}

export type ListDecision =
  | { kind: 'query'; plan: RangedListPlan }
  /** The filters cannot match anything (e.g. `in_progress` and `unassigned`): no request needed. */
  | { kind: 'empty' }
  | { kind: 'refused'; refusal: Refusal };

type Filter = NonNullable<ListPlan['filter']>;

/** A date (`2026-11-19`, the whole day in UTC) or an ISO date-time with an offset, as an ISO instant. */
function instant(end: 'start' | 'end') {
  return z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return end === 'start' ? `${value}T00:00:00.000Z` : `${value}T23:59:59.999Z`;
    return new Date(value).toISOString();
  });
}

/**
 * Query parameters of the filters beyond status and assignee, shared by the mailbox list and the
 * department list; each invalid value is a 400 naming its field.
 */
export const listFilterQuery = {
  label: z.string().trim().min(1).max(MAX_LABEL_LENGTH).regex(/^[^\p{Cc}]+$/u, 'no control characters').optional()
    .describe('Only conversations carrying this label.'),
  qualification: z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]+$/u, 'no control characters').optional()
    .describe('Only conversations with this qualification.'),
  hasAttachment: z.enum(['true', 'false']).optional()
    .describe('`true`: only conversations with an attachment; `false`: only those without.'),
  from: instant('start').optional()
    .describe('Last activity at or after this date (`2026-11-01`, from its start in UTC) or ISO date-time.'),
  to: instant('end').optional()
    .describe('Last activity at or before this date (`2026-11-30`, to its end in UTC) or ISO date-time.'),
};

/** Rejects `from` after `to` as a client error on `to`, rather than answering an empty list. */
export function checkDateRange(query: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  }
}

/** The filters of {@link listFilterQuery} once parsed. */
export function filtersFromQuery(query: {
  label?: string | undefined; qualification?: string | undefined; hasAttachment?: 'true' | 'false' | undefined; from?: string | undefined; to?: string | undefined;
}): Pick<ListFilters, 'label' | 'qualification' | 'hasAttachments' | 'from' | 'to'> {
  return {
    ...(query.label !== undefined ? { label: query.label } : {}),
    ...(query.qualification !== undefined ? { qualification: query.qualification } : {}),
    ...(query.hasAttachment !== undefined ? { hasAttachments: query.hasAttachment === 'true' } : {}),
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
  };
}

const byStatus = { '#status': 'status' };

/** Rows evaluated per Query when a filter may drop some: a page stays a few KB of reads. */
export const FILTERED_EVALUATE = 100;
/** Queries one filtered page may make before it answers short, with a cursor. */
export const MAX_FILTERED_ROUNDS = 3;

/** The highest sort key of an instant: `<iso>#<conversationId>` keys of that instant sort below it. */
const INSTANT_END = '#\uffff';

export function planList(mailboxId: string, actor: Actor, filters: ListFilters): ListDecision {
  const decision = planPartition(mailboxId, actor, filters);
  if (decision.kind !== 'query') return decision;
  const plan: RangedListPlan = { ...decision.plan };
  const extra = attributeFilters(filters);
  if (extra !== null) plan.filter = plan.filter ? andFilters(plan.filter, extra) : extra;
  if (filters.from !== undefined || filters.to !== undefined) {
    const low = filters.from;
    const high = filters.to === undefined ? undefined : `${filters.to}${INSTANT_END}`;
    if (low !== undefined && high !== undefined && low > high) return { kind: 'empty' };
    plan.range = { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) };
  }
  return { kind: 'query', plan };
}

function planPartition(mailboxId: string, actor: Actor, filters: ListFilters): ListDecision {
  const { status, assignee } = filters;
  const shelf: Shelf | null = filters.trashed === true ? 'trashed' : filters.archived === true ? 'archived' : filters.snoozed === true ? 'snoozed' : null;
  let person: string | null = null;
  if (assignee === 'me') person = actor.email;
  else if (assignee !== undefined && assignee !== 'unassigned') person = assignee.email;

  if (!seesWholeMailbox(actor.role)) {
    if (assignee === 'unassigned' || (person !== null && person !== actor.email)) {
      return { kind: 'refused', refusal: { code: 'forbidden', reason: 'Agents see only the conversations assigned to them.' } };
    }
    person = actor.email;
  }

  if (person !== null) {
    if (status === 'unassigned') return { kind: 'empty' };
    if (status === undefined) return { kind: 'query', plan: { index: 'GSI4', partition: indexKeys.mailboxAssignee(mailboxId, person, shelf) } };
    if (status === 'closed') {
      return {
        kind: 'query',
        plan: {
          index: 'GSI4', partition: indexKeys.mailboxAssignee(mailboxId, person, shelf),
          filter: { expression: '#status = :status', names: byStatus, values: { ':status': status } },
        },
      };
    }
    return {
      kind: 'query',
      plan: {
        index: 'GSI2', partition: indexKeys.mailboxStatus(mailboxId, status, shelf),
        filter: { expression: '#assignee = :assignee', names: { '#assignee': 'assignee' }, values: { ':assignee': person } },
      },
    };
  }

  if (assignee === 'unassigned') {
    if (status === undefined || status === 'unassigned') return { kind: 'query', plan: { index: 'GSI2', partition: indexKeys.mailboxStatus(mailboxId, 'unassigned', shelf) } };
    if (status !== 'closed') return { kind: 'empty' };
    return {
      kind: 'query',
      plan: {
        index: 'GSI2', partition: indexKeys.mailboxStatus(mailboxId, 'closed', shelf),
        filter: { expression: 'attribute_not_exists(#assignee) OR #assignee = :none', names: { '#assignee': 'assignee' }, values: { ':none': null } },
      },
    };
  }

  if (status !== undefined) return { kind: 'query', plan: { index: 'GSI2', partition: indexKeys.mailboxStatus(mailboxId, status, shelf) } };
  return { kind: 'query', plan: { index: 'GSI1', partition: indexKeys.mailboxConversations(mailboxId, shelf) } };
}

/** Label, qualification and attachment conditions on projected attributes, or null when none is asked. */
function attributeFilters(filters: ListFilters): Filter | null {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filters.label !== undefined) {
    parts.push('contains(#labels, :label)');
    names['#labels'] = 'labels';
    values[':label'] = filters.label;
  }
  if (filters.qualification !== undefined) {
    parts.push('#qualification = :qualification');
    names['#qualification'] = 'qualification';
    values[':qualification'] = filters.qualification;
  }
  if (filters.hasAttachments !== undefined) {
    // Conversations written before the attribute existed have none: "without" includes them.
    parts.push(filters.hasAttachments ? '#hasAttachments = :true' : '(attribute_not_exists(#hasAttachments) OR #hasAttachments = :false)');
    names['#hasAttachments'] = 'hasAttachments';
    values[filters.hasAttachments ? ':true' : ':false'] = filters.hasAttachments;
  }
  return parts.length === 0 ? null : { expression: parts.join(' AND '), names, values };
}

function andFilters(a: Filter, b: Filter): Filter {
  return { expression: `(${a.expression}) AND ${b.expression}`, names: { ...a.names, ...b.names }, values: { ...a.values, ...b.values } };
}

/** A position in a list: the sort key of the last row read, and its conversation (`CONV#<id>`). */
export interface ListPosition {
  s: string;
  p: string;
}

export interface RawListPage {
  /** Matching rows, newest activity first, at most `limit`. */
  items: Item[];
  /** Where the next page starts (exclusive), or null when the range is read to its end. */
  last: ListPosition | null;
  /** Queries made. */
  requests: number;
}

/**
 * One page of a plan, newest activity first, strictly below `before` when given. The position is
 * a sort-key bound rather than an ExclusiveStartKey, so the same cursor works with or without a
 * date range and across mailboxes (department lists merge several partitions on one bound).
 * Without a FilterExpression this is exactly one Query of `limit` rows.
 */
export async function readListPlan(table: Table, plan: RangedListPlan, limit: number, before?: ListPosition): Promise<RawListPage> {
  const pkName = `${plan.index}PK`;
  const skName = `${plan.index}SK`;
  let high = plan.range?.high;
  if (before !== undefined && (high === undefined || before.s < high)) high = before.s;
  const low = plan.range?.low;
  if (low !== undefined && high !== undefined && low > high) return { items: [], last: null, requests: 0 };

  const names: Record<string, string> = { '#pk': pkName, ...plan.filter?.names };
  const values: Record<string, unknown> = { ':pk': plan.partition, ...plan.filter?.values };
  let condition = '#pk = :pk';
  if (low !== undefined || high !== undefined) {
    names['#sk'] = skName;
    if (low !== undefined) values[':low'] = low;
    if (high !== undefined) values[':high'] = high;
    condition += low !== undefined && high !== undefined ? ' AND #sk BETWEEN :low AND :high' : low !== undefined ? ' AND #sk >= :low' : ' AND #sk <= :high';
  }
  const filtered = plan.filter !== undefined;
  const evaluate = filtered ? Math.max(limit, FILTERED_EVALUATE) : limit;
  const rounds = filtered ? MAX_FILTERED_ROUNDS : 1;
  // The bound is inclusive (BETWEEN has no exclusive form): the row at `before` itself is skipped.
  const skip = before?.s;
  const items: Item[] = [];
  let requests = 0;
  let lastKey: Item | undefined;
  for (let round = 0; round < rounds; round += 1) {
    const out = await table.query({
      IndexName: plan.index,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(filtered ? { FilterExpression: plan.filter!.expression } : {}),
      ScanIndexForward: false,
      // One more than asked when the bound row itself may come back, so an unfiltered page stays full.
      Limit: evaluate + (skip !== undefined && round === 0 ? 1 : 0),
      ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
    });
    requests += 1;
    for (const item of out.items) {
      if (item[skName] === skip) continue;
      items.push(item);
      if (items.length === limit) {
        const position = { s: String(item[skName]), p: String(item.PK) };
        // A full page ends at its last row, unless that row was also the last one in the range.
        const rest = out.items.indexOf(item) < out.items.length - 1 || out.lastKey !== undefined;
        return { items, last: rest ? position : null, requests };
      }
    }
    lastKey = out.lastKey;
    if (lastKey === undefined) return { items, last: null, requests };
  }
  return { items, last: { s: String(lastKey![skName]), p: String(lastKey!.PK) }, requests };
}

export type ListOutcome =
  | { kind: 'page'; items: WorkflowConversation[]; last: ListPosition | null }
  | { kind: 'refused'; refusal: Refusal };

/** One page of a mailbox list for a member (membership is checked by the caller of this). */
export async function listConversations(
  table: Table, actor: Actor, mailboxId: string, filters: ListFilters, limit: number, cursor?: ListPosition,
): Promise<ListOutcome> {
  const decision = planList(mailboxId, actor, filters);
  if (decision.kind === 'refused') return decision;
  if (decision.kind === 'empty') return { kind: 'page', items: [], last: null };
  const page = await readListPlan(table, decision.plan, limit, cursor);
  return { kind: 'page', items: page.items.map((item) => onShelf(workflowConversationFromItem(item), filters)), last: page.last };
}

/** A mailbox of a merged list, with the caller's role in it. */
export interface MailboxAccess {
  mailboxId: string;
  role: Actor['role'];
}

/**
 * One page of several mailboxes merged newest first (a department's list). Each mailbox is one
 * plan read in parallel below the same bound; the merged page holds only rows above the highest
 * point where a mailbox stopped reading, so no row of a mailbox that still has more can be
 * skipped. The next bound is where the page ended: one position serves every mailbox, so the
 * cursor stays small whatever their number. A mailbox whose filters an agent may not use (the
 * unassigned queue, someone else's list) contributes nothing rather than failing the whole list.
 */
export async function listMerged(
  table: Table, email: string, mailboxes: MailboxAccess[], filters: ListFilters, limit: number, cursor?: ListPosition,
): Promise<{ items: WorkflowConversation[]; last: ListPosition | null }> {
  const reads = await Promise.all(mailboxes.map(async (mailbox) => {
    const decision = planList(mailbox.mailboxId, { email, role: mailbox.role }, filters);
    if (decision.kind !== 'query') return null;
    return { skName: `${decision.plan.index}SK`, page: await readListPlan(table, decision.plan, limit, cursor) };
  }));
  const rows: { sort: string; item: Item }[] = [];
  let stop: ListPosition | null = null;
  for (const read of reads) {
    if (read === null) continue;
    for (const item of read.page.items) rows.push({ sort: String(item[read.skName]), item });
    if (read.page.last !== null && (stop === null || read.page.last.s > stop.s)) stop = read.page.last;
  }
  rows.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
  const cut = stop?.s;
  const safe = cut === undefined ? rows : rows.filter((row) => row.sort >= cut);
  const page = safe.slice(0, limit);
  let last: ListPosition | null = stop;
  if (page.length === limit && (rows.length > limit || stop !== null)) {
    const end = page[page.length - 1]!;
    last = { s: end.sort, p: String(end.item.PK) };
  }
  return { items: page.map((row) => onShelf(workflowConversationFromItem(row.item), filters)), last };
}

/**
 * `archived` and `trashed` are not projected into the list indexes: the partition read says them
 * (the trash shelf wins over the archive, as `shelfOf` files them).
 */
function onShelf(conversation: WorkflowConversation, filters: ListFilters): WorkflowConversation {
  const trashed = filters.trashed === true;
  return { ...conversation, trashed, archived: !trashed && filters.archived === true };
}
