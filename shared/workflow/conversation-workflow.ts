/**
 * Conversation workflow use cases: change (assign, status, labels), open, read/unread, history and
 * lists, each checked against the caller's role in the conversation's mailbox.
 *
 * Primary course of a change:
 * 1. In parallel: the caller (user item with their roles), the conversation (consistent read) and,
 *    for an assignment, the assignee's user item (their role in the mailbox).
 * 2. Decide with the pure rules (rules.ts): next state and facts, nothing to do, or a refusal.
 * 3. One UpdateItem conditioned on the version decided from. When the caller stated a version
 *    (If-Match / expectedVersion) and it is not the current one, or the write loses a race, the
 *    answer is a conflict carrying the current state. When they did not, the decision is made
 *    again on the fresh state (still valid: applied; no longer valid: refused), a few times at most.
 * 4. After the write: the history entry and one event per fact, in parallel, both under keys
 *    derived from (conversation, version) so that they can be written again without duplicates.
 *
 * A retry of a request whose write succeeded but whose side effects failed (a crash, a throttled
 * PutEvents) is recognised by the change key stored with the version (`lastChange.key`): it answers
 * as the first attempt would have, and writes the history entry and publishes the events again.
 */
import { createHash } from 'node:crypto';
import type { MailboxRole } from '../model/types.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import type { Directory, UserWithRoles } from '../org/directory.js';
import { changeSort, viewSort, type ConversationRepository, type LastChange, type WorkflowConversation } from './conversation-repository.js';
import { eventsForChange } from './events.js';
import { mergeHistoryPage, receivedItems, type HistoryEntry } from './history.js';
import { planList, type ListFilters } from './list-plan.js';
import { canSee, decide, seesWholeMailbox, type Action, type Actor, type DecisionContext, type Refusal, type TimerKind } from './rules.js';

export interface WorkflowDeps {
  repository: ConversationRepository;
  directory: Directory;
  events: EventPublisher;
  clock: Clock;
}

/** A member who opens a conversation again within this window records no new "viewed" entry. */
export const VIEW_WINDOW_MS = 10 * 60 * 1000;

/** The actor of changes made by timers: sees every conversation, recorded as `system`. */
export const SYSTEM_ACTOR: Actor = { email: 'system', role: 'admin' };

/** Fresh decisions after lost races, for callers who did not pin a version. */
const MAX_ATTEMPTS = 3;

export type ChangeOutcome =
  | { kind: 'changed'; conversation: WorkflowConversation; change: LastChange }
  /** Nothing to do: the conversation is already in the requested state. */
  | { kind: 'unchanged'; conversation: WorkflowConversation }
  /** A retry of a request that was already applied: same answer, side effects repaired. */
  | { kind: 'replayed'; conversation: WorkflowConversation }
  | { kind: 'refused'; refusal: Refusal; conversation: WorkflowConversation | null }
  /** The caller's version is not the current one (or lost a race): the current state to decide again. */
  | { kind: 'conflict'; conversation: WorkflowConversation };

export interface ChangeRequest {
  /** The caller, possibly still loading (read in parallel with the conversation). */
  caller: Promise<UserWithRoles> | UserWithRoles;
  conversationId: string;
  action: Action;
  expectedVersion?: number;
}

function roleIn(caller: UserWithRoles, mailboxId: string): MailboxRole | null {
  return Object.hasOwn(caller.roles, mailboxId) ? caller.roles[mailboxId] ?? null : null;
}

/** The caller as an actor in this conversation's mailbox, or null when they may not see it. */
export function actorFor(caller: UserWithRoles, conversation: Pick<WorkflowConversation, 'mailboxId' | 'assignee'>): Actor | null {
  const role = roleIn(caller, conversation.mailboxId);
  if (!role) return null;
  const actor = { email: caller.email, role };
  return canSee(conversation, actor) ? actor : null;
}

/** The token a conversation carries for one kind of timer while that timer still applies. */
export function timerToken(conversation: WorkflowConversation, timer: TimerKind): number | null {
  switch (timer) {
    case 'snooze': return conversation.snoozeToken;
    case 'follow_up': return conversation.followUpToken;
    case 'deadline': return conversation.deadlineToken;
    case 'inactivity': return conversation.assigneeActiveAt === null ? null : Date.parse(conversation.assigneeActiveAt);
  }
}

function changeKey(actor: string, action: Action | { timer: Action; token: number }, expectedVersion: number | undefined): string {
  return createHash('sha256').update(JSON.stringify({ actor, action, expectedVersion: expectedVersion ?? null })).digest('base64url').slice(0, 22);
}

/** The use cases, on ports: tests give them dynalite and in-memory events, Lambda the AWS adapters. */
export class ConversationWorkflow {
  constructor(private readonly deps: WorkflowDeps) {}

  /** The conversation as stored (eventually consistent: enough for reading it). */
  load(conversationId: string): Promise<WorkflowConversation | null> {
    return this.deps.repository.get(conversationId);
  }

  async change(request: ChangeRequest): Promise<ChangeOutcome> {
    const { action, expectedVersion } = request;
    const assigneeLookup = action.kind === 'assign' && action.assignee !== null ? this.deps.directory.getUser(action.assignee) : null;
    const targetLookup = action.kind === 'move' ? this.deps.repository.mailbox(action.mailboxId) : null;
    const [caller, loaded, assigneeUser, target] = await Promise.all([
      request.caller, this.deps.repository.get(request.conversationId, true), assigneeLookup, targetLookup,
    ]);
    let conversation = loaded;
    const extra = await this.contextFor(action, caller, conversation, target);
    for (let attempt = 1; ; attempt += 1) {
      if (!conversation) return { kind: 'refused', refusal: { code: 'not-visible' }, conversation: null };
      const actor = actorFor(caller, conversation);
      if (!actor) return { kind: 'refused', refusal: { code: 'not-visible' }, conversation: null };
      const key = changeKey(actor.email, action, expectedVersion);

      if (expectedVersion !== undefined && expectedVersion !== conversation.version) {
        if (conversation.lastChange?.key === key && conversation.lastChange.version === expectedVersion + 1) return this.replay(conversation);
        return { kind: 'conflict', conversation };
      }
      const assigneeRole = assigneeUser && action.kind === 'assign' ? roleIn(assigneeUser, conversation.mailboxId) : null;
      const decision = decide(conversation, action, actor, { ...(await extra(conversation)), assigneeRole, now: this.deps.clock.now() });
      if (decision.kind === 'refused') {
        return { kind: 'refused', refusal: decision.refusal, conversation: decision.refusal.code === 'not-visible' ? null : conversation };
      }
      if (decision.kind === 'unchanged') {
        return conversation.lastChange?.key === key ? this.replay(conversation) : { kind: 'unchanged', conversation };
      }
      const change: LastChange = {
        key, actor: actor.email, at: this.deps.clock.now().toISOString(), version: conversation.version + 1, facts: decision.facts,
      };
      const applied = await this.deps.repository.apply(conversation, decision.next, change);
      if (applied.ok) {
        // The mailbox settings are read beside the side effects: no extra round trip for an assignment.
        const [, after] = await Promise.all([this.sideEffects(applied.conversation, change, conversation), this.afterAssignment(applied.conversation, change)]);
        return { kind: 'changed', conversation: after, change };
      }
      if (!applied.current) return { kind: 'refused', refusal: { code: 'not-visible' }, conversation: null };
      if (expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
        return actorFor(caller, applied.current) ? { kind: 'conflict', conversation: applied.current } : { kind: 'refused', refusal: { code: 'not-visible' }, conversation: null };
      }
      conversation = applied.current;
    }
  }

  /**
   * What a decision needs beyond the conversation, loaded once per request: for a move, the
   * target mailbox (same organisation only), the caller's and the assignee's roles there; for a
   * qualification, whether it exists in the conversation's organisation. Re-decisions after a lost
   * race reuse it unless the assignee changed meanwhile.
   */
  private async contextFor(
    action: Action, caller: UserWithRoles, first: WorkflowConversation | null,
    target: Awaited<ReturnType<ConversationRepository['mailbox']>> | null,
  ): Promise<(c: WorkflowConversation) => Promise<Partial<DecisionContext>>> {
    if (action.kind === 'move') {
      const users = new Map<string, Promise<UserWithRoles | null>>();
      return async (c) => {
        const targetOrgId = target && target.orgId === c.orgId ? target.orgId : null;
        let assigneeRole: MailboxRole | null = null;
        if (c.assignee !== null) {
          if (!users.has(c.assignee)) users.set(c.assignee, this.deps.directory.getUser(c.assignee));
          const user = await users.get(c.assignee)!;
          assigneeRole = user ? roleIn(user, action.mailboxId) : null;
        }
        return { move: { targetOrgId, actorRole: roleIn(caller, action.mailboxId), assigneeRole } };
      };
    }
    if (action.kind === 'qualify' && action.qualification !== null && first) {
      const exists = await this.deps.repository.hasQualification(first.orgId, action.qualification);
      return async () => ({ qualificationExists: exists });
    }
    return async () => ({});
  }

  /**
   * "Assignment marks read" (a mailbox setting): the new assignee finds the conversation read, as if
   * they had opened it. Read state is not a change (no version), so this follows the write.
   */
  private async afterAssignment(conversation: WorkflowConversation, change: LastChange): Promise<WorkflowConversation> {
    const assigned = change.facts.find((f) => f.kind === 'assigned');
    if (!assigned || assigned.kind !== 'assigned' || conversation.assignee !== assigned.assignee) return conversation;
    const mailbox = await this.deps.repository.mailbox(conversation.mailboxId);
    if (!mailbox?.settings.assignmentMarksRead) return conversation;
    return this.deps.repository.markRead(conversation.conversationId, assigned.assignee);
  }

  /**
   * A timer fired (timers.ts): applies it only while the conversation still carries the token the
   * timer was armed with (the version of the change that set it). A second delivery, a timer
   * replaced by a later snooze or reminder, or a reminder whose token a customer message removed,
   * finds another token and changes nothing. A redelivery after a write whose side effects failed
   * is recognised by the stored change key and repairs them.
   */
  async fireTimer(timer: { timer: TimerKind; conversationId: string; token: number; setBy: string | null }): Promise<'fired' | 'stale' | 'replayed'> {
    const action: Action = { kind: 'timer', timer: timer.timer, setBy: timer.setBy };
    const key = changeKey(SYSTEM_ACTOR.email, { timer: action, token: timer.token }, undefined);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const conversation = await this.deps.repository.get(timer.conversationId, true);
      if (!conversation) return 'stale';
      if (timerToken(conversation, timer.timer) !== timer.token) {
        if (conversation.lastChange?.key === key) { await this.replay(conversation); return 'replayed'; }
        return 'stale';
      }
      const decision = decide(conversation, action, SYSTEM_ACTOR, { now: this.deps.clock.now() });
      if (decision.kind !== 'change') {
        // A timer whose token outlives its change (a deadline stays armed once overdue): a redelivery.
        if (conversation.lastChange?.key === key) { await this.replay(conversation); return 'replayed'; }
        return 'stale';
      }
      const change: LastChange = {
        key, actor: SYSTEM_ACTOR.email, at: this.deps.clock.now().toISOString(), version: conversation.version + 1, facts: decision.facts,
      };
      const applied = await this.deps.repository.apply(conversation, decision.next, change);
      if (applied.ok) {
        await this.sideEffects(applied.conversation, change, conversation);
        return 'fired';
      }
    }
    throw new Error(`timer ${timer.timer} of ${timer.conversationId}: lost ${MAX_ATTEMPTS} races in a row`);
  }

  private async replay(conversation: WorkflowConversation): Promise<ChangeOutcome> {
    await this.sideEffects(conversation, conversation.lastChange!);
    return { kind: 'replayed', conversation };
  }

  /**
   * History entry, events, and the items that follow the conversation's state: the overdue marker
   * (when it was or is overdue) and, after a move, the messages' placements. All idempotent, so a
   * replay (no `before`) redoes them all.
   */
  private async sideEffects(conversation: WorkflowConversation, change: LastChange, before?: WorkflowConversation): Promise<void> {
    const moved = change.facts.some((f) => f.kind === 'moved');
    await Promise.all([
      this.deps.repository.putHistory(conversation.conversationId, {
        sort: changeSort(change.at, change.version), at: change.at, actor: change.actor, version: change.version, facts: change.facts,
      }),
      this.deps.events.publish(eventsForChange(conversation, change)),
      ...(before === undefined || before.overdue || conversation.overdue || moved ? [this.deps.repository.syncOverdueMarker(conversation)] : []),
      ...(moved ? [this.deps.repository.relocatePlacements(conversation)] : []),
    ]);
  }

  /**
   * A member opened the conversation: clears "new" on the first open and records a "viewed"
   * entry at most once per member per window. The window check reads the time of the last
   * recorded view from the conversation the caller just read, so a repeated open writes nothing.
   */
  async open(caller: UserWithRoles, conversation: WorkflowConversation): Promise<WorkflowConversation> {
    const now = this.deps.clock.now();
    const windowStart = new Date(now.getTime() - VIEW_WINDOW_MS).toISOString();
    const last = conversation.viewedAt[caller.email];
    if (last !== undefined && last >= windowStart) return conversation;
    const at = now.toISOString();
    const updated = await this.deps.repository.recordView(conversation, caller.email, at, windowStart);
    if (!updated) return conversation;
    await this.deps.repository.putHistory(conversation.conversationId, {
      sort: viewSort(at, caller.email), at, actor: caller.email, version: null, facts: [{ kind: 'viewed' }],
    });
    return updated;
  }

  /** Marks the conversation read (or unread) for the caller; answers null when they may not see it. */
  async setRead(caller: Promise<UserWithRoles> | UserWithRoles, conversationId: string, read: boolean): Promise<WorkflowConversation | null> {
    const [user, conversation] = await Promise.all([caller, this.deps.repository.get(conversationId)]);
    if (!conversation || !actorFor(user, conversation)) return null;
    const isRead = conversation.readBy.includes(user.email);
    if (read && isRead && !conversation.isNew) return conversation;
    if (!read && !isRead) return conversation;
    return read ? this.deps.repository.markRead(conversationId, user.email) : this.deps.repository.markUnread(conversationId, user.email);
  }

  /** One page of the timeline; null when the caller may not see the conversation. */
  async history(caller: Promise<UserWithRoles> | UserWithRoles, conversationId: string, limit: number, after?: string): Promise<{ entries: HistoryEntry[]; nextAfter: string | null } | null> {
    const [user, conversation, stored] = await Promise.all([
      caller, this.deps.repository.get(conversationId), this.deps.repository.history(conversationId, limit, after),
    ]);
    if (!conversation || !actorFor(user, conversation)) return null;
    return mergeHistoryPage(stored, receivedItems(conversation.messageRefs), limit, after);
  }

  /**
   * Whether the caller may see a message placed in these conversations: a queue role in one of
   * the mailboxes is enough; an agent needs one of the conversations assigned to them (one
   * BatchGetItem, only on that path).
   */
  async canSeePlacements(caller: UserWithRoles, placements: { mailboxId: string; conversationId: string }[]): Promise<boolean> {
    const member = placements.filter((p) => roleIn(caller, p.mailboxId) !== null);
    if (member.some((p) => seesWholeMailbox(roleIn(caller, p.mailboxId)!))) return true;
    if (member.length === 0) return false;
    const conversations = await this.deps.repository.getMany(member.map((p) => p.conversationId));
    return conversations.some((c) => actorFor(caller, c) !== null);
  }

  /** One page of a mailbox list for a member (membership is checked by the caller of this). */
  async list(actor: Actor, mailboxId: string, filters: ListFilters, limit: number, cursor?: { s: string; p: string }) {
    const decision = planList(mailboxId, actor, filters);
    if (decision.kind === 'refused') return decision;
    if (decision.kind === 'empty') return { kind: 'page' as const, items: [], last: null };
    const page = await this.deps.repository.list(decision.plan, limit, cursor);
    // `archived` is not projected: the partition read says it.
    const archived = filters.archived === true;
    return { kind: 'page' as const, items: page.items.map((c) => ({ ...c, archived })), last: page.last };
  }
}
