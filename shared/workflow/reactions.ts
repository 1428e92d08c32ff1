/**
 * What the workflow does in response to events of other parts of Mailroom, run by the timers
 * function (the events reach its queue through the same bus rule as the arming events). Each
 * reaction is idempotent: SQS and EventBridge deliver at least once.
 *
 * - `Message Received`: a customer message now awaits a response; when the mailbox has a response
 *   deadline, `dueAt` is set (kept from the first unanswered message) and a `deadline` timer is
 *   armed. Consuming the event keeps the inbound path unchanged.
 * - `Message Queued`: a reply or forward is recorded in the history ("replied"/"forwarded", the
 *   author as actor); a reply clears the deadline (and the overdue state); it is activity of the
 *   author.
 *   Why here rather than in compose: the outbox stays unaware of the workflow, the entry is keyed
 *   by the message (a redelivery writes nothing new), and one consumer makes the three reactions
 *   to one event.
 * - Changes by the assignee, and assignments: activity. With automatic reassignment configured,
 *   `assigneeActiveAt` moves forward and an `inactivity` timer is armed, whose token is that time:
 *   later activity replaces the token, making earlier timers harmless.
 * - `Mention Created`, `Conversation Assigned`: an in-app notification for the person concerned.
 * - `Conversation Deleted`: the purge (deletion.ts).
 */
import { ConditionFailedError, type Table } from '../adapters/dynamodb-table.js';
import { buildEvent, EVENTS } from '../events/contracts.js';
import { keys } from '../model/keys.js';
import type { Clock, EventPublisher } from '../ports/index.js';
import type { ConversationRepository, WorkflowConversation } from './conversation-repository.js';
import type { ConversationWorkflow } from './conversation-workflow.js';
import { purgeConversation, type BlobEraser } from './deletion.js';
import type { NotificationStore } from './notifications.js';
import { timerScheduleName, type ReactionEvent, type TimerMessage, type TimerScheduler } from './timers.js';

export interface ReactionDeps {
  table: Table;
  repository: ConversationRepository;
  workflow: ConversationWorkflow;
  scheduler: TimerScheduler;
  events: EventPublisher;
  notifications: NotificationStore;
  blobs: BlobEraser;
  clock: Clock;
}

/** Received mail that expects no answer: it never starts a response deadline. */
const NO_RESPONSE_FLAGS = ['auto-reply', 'bulk', 'delivery-report', 'read-receipt', 'spam', 'virus', 'unroutable'];

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function outboundHistorySort(at: string, messageKey: string): string {
  return `H#${at}#o#${messageKey}`;
}

export class WorkflowReactions {
  constructor(private readonly deps: ReactionDeps) {}

  async handle(event: ReactionEvent): Promise<string> {
    const d = event.data;
    switch (event.detailType) {
      case EVENTS.messageReceived.detailType: return this.messageReceived(event);
      case EVENTS.messageQueued.detailType: return this.messageQueued(event);
      case EVENTS.mentionCreated.detailType: {
        const added = await this.deps.notifications.add(String(d.mentioned), event.eventId, {
          kind: 'mention', conversationId: String(d.conversationId), mailboxId: String(d.mailboxId), subject: String(d.subject ?? ''),
          by: String(d.author), message: null, noteId: str(d.noteId), at: event.occurredAt,
        });
        return added ? 'notified' : 'already-notified';
      }
      case EVENTS.conversationAssigned.detailType: {
        const assignee = String(d.assignee);
        const added = assignee === d.actor ? false : await this.deps.notifications.add(assignee, event.eventId, {
          kind: 'assigned', conversationId: String(d.conversationId), mailboxId: String(d.mailboxId), subject: String(d.subject ?? ''),
          by: String(d.actor), message: str(d.message), noteId: null, at: event.occurredAt,
        });
        const activity = await this.activity(String(d.conversationId), assignee, event.occurredAt);
        return `${added ? 'notified' : 'not-notified'}; ${activity}`;
      }
      case EVENTS.noteAdded.detailType:
        return this.activity(String(d.conversationId), String(d.author), event.occurredAt);
      case EVENTS.conversationDeleted.detailType: {
        const report = await purgeConversation(this.deps, { conversationId: String(d.conversationId), messageKeys: (d.messageKeys ?? []) as string[] });
        return `purged: ${report.erased.length} erased, ${report.kept.length} kept, ${report.itemsDeleted} items`;
      }
      default:
        // Status, label and qualification changes: activity when the assignee made them.
        if (d.actor !== d.assignee || typeof d.assignee !== 'string') return 'not-activity';
        return this.activity(String(d.conversationId), d.assignee, event.occurredAt);
    }
  }

  private async messageReceived(event: ReactionEvent): Promise<string> {
    const d = event.data;
    const flags = (d.flags ?? []) as string[];
    if (flags.some((f) => NO_RESPONSE_FLAGS.includes(f))) return 'no-response-expected';
    const placements = (d.placements ?? []) as { mailboxId: string; conversationId: string }[];
    const outcomes = await Promise.all(placements.map((p) => this.armDeadline(p.conversationId, String(d.messageKey), String(d.receivedAt))));
    return outcomes.join(', ') || 'unplaced';
  }

  /**
   * Sets `dueAt` once per wait (the first unanswered customer message starts it), only while this
   * message is still the conversation's latest (a reply already sent means nothing awaits), then
   * arms its timer. A redelivery finds `dueAt` set and arms the same schedule again (same name).
   */
  async armDeadline(conversationId: string, messageKey: string, receivedAt: string): Promise<string> {
    const conversation = await this.deps.repository.get(conversationId, true);
    if (!conversation || conversation.trashed) return 'gone';
    const mailbox = await this.deps.repository.mailbox(conversation.mailboxId);
    const minutes = mailbox?.settings.responseDeadlineMinutes ?? null;
    if (minutes === null) return 'no-deadline';
    let armed: WorkflowConversation = conversation;
    if (conversation.deadlineToken === null) {
      if (conversation.lastMessageKey !== messageKey) return 'not-latest';
      const dueAt = new Date(Date.parse(receivedAt) + minutes * 60_000).toISOString();
      try {
        await this.deps.table.update({
          Key: keys.conversation(conversationId),
          UpdateExpression: 'SET dueAt = :due, deadlineToken = :token, awaitingSince = :since',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deadlineToken) AND lastMessageKey = :key',
          ExpressionAttributeValues: { ':due': dueAt, ':token': Date.parse(dueAt), ':key': messageKey, ':since': receivedAt },
        });
        armed = { ...conversation, dueAt, deadlineToken: Date.parse(dueAt) };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        const now = await this.deps.repository.get(conversationId, true);
        if (!now || now.deadlineToken === null || now.dueAt === null) return 'not-latest';
        armed = now;
      }
    }
    await this.schedule({ timer: 'deadline', conversationId, token: armed.deadlineToken!, setBy: null }, new Date(armed.dueAt!));
    return 'deadline-armed';
  }

  private async messageQueued(event: ReactionEvent): Promise<string> {
    const d = event.data;
    const kind = String(d.kind);
    if (kind === 'new') return this.activity(String(d.conversationId), String(d.composedBy), event.occurredAt);
    const conversationId = String(d.conversationId);
    const composedBy = String(d.composedBy);
    await this.deps.repository.putHistory(conversationId, {
      sort: outboundHistorySort(event.occurredAt, String(d.messageKey)), at: event.occurredAt, actor: composedBy, version: null,
      facts: [{ kind: kind === 'forward' ? 'forwarded' : 'replied', messageKey: String(d.messageKey) }],
    });
    const cleared = kind === 'forward' ? 'kept' : await this.clearDeadline(conversationId, composedBy, event.occurredAt, String(d.messageKey));
    const activity = await this.activity(conversationId, composedBy, event.occurredAt);
    return `history; deadline ${cleared}; ${activity}`;
  }

  /**
   * A reply ends the wait: the deadline and the overdue state go, without a version bump (the
   * reply itself bumped it). Conditional on the token seen and on the wait having started before
   * the reply, so a wait started by a later customer message (its event processed first) stays.
   */
  private async clearDeadline(conversationId: string, actor: string, at: string, messageKey: string): Promise<string> {
    const conversation = await this.deps.repository.get(conversationId, true);
    if (!conversation || conversation.deadlineToken === null || conversation.dueAt === null) return 'none';
    try {
      await this.deps.table.update({
        Key: keys.conversation(conversationId),
        UpdateExpression: 'REMOVE dueAt, deadlineToken, overdue, awaitingSince',
        ConditionExpression: 'deadlineToken = :token AND (attribute_not_exists(awaitingSince) OR awaitingSince <= :at)',
        ExpressionAttributeValues: { ':token': conversation.deadlineToken, ':at': at },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) return 'moved-on';
      throw error;
    }
    await Promise.all([
      this.deps.table.delete(keys.overdue(conversationId)),
      this.deps.repository.putHistory(conversationId, {
        sort: `${outboundHistorySort(at, messageKey)}#c`, at, actor, version: null,
        facts: [{ kind: 'overdue_cleared', dueAt: conversation.dueAt, overdue: conversation.overdue, reason: 'replied' }],
      }),
      this.deps.events.publish([buildEvent('conversationOverdueCleared', `conversation:${conversationId}:deadline:${conversation.deadlineToken}:cleared`, {
        conversationId, mailboxId: conversation.mailboxId, orgId: conversation.orgId, dueAt: conversation.dueAt,
        overdue: conversation.overdue, reason: 'replied', actor,
      }, new Date(at))]),
    ]);
    return 'cleared';
  }

  /**
   * Activity of `who` on the conversation at `at`: when they are its assignee and the mailbox
   * reassigns after inactivity, moves `assigneeActiveAt` forward (never back) and arms the
   * inactivity timer for it. An assignment counts as the assignee's activity, whoever made it.
   */
  async activity(conversationId: string, who: string, at: string): Promise<string> {
    const conversation = await this.deps.repository.get(conversationId, true);
    if (!conversation || conversation.assignee !== who) return 'not-assignee';
    const mailbox = await this.deps.repository.mailbox(conversation.mailboxId);
    const minutes = mailbox?.settings.autoReassignAfterMinutes ?? null;
    if (minutes === null) return 'no-auto-reassign';
    let activeAt = at;
    try {
      await this.deps.table.update({
        Key: keys.conversation(conversationId),
        UpdateExpression: 'SET assigneeActiveAt = :at',
        ConditionExpression: 'assignee = :who AND (attribute_not_exists(assigneeActiveAt) OR assigneeActiveAt < :at)',
        ExpressionAttributeValues: { ':at': at, ':who': who },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const now = await this.deps.repository.get(conversationId, true);
      // Newer activity got there first (its own event arms its timer), or the assignee changed.
      if (!now || now.assignee !== who || now.assigneeActiveAt !== at) return 'superseded';
      activeAt = now.assigneeActiveAt;
    }
    const token = Date.parse(activeAt);
    await this.schedule({ timer: 'inactivity', conversationId, token, setBy: who }, new Date(token + minutes * 60_000));
    return 'inactivity-armed';
  }

  /** A time already past (the event was late) fires now rather than scheduling into the past. */
  private async schedule(message: TimerMessage, at: Date): Promise<void> {
    if (at.getTime() <= this.deps.clock.now().getTime()) {
      await this.deps.workflow.fireTimer(message);
      return;
    }
    await this.deps.scheduler.schedule(timerScheduleName(message), at, message);
  }
}
