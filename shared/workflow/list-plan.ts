/**
 * Which single Query serves a conversation list, given the caller's role and the filters. Pure, so
 * the role rules of listing are tested without a table.
 *
 * - No filter: GSI1, the mailbox by activity. Status: GSI2, one partition per status.
 * - A person (`assignee=me` or an email): GSI4, the sparse index of that member's conversations.
 *   An agent gets this plan whatever they ask: their list is a Query of their own conversations,
 *   never a filtered read of the mailbox.
 * - A person and a status: the smaller partition, filtered on the other attribute. For open
 *   statuses that is the status partition (bounded by the team's open work); for `closed` it is
 *   the person's partition (the closed partition holds the mailbox's whole past). A filtered page
 *   may hold fewer items than `limit`; `nextCursor` says whether more follow.
 * - `unassigned`: the `unassigned` status partition (no assignee <=> unassigned, except closed
 *   conversations nobody took, served from the closed partition with a filter).
 * - `archived` / `snoozed`: the same plan on the `#ARCHIVED` / `#SNOOZED` partitions. Archiving moves every list key of a
 *   conversation, so default lists never filter archived rows out (no page shrinks, nothing scanned).
 */
import { indexKeys, type Shelf } from '../model/keys.js';
import type { ConversationStatus } from '../model/types.js';
import type { ListPlan } from './conversation-repository.js';
import { seesWholeMailbox, type Actor, type Refusal } from './rules.js';

export type AssigneeFilter = 'me' | 'unassigned' | { email: string };

export interface ListFilters {
  status?: ConversationStatus;
  assignee?: AssigneeFilter;
  /** True: the archived conversations, from the same partitions suffixed `#ARCHIVED` (keys.ts). */
  archived?: boolean;
  /** True: the snoozed conversations (`#SNOOZED` partitions); archived wins when both are asked. */
  snoozed?: boolean;
}

export type ListDecision =
  | { kind: 'query'; plan: ListPlan }
  /** The filters cannot match anything (e.g. `in_progress` and `unassigned`): no request needed. */
  | { kind: 'empty' }
  | { kind: 'refused'; refusal: Refusal };

const byStatus = { '#status': 'status' };

export function planList(mailboxId: string, actor: Actor, filters: ListFilters): ListDecision {
  const { status, assignee } = filters;
  const shelf: Shelf | null = filters.archived === true ? 'archived' : filters.snoozed === true ? 'snoozed' : null;
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
