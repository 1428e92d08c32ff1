/** Key builders for the single table (see table.ts for the access patterns they serve). */
import { createHash } from 'node:crypto';

export const keys = {
  org: (orgId: string) => ({ PK: `ORG#${orgId}`, SK: 'ORG' }),
  domain: (domain: string) => ({ PK: `DOMAIN#${domain}`, SK: 'DOMAIN' }),
  user: (email: string) => ({ PK: `USER#${email}`, SK: 'USER' }),
  membership: (email: string, mailboxId: string) => ({ PK: `USER#${email}`, SK: `MBR#${mailboxId}` }),
  mailbox: (mailboxId: string) => ({ PK: `MBX#${mailboxId}`, SK: 'MBX' }),
  address: (address: string) => ({ PK: `ADDR#${address}`, SK: 'ADDR' }),
  message: (messageKey: string) => ({ PK: `MSG#${messageKey}`, SK: 'MSG' }),
  conversation: (conversationId: string) => ({ PK: `CONV#${conversationId}`, SK: 'CONV' }),
  /** One append-only history entry, in the conversation's partition; `sort` starts with `H#<isoTime>#`. */
  history: (conversationId: string, sort: string) => ({ PK: `CONV#${conversationId}`, SK: sort }),
  /** One internal note, in the conversation's partition; `sort` is `N#<isoTime>#<noteId>`. */
  note: (conversationId: string, sort: string) => ({ PK: `CONV#${conversationId}`, SK: sort }),
  /** Idempotency marker of a note written with an `idempotencyKey`: points at the note's sort key. */
  noteRequest: (conversationId: string, noteId: string) => ({ PK: `CONV#${conversationId}`, SK: `NI#${noteId}` }),
  quarantine: (rawKey: string) => ({ PK: `QUAR#${rawKey}`, SK: 'QUAR' }),
  /** Pointer from a provider's message id (SES MessageId) to the outbound message: delivery events carry only that id. */
  providerMessage: (connector: string, providerMessageId: string) => ({ PK: `PROVIDER#${connector}#${providerMessageId}`, SK: 'PROVIDER' }),
  /** An address of an organisation that bounced permanently or complained: compose warns before sending to it. */
  suppression: (orgId: string, address: string) => ({ PK: `SUPPRESS#${orgId}#${address.toLowerCase()}`, SK: 'SUPPRESS' }),
  /** A message template of a mailbox (shared/compose/templates.ts); the partition lists them. */
  template: (mailboxId: string, templateId: string) => ({ PK: `TPL#${mailboxId}`, SK: `TPL#${templateId}` }),
  /** One of a mailbox's (at most three) signatures, by slot 1-3: the slot key caps the count under races. */
  signatureSlot: (mailboxId: string, slot: number) => ({ PK: `SIG#${mailboxId}`, SK: `SIG#${slot}` }),
  /** A member's default signature in a mailbox, beside the signatures. */
  signatureDefault: (mailboxId: string, email: string) => ({ PK: `SIG#${mailboxId}`, SK: `DEFAULT#${email}` }),
  /** A member's draft; the partition is the member's drafts ("mine"). */
  draft: (email: string, draftId: string) => ({ PK: `DRAFTS#${email}`, SK: `DRAFT#${draftId}` }),
  /** A department of an organisation (shared/org/admin.ts): its name and the mailboxes in it. */
  department: (orgId: string, departmentId: string) => ({ PK: `ORG#${orgId}`, SK: `DEPT#${departmentId}` }),
  /** A user's own preferences (dashboard counters), beside the user item so it never grows. */
  userPreferences: (email: string) => ({ PK: `USER#${email}`, SK: 'PREFS' }),
  /** One duration sample of a mailbox (shared/stats): `metric` FR (first response) or RES (resolution), `sort` `<day>#<conversationId>`. */
  statsSample: (mailboxId: string, metric: string, sort: string) => ({ PK: `STATS#${mailboxId}#${metric}`, SK: sort }),
  /** IMAP sync checkpoint of an external mailbox account (UIDVALIDITY + last UID), beside the account item. */
  accountSync: (accountId: string) => ({ PK: `ACCOUNT#${accountId}`, SK: 'SYNC' }),
  /** An email account (shared/accounts/): settings, status, encrypted credentials. */
  account: (accountId: string) => ({ PK: `ACCOUNT#${accountId}`, SK: 'ACCOUNT' }),
  /** A user's right to use an account, with their default signature for it (in the user's partition). */
  accountAccess: (email: string, accountId: string) => ({ PK: `USER#${email}`, SK: `ACCOUNT#${accountId}` }),
  /** The user's default (primary) account: one item, so exactly one per user. */
  defaultAccount: (email: string) => ({ PK: `USER#${email}`, SK: 'ACCOUNT_DEFAULT' }),
  /** Counter of an organisation's active accounts, checked against the quota by a conditional write. */
  accountQuota: (orgId: string) => ({ PK: `ORG#${orgId}`, SK: 'ACCOUNTS' }),
  /** An admin-defined business category of an organisation (shared/workflow/qualifications.ts). */
  qualification: (orgId: string, qualificationId: string) => ({ PK: `ORG#${orgId}`, SK: `QUAL#${qualificationId}` }),
  /** Marker of an overdue conversation, in its partition; GSI3 (`indexKeys.overdue`) counts a mailbox's. */
  overdue: (conversationId: string) => ({ PK: `CONV#${conversationId}`, SK: 'OVERDUE' }),
  /** Who is viewing or replying to a conversation right now (expires through `expiresAt`). */
  presence: (conversationId: string, email: string) => ({ PK: `CONV#${conversationId}`, SK: `PRESENCE#${email}` }),
  /** What is left of a permanently deleted conversation: who deleted it, when, from which mailbox. */
  deletedConversation: (conversationId: string) => ({ PK: `CONV#${conversationId}`, SK: 'DELETED' }),
  /** One in-app notification of a user; `sort` is `NOTIF#<notificationId>` (time first), newest last. */
  notification: (email: string, sort: string) => ({ PK: `USER#${email}`, SK: sort }),
  /** A user's outbox view (scope, status filter, visible columns), beside the user item. */
  outboxView: (email: string) => ({ PK: `USER#${email}`, SK: 'OUTBOX_VIEW' }),
  /** A user's choice of notification emails (mentions, assignments); absent means every kind is sent. */
  emailNotifications: (email: string) => ({ PK: `USER#${email}`, SK: 'EMAIL_NOTIFY' }),
  /** Last auto-acknowledgement a mailbox sent to one address: the per-sender rate limit (conditional put). */
  autoAck: (mailboxId: string, address: string) => ({ PK: `AUTOACK#${mailboxId}#${address.toLowerCase()}`, SK: 'AUTOACK' }),
} as const;

/**
 * Shelves take a conversation out of the default lists without scanning: its list partition keys
 * get a suffix (`#ARCHIVED`, `#SNOOZED`), so default lists (one Query) never see it and the shelf
 * is one Query too. Archived wins when a conversation is both.
 */
export type Shelf = 'archived' | 'snoozed' | 'trashed';

/** The shelf a conversation's list keys are on, from its stored flags; the trash wins over the others. */
export function shelfOf(c: { archived?: boolean | undefined; snoozedUntil?: string | null | undefined; trashed?: boolean | undefined }): Shelf | null {
  if (c.trashed === true) return 'trashed';
  if (c.archived === true) return 'archived';
  return typeof c.snoozedUntil === 'string' ? 'snoozed' : null;
}

function shelved(partition: string, shelf: Shelf | null): string {
  return shelf === null ? partition : `${partition}#${shelf.toUpperCase()}`;
}

export const indexKeys = {
  mailboxMembers: (mailboxId: string) => `MBX#${mailboxId}#MEMBERS`,
  mailboxConversations: (mailboxId: string, shelf: Shelf | null = null) => shelved(`MBX#${mailboxId}`, shelf),
  mailboxStatus: (mailboxId: string, status: string, shelf: Shelf | null = null) => shelved(`MBX#${mailboxId}#ST#${status}`, shelf),
  /** Sparse GSI4 partition: set only while the conversation has an assignee. */
  mailboxAssignee: (mailboxId: string, email: string, shelf: Shelf | null = null) => shelved(`MBX#${mailboxId}#AS#${email}`, shelf),
  activitySort: (lastActivityAt: string, conversationId: string) => `${lastActivityAt}#${conversationId}`,
  subject: (mailboxId: string, subjectKey: string) => `SUBJ#${mailboxId}#${shortHash(subjectKey, 16)}`,
  /** GSI3 partition of a mailbox's outbound messages (outbox views), newest first by `<createdAt>#<messageKey>`. */
  outbox: (mailboxId: string) => `OUTBOX#${mailboxId}`,
  /** GSI3 partition of an organisation's email accounts, by `<createdAt>#<accountId>`. */
  accounts: (orgId: string) => `ACCOUNTS#${orgId}`,
  /** GSI3 partition of the users who may use an account (sort: email). */
  accountUsers: (accountId: string) => `ACCOUNT#${accountId}#USERS`,
  /** GSI1 partition of the accounts feeding a mailbox (sort: accountId): the sender picks its connector here. */
  mailboxAccounts: (mailboxId: string) => `MBX#${mailboxId}#ACCOUNTS`,
  /** GSI1 partition of the outbound messages one author composed (`system` for system-generated mail), per organisation. */
  outboxAuthor: (orgId: string, author: string) => `OUTBOX#BY#${orgId}#${author}`,
  /** GSI2 partition of every outbound message of an organisation (the admins' "all" view). */
  outboxOrg: (orgId: string) => `OUTBOX#ORG#${orgId}`,
  /** Sparse GSI4 partition of a mailbox's failed or bounced messages nobody has acknowledged yet. */
  outboxFailed: (mailboxId: string) => `OUTBOX#FAILED#${mailboxId}`,
  quarantine: 'QUARANTINE',
  unroutable: 'UNROUTABLE',
  /** GSI1 partition of an organisation's users (admin screens), sorted by email. */
  orgUsers: (orgId: string) => `ORG#${orgId}#USERS`,
  /** GSI1 partition of an organisation's mailboxes (admin screens), sorted by mailbox id. */
  orgMailboxes: (orgId: string) => `ORG#${orgId}#MAILBOXES`,
  /** Sparse GSI3 partition of an organisation's administrators: who becomes admin of a new shared mailbox. */
  orgAdmins: (orgId: string) => `ORG#${orgId}#ADMINS`,
  /** GSI3 partition of a mailbox's overdue markers (`SK=<dueAt>#<conversationId>`): one Query counts them. */
  overdue: (mailboxId: string) => `OVERDUE#${mailboxId}`,
} as const;

/** URL-safe base64 of a SHA-256, truncated: compact, stable ids from arbitrary strings. */
export function shortHash(input: string | Buffer, length = 22): string {
  return createHash('sha256').update(input).digest('base64url').slice(0, length);
}

/**
 * Message key: derived from the Message-ID so the same message received twice (split SMTP
 * transactions, two connectors) maps to one record. Message-IDs compare exactly (RFC 5322 3.6.4).
 */
export function messageKeyFor(messageId: string): string {
  return shortHash(`mid:${messageId}`);
}

/** Deterministic id of the conversation a message opens in a mailbox: a redelivery rebuilds the same one. */
export function newConversationId(messageKey: string, mailboxId: string): string {
  return `c${shortHash(`${messageKey}|${mailboxId}`, 20)}`.replace(/[-_]/g, 'x');
}
