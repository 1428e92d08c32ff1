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
} as const;

/**
 * Shelves take a conversation out of the default lists without scanning: its list partition keys
 * get a suffix (`#ARCHIVED`, `#SNOOZED`), so default lists (one Query) never see it and the shelf
 * is one Query too. Archived wins when a conversation is both.
 */
export type Shelf = 'archived' | 'snoozed';

/** The shelf a conversation's list keys are on, from its stored flags. */
export function shelfOf(c: { archived?: boolean | undefined; snoozedUntil?: string | null | undefined }): Shelf | null {
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
  quarantine: 'QUARANTINE',
  unroutable: 'UNROUTABLE',
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
