/**
 * Stand-in for SES receiving: an SMTP listener that does what an SES receipt rule with an S3
 * action and an SNS topic does. For each accepted message it stores the raw bytes (with the
 * trace headers SES prepends) at `<prefix><messageId>` in the mail bucket, then publishes the
 * `Received` notification SES would publish. It answers 250 only after both succeeded, so a
 * sender that got 250 can rely on the message being in S3 and queued; on failure it answers 451
 * and the sender retries, as it would with SES.
 *
 * https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html
 * https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Logger } from './logger.js';

/** SES receiving accepts messages up to 40 MB, headers included. */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** SES truncates the `headers` list of a notification beyond 10 KB. */
const MAX_NOTIFICATION_HEADER_BYTES = 10 * 1024;

export interface SmtpReceiverOptions {
  port: number;
  s3: S3Client;
  sns: SNSClient;
  bucket: string;
  prefix: string;
  topicArn: string;
  logger: Logger;
}

export interface SmtpReceiver {
  port: number;
  /** Messages accepted and not yet answered. */
  pending(): number;
  stop(): Promise<void>;
}

export interface ReceivedMail {
  raw: Buffer;
  mailFrom: string;
  recipients: string[];
  remoteAddress: string;
  clientHostname: string;
}

/** SES message ids are 40 lower-case base-32 characters; so are these. */
export function sesLikeMessageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from(randomBytes(40), (byte) => alphabet[byte % 32]).join('');
}

export async function startSmtpReceiver(options: SmtpReceiverOptions): Promise<SmtpReceiver> {
  let pending = 0;
  const server = new SMTPServer({
    name: 'mailroom-local',
    banner: 'Mailroom local inbound (stands in for Amazon SES receiving)',
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, `5.3.4 Message exceeds the ${MAX_MESSAGE_BYTES} byte limit`));
          return;
        }
        pending += 1;
        const mail = toReceivedMail(Buffer.concat(chunks), session);
        receive(mail, options)
          .then((messageId) => {
            options.logger.info(`smtp: accepted ${messageId} for ${mail.recipients.join(', ')} (${mail.raw.length} bytes)`);
            callback(null, `Ok: queued as ${messageId}`);
          })
          .catch((error: unknown) => {
            options.logger.error('smtp: could not store or publish a message; answered 451', error);
            callback(smtpError(451, '4.3.0 Temporary failure, please retry'));
          })
          .finally(() => {
            pending -= 1;
          });
      });
    },
  });
  server.on('error', (error) => options.logger.error('smtp: server error', error));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    port,
    pending: () => pending,
    stop: () => (stopped ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

function toReceivedMail(raw: Buffer, session: SMTPServerSession): ReceivedMail {
  const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
  return {
    raw,
    mailFrom,
    recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
    remoteAddress: session.remoteAddress,
    clientHostname: session.hostNameAppearsAs || session.clientHostname,
  };
}

/** Stores, then publishes; returns the SES-like message id. */
export async function receive(mail: ReceivedMail, options: Pick<SmtpReceiverOptions, 's3' | 'sns' | 'bucket' | 'prefix' | 'topicArn'>): Promise<string> {
  const started = Date.now();
  const messageId = sesLikeMessageId();
  const timestamp = new Date(started).toISOString();
  const stored = Buffer.concat([traceHeaders(mail, messageId, new Date(started)), mail.raw]);
  const objectKey = `${options.prefix}${messageId}`;
  await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: objectKey, Body: stored }));
  const notification = receivedNotification({ mail, messageId, timestamp, objectKey, bucket: options.bucket, topicArn: options.topicArn, processingTimeMillis: Date.now() - started });
  await options.sns.send(new PublishCommand({
    TopicArn: options.topicArn,
    Subject: 'Amazon SES Email Receipt Notification',
    Message: JSON.stringify(notification),
  }));
  return messageId;
}

/** The headers SES prepends to the stored message (a subset: no SPF/DKIM results are computed). */
function traceHeaders(mail: ReceivedMail, messageId: string, at: Date): Buffer {
  const lines = [
    `Return-Path: <${mail.mailFrom}>`,
    `Received: from ${mail.clientHostname} (${mail.remoteAddress})\r\n by mailroom-local with SMTP id ${messageId}${mail.recipients.length === 1 ? `\r\n for ${mail.recipients[0]}` : ''};\r\n ${at.toUTCString().replace('GMT', '+0000')}`,
    'X-SES-Spam-Verdict: PASS',
    'X-SES-Virus-Verdict: PASS',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

interface NotificationInput {
  mail: ReceivedMail;
  messageId: string;
  timestamp: string;
  objectKey: string;
  bucket: string;
  topicArn: string;
  processingTimeMillis: number;
}

/** The `Received` notification, field for field as SES documents it for an S3 action. */
export function receivedNotification(input: NotificationInput): Record<string, unknown> {
  const headers = parseHeaderBlock(input.mail.raw);
  const values = (name: string): string[] => headers.filter((header) => header.name.toLowerCase() === name).map((header) => header.value);
  const addresses = (name: string): string[] =>
    values(name).flatMap((value) => addressparser(value, { flatten: true }).map((address) => address.address)).filter((address) => address !== '');
  let size = 0;
  const kept = headers.filter((header) => (size += header.name.length + header.value.length + 4) <= MAX_NOTIFICATION_HEADER_BYTES);
  const commonHeaders: Record<string, unknown> = { returnPath: input.mail.mailFrom };
  const from = values('from');
  if (from.length > 0) commonHeaders['from'] = from;
  const date = values('date')[0];
  if (date !== undefined) commonHeaders['date'] = date;
  const to = values('to');
  if (to.length > 0) commonHeaders['to'] = to;
  const cc = values('cc');
  if (cc.length > 0) commonHeaders['cc'] = cc;
  const messageIdHeader = values('message-id')[0];
  if (messageIdHeader !== undefined) commonHeaders['messageId'] = messageIdHeader;
  const subject = values('subject')[0];
  if (subject !== undefined) commonHeaders['subject'] = subject;
  const notGraded = { status: 'GRAY' };
  return {
    notificationType: 'Received',
    mail: {
      timestamp: input.timestamp,
      source: input.mail.mailFrom,
      messageId: input.messageId,
      destination: [...addresses('to'), ...addresses('cc')],
      headersTruncated: kept.length < headers.length,
      headers: kept,
      commonHeaders,
    },
    receipt: {
      timestamp: input.timestamp,
      processingTimeMillis: input.processingTimeMillis,
      recipients: input.mail.recipients,
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      spfVerdict: notGraded,
      dkimVerdict: notGraded,
      dmarcVerdict: notGraded,
      action: { type: 'S3', topicArn: input.topicArn, bucketName: input.bucket, objectKey: input.objectKey },
    },
  };
}

/** Header fields of the top-level header block, unfolded, in order (RFC 5322 section 2.2). */
export function parseHeaderBlock(raw: Buffer): { name: string; value: string }[] {
  const text = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end === -1 ? text : text.slice(0, end);
  const headers: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      const last = headers[headers.length - 1];
      if (last !== undefined) last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}
