/**
 * Sends through an external SMTP relay (the organisation's own Gmail, Microsoft 365 or hosting
 * provider account) instead of SES: the raw bytes as stored under `outbound/`, with the envelope
 * given explicitly so Bcc recipients get the message without appearing in the headers.
 */
import nodemailer from 'nodemailer';
import { PermanentSendError, TransientSendError, type Envelope, type MailConnector, type SendResult } from '../outbox/connector.js';
import { describeSmtpError } from './errors.js';
import type { ServerEndpoint } from './types.js';

export interface SmtpTransportOptions {
  /** Bound on connecting, the greeting and each silent stretch of the dialogue. */
  timeoutMs?: number;
  /** Name announced in EHLO; nodemailer uses the machine's host name otherwise. */
  clientName?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Same rule as for IMAP: `starttls` requires the upgrade (`requireTLS`), `none` never tries it
 * (`ignoreTLS`), `tls` is implicit TLS from the first byte (port 465, RFC 8314).
 */
export function createSmtpTransport(endpoint: ServerEndpoint, options: SmtpTransportOptions = {}) {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    requireTLS: endpoint.security === 'starttls',
    ignoreTLS: endpoint.security === 'none',
    auth: { user: endpoint.username, pass: endpoint.password },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: Math.max(timeout, 60_000),
    ...(options.clientName ? { name: options.clientName } : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/**
 * Sorts an SMTP failure into transient or permanent, by the reply class of RFC 5321 4.2.1:
 * 4yz says "not now" (greylisting, quota, rate limit), 5yz says "never as is". Failures without a
 * reply (refused connection, TLS, timeout, dropped socket) are transient: the message may not have
 * reached the server, and the retry policy bounds how often it is tried again.
 */
export function classifySmtpError(error: unknown, endpoint: ServerEndpoint): TransientSendError | PermanentSendError {
  if (error instanceof TransientSendError || error instanceof PermanentSendError) return error;
  const e = (error ?? {}) as { code?: string; responseCode?: number; response?: string; message?: string };
  const described = describeSmtpError(error, endpoint);
  const code = e.responseCode !== undefined ? `SMTP${e.responseCode}` : (e.code ?? described.code);
  const message = `${described.message} ${e.response ?? e.message ?? ''}`.trim();
  if (e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600) {
    return new PermanentSendError(message, code, { cause: error });
  }
  return new TransientSendError(message, code, { cause: error });
}

/**
 * The id of the accepted message: the relay's queue id when its reply names one (Postfix
 * `queued as 4Xb9`, Exchange `<id>`, Gmail `... - gsmtp` keeps none), otherwise the Message-ID.
 */
export function providerMessageIdFrom(response: string | undefined, messageId: string | undefined, raw: Buffer): string {
  const queued = response?.match(/queued as\s+([A-Za-z0-9._@<>=+-]+)/i) ?? response?.match(/\bid=([A-Za-z0-9._@=+-]+)/i);
  if (queued?.[1]) return queued[1].replace(/^<|>$/g, '');
  if (messageId) return messageId.replace(/^<|>$/g, '');
  const header = raw.subarray(0, 64 * 1024).toString('latin1').match(/^message-id:\s*<?([^\r\n>]+)>?/im);
  if (header?.[1]) return header[1].trim();
  throw new TransientSendError('The SMTP server accepted the message but no id could be found', 'NoMessageId');
}

/**
 * One SMTP transaction per message (no pooling: a sender invocation sends a handful). A message
 * the relay accepts for some recipients and refuses for others counts as sent, since retrying
 * would deliver it twice to those who got it; the refused recipients are logged.
 */
export class SmtpConnector implements MailConnector {
  readonly kind = 'smtp';
  private readonly transport: ReturnType<typeof createSmtpTransport>;

  constructor(private readonly endpoint: ServerEndpoint, options: SmtpTransportOptions = {}) {
    this.transport = createSmtpTransport(endpoint, options);
  }

  async send(raw: Buffer, envelope: Envelope): Promise<SendResult> {
    let info;
    try {
      info = await this.transport.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw });
    } catch (error) {
      throw classifySmtpError(error, this.endpoint);
    }
    if (info.rejected && info.rejected.length > 0) {
      // The relay took the message for the other recipients: retrying would send it to them twice.
      console.warn(JSON.stringify({
        level: 'warn', msg: 'the SMTP relay refused some recipients of an accepted message', connector: 'smtp',
        rejected: info.rejected, responses: (info.rejectedErrors ?? []).map((e: { response?: string; message?: string }) => e.response ?? e.message),
      }));
    }
    const headerId = raw.subarray(0, 64 * 1024).toString('latin1').match(/^message-id:\s*<?([^\r\n>]+)>?/im)?.[1]?.trim();
    return { providerMessageId: providerMessageIdFrom(info.response, headerId ?? info.messageId, raw) };
  }

  /** Closes idle connections; the transport opens one per message, so this only matters in tests. */
  close(): void {
    this.transport.close();
  }
}
