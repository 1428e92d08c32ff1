/**
 * Raw MIME of outgoing mail, built with nodemailer's MailComposer (RFC 5322/2045 encoding, folding,
 * encoded words and multipart structure are its job, not ours). Pure apart from the MIME boundary:
 * the same input gives the same headers.
 *
 * Headers Mailroom sets and why:
 * - `Message-ID: <mr-<conversationId>.<random>@<mailbox domain>>`: the reply token
 *   (shared/inbound/reply-token.ts) that threads a reply even when its client keeps only
 *   References or In-Reply-To. RFC 5322 3.6.4.
 * - `In-Reply-To` / `References` on replies and forwards: the parent's Message-ID, and its
 *   References followed by it (RFC 5322 3.6.4), capped so the header stays reasonable.
 * - `Reply-To: <local>+mr-<conversationId>@<domain>`: the plus-addressed reply token, for clients
 *   that drop every threading header.
 * - `Disposition-Notification-To` when a read receipt is requested (RFC 8098 2.1).
 * - `Importance` (RFC 2156) and `X-Priority` (de facto, read by Outlook and Thunderbird) unless normal.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailAddress } from '../mail/types.js';
import { replyTokenFor } from '../inbound/reply-token.js';

export type Importance = 'high' | 'normal' | 'low';

export interface MimeAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID (without brackets) for inline parts referenced as `cid:` from the HTML. */
  contentId?: string | null;
  disposition: 'attachment' | 'inline';
}

export interface MimeInput {
  from: MailAddress;
  /** The plus-addressed reply token address (see {@link replyTokenAddress}). */
  replyTo: string;
  to: MailAddress[];
  cc: MailAddress[];
  /** Envelope only: never written into the headers. */
  bcc: MailAddress[];
  subject: string;
  html: string | null;
  text: string;
  /** With angle brackets. */
  messageId: string;
  /** Parent Message-ID with angle brackets, on replies and forwards. */
  inReplyTo: string | null;
  /** With angle brackets, oldest first. */
  references: string[];
  importance: Importance;
  /** Where the read receipt goes; null when none was asked for. */
  dispositionNotificationTo: string | null;
  date: Date;
  attachments: MimeAttachment[];
}

/** References kept at most: the first (thread root) and the most recent ones, as RFC 5322 suggests trimming. */
export const MAX_REFERENCES = 20;

/** The Message-ID of an outgoing message, carrying the conversation's reply token. */
export function outgoingMessageId(conversationId: string, random: string, domain: string): string {
  return `<${replyTokenFor(conversationId)}.${random}@${domain}>`;
}

/** `support@acme.test` -> `support+mr-<conversationId>@acme.test`. */
export function replyTokenAddress(address: string, conversationId: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at).split('+')[0];
  return `${local}+${replyTokenFor(conversationId)}${address.slice(at)}`;
}

/** References of a reply: the parent's, then the parent, deduplicated and trimmed from the middle. */
export function replyReferences(parentReferences: string[], parentMessageId: string): string[] {
  const all = [...new Set([...parentReferences, parentMessageId].map(bracket))];
  if (all.length <= MAX_REFERENCES) return all;
  return [all[0]!, ...all.slice(all.length - (MAX_REFERENCES - 1))];
}

export function bracket(messageId: string): string {
  const id = messageId.trim().replace(/^<|>$/g, '');
  return `<${id}>`;
}

const PRIORITY: Record<Exclude<Importance, 'normal'>, string> = { high: '1 (Highest)', low: '5 (Lowest)' };

function formatAddress(a: MailAddress): { name: string; address: string } | string {
  return a.name ? { name: a.name, address: a.address } : a.address;
}

export async function buildMime(input: MimeInput): Promise<Buffer> {
  const headers: Record<string, string> = {};
  if (input.importance !== 'normal') {
    headers['Importance'] = input.importance;
    headers['X-Priority'] = PRIORITY[input.importance];
  }
  if (input.dispositionNotificationTo) headers['Disposition-Notification-To'] = input.dispositionNotificationTo;
  const composer = new MailComposer({
    from: formatAddress(input.from),
    replyTo: input.replyTo,
    to: input.to.map(formatAddress),
    ...(input.cc.length > 0 ? { cc: input.cc.map(formatAddress) } : {}),
    // Bcc goes to the envelope only; MailComposer leaves it out of the headers by default.
    subject: input.subject,
    text: input.text,
    ...(input.html !== null ? { html: input.html } : {}),
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references.length > 0 ? { references: input.references } : {}),
    date: input.date,
    headers,
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      contentDisposition: a.disposition,
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
  });
  return composer.compile().build();
}
