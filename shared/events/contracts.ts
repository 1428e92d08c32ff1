/**
 * Event contracts: one entry per event Mailroom publishes on its bus. Producers build events with
 * `buildEvent`; the JSON Schemas and samples under `events/` are generated from these schemas
 * (`npm run events:schemas`) and a test fails when a change would break a consumer.
 */
import * as z from 'zod';
import type { DomainEvent } from '../ports/index.js';

export const EVENT_SOURCE = 'mailroom';

const address = z.object({ address: z.string(), name: z.string() });

export const messageReceivedData = z.object({
  messageKey: z.string().describe('Stable message key (GET /api/messages/{messageKey}/raw).'),
  messageId: z.string().describe('RFC 5322 Message-ID without angle brackets.'),
  orgId: z.string().nullable(),
  receivedAt: z.string().describe('ISO-8601 time Mailroom received the message.'),
  subject: z.string(),
  from: address.nullable(),
  to: z.array(address),
  cc: z.array(address),
  placements: z.array(z.object({
    mailboxId: z.string(),
    conversationId: z.string(),
    newConversation: z.boolean(),
    threading: z.string().describe('Why the message joined this conversation: in-reply-to, references, reply-token, subject or new.'),
  })).describe('One entry per mailbox the message appears in; empty when unroutable.'),
  flags: z.array(z.string()).describe('Classification and safety flags, e.g. auto-reply, delivery-report, hostile-html, unroutable.'),
  attachmentCount: z.number().int(),
  deliveryReport: z.object({
    originalMessageId: z.string().nullable(),
    recipients: z.array(z.object({ recipient: z.string(), action: z.string(), status: z.string().nullable(), diagnostic: z.string().nullable() })),
  }).nullable().describe('Parsed RFC 3464 report when the message is a bounce or delay notice.'),
  readReport: z.object({ originalMessageId: z.string().nullable(), finalRecipient: z.string().nullable(), disposition: z.string() })
    .nullable().describe('Parsed RFC 8098 read receipt.'),
});

const conversationStatus = z.enum(['unassigned', 'assigned', 'in_progress', 'todo', 'closed']);

/** Fields every conversation workflow event carries: enough to route, notify and dedupe without a read. */
const conversationChange = z.object({
  conversationId: z.string().describe('GET /api/conversations/{conversationId}.'),
  mailboxId: z.string(),
  orgId: z.string(),
  subject: z.string(),
  version: z.number().int().describe('Conversation version after the change; with conversationId it identifies the change.'),
  actor: z.string().describe('Email of the member who made the change.'),
  status: conversationStatus.describe('Status after the change.'),
  assignee: z.string().nullable().describe('Assignee after the change.'),
});

export const conversationAssignedData = conversationChange.extend({
  assignee: z.string().describe('The member now assigned.'),
  previousAssignee: z.string().nullable(),
  message: z.string().nullable().describe('Short note from the person who assigned, for the assignee.'),
});

export const conversationUnassignedData = conversationChange.extend({
  previousAssignee: z.string(),
  message: z.string().nullable(),
});

export const conversationStatusChangedData = conversationChange.extend({
  from: conversationStatus,
  to: conversationStatus,
});

export const conversationLabelledData = conversationChange.extend({
  labels: z.array(z.string()).describe('Labels this change added (or removed, for Conversation Unlabelled).'),
  allLabels: z.array(z.string()).describe('Every label of the conversation after the change.'),
});

/** Archive and unarchive carry the common fields only: the flag is in the event's name. */
export const conversationArchivedData = conversationChange;

export const conversationSnoozedData = conversationChange.extend({
  until: z.string().describe('ISO time the conversation comes back to the default lists, unless the customer writes first.'),
});

export const followUpScheduledData = conversationChange.extend({
  at: z.string().describe('ISO time of the reminder; a customer message before then cancels it.'),
});

export const followUpDueData = conversationChange.extend({
  at: z.string().describe('The reminder time that was set.'),
  setBy: z.string().describe('Email of the member who set the reminder, the person to remind.'),
});

/** An internal note: what a notifier needs without reading the note (the body is never published). */
const noteFields = z.object({
  conversationId: z.string().describe('GET /api/conversations/{conversationId}/notes lists the note.'),
  mailboxId: z.string(),
  orgId: z.string(),
  subject: z.string(),
  noteId: z.string(),
  author: z.string().describe('Email of the member who wrote the note.'),
  createdAt: z.string(),
});

export const noteAddedData = noteFields.extend({
  mentions: z.array(z.string()).describe('Emails of the mailbox members mentioned.'),
});

export const mentionCreatedData = noteFields.extend({
  mentioned: z.string().describe('Email of the member mentioned, the person to notify.'),
});

/** Fields every outbox event carries: enough to show, route and dedupe without a read (no bodies). */
const outboxMessage = z.object({
  messageKey: z.string().describe('Stable message key (GET /api/outbox/{messageKey}).'),
  messageId: z.string().describe('RFC 5322 Message-ID without angle brackets; carries the reply token mr-<conversationId>.'),
  orgId: z.string(),
  mailboxId: z.string(),
  conversationId: z.string(),
  subject: z.string(),
  to: z.array(z.string()).describe('To and Cc addresses (Bcc recipients are never published).'),
  status: z.enum(['queued', 'sending', 'retry_pending', 'failed', 'connector_disabled', 'sent', 'cancelled']).describe('Send status after the change.'),
  attempt: z.number().int().describe('Attempts started so far.'),
});

export const messageQueuedData = outboxMessage.extend({
  composedBy: z.string().describe('Email of the member who sent it.'),
  kind: z.enum(['new', 'reply', 'reply-all', 'forward']),
  sendAt: z.string().describe('Earliest time the sender will pick it up: the end of the undo window, or the scheduled time.'),
  scheduled: z.boolean().describe('True when the author chose a send time.'),
});

export const messageSentData = outboxMessage.extend({
  providerMessageId: z.string().describe('Id given by the provider (SES MessageId); delivery events carry it.'),
  connector: z.string(),
  sentAt: z.string(),
});

export const messageSendFailedData = outboxMessage.extend({
  reason: z.enum(['permanent', 'exhausted', 'interrupted', 'connector_disabled']).describe('Why it stopped: refused by the provider, out of attempts, sender stopped mid-attempt (outcome unknown), or the mailbox\'s connector is disabled.'),
  error: z.string().nullable().describe('Last failure message.'),
});

export const messageCancelledData = outboxMessage.extend({
  cancelledBy: z.string().describe('Email of the member who cancelled.'),
});

/** Delivery events: what happened to recipients of a sent message, from SES events or a DSN received as mail. */
export const messageDeliveryData = outboxMessage.extend({
  source: z.enum(['ses', 'dsn']).describe('ses: the provider\'s delivery events; dsn: a delivery status notification received as mail.'),
  recipients: z.array(z.object({
    address: z.string().describe('Lower-cased recipient address.'),
    status: z.enum(['delivered', 'bounced', 'complained', 'delayed', 'rejected']),
    diagnostic: z.string().nullable().describe('The remote server\'s answer or the provider\'s reason, if any.'),
    at: z.string().describe('When the provider or the reporting server observed it.'),
  })).describe('The recipients this observation concerns (To, Cc and Bcc addresses the report names).'),
});

export const metadataSchema = z.object({
  eventId: z.string().describe('Deterministic: the same fact published twice carries the same id.'),
  version: z.string(),
  occurredAt: z.string(),
  source: z.string(),
});

export const EVENTS = {
  messageReceived: {
    detailType: 'Message Received',
    version: '1',
    description: 'A received message was stored and placed in its mailboxes (no bodies).',
    data: messageReceivedData,
  },
  conversationAssigned: {
    detailType: 'Conversation Assigned',
    version: '1',
    description: 'A conversation was assigned or reassigned to a member of its mailbox.',
    data: conversationAssignedData,
  },
  conversationUnassigned: {
    detailType: 'Conversation Unassigned',
    version: '1',
    description: 'A conversation went back to its mailbox without an assignee.',
    data: conversationUnassignedData,
  },
  conversationStatusChanged: {
    detailType: 'Conversation Status Changed',
    version: '1',
    description: 'A conversation changed status (also when an assignment changed it).',
    data: conversationStatusChangedData,
  },
  conversationLabelled: {
    detailType: 'Conversation Labelled',
    version: '1',
    description: 'Labels were added to a conversation by a member.',
    data: conversationLabelledData,
  },
  conversationUnlabelled: {
    detailType: 'Conversation Unlabelled',
    version: '1',
    description: 'Labels were removed from a conversation by a member.',
    data: conversationLabelledData,
  },
  conversationArchived: {
    detailType: 'Conversation Archived',
    version: '1',
    description: 'A member archived a conversation: it left the default lists.',
    data: conversationArchivedData,
  },
  conversationUnarchived: {
    detailType: 'Conversation Unarchived',
    version: '1',
    description: 'A member unarchived a conversation: it is back in the default lists.',
    data: conversationArchivedData,
  },
  conversationSnoozed: {
    detailType: 'Conversation Snoozed',
    version: '1',
    description: 'A member snoozed a conversation: it left the default lists until `until`.',
    data: conversationSnoozedData,
  },
  conversationUnsnoozed: {
    detailType: 'Conversation Unsnoozed',
    version: '1',
    description: 'A snoozed conversation is back in the default lists: its time came (actor `system`) or a member woke it.',
    data: conversationArchivedData,
  },
  followUpScheduled: {
    detailType: 'Follow-up Scheduled',
    version: '1',
    description: 'A member set a follow-up reminder on a conversation.',
    data: followUpScheduledData,
  },
  followUpCancelled: {
    detailType: 'Follow-up Cancelled',
    version: '1',
    description: 'A member cancelled a follow-up reminder (a customer reply cancels it silently: `Message Received`).',
    data: conversationArchivedData,
  },
  followUpDue: {
    detailType: 'Follow-up Due',
    version: '1',
    description: 'A follow-up reminder came due without a customer message since it was set: remind `setBy`.',
    data: followUpDueData,
  },
  noteAdded: {
    detailType: 'Note Added',
    version: '1',
    description: 'A member added an internal note to a conversation (never sent to the customer; no body).',
    data: noteAddedData,
  },
  mentionCreated: {
    detailType: 'Mention Created',
    version: '1',
    description: 'A note mentioned a mailbox member: one event per person, for notifications.',
    data: mentionCreatedData,
  },
  messageQueued: {
    detailType: 'Message Queued',
    version: '1',
    description: 'An outgoing message was stored in its conversation and queued for sending (undo window or scheduled time ahead).',
    data: messageQueuedData,
  },
  messageSent: {
    detailType: 'Message Sent',
    version: '1',
    description: 'The provider accepted an outgoing message (delivery to each recipient is reported separately).',
    data: messageSentData,
  },
  messageSendFailed: {
    detailType: 'Message Send Failed',
    version: '1',
    description: 'An outgoing message stopped without being sent: failed, or held because its connector is disabled.',
    data: messageSendFailedData,
  },
  messageCancelled: {
    detailType: 'Message Cancelled',
    version: '1',
    description: 'A member cancelled an outgoing message before it was sent (undo send, scheduled or retry pending).',
    data: messageCancelledData,
  },
  messageDelivered: {
    detailType: 'Message Delivered',
    version: '1',
    description: 'The receiving server accepted a sent message for one or more recipients.',
    data: messageDeliveryData,
  },
  messageBounced: {
    detailType: 'Message Bounced',
    version: '1',
    description: 'A sent message bounced (or SES rejected it) for one or more recipients; the conversation is flagged delivery-failed.',
    data: messageDeliveryData,
  },
  messageComplained: {
    detailType: 'Message Complained',
    version: '1',
    description: 'A recipient marked a sent message as spam (feedback loop); the conversation is flagged delivery-failed.',
    data: messageDeliveryData,
  },
  messageDelayed: {
    detailType: 'Message Delayed',
    version: '1',
    description: 'Delivery of a sent message is delayed for one or more recipients; the provider keeps trying.',
    data: messageDeliveryData,
  },
} as const;

export type EventName = keyof typeof EVENTS;
export type EventData<N extends EventName> = z.infer<(typeof EVENTS)[N]['data']>;

export function buildEvent<N extends EventName>(name: N, eventId: string, data: EventData<N>, occurredAt: Date): DomainEvent<EventData<N>> {
  const contract = EVENTS[name];
  return {
    detailType: contract.detailType,
    detail: {
      metadata: { eventId, version: contract.version, occurredAt: occurredAt.toISOString(), source: EVENT_SOURCE },
      data: contract.data.parse(data) as EventData<N>,
    },
  };
}
