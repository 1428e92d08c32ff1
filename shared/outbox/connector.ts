/**
 * Connector port: how Mailroom hands a finished message to a provider. It takes the raw RFC 5322
 * bytes and the SMTP envelope, which is all an SES account or an SMTP relay needs, so an SMTP
 * connector (a later issue) implements the same interface.
 *
 * A connector never decides about retries: it says whether a failure is worth retrying by the
 * error class it throws, and the sender applies the retry policy.
 */
export interface Envelope {
  /** MAIL FROM (the mailbox's sending address). */
  from: string;
  /** RCPT TO: every To, Cc and Bcc recipient, deduplicated. Bcc never appears in the headers. */
  to: string[];
}

export interface SendResult {
  /** The provider's id for the accepted message (SES MessageId): delivery events carry it. */
  providerMessageId: string;
  /** The connector that took it, when a registry chose one per mailbox (`smtp`, `ses`). */
  connector?: string;
}

export interface MailConnector {
  /** Short name stored on the message (`ses`, `smtp`), for outbox views. */
  readonly kind: string;
  send(raw: Buffer, envelope: Envelope): Promise<SendResult>;
}

/** The provider did not take the message but may later: throttling, 5xx, timeouts, network errors. */
export class TransientSendError extends Error {
  constructor(message: string, readonly code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientSendError';
  }
}

/** The provider refused the message for good (rejected content, unverified sender, suspended account). */
export class PermanentSendError extends Error {
  constructor(message: string, readonly code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentSendError';
  }
}
