/**
 * The HTTP API's response shapes as the web app reads them. They mirror
 * `shared/api/schemas.ts`; `test/browser/api-contract.test.ts` fails the type-check when the two
 * drift apart, so the app never silently reads a field the API stopped sending.
 */

export type ConversationStatus = 'unassigned' | 'assigned' | 'in_progress' | 'todo' | 'closed';
export type MailboxRole = 'admin' | 'dispatcher' | 'agent';
export type ThreadingKind = 'new' | 'in-reply-to' | 'references' | 'reply-token' | 'subject' | 'redelivery';

export interface MailAddress {
  address: string;
  name: string;
}

export interface Mailbox {
  mailboxId: string;
  name: string;
  kind: 'shared' | 'personal';
  addresses: string[];
  department: string | null;
  role: MailboxRole;
  primary: boolean;
  /** Names of the labels the mailbox defines: suggestions for every member. */
  labels: string[];
}

export interface Me {
  email: string;
  name: string;
  locale: string;
  orgId: string;
  orgAdmin: boolean;
  primaryMailboxId: string | null;
  /** Primary mailbox first. */
  mailboxes: Mailbox[];
}

export interface ConversationSummary {
  conversationId: string;
  mailboxId: string;
  subject: string;
  snippet: string;
  from: MailAddress | null;
  status: ConversationStatus;
  assignee: string | null;
  /** Nobody has opened, read or assigned it yet. */
  isNew: boolean;
  /** Unread for the caller: never read, or a message arrived since they read it. */
  unread: boolean;
  labels: string[];
  flags: string[];
  messageCount: number;
  hasAttachments: boolean;
  createdAt: string;
  lastActivityAt: string;
  /** Sent back as `If-Match` with a change (optimistic concurrency). */
  version: number;
  /** Out of the default lists; new inbound mail unarchives. */
  archived: boolean;
  /** In the trash: restorable, or deleted for good by an admin. */
  trashed: boolean;
  /** Qualification id (GET /api/qualifications), or null. */
  qualification: string | null;
  /** The mailbox's response deadline passed without a reply. */
  overdue: boolean;
  /** When a response is due (a customer message awaits one), or null. */
  dueAt: string | null;
  /** When a snoozed conversation wakes up; exact on the conversation view, changes and search results, null on list rows. */
  snoozedUntil: string | null;
  /** When the follow-up reminder is due; exact on the conversation view, changes and search results, null on list rows. */
  followUpAt: string | null;
}

export interface ConversationPage {
  items: ConversationSummary[];
  nextCursor: string | null;
}

export interface Attachment {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  disposition: 'attachment' | 'inline';
  contentId: string | null;
  /** API path that redirects to a short-lived download link. */
  url: string;
}

export interface Message {
  messageKey: string;
  messageId: string;
  direction: 'inbound' | 'outbound';
  receivedAt: string;
  date: string | null;
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  text: string;
  /** Sanitised HTML: remote images disabled (`data-mr-remote-src`), inline images resolved. */
  html: string | null;
  flags: string[];
  autoReplyReason: string | null;
  attachments: Attachment[];
  forwarded: { attachmentIndex: number; messageId: string | null; subject: string; from: MailAddress | null; date: string | null }[];
  threading: { kind: ThreadingKind; explanation: string };
  deliveryReport: {
    originalMessageId: string | null;
    recipients: { recipient: string; action: string; status: string | null; diagnostic: string | null }[];
  } | null;
  readReport: { originalMessageId: string | null; finalRecipient: string | null; disposition: string } | null;
  /** Outbound messages: where the outbox stands (null for received mail). */
  sendStatus: OutboxStatus | null;
  /** Outbound messages: the outbox's last failure. */
  lastError: string | null;
  /** Outbound messages: delivery per To and Cc recipient (empty for received mail). */
  recipients: RecipientDelivery[];
  /** Outbound messages: the first read receipt (MDN) that came back. */
  readReceipt: { at: string; disposition: string } | null;
  rawUrl: string;
}

export interface RecipientDelivery {
  address: string;
  status: RecipientDeliveryStatus;
  /** The remote server's answer or the provider's reason. */
  diagnostic: string | null;
  /** Null while pending. */
  at: string | null;
}

export interface ConversationDetail {
  conversation: ConversationSummary & { participants: string[] };
  messages: Message[];
}

/** RFC 9457 problem details, the API's error body. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
}

/** Answer of the workflow's changes (assign, status, labels). */
export interface ChangeResult {
  conversation: ConversationSummary;
  /** False when the conversation already was in the requested state. */
  changed: boolean;
}

interface HistoryBase {
  id: string;
  at: string;
}

export type HistoryEntry =
  | (HistoryBase & { kind: 'received'; actor: null; version: null; messageKey: string })
  | (HistoryBase & { kind: 'viewed'; actor: string; version: null })
  | (HistoryBase & { kind: 'assigned'; actor: string; version: number; assignee: string; previousAssignee: string | null; message: string | null })
  | (HistoryBase & { kind: 'unassigned'; actor: string; version: number; previousAssignee: string; message: string | null })
  | (HistoryBase & { kind: 'status_changed'; actor: string; version: number; from: string; to: string })
  | (HistoryBase & { kind: 'labelled' | 'unlabelled'; actor: string; version: number; labels: string[] })
  | (HistoryBase & { kind: 'archived' | 'unarchived' | 'unsnoozed' | 'follow_up_cancelled'; actor: string; version: number })
  | (HistoryBase & { kind: 'snoozed'; actor: string; version: number; until: string })
  | (HistoryBase & { kind: 'follow_up_set'; actor: string; version: number; remindAt: string })
  | (HistoryBase & { kind: 'timer_fired'; actor: string; version: number; timer: 'snooze' | 'follow_up'; dueAt: string; setBy: string | null })
  | (HistoryBase & { kind: 'note_added'; actor: string; version: null; noteId: string; mentions: string[] });

export interface HistoryPage {
  items: HistoryEntry[];
  nextCursor: string | null;
}

/** An outgoing message's send state (`shared/outbox/README.md`). */
export type OutboxStatus = 'queued' | 'sending' | 'retry_pending' | 'failed' | 'connector_disabled' | 'sent' | 'cancelled';

/** An outgoing message as the outbox routes show it (`shared/api/routes-outbox-spec.ts`). */
export interface OutboxItem {
  messageKey: string;
  messageId: string;
  mailboxId: string;
  conversationId: string;
  status: OutboxStatus;
  subject: string;
  to: MailAddress[];
  cc: MailAddress[];
  /** Only shown to the author, admins and dispatchers. */
  bcc: MailAddress[];
  importance: Importance;
  readReceiptRequested: boolean;
  connector: string;
  composedBy: string;
  createdAt: string;
  sendAt: string | null;
  attempts: number;
  maxAttempts: number;
  lastAttemptAt: string | null;
  /** When the sender picks it up next: the end of the undo window for a new message. */
  nextAttemptAt: string | null;
  firstFailureAt: string | null;
  lastError: string | null;
  providerMessageId: string | null;
  sentAt: string | null;
  attachmentCount: number;
  /** Failed or held by a disabled connector: retry queues another attempt. */
  retryable: boolean;
  /** Mail Mailroom wrote itself (auto-acknowledgement, notification email). */
  systemGenerated: boolean;
  systemKind: 'auto-ack' | 'mention' | 'assignment' | null;
  /** When it entered the failed-sends list; null when it is not on it. */
  failedListedAt: string | null;
  /** Recipients that bounced, complained or were rejected. */
  failedRecipients: string[];
  /** Still queued or waiting for a retry: cancel can stop it. */
  cancellable: boolean;
  /** The case and business records the message belonged to when composed (a snapshot). */
  links: OutboxLink[];
  rawUrl: string;
}

/** A case (`/cases/<id>`) or a business record (ticket, project, offer, booking…) an outgoing message belongs to. */
export type OutboxLink =
  | { kind: 'case'; id: string; reference: string }
  | { kind: 'record'; type: string; id: string };

export type Importance = 'high' | 'normal' | 'low';

export interface OutboxPage {
  items: OutboxItem[];
  nextCursor: string | null;
}

/** Answer of compose and reply: the queued message; `created` false when an idempotency key matched. */
export interface ComposeResult {
  message: OutboxItem;
  created: boolean;
}

export type ReplyKind = 'reply' | 'reply-all' | 'forward';

/** One of the caller's drafts on the server (GET /api/drafts, POST /api/drafts, PUT /api/drafts/{id}). */
export interface ServerDraft {
  draftId: string;
  mailboxId: string;
  kind: 'new' | ReplyKind;
  conversationId: string | null;
  messageKey: string | null;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** Null: the default (the reply subject for a reply). */
  subject: string | null;
  html: string | null;
  importance: Importance;
  requestReadReceipt: boolean;
  requestDeliveryReceipt: boolean;
  attachments: { uploadKey: string; inline?: boolean; contentId?: string }[];
  caseDocuments: { caseId: string; documentId: string }[];
  status: 'draft' | 'sending' | 'sent' | 'discarded';
  /** Sent back as `expectedVersion` with the next save. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type RecipientDeliveryStatus = 'pending' | 'delivered' | 'bounced' | 'complained' | 'delayed' | 'rejected';

/**
 * What the app shows of an outbound message's sending. Every field is optional: a server that
 * does not send them yet leaves them out, and the app then asks `GET /api/outbox/{messageKey}`.
 */
export interface MessageSendState {
  sendStatus?: OutboxStatus;
  lastError?: string | null;
  recipients?: RecipientDelivery[];
  readReceipt?: { at: string; disposition: string } | null;
}

/** An internal note on a conversation (GET/POST /api/conversations/{id}/notes): never sent to the customer. */
export interface ConversationNote {
  noteId: string;
  conversationId: string;
  /** Email of the member who wrote it. */
  author: string;
  body: string;
  /** Members notified (parsed from the body or given). */
  mentions: string[];
  createdAt: string;
}

export interface NotePage {
  items: ConversationNote[];
  nextCursor: string | null;
}

/** A member of a mailbox (GET /api/mailboxes/{id}/members), for pickers and mentions. */
export interface MailboxMember {
  email: string;
  name: string;
  role: MailboxRole;
}

/**
 * One of the caller's in-app notifications (GET /api/me/notifications). `kind` is open: the app
 * words the kinds it knows and shows any other in a plain generic sentence.
 */
export interface InAppNotification {
  notificationId: string;
  kind: 'mention' | 'assigned' | 'delivered' | (string & {});
  conversationId: string;
  mailboxId: string;
  subject: string;
  /** Who mentioned or assigned ('' when nobody did, e.g. a system event). */
  by: string;
  /** The assignment message, when there is one. */
  message: string | null;
  noteId: string | null;
  at: string;
  readAt: string | null;
}

export interface NotificationPage {
  items: InAppNotification[];
  nextCursor: string | null;
}
