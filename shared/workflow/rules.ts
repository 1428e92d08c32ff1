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
  /** In the trash (`#TRASHED` list partitions) until restored or deleted; absent means false. */
  trashed?: boolean;
  /** The mailbox the conversation is in; a move changes it. */
  mailboxId?: string;
  /** Qualification id (an organisation's business category), or null. */
  qualification?: string | null;
  /** The response deadline passed without a reply. */
  overdue?: boolean;
  /** When a response is due (set by the timers function when a customer message awaits one). */
  dueAt?: string | null;
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
  /** Move to another mailbox of the same organisation (dispatchers and admins of the source). */
  | { kind: 'move'; mailboxId: string }
  | { kind: 'trash' }
  | { kind: 'restore' }
  /** Set the qualification (an id of the organisation's qualifications), or null to remove it. */
  | { kind: 'qualify'; qualification: string | null }
  /** A timer fired (system actor): ends the snooze, clears the due reminder, marks overdue or unassigns. */
  | { kind: 'timer'; timer: TimerKind; setBy: string | null };

/**
 * `deadline`: the response deadline of a customer message; `inactivity`: the assignee did nothing
 * for the mailbox's auto-reassignment period.
 */
export type TimerKind = 'snooze' | 'follow_up' | 'deadline' | 'inactivity';

/** History message of an automatic unassignment. */
export const AUTO_UNASSIGNED_MESSAGE = 'auto-unassigned after inactivity';

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
  | { kind: 'timer_fired'; timer: TimerKind; dueAt: string; setBy: string | null }
  | { kind: 'moved'; from: string; to: string; previousAssignee: string | null }
  | { kind: 'trashed' }
  | { kind: 'restored' }
  | { kind: 'qualified'; qualification: string | null; previousQualification: string | null }
  | { kind: 'overdue'; dueAt: string };

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
  /**
   * For a move: the target mailbox's organisation (null when it does not exist or belongs to
   * another organisation than the conversation's), the caller's
   * role there, and the current assignee's role there (null: not a member, the assignee is cleared).
   */
  move?: { targetOrgId: string | null; actorRole: MailboxRole | null; assigneeRole: MailboxRole | null };
  /** For a qualification: whether the id names one of the organisation's qualifications. */
  qualificationExists?: boolean;
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
    case 'move': return decideMove(state, action.mailboxId, actor, context);
    case 'trash': return decideTrashed(state, true);
    case 'restore': return decideTrashed(state, false);
    case 'qualify': return decideQualify(state, action.qualification, context);
  }
}

/** The state without any response deadline: closing, or a reply, ends the wait. */
function withoutDeadline(state: WorkflowState): WorkflowState {
  return state.dueAt || state.overdue ? { ...state, dueAt: null, overdue: false } : state;
}

/**
 * Moving keeps status, labels and qualification; the assignee stays only if they are a member of
 * the target mailbox (an assignee who could not see it there would own an invisible conversation).
 */
function decideMove(state: WorkflowState, target: string, actor: Actor, context: DecisionContext): Decision {
  if (!seesWholeMailbox(actor.role)) return refuse({ code: 'forbidden', reason: 'Only dispatchers and admins of the mailbox can move a conversation.' });
  if (state.mailboxId === target) return { kind: 'unchanged' };
  const move = context.move;
  if (!move || move.targetOrgId === null || !move.actorRole) {
    return refuse({ code: 'invalid', reason: 'You are not a member of that mailbox, or it does not exist.', field: 'body.mailboxId' });
  }
  if (state.trashed) return refuse({ code: 'invalid', reason: 'Restore the conversation from the trash before moving it.', field: 'body.mailboxId' });
  const from = state.mailboxId ?? '';
  const facts: Fact[] = [{ kind: 'moved', from, to: target, previousAssignee: state.assignee }];
  let next: WorkflowState = { ...state, mailboxId: target };
  if (state.assignee !== null && !move.assigneeRole) {
    const status: ConversationStatus = state.status === 'closed' ? 'closed' : 'unassigned';
    facts.push({ kind: 'unassigned', previousAssignee: state.assignee, message: `Not a member of the mailbox ${target}.` });
    if (status !== state.status) facts.push({ kind: 'status_changed', from: state.status, to: status });
    next = { ...next, assignee: null, status };
  }
  return { kind: 'change', next, facts };
}

/** Trashing takes the conversation off every other shelf: restoring brings it back to the default lists. */
function decideTrashed(state: WorkflowState, trashed: boolean): Decision {
  if ((state.trashed ?? false) === trashed) return { kind: 'unchanged' };
  if (!trashed) return { kind: 'change', next: { ...state, trashed: false }, facts: [{ kind: 'restored' }] };
  return { kind: 'change', next: { ...state, trashed: true, archived: false, snoozedUntil: null }, facts: [{ kind: 'trashed' }] };
}

function decideQualify(state: WorkflowState, qualification: string | null, context: DecisionContext): Decision {
  const previous = state.qualification ?? null;
  if (qualification === previous) return { kind: 'unchanged' };
  if (qualification !== null && context.qualificationExists !== true) {
    return refuse({ code: 'invalid', reason: 'No such qualification in this organisation.', field: 'body.qualification' });
  }
  return { kind: 'change', next: { ...state, qualification }, facts: [{ kind: 'qualified', qualification, previousQualification: previous }] };
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
    next: status === 'closed' ? { ...withoutDeadline(state), status, isNew: false } : { ...state, status, isNew: false },
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
  if (timer === 'deadline') {
    const due = state.dueAt ?? null;
    if (due === null || state.overdue === true || state.status === 'closed') return { kind: 'unchanged' };
    return { kind: 'change', next: { ...state, overdue: true }, facts: [{ kind: 'overdue', dueAt: due }] };
  }
  if (timer === 'inactivity') {
    if (state.assignee === null || state.assignee !== setBy || state.status === 'closed' || state.trashed === true) return { kind: 'unchanged' };
    const facts: Fact[] = [{ kind: 'unassigned', previousAssignee: state.assignee, message: AUTO_UNASSIGNED_MESSAGE }];
    if (state.status !== 'unassigned') facts.push({ kind: 'status_changed', from: state.status, to: 'unassigned' });
    return { kind: 'change', next: { ...state, assignee: null, status: 'unassigned' }, facts };
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
