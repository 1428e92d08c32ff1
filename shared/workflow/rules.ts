/**
 * Conversation workflow rules as pure functions: who may see a conversation, and what an action
 * does to it. Given the current state, the action and the caller's role, `decide` answers with the
 * next state and the facts to record, that nothing changes, or a typed refusal. No I/O here: the
 * repository applies a decision with a conditional write, so a decision made on a stale state
 * never lands (see conversation-repository.ts).
 *
 * Invariants the rules keep:
 * - no assignee  => status is `unassigned` or `closed`;
 * - an assignee  => status is `assigned`, `in_progress`, `todo` or `closed` (closing keeps them);
 * - `isNew` is cleared by the first open, a read, or any change of assignee or status.
 */
import type { ConversationStatus, MailboxRole } from '../model/types.js';

/** Roles that see and act on every conversation of a mailbox. */
const QUEUE_ROLES: readonly MailboxRole[] = ['admin', 'dispatcher'];

/** Statuses that only make sense with someone working on the conversation. */
const NEEDS_ASSIGNEE: readonly ConversationStatus[] = ['assigned', 'in_progress', 'todo'];

/** At most this many labels on one conversation: they are projected into every list row. */
export const MAX_LABELS = 30;
export const MAX_LABEL_LENGTH = 64;
export const MAX_ASSIGN_MESSAGE_LENGTH = 500;

export interface Actor {
  email: string;
  role: MailboxRole;
}

/** The part of a conversation the rules read and write. */
export interface WorkflowState {
  status: ConversationStatus;
  assignee: string | null;
  labels: string[];
  isNew: boolean;
}

export type Action =
  | {
    kind: 'assign';
    /** The member to assign, or null to put the conversation back in the unassigned queue. */
    assignee: string | null;
    message: string | null;
    /**
     * The assignee the caller saw. When given, the change applies only if it is still the
     * assignee: a finer precondition than the version, which unrelated changes do not break.
     */
    expectedAssignee?: string | null;
  }
  | { kind: 'status'; status: ConversationStatus }
  | { kind: 'labels'; add: string[]; remove: string[] };

/** What a change did, one fact per kind; each becomes a history entry and an event. */
export type Fact =
  | { kind: 'assigned'; assignee: string; previousAssignee: string | null; message: string | null }
  | { kind: 'unassigned'; previousAssignee: string; message: string | null }
  | { kind: 'status_changed'; from: ConversationStatus; to: ConversationStatus }
  | { kind: 'labelled'; labels: string[] }
  | { kind: 'unlabelled'; labels: string[] };

export type FactKind = Fact['kind'];

export type Refusal =
  /** The caller may not see the conversation: answered as if it did not exist. */
  | { code: 'not-visible' }
  /** The caller sees it but their role does not allow the action. */
  | { code: 'forbidden'; reason: string }
  /** The action does not apply to the current state (e.g. "in progress" with nobody assigned). */
  | { code: 'invalid'; reason: string; field?: string }
  /** A precondition the caller stated no longer holds. */
  | { code: 'stale'; reason: string };

export type Decision =
  | { kind: 'change'; next: WorkflowState; facts: Fact[] }
  | { kind: 'unchanged' }
  | { kind: 'refused'; refusal: Refusal };

/** What `decide` needs to know beyond the conversation: the role the target assignee holds in its mailbox. */
export interface DecisionContext {
  assigneeRole?: MailboxRole | null;
}

/**
 * Dispatchers and admins see every conversation of their mailbox; an agent only those assigned
 * to them. Membership itself (and personal mailboxes, whose only member is the owner) is checked
 * before this, from the caller's roles.
 */
export function canSee(state: Pick<WorkflowState, 'assignee'>, actor: Actor): boolean {
  return QUEUE_ROLES.includes(actor.role) || state.assignee === actor.email;
}

export function seesWholeMailbox(role: MailboxRole): boolean {
  return QUEUE_ROLES.includes(role);
}

function refuse(refusal: Refusal): Decision {
  return { kind: 'refused', refusal };
}

export function decide(state: WorkflowState, action: Action, actor: Actor, context: DecisionContext = {}): Decision {
  if (!canSee(state, actor)) return refuse({ code: 'not-visible' });
  switch (action.kind) {
    case 'assign': return decideAssign(state, action, actor, context);
    case 'status': return decideStatus(state, action.status);
    case 'labels': return decideLabels(state, action.add, action.remove);
  }
}

function decideAssign(state: WorkflowState, action: Extract<Action, { kind: 'assign' }>, actor: Actor, context: DecisionContext): Decision {
  if (action.expectedAssignee !== undefined && action.expectedAssignee !== state.assignee) {
    return refuse({ code: 'stale', reason: `The conversation is now ${state.assignee ? `assigned to ${state.assignee}` : 'unassigned'}.` });
  }
  const target = action.assignee;
  if (!seesWholeMailbox(actor.role)) {
    // An agent can hand their conversation back to the queue, nothing more: dispatching is the dispatchers' job.
    const releasingOwn = target === null && state.assignee === actor.email;
    const keepingOwn = target === actor.email && state.assignee === actor.email;
    if (!releasingOwn && !keepingOwn) return refuse({ code: 'forbidden', reason: 'Agents can only unassign themselves; ask a dispatcher to assign someone else.' });
  }
  if (target === state.assignee) return { kind: 'unchanged' };
  if (target !== null && !context.assigneeRole) {
    return refuse({ code: 'invalid', reason: `${target} is not a member of this mailbox.`, field: 'body.assignee' });
  }
  const closed = state.status === 'closed';
  const status: ConversationStatus = closed ? 'closed' : target === null ? 'unassigned' : 'assigned';
  const facts: Fact[] = [target === null
    ? { kind: 'unassigned', previousAssignee: state.assignee!, message: action.message }
    : { kind: 'assigned', assignee: target, previousAssignee: state.assignee, message: action.message }];
  if (status !== state.status) facts.push({ kind: 'status_changed', from: state.status, to: status });
  return { kind: 'change', next: { ...state, assignee: target, status, isNew: false }, facts };
}

function decideStatus(state: WorkflowState, status: ConversationStatus): Decision {
  if (status === state.status) return { kind: 'unchanged' };
  if (NEEDS_ASSIGNEE.includes(status) && state.assignee === null) {
    return refuse({ code: 'invalid', reason: `Assign the conversation before setting it to ${status}.`, field: 'body.status' });
  }
  if (status === 'unassigned' && state.assignee !== null) {
    return refuse({ code: 'invalid', reason: 'The conversation has an assignee: unassign it instead.', field: 'body.status' });
  }
  return {
    kind: 'change',
    next: { ...state, status, isNew: false },
    facts: [{ kind: 'status_changed', from: state.status, to: status }],
  };
}

/** Trims and collapses whitespace; labels compare exactly after that. */
export function normalizeLabel(label: string): string {
  return label.normalize('NFC').trim().replace(/\s+/g, ' ');
}

function decideLabels(state: WorkflowState, add: string[], remove: string[]): Decision {
  const toAdd = [...new Set(add.map(normalizeLabel))];
  const toRemove = [...new Set(remove.map(normalizeLabel))];
  const both = toAdd.find((l) => toRemove.includes(l));
  if (both !== undefined) return refuse({ code: 'invalid', reason: `"${both}" is both added and removed.`, field: 'body' });
  const added = toAdd.filter((l) => !state.labels.includes(l)).sort();
  const removed = toRemove.filter((l) => state.labels.includes(l)).sort();
  if (added.length === 0 && removed.length === 0) return { kind: 'unchanged' };
  const labels = [...state.labels.filter((l) => !removed.includes(l)), ...added].sort();
  if (labels.length > MAX_LABELS) return refuse({ code: 'invalid', reason: `A conversation has at most ${MAX_LABELS} labels.`, field: 'body.add' });
  const facts: Fact[] = [];
  if (added.length > 0) facts.push({ kind: 'labelled', labels: added });
  if (removed.length > 0) facts.push({ kind: 'unlabelled', labels: removed });
  return { kind: 'change', next: { ...state, labels }, facts };
}
