/**
 * Workflow facts as EventBridge events, one per fact. Ids are deterministic
 * (`conversation:<id>:v<version>:<fact>`): a change is identified by its conversation and the
 * version it produced, so republishing it (a retried request repairing its side effects) carries
 * the same ids and consumers deduplicate.
 */
import { buildEvent } from '../events/contracts.js';
import type { DomainEvent } from '../ports/index.js';
import type { LastChange, WorkflowConversation } from './conversation-repository.js';
import type { Fact } from './rules.js';

/** Stable across republishing: the conversation, the version the change produced, the fact. */
export function eventIdFor(conversationId: string, version: number, fact: Fact['kind']): string {
  return `conversation:${conversationId}:v${version}:${fact}`;
}

/** One event per fact of a change, described with the conversation as the change left it. */
export function eventsForChange(conversation: WorkflowConversation, change: LastChange): DomainEvent[] {
  const base = {
    conversationId: conversation.conversationId, mailboxId: conversation.mailboxId, orgId: conversation.orgId,
    subject: conversation.subject, version: change.version, actor: change.actor,
    status: conversation.status, assignee: conversation.assignee,
  };
  const at = new Date(change.at);
  return change.facts.flatMap((fact): DomainEvent[] => {
    const id = eventIdFor(conversation.conversationId, change.version, fact.kind);
    switch (fact.kind) {
      case 'assigned':
        return [buildEvent('conversationAssigned', id, { ...base, assignee: fact.assignee, previousAssignee: fact.previousAssignee, message: fact.message }, at)];
      case 'unassigned':
        return [buildEvent('conversationUnassigned', id, { ...base, previousAssignee: fact.previousAssignee, message: fact.message }, at)];
      case 'status_changed':
        return [buildEvent('conversationStatusChanged', id, { ...base, from: fact.from, to: fact.to }, at)];
      case 'labelled':
        return [buildEvent('conversationLabelled', id, { ...base, labels: fact.labels, allLabels: conversation.labels }, at)];
      case 'unlabelled':
        return [buildEvent('conversationUnlabelled', id, { ...base, labels: fact.labels, allLabels: conversation.labels }, at)];
      case 'archived':
        return [buildEvent('conversationArchived', id, base, at)];
      case 'unarchived':
        return [buildEvent('conversationUnarchived', id, base, at)];
      case 'snoozed':
        return [buildEvent('conversationSnoozed', id, { ...base, until: fact.until }, at)];
      case 'unsnoozed':
        return [buildEvent('conversationUnsnoozed', id, base, at)];
      case 'follow_up_set':
        return [buildEvent('followUpScheduled', id, { ...base, at: fact.remindAt }, at)];
      case 'follow_up_cancelled':
        return [buildEvent('followUpCancelled', id, base, at)];
      case 'moved':
        return [buildEvent('conversationMoved', id, { ...base, fromMailboxId: fact.from, previousAssignee: fact.previousAssignee }, at)];
      case 'trashed':
        return [buildEvent('conversationTrashed', id, base, at)];
      case 'restored':
        return [buildEvent('conversationRestored', id, base, at)];
      case 'qualified':
        return [buildEvent('conversationQualified', id, { ...base, qualification: fact.qualification, previousQualification: fact.previousQualification }, at)];
      case 'overdue':
        return [buildEvent('conversationOverdue', id, { ...base, dueAt: fact.dueAt }, at)];
      case 'timer_fired':
        // The snooze's wake-up is told by `Conversation Unsnoozed`; a reminder has its own event.
        if (fact.timer !== 'follow_up') return [];
        return [buildEvent('followUpDue', id, { ...base, at: fact.dueAt, setBy: fact.setBy ?? change.actor }, at)];
    }
  });
}
