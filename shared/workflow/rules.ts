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
  /** Out of the default lists until unarchived (or a customer writes again); absent means false. */
  archived?: boolean;
  /** Out of the default lists until then (or a customer reply); absent means not snoozed. */
  snoozedUntil?: string | null;
  /** Follow-up reminder time; a customer message cancels it. */
  followUpAt?: string | null;
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
  | { kind: 'labels'; add: string[]; remove: string[] }
  | { kind: 'archive' }
  | { kind: 'unarchive' }
  /** Snooze until `until` (ISO time, in the future); `null` wakes it now. */
  | { kind: 'snooze'; until: string | null }
  /** Remind at `at` (ISO time, in the future) unless the customer writes first; `null` cancels. */
  | { kind: 'follow_up'; at: string | null }
  /** A timer fired (system actor): ends the snooze, or clears the due reminder. */
  | { kind: 'timer'; timer: TimerKind; setBy: string | null };

export type TimerKind = 'snooze' | 'follow_up';

/** What a change did, one fact per kind; each becomes a history entry and an event. */
export type Fact =
  | { kind: 'assigned'; assignee: string; previousAssignee: string | null; message: string | null }
  | { kind: 'unassigned'; previousAssignee: string; message: string | null }
  | { kind: 'status_changed'; from: ConversationStatus; to: ConversationStatus }
  | { kind: 'labelled'; labels: string[] }
  | { kind: 'unlabelled'; labels: string[] }
  | { kind: 'archived' }
  | { kind: 'unarchived' }
  | { kind: 'snoozed'; until: string }
  | { kind: 'unsnoozed' }
  | { kind: 'follow_up_set'; remindAt: string }
  | { kind: 'follow_up_cancelled' }
  | { kind: 'timer_fired'; timer: TimerKind; dueAt: string; setBy: string | null };

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
  /** The time of the decision (timers must be in the future). */
  now?: Date;
}

/** Longest snooze or reminder: EventBridge Scheduler accepts any date, a year keeps it meaningful. */
export const MAX_TIMER_MS = 366 * 24 * 3600 * 1000;

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
    case 'archive': return decideArchived(state, true);
    case 'unarchive': return decideArchived(state, false);
    case 'snooze': return decideSnooze(state, action.until, context.now ?? new Date());
    case 'follow_up': return decideFollowUp(state, action.at, context.now ?? new Date());
    case 'timer': return decideTimer(state, action.timer, action.setBy);
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

/**
 * Archiving keeps status, assignee and labels: it only takes the conversation out of the default
 * lists. Anyone who sees the conversation may archive it (an agent their own), like closing it.
 */
function decideArchived(state: WorkflowState, archived: boolean): Decision {
  if ((state.archived ?? false) === archived) return { kind: 'unchanged' };
  return { kind: 'change', next: { ...state, archived }, facts: [{ kind: archived ? 'archived' : 'unarchived' }] };
}

function futureTime(value: string, now: Date, field: string): Refusal | null {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return { code: 'invalid', reason: 'Not a time.', field };
  if (at <= now.getTime()) return { code: 'invalid', reason: 'The time must be in the future.', field };
  if (at - now.getTime() > MAX_TIMER_MS) return { code: 'invalid', reason: 'The time must be within a year.', field };
  return null;
}

/** Snoozing keeps status, assignee and labels, like archiving; snoozing again moves the time. */
function decideSnooze(state: WorkflowState, until: string | null, now: Date): Decision {
  const current = state.snoozedUntil ?? null;
  if (until === null) {
    if (current === null) return { kind: 'unchanged' };
    return { kind: 'change', next: { ...state, snoozedUntil: null }, facts: [{ kind: 'unsnoozed' }] };
  }
  const refusal = futureTime(until, now, 'body.until');
  if (refusal) return refuse(refusal);
  const normalized = new Date(until).toISOString();
  if (normalized === current) return { kind: 'unchanged' };
  return { kind: 'change', next: { ...state, snoozedUntil: normalized }, facts: [{ kind: 'snoozed', until: normalized }] };
}

function decideFollowUp(state: WorkflowState, at: string | null, now: Date): Decision {
  const current = state.followUpAt ?? null;
  if (at === null) {
    if (current === null) return { kind: 'unchanged' };
    return { kind: 'change', next: { ...state, followUpAt: null }, facts: [{ kind: 'follow_up_cancelled' }] };
  }
  const refusal = futureTime(at, now, 'body.at');
  if (refusal) return refuse(refusal);
  const normalized = new Date(at).toISOString();
  if (normalized === current) return { kind: 'unchanged' };
  return { kind: 'change', next: { ...state, followUpAt: normalized }, facts: [{ kind: 'follow_up_set', remindAt: normalized }] };
}

/**
 * A timer that still applies (the caller checked its token) ends the snooze, or clears the due
 * reminder; one that no longer does is no change.
 */
function decideTimer(state: WorkflowState, timer: TimerKind, setBy: string | null): Decision {
  if (timer === 'snooze') {
    const at = state.snoozedUntil ?? null;
    if (at === null) return { kind: 'unchanged' };
    return { kind: 'change', next: { ...state, snoozedUntil: null }, facts: [{ kind: 'timer_fired', timer, dueAt: at, setBy }, { kind: 'unsnoozed' }] };
  }
  const at = state.followUpAt ?? null;
  if (at === null) return { kind: 'unchanged' };
  return { kind: 'change', next: { ...state, followUpAt: null }, facts: [{ kind: 'timer_fired', timer, dueAt: at, setBy }] };
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
