/** Domain records as stored (minus key attributes). */
import type { DeliveryReport, MailAddress, MailFlag, ReadReport, StoredAttachment, ForwardedMessage } from '../mail/types.js';

export type MailboxKind = 'shared' | 'personal';
export type MailboxRole = 'admin' | 'dispatcher' | 'agent';
export type ConversationStatus = 'unassigned' | 'assigned' | 'in_progress' | 'todo' | 'closed';
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = ['unassigned', 'assigned', 'in_progress', 'todo', 'closed'];

export interface Organisation {
  orgId: string;
  name: string;
  /** Mailbox that receives mail for unknown addresses on the organisation's domains, if any. */
  catchAllMailboxId: string | null;
  domains: string[];
}

export interface User {
  /** Sign-in email, lower-cased: the identity carried by the JWT `email` claim. */
  email: string;
  orgId: string;
  name: string;
  /** Organisation-wide administrator (manages every mailbox). */
  orgAdmin: boolean;
  locale: string;
  primaryMailboxId: string | null;
}

export interface Mailbox {
  mailboxId: string;
  orgId: string;
  name: string;
  kind: MailboxKind;
  /** Addresses routed to this mailbox, lower-cased. The first is the sending address. */
  addresses: string[];
  /** For personal mailboxes: the owner's email. */
  owner: string | null;
  department: string | null;
  /** Label rules: mail whose To/Cc contains `address` gets `label`. */
  labelRules: { address: string; label: string }[];
  /**
   * Workflow settings an admin sets per mailbox; absent fields take the workflow's defaults
   * (`null` turns a deadline or an automatic reassignment off).
   */
  settings?: { assignmentMarksRead?: boolean; responseDeadlineMinutes?: number | null; autoReassignAfterMinutes?: number | null };
}

export interface Membership {
  email: string;
  mailboxId: string;
  role: MailboxRole;
}

export interface ConversationRecord {
  conversationId: string;
  mailboxId: string;
  orgId: string;
  subject: string;
  /** Subject with reply/forward prefixes removed, lower-cased: the subject-threading key. */
  subjectKey: string;
  snippet: string;
  from: MailAddress | null;
  /** Every external participant address seen in the conversation, lower-cased. */
  participants: string[];
  status: ConversationStatus;
  assignee: string | null;
  isNew: boolean;
  labels: string[];
  flags: MailFlag[];
  messageCount: number;
  hasAttachments: boolean;
  createdAt: string;
  lastActivityAt: string;
  lastMessageKey: string;
  /** `<receivedAt>#<messageKey>` for every message: ordering and redelivery guard. */
  messageRefs: string[];
  version: number;
  /**
   * Archived conversations live in `#ARCHIVED` list partitions (keys.ts); stored only while true.
   * New inbound mail unarchives.
   */
  archived?: boolean;
  /** Snoozed until this ISO time (`#SNOOZED` list partitions); stored only while snoozed. A customer reply ends it. */
  snoozedUntil?: string | null;
}

/** Why a message was put in its conversation; shown to users as the threading explanation. */
export type ThreadingReason =
  | { kind: 'redelivery' }
  | { kind: 'in-reply-to' | 'references'; messageId: string }
  | { kind: 'reply-token'; token: string }
  | { kind: 'subject'; subjectKey: string; matchedConversationId: string }
  | { kind: 'new' };

export interface MessagePlacement {
  mailboxId: string;
  conversationId: string;
  threading: ThreadingReason;
}

/**
 * Send state of an outbound message (shared/outbox/status.ts has the transitions). Kept on the
 * message item itself so the conversation always shows what the outbox knows.
 */
export type OutboxStatus = 'queued' | 'sending' | 'retry_pending' | 'failed' | 'connector_disabled' | 'sent' | 'cancelled';

/** What is known of one recipient of a sent message (shared/outbox/delivery.ts has the merge rules). */
export type RecipientDeliveryStatus = 'pending' | 'delivered' | 'bounced' | 'complained' | 'delayed' | 'rejected';

export interface RecipientDelivery {
  status: RecipientDeliveryStatus;
  /** The remote server's answer (bounce diagnostic, complaint type), if any. */
  diagnostic: string | null;
  /** When the provider or the reporting server observed it. */
  at: string;
}

export interface MessageRecord {
  /** Stable key derived from the Message-ID (or from the raw bytes when there is none). */
  messageKey: string;
  messageId: string;
  orgId: string | null;
  direction: 'inbound' | 'outbound';
  rawKey: string;
  rawSize: number;
  receivedAt: string;
  date: string | null;
  subject: string;
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** SMTP envelope recipients (from SES), lower-cased. */
  envelopeRecipients: string[];
  inReplyTo: string[];
  references: string[];
  snippet: string;
  attachments: StoredAttachment[];
  forwarded: ForwardedMessage[];
  flags: MailFlag[];
  autoReplyReason: string | null;
  deliveryReport: DeliveryReport | null;
  readReport: ReadReport | null;
  /** One entry per mailbox the message appears in. */
  placements: MessagePlacement[];
  /** Where the body lives: inline (compressed in the item) or an S3 key for very large bodies. */
  bodyKey: string | null;
  /** Outbound messages only: where the outbox stands (absent on received mail). */
  sendStatus?: OutboxStatus;
  /** Outbound messages only: the last failure message of the outbox. */
  lastError?: string | null;
  /** Outbound messages only: per-recipient delivery state, keyed by lower-cased address. */
  delivery?: Record<string, RecipientDelivery>;
  /** Outbound messages only: the first read receipt (MDN) that came back. */
  readReceipt?: { at: string; disposition: string } | null;
  /** Outbound messages only: the author asked to be told of delivery (answered from the provider's delivery events in `delivery`). */
  deliveryReceiptRequested?: boolean;
  /** Outbound messages only: the case and business records the message was tied to when composed (a snapshot). */
  links?: OutboxLink[];
}

/**
 * A case or business record an outgoing message belongs to, copied onto the message when it is
 * composed (shared/outbox/compose.ts) so the outbox views show it without reading the case or the
 * conversation. It is a snapshot: linking the conversation later does not change queued mail.
 */
export type OutboxLink =
  | { kind: 'case'; id: string; reference: string }
  | { kind: 'record'; type: string; id: string };

export interface MessageBody {
  text: string;
  html: string | null;
}
