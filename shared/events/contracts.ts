/**
 * Event contracts: one entry per event Mailroom publishes on its bus. Producers build events with
 * `buildEvent`; the JSON Schemas and samples under `events/` are generated from these schemas
 * (`npm run events:schemas`) and a test fails when a change would break a consumer.
 */
import * as z from 'zod';
import type { DomainEvent } from '../ports/index.js';
import { CASE_EVENTS } from '../cases/event-contracts.js';

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

export const conversationMovedData = conversationChange.extend({
  fromMailboxId: z.string().describe('The mailbox the conversation left; `mailboxId` is the one it is in now.'),
  previousAssignee: z.string().nullable().describe('Assignee before the move; cleared when not a member of the target mailbox.'),
});

export const conversationQualifiedData = conversationChange.extend({
  qualification: z.string().nullable().describe('Qualification id after the change (GET /api/qualifications), null when removed.'),
  previousQualification: z.string().nullable(),
});

export const conversationOverdueData = conversationChange.extend({
  dueAt: z.string().describe('When a response was due: the customer message time plus the mailbox response deadline.'),
});

export const conversationOverdueClearedData = z.object({
  conversationId: z.string(),
  mailboxId: z.string(),
  orgId: z.string(),
  dueAt: z.string().describe('The deadline that was pending or missed.'),
  overdue: z.boolean().describe('True when the deadline had already passed.'),
  reason: z.enum(['replied']).describe('What cleared it (closing, which is a change, tells `Conversation Status Changed`).'),
  actor: z.string().describe('Email of the member whose reply cleared it.'),
});

export const conversationDeletedData = z.object({
  conversationId: z.string().describe('Gone: GET answers 404 from now on.'),
  mailboxId: z.string(),
  orgId: z.string(),
  actor: z.string().describe('Email of the admin who deleted it.'),
  deletedAt: z.string(),
  messageKeys: z.array(z.string()).describe('Messages of the conversation; each is erased (raw mail, body, attachments) unless another conversation still holds it.'),
});

export const qualificationChangedData = z.object({
  orgId: z.string(),
  qualificationId: z.string(),
  name: z.string(),
  change: z.enum(['created', 'updated', 'deleted']),
  actor: z.string().describe('Email of the organisation admin.'),
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

export const messageRetryRequestedData = outboxMessage.extend({
  retriedBy: z.string().describe('Email of the member who asked for another attempt.'),
  previousStatus: z.enum(['failed', 'connector_disabled']),
});

export const outboxFailureAcknowledgedData = outboxMessage.extend({
  acknowledgedBy: z.string().describe('Email of the member who took it off the failed-sends list.'),
  failedAt: z.string().describe('When it entered the list.'),
});

export const systemMailQueuedData = outboxMessage.extend({
  systemKind: z.enum(['auto-ack', 'mention', 'assignment']).describe('auto-ack: acknowledgement to a customer; mention, assignment: notification email to a member.'),
  cause: z.string().describe('eventId of the event that caused it (Message Received, Mention Created, Conversation Assigned).'),
});

export const outboxSettingsChangedData = z.object({
  mailboxId: z.string(),
  orgId: z.string(),
  changedBy: z.string(),
  connectorEnabled: z.boolean(),
  undoSeconds: z.number().int().nullable(),
  retry: z.object({ maxAttempts: z.number().int().nullable(), baseDelaySeconds: z.number().int().nullable(), maxDelaySeconds: z.number().int().nullable(), jitter: z.enum(['full', 'equal', 'none']) }),
  autoAckEnabled: z.boolean(),
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

/** A delivery receipt the author asked for (`requestDeliveryReceipt`): every recipient has a final state, at least one delivered. */
export const outboxDeliveryReceiptData = outboxMessage.extend({
  composedBy: z.string().describe('Email of the author, who gets the in-app notification.'),
  delivered: z.array(z.string()).describe('Lower-cased To and Cc recipients the receiving servers accepted (Bcc recipients are never published).'),
  notDelivered: z.array(z.string()).describe('To and Cc recipients that bounced, complained or were rejected (also on the failed-sends list).'),
  completedAt: z.string().describe('When the last recipient reached its final state, as observed by the provider or the reporting server.'),
});

/** Fields every email-account event carries (never credentials, not even encrypted). */
export const accountChangeData = z.object({
  accountId: z.string().describe('GET /api/accounts/{accountId}.'),
  orgId: z.string(),
  kind: z.enum(['ses', 'imap_smtp']),
  address: z.string(),
  mailboxId: z.string().describe('The mailbox the account feeds.'),
  status: z.enum(['active', 'deactivated']).describe('Status after the change (the last one for Account Deleted).'),
  syncEnabled: z.boolean(),
  syncIntervalMinutes: z.number().int(),
  version: z.number().int().describe('Account version after the change; with accountId it identifies the change.'),
  actor: z.string().describe('Email of the administrator who made the change.'),
});

export const accountSyncFailedData = z.object({
  accountId: z.string(),
  orgId: z.string(),
  address: z.string(),
  mailboxId: z.string(),
  at: z.string().describe('When the sync run stopped.'),
  error: z.string().describe('What went wrong, in plain words (never a password).'),
});

/** Administration (shared/org/admin.ts): who changed what in the organisation's directory. */
const adminChange = z.object({
  orgId: z.string(),
  actor: z.string().describe('Email of the administrator who made the change.'),
});

export const mailboxChangedData = adminChange.extend({
  mailboxId: z.string(),
  version: z.number().int().describe('Mailbox version after the change; with mailboxId it identifies the change.'),
  name: z.string(),
  kind: z.enum(['shared', 'personal']),
  addresses: z.array(z.string()).describe('Addresses routed to the mailbox after the change.'),
  departmentId: z.string().nullable(),
  owner: z.string().nullable(),
  changes: z.array(z.string()).describe('What changed: name, addresses, department, settings, labels, labelRules (all of them on creation).'),
});

export const departmentChangedData = adminChange.extend({
  departmentId: z.string(),
  name: z.string().describe('Name after the change (the last name, for a deletion).'),
  change: z.enum(['created', 'renamed', 'deleted']),
});

export const userAddedData = adminChange.extend({
  email: z.string(),
  name: z.string(),
  orgAdmin: z.boolean(),
});

export const memberChangedData = adminChange.extend({
  mailboxId: z.string(),
  email: z.string().describe('The member concerned.'),
  role: z.enum(['admin', 'dispatcher', 'agent']).nullable().describe('Role after the change; null once removed.'),
  previousRole: z.enum(['admin', 'dispatcher', 'agent']).nullable().describe('Role before the change; null when added.'),
});

export const primaryMailboxChangedData = adminChange.extend({
  email: z.string(),
  primaryMailboxId: z.string().nullable(),
});

/** A template became available to a mailbox's members (integrations mirror template catalogues). */
export const templatePublishedData = z.object({
  templateId: z.string(),
  mailboxId: z.string(),
  orgId: z.string(),
  name: z.string().describe('Internal name.'),
  title: z.string(),
  type: z.enum(['email', 'sms']),
  folder: z.string().describe('Folder path; empty for the root.'),
  version: z.number().int().describe('Template version published; with templateId it identifies the publication.'),
  publishedBy: z.string().describe('Email of the admin who published it.'),
  publishedAt: z.string(),
});

export const metadataSchema = z.object({
  eventId: z.string().describe('Deterministic: the same fact published twice carries the same id.'),
  version: z.string(),
  occurredAt: z.string(),
  source: z.string(),
});

export const EVENTS = {
  ...CASE_EVENTS,
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
  conversationMoved: {
    detailType: 'Conversation Moved',
    version: '1',
    description: 'A dispatcher or admin moved a conversation to another mailbox of the organisation.',
    data: conversationMovedData,
  },
  conversationTrashed: {
    detailType: 'Conversation Trashed',
    version: '1',
    description: 'A member put a conversation in the trash (restorable; admins may then delete it permanently).',
    data: conversationArchivedData,
  },
  conversationRestored: {
    detailType: 'Conversation Restored',
    version: '1',
    description: 'A conversation came back from the trash to the default lists.',
    data: conversationArchivedData,
  },
  conversationDeleted: {
    detailType: 'Conversation Deleted',
    version: '1',
    description: 'An admin deleted a trashed conversation permanently; its messages are erased unless another conversation holds them.',
    data: conversationDeletedData,
  },
  conversationQualified: {
    detailType: 'Conversation Qualified',
    version: '1',
    description: 'A member set (or removed) the business qualification of a conversation.',
    data: conversationQualifiedData,
  },
  conversationOverdue: {
    detailType: 'Conversation Overdue',
    version: '1',
    description: 'The response deadline of a conversation passed without a reply (actor `system`).',
    data: conversationOverdueData,
  },
  conversationOverdueCleared: {
    detailType: 'Conversation Overdue Cleared',
    version: '1',
    description: 'A reply was queued in a conversation awaiting a response: its deadline (pending or missed) is cleared.',
    data: conversationOverdueClearedData,
  },
  qualificationChanged: {
    detailType: 'Qualification Changed',
    version: '1',
    description: 'An organisation admin created, renamed or deleted a qualification (business category).',
    data: qualificationChangedData,
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
  outboxDeliveryReceipt: {
    detailType: 'Outbox Delivery Receipt',
    version: '1',
    description: 'A sent message whose author asked for a delivery receipt reached a final state for every recipient, at least one delivered: the author has an in-app notification. One per message (same eventId if published again).',
    data: outboxDeliveryReceiptData,
  },
  messageRetryRequested: {
    detailType: 'Message Retry Requested',
    version: '1',
    description: 'A member asked for another attempt at a message that failed or was held by a disabled connector: it is retry pending.',
    data: messageRetryRequestedData,
  },
  outboxFailureAcknowledged: {
    detailType: 'Outbox Failure Acknowledged',
    version: '1',
    description: 'A member took a failed or bounced message off the failed-sends list.',
    data: outboxFailureAcknowledgedData,
  },
  systemMailQueued: {
    detailType: 'System Mail Queued',
    version: '1',
    description: 'Mailroom queued mail of its own (auto-acknowledgement, notification email) through the outbox, marked Auto-Submitted.',
    data: systemMailQueuedData,
  },
  outboxSettingsChanged: {
    detailType: 'Outbox Settings Changed',
    version: '1',
    description: 'An admin changed a mailbox\'s outbox settings (connector, undo window, retry policy, auto-acknowledgement; no texts).',
    data: outboxSettingsChangedData,
  },
  accountCreated: {
    detailType: 'Account Created',
    version: '1',
    description: 'An administrator connected an email account (SES address or IMAP/SMTP mailbox) to a mailbox.',
    data: accountChangeData,
  },
  accountUpdated: {
    detailType: 'Account Updated',
    version: '1',
    description: 'An email account\'s settings changed (server, credentials, mailbox, sync).',
    data: accountChangeData,
  },
  accountDeactivated: {
    detailType: 'Account Deactivated',
    version: '1',
    description: 'An email account was deactivated: no sync, hidden from members, its outgoing mail held as connector disabled.',
    data: accountChangeData,
  },
  accountActivated: {
    detailType: 'Account Activated',
    version: '1',
    description: 'A deactivated email account was activated again.',
    data: accountChangeData,
  },
  accountDeleted: {
    detailType: 'Account Deleted',
    version: '1',
    description: 'An email account that never handled mail and had no users was deleted.',
    data: accountChangeData,
  },
  accountSyncFailed: {
    detailType: 'Account Sync Failed',
    version: '1',
    description: 'A scheduled IMAP sync of an email account failed (sign-in refused, server unreachable…); it runs again at the next interval.',
    data: accountSyncFailedData,
  },
  mailboxCreated: {
    detailType: 'Mailbox Created',
    version: '1',
    description: 'An administrator created a shared or personal mailbox; its addresses now route to it.',
    data: mailboxChangedData,
  },
  mailboxUpdated: {
    detailType: 'Mailbox Updated',
    version: '1',
    description: 'An administrator changed a mailbox: name, addresses, department, settings, labels or label rules (`changes`).',
    data: mailboxChangedData,
  },
  departmentChanged: {
    detailType: 'Department Changed',
    version: '1',
    description: 'An organisation administrator created, renamed or deleted a department.',
    data: departmentChangedData,
  },
  userAdded: {
    detailType: 'User Added',
    version: '1',
    description: 'An organisation administrator added a user to the organisation.',
    data: userAddedData,
  },
  memberAdded: {
    detailType: 'Member Added',
    version: '1',
    description: 'A user became a member of a mailbox, with a role.',
    data: memberChangedData,
  },
  memberRoleChanged: {
    detailType: 'Member Role Changed',
    version: '1',
    description: "A member's role in a mailbox changed.",
    data: memberChangedData,
  },
  memberRemoved: {
    detailType: 'Member Removed',
    version: '1',
    description: 'A member left a mailbox: they no longer see its conversations.',
    data: memberChangedData,
  },
  primaryMailboxChanged: {
    detailType: 'Primary Mailbox Changed',
    version: '1',
    description: "A user's primary (default) mailbox changed.",
    data: primaryMailboxChangedData,
  },
  templatePublished: {
    detailType: 'Template Published',
    version: '1',
    description: "A message template was published: the mailbox's members can now apply it (no body).",
    data: templatePublishedData,
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
