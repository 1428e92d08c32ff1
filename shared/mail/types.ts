/**
 * What Mailroom keeps of a parsed email. Produced by `parseMail` (pure apart from the attachment
 * sink it is given), consumed by the inbound use case. Nothing here holds the raw bytes: those stay
 * in S3 untouched.
 */

export interface MailAddress {
  /** Lower-cased, trimmed address (`local@domain`); display case is not significant for routing. */
  address: string;
  name: string;
}

/** Why a message looks the way it does; shown to users as badges and used to keep the pipeline safe. */
export type MailFlag =
  | 'empty' // zero bytes or only whitespace
  | 'not-mime' // no header block could be found
  | 'truncated' // a multipart body ended without its closing boundary
  | 'parse-error' // the parser threw; only the headers we could read are kept
  | 'too-many-parts' // more MIME parts than the configured limit; the rest is not extracted
  | 'oversize' // larger than the configured size limit; bodies not extracted beyond it
  | 'charset-fallback' // an unknown or broken charset was decoded as UTF-8/latin1
  | 'hostile-html' // the sanitiser removed scripts, handlers, forms or similar
  | 'header-injection' // CR/LF or NUL found inside a header value
  | 'suspicious-header-name' // header names such as __proto__ or constructor
  | 'no-message-id' // no usable Message-ID header; a synthetic one was derived from the raw bytes
  | 'duplicate-message-id' // same Message-ID as a different stored message
  | 'unroutable' // no mailbox accepts any recipient and there is no catch-all
  | 'auto-reply' // RFC 3834 or vendor auto-reply: never auto-respond to it
  | 'bulk' // list or bulk mail (List-Id, Precedence: bulk/list/junk)
  | 'delivery-report' // RFC 3464 DSN
  | 'read-receipt' // RFC 8098 MDN
  | 'remote-images' // the HTML references remote images, which are blocked by default
  | 'spam' // the receiving service's spam verdict was FAIL
  | 'virus'; // the receiving service's virus verdict was FAIL: attachments must not be opened

export interface StoredAttachment {
  /** Position among the extracted parts, stable across re-parses of the same bytes. */
  index: number;
  filename: string;
  contentType: string;
  size: number;
  /** Without angle brackets; set for inline parts referenced by `cid:` URLs. */
  contentId: string | null;
  disposition: 'attachment' | 'inline';
  /** Where the sink stored the bytes (an S3 key in production). */
  storageKey: string;
  /** Hex SHA-256 of the decoded content. */
  sha256: string;
}

/** Summary of a forwarded `message/rfc822` part (enough to show the original, and to unwrap it). */
export interface ForwardedMessage {
  attachmentIndex: number;
  messageId: string | null;
  subject: string;
  from: MailAddress | null;
  date: string | null;
}

/** One recipient line of an RFC 3464 delivery status notification. */
export interface DeliveryStatusRecipient {
  recipient: string; // Final-Recipient (or Original-Recipient) address, lower-cased
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded' | 'unknown';
  status: string | null; // e.g. "5.1.1"
  diagnostic: string | null; // Diagnostic-Code text
  remoteMta: string | null;
}

export interface DeliveryReport {
  kind: 'dsn';
  reportingMta: string | null;
  /** Message-ID of the message the report is about (from the returned headers), no angle brackets. */
  originalMessageId: string | null;
  recipients: DeliveryStatusRecipient[];
}

/** RFC 8098 message disposition notification (read receipt). */
export interface ReadReport {
  kind: 'mdn';
  originalMessageId: string | null;
  finalRecipient: string | null;
  disposition: string; // e.g. "manual-action/MDN-sent-manually; displayed"
  displayed: boolean;
}

export interface MailClassification {
  autoReply: boolean;
  /** Which header made it an auto-reply, e.g. "Auto-Submitted: auto-replied". */
  autoReplyReason: string | null;
  bulk: boolean;
  deliveryReport: DeliveryReport | null;
  readReport: ReadReport | null;
}

export interface ParsedMail {
  /** Without angle brackets; null when absent or unusable. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  subject: string;
  /** ISO-8601 from the Date header, null when absent or unparseable. */
  date: string | null;
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** Selected headers, lower-case names, in a null-prototype object (no prototype pollution). */
  headers: Record<string, string[]>;
  text: string;
  /** Sanitised HTML safe to show in a sandboxed frame; remote images disabled; null when none. */
  html: string | null;
  attachments: StoredAttachment[];
  forwarded: ForwardedMessage[];
  classification: MailClassification;
  flags: MailFlag[];
  /** Size of the raw message in bytes. */
  size: number;
}

/** Receives each attachment as it is decoded, so large messages never sit whole in memory. */
export type AttachmentSink = (
  meta: { index: number; filename: string; contentType: string; contentId: string | null; disposition: 'attachment' | 'inline' },
  content: Buffer,
) => Promise<{ storageKey: string }>;

export interface ParseLimits {
  /** Beyond this many MIME parts the rest is not extracted (flag `too-many-parts`). */
  maxParts: number;
  /** Text/HTML bodies longer than this many characters are cut (flag `oversize`). */
  maxBodyChars: number;
}
