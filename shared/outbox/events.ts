/**
 * Outbox events. Ids are derived from the message and the fact (and the attempt where a fact can
 * repeat), so an event published again after a redelivery carries the same id and consumers can
 * deduplicate it: events are at-least-once, sends are not.
 */
import { buildEvent, type EventData } from '../events/contracts.js';
import type { DomainEvent } from '../ports/index.js';
import type { OutboxRecord } from './outbox-store.js';

function common(r: OutboxRecord) {
  return {
    messageKey: r.messageKey, messageId: r.messageId, orgId: r.orgId, mailboxId: r.mailboxId, conversationId: r.conversationId,
    subject: r.subject, to: [...r.to, ...r.cc].map((a) => a.address), status: r.status, attempt: r.attempt,
  };
}

export function messageQueuedEvent(r: OutboxRecord, kind: EventData<'messageQueued'>['kind'], sendAt: Date, now: Date): DomainEvent {
  return buildEvent('messageQueued', `message-queued:${r.messageKey}`, {
    ...common(r), composedBy: r.composedBy, kind, sendAt: sendAt.toISOString(), scheduled: r.sendAt !== null,
  }, now);
}

export function messageSentEvent(r: OutboxRecord, now: Date): DomainEvent {
  return buildEvent('messageSent', `message-sent:${r.messageKey}`, {
    ...common(r), providerMessageId: r.providerMessageId ?? '', connector: r.connector, sentAt: r.sentAt ?? now.toISOString(),
  }, now);
}

export function messageSendFailedEvent(r: OutboxRecord, reason: EventData<'messageSendFailed'>['reason'], now: Date): DomainEvent {
  return buildEvent('messageSendFailed', `message-send-failed:${r.messageKey}:a${r.attempt}:${reason}`, {
    ...common(r), reason, error: r.lastError,
  }, now);
}

export function messageCancelledEvent(r: OutboxRecord, cancelledBy: string, now: Date): DomainEvent {
  return buildEvent('messageCancelled', `message-cancelled:${r.messageKey}`, { ...common(r), cancelledBy }, now);
}

export function messageRetryRequestedEvent(r: OutboxRecord, retriedBy: string, previousStatus: 'failed' | 'connector_disabled', now: Date): DomainEvent {
  return buildEvent('messageRetryRequested', `message-retry-requested:${r.messageKey}:a${r.attempt}`, { ...common(r), retriedBy, previousStatus }, now);
}

export function failureAcknowledgedEvent(r: OutboxRecord, acknowledgedBy: string, failedAt: string, now: Date): DomainEvent {
  return buildEvent('outboxFailureAcknowledged', `outbox-failure-acknowledged:${r.messageKey}:${failedAt}`, { ...common(r), acknowledgedBy, failedAt }, now);
}

export function systemMailQueuedEvent(r: OutboxRecord, systemKind: EventData<'systemMailQueued'>['systemKind'], cause: string, now: Date): DomainEvent {
  return buildEvent('systemMailQueued', `system-mail-queued:${r.messageKey}`, { ...common(r), systemKind, cause }, now);
}
