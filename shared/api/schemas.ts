/** Response and request schemas of the HTTP API (the OpenAPI document is generated from them). */
import * as z from 'zod';
import { CONVERSATION_STATUSES } from '../model/types.js';

export const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only');

export const addressSchema = z.object({ address: z.string(), name: z.string() });

export const mailboxSchema = z.object({
  mailboxId: z.string(), name: z.string(), kind: z.enum(['shared', 'personal']), addresses: z.array(z.string()),
  department: z.string().nullable(), role: z.enum(['admin', 'dispatcher', 'agent']), primary: z.boolean(),
  labels: z.array(z.string()).describe("Names of the labels the mailbox defines, suggested to every member when labelling (colours: the admin's GET /api/admin/mailboxes)."),
});

export const meSchema = z.object({
  email: z.string(), name: z.string(), locale: z.string(), orgId: z.string(), orgAdmin: z.boolean(),
  primaryMailboxId: z.string().nullable(), mailboxes: z.array(mailboxSchema),
});

export const conversationSummarySchema = z.object({
  conversationId: z.string(), mailboxId: z.string(), subject: z.string(), snippet: z.string(),
  from: addressSchema.nullable(), status: z.enum(CONVERSATION_STATUSES as [string, ...string[]]),
  assignee: z.string().nullable(),
  isNew: z.boolean().describe('Nobody has opened, read or assigned it yet.'),
  unread: z.boolean().describe('Unread for the caller: never read, or a message arrived since they read it.'),
  labels: z.array(z.string()), flags: z.array(z.string()),
  messageCount: z.number().int(), hasAttachments: z.boolean(), createdAt: z.string(), lastActivityAt: z.string(),
  version: z.number().int().describe('Send it back as If-Match (or expectedVersion) with a change.'),
  archived: z.boolean().describe('Out of the default lists (`archived=true` lists it); new inbound mail unarchives.'),
  trashed: z.boolean().describe('In the trash (`trashed=true` lists it): restorable, or deleted permanently by an admin.'),
  qualification: z.string().nullable().describe('Qualification id (GET /api/qualifications), or null.'),
  overdue: z.boolean().describe('The mailbox response deadline passed without a reply.'),
  dueAt: z.string().nullable().describe('When a response is due (a customer message awaits one), or null.'),
  snoozedUntil: z.string().nullable()
    .describe('When a snoozed conversation wakes up, or null. Exact where the conversation itself is read (GET /api/conversations/{id}, change responses, search results); conversation lists leave it null, even `snoozed=true` (their indexes hold neither time, and sort by last activity).'),
  followUpAt: z.string().nullable()
    .describe('When the follow-up reminder set on the conversation is due, or null. Exact where the conversation itself is read (as `snoozedUntil`); conversation lists leave it null.'),
});

/** The version a change was decided on (optimistic concurrency); an `If-Match` header does the same. */
export const expectedVersionField = z.number().int().min(0).optional()
  .describe('The version the change was decided on; the If-Match header does the same.');

export const conversationParams = z.object({ conversationId: id });

/** What a conversation change answers: its new state, and whether anything changed. */
export const conversationChangeSchema = z.object({
  conversation: conversationSummarySchema,
  changed: z.boolean().describe('False when the conversation already was in the requested state.'),
});

export const conversationListSchema = z.object({
  items: z.array(conversationSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page.'),
});

export const attachmentSchema = z.object({
  index: z.number().int(), filename: z.string(), contentType: z.string(), size: z.number().int(),
  disposition: z.enum(['attachment', 'inline']), contentId: z.string().nullable(),
  url: z.string().describe('API path that redirects to a short-lived download link.'),
});

export const threadingSchema = z.object({
  kind: z.enum(['new', 'in-reply-to', 'references', 'reply-token', 'subject', 'redelivery']),
  explanation: z.string(),
});

export const messageSchema = z.object({
  messageKey: z.string(), messageId: z.string(), direction: z.enum(['inbound', 'outbound']),
  receivedAt: z.string(), date: z.string().nullable(), subject: z.string(),
  from: addressSchema.nullable(), to: z.array(addressSchema), cc: z.array(addressSchema), replyTo: z.array(addressSchema),
  text: z.string(),
  html: z.string().nullable().describe('Sanitised HTML; show it in a sandboxed frame. Remote images are disabled (data-mr-remote-src); inline images point to short-lived links.'),
  flags: z.array(z.string()), autoReplyReason: z.string().nullable(),
  attachments: z.array(attachmentSchema),
  forwarded: z.array(z.object({ attachmentIndex: z.number().int(), messageId: z.string().nullable(), subject: z.string(), from: addressSchema.nullable(), date: z.string().nullable() })),
  threading: threadingSchema,
  deliveryReport: z.object({
    originalMessageId: z.string().nullable(),
    recipients: z.array(z.object({ recipient: z.string(), action: z.string(), status: z.string().nullable(), diagnostic: z.string().nullable() })),
  }).nullable(),
  readReport: z.object({ originalMessageId: z.string().nullable(), finalRecipient: z.string().nullable(), disposition: z.string() }).nullable(),
  sendStatus: z.enum(['queued', 'sending', 'retry_pending', 'failed', 'connector_disabled', 'sent', 'cancelled']).nullable()
    .describe('Outbound messages: where the outbox stands (null for received mail).'),
  lastError: z.string().nullable().describe('Outbound messages: the last failure message of the outbox.'),
  recipients: z.array(z.object({
    address: z.string(),
    status: z.enum(['pending', 'delivered', 'bounced', 'complained', 'delayed', 'rejected']),
    diagnostic: z.string().nullable().describe("The remote server's answer (bounce diagnostic) or the provider's reason."),
    at: z.string().nullable().describe('When it was observed; null while pending.'),
  })).describe('Outbound messages: delivery per To and Cc recipient, from SES delivery events and DSNs received as mail (empty for received mail).'),
  readReceipt: z.object({ at: z.string(), disposition: z.string() }).nullable()
    .describe('Outbound messages: the first read receipt (MDN) that came back for it.'),
  rawUrl: z.string(),
});

export const conversationDetailSchema = z.object({
  conversation: conversationSummarySchema.extend({ participants: z.array(z.string()) }),
  messages: z.array(messageSchema),
});

export const failureSchema = z.object({
  items: z.array(z.object({ rawKey: z.string(), error: z.string(), attempts: z.number().int(), at: z.string() })),
  nextCursor: z.string().nullable(),
});

export const unroutableSchema = z.object({
  items: z.array(z.object({
    messageKey: z.string(), receivedAt: z.string(), subject: z.string(), from: addressSchema.nullable(),
    envelopeRecipients: z.array(z.string()), flags: z.array(z.string()), rawUrl: z.string(),
  })),
  nextCursor: z.string().nullable(),
});

const historyBase = { id: z.string(), at: z.string() };
const status = z.enum(CONVERSATION_STATUSES as [string, ...string[]]);

/** Conversation history entries; `actor` is the member's email (null for received mail). */
export const historyEntrySchema = z.union([
  z.object({ ...historyBase, kind: z.literal('received'), actor: z.null(), version: z.null(), messageKey: z.string() }),
  z.object({ ...historyBase, kind: z.literal('viewed'), actor: z.string(), version: z.null() }),
  z.object({
    ...historyBase, kind: z.literal('assigned'), actor: z.string(), version: z.number().int(),
    assignee: z.string(), previousAssignee: z.string().nullable(), message: z.string().nullable(),
  }),
  z.object({ ...historyBase, kind: z.literal('unassigned'), actor: z.string(), version: z.number().int(), previousAssignee: z.string(), message: z.string().nullable() }),
  z.object({ ...historyBase, kind: z.literal('status_changed'), actor: z.string(), version: z.number().int(), from: status, to: status }),
  z.object({ ...historyBase, kind: z.enum(['labelled', 'unlabelled']), actor: z.string(), version: z.number().int(), labels: z.array(z.string()) }),
  z.object({ ...historyBase, kind: z.enum(['archived', 'unarchived']), actor: z.string(), version: z.number().int() }),
  z.object({ ...historyBase, kind: z.enum(['unsnoozed', 'follow_up_cancelled']), actor: z.string(), version: z.number().int() }),
  z.object({ ...historyBase, kind: z.literal('snoozed'), actor: z.string(), version: z.number().int(), until: z.string() }),
  z.object({ ...historyBase, kind: z.literal('follow_up_set'), actor: z.string(), version: z.number().int(), remindAt: z.string() }),
  z.object({
    ...historyBase, kind: z.literal('timer_fired'), actor: z.string().describe('`system`.'), version: z.number().int(),
    timer: z.enum(['snooze', 'follow_up']), dueAt: z.string(), setBy: z.string().nullable(),
  }),
  z.object({
    ...historyBase, kind: z.literal('note_added'), actor: z.string(), version: z.null(),
    noteId: z.string().describe('GET /api/conversations/{conversationId}/notes holds the note.'), mentions: z.array(z.string()),
  }),
]);

export const historySchema = z.object({
  items: z.array(historyEntrySchema),
  nextCursor: z.string().nullable(),
});
