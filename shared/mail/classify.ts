import { normalizeAddress } from './addresses.js';
import { firstMessageId } from './message-id.js';
import type { DeliveryReport, DeliveryStatusRecipient, ReadReport } from './types.js';

/** Lower-case header names to their values, as in `ParsedMail.headers`. */
export type HeaderMap = Readonly<Record<string, readonly string[] | undefined>>;

function firstValue(headers: HeaderMap, name: string): string | null {
  const value = headers[name]?.[0];
  return value === undefined ? null : value.trim();
}

/** The leading token of a header value, lower-cased, comments and parameters removed. */
function token(value: string): string {
  return (value.replace(/\([^)]*\)/gu, ' ').split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * `multipart/report` report types (RFC 6522) for machine-generated reports: delivery status
 * notifications (RFC 3464, RFC 6533 for the internationalised form) and message disposition
 * notifications (RFC 8098).
 */
export function reportTypeOf(contentType: string | null): 'delivery-status' | 'disposition-notification' | null {
  if (contentType === null || !/^\s*multipart\/report\b/iu.test(contentType)) {
    return null;
  }
  const reportType = /report-type\s*=\s*"?([a-z0-9-]+)"?/iu.exec(contentType)?.[1]?.toLowerCase();
  if (reportType === 'delivery-status' || reportType === 'global-delivery-status') {
    return 'delivery-status';
  }
  if (reportType === 'disposition-notification' || reportType === 'global-disposition-notification') {
    return 'disposition-notification';
  }
  return null;
}

/** Subjects auto-responders use, in the languages Mailroom's users meet. Never enough on their own. */
const AUTO_REPLY_SUBJECT =
  /^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply|réponse automatique|absence|abwesenheit|automatische antwort|respuesta automática|fuera de la oficina|risposta automatica|fuori sede|automatisch antwoord|afwezig|resposta automática)\b/iu;

function hasSuppressAutoReply(value: string): boolean {
  return value
    .split(/[\s,]+/u)
    .map((part) => part.toLowerCase())
    .some((part) => part === 'all' || part === 'oof' || part === 'autoreply');
}

/**
 * Headers that, without being a declaration, show a message was produced by a rule or a robot.
 * Used only to confirm an auto-reply subject, so that "Absence de Paul lundi" from a colleague is
 * not taken for one.
 */
function weakAutoReplyHint(headers: HeaderMap): string | null {
  if (headers['x-ms-exchange-inbox-rules-loop']) {
    return 'X-MS-Exchange-Inbox-Rules-Loop';
  }
  const suppress = firstValue(headers, 'x-auto-response-suppress');
  if (suppress !== null) {
    return `X-Auto-Response-Suppress: ${suppress}`;
  }
  const returnPath = firstValue(headers, 'return-path');
  if (returnPath !== null && /^<\s*>$/u.test(returnPath)) {
    return 'Return-Path: <>';
  }
  const mailer = firstValue(headers, 'x-mailer');
  if (mailer !== null && /vacation|auto-?reply|autorespond/iu.test(mailer)) {
    return `X-Mailer: ${mailer}`;
  }
  return null;
}

function fromLocalPart(headers: HeaderMap): string | null {
  const from = firstValue(headers, 'from');
  if (from === null) {
    return null;
  }
  const address = /<([^<>]*)>/u.exec(from)?.[1] ?? from;
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(0, at).trim().toLowerCase() : null;
}

/**
 * Whether a message was generated automatically, so that Mailroom never answers it (no
 * acknowledgement, no auto-reply loop) and can show it apart.
 *
 * In order: `Auto-Submitted` other than `no` (RFC 3834 §5,
 * https://www.rfc-editor.org/rfc/rfc3834#section-5); a delivery or disposition report
 * (RFC 3464/8098 reports are machine-generated and must not be answered); the vendor headers
 * `X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply`, `X-Precedence: auto_reply`;
 * `X-Auto-Response-Suppress` with `All`, `OOF` or `AutoReply` (Exchange puts it on its own
 * automatic replies and asks for no auto-reply in return,
 * https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-oxcmail/ced68690-498a-4567-9d14-5c01f974d8b1);
 * a `MAILER-DAEMON` sender; and an auto-reply subject ("Out of Office", "Réponse automatique",
 * "Absence"…) only when a weak hint confirms it (`X-MS-Exchange-Inbox-Rules-Loop`, which Exchange
 * adds to anything an inbox rule sent, including rule-based replies; any
 * `X-Auto-Response-Suppress`; a null `Return-Path`; a vacation `X-Mailer`).
 */
export function detectAutoReply(headers: HeaderMap): { autoReply: boolean; reason: string | null } {
  const yes = (reason: string): { autoReply: boolean; reason: string | null } => ({ autoReply: true, reason });

  const autoSubmitted = firstValue(headers, 'auto-submitted');
  if (autoSubmitted !== null && token(autoSubmitted) !== '' && token(autoSubmitted) !== 'no') {
    return yes(`Auto-Submitted: ${autoSubmitted}`);
  }
  const contentType = firstValue(headers, 'content-type');
  const report = reportTypeOf(contentType);
  if (report !== null) {
    return yes(`Content-Type: multipart/report; report-type=${report}`);
  }
  for (const name of ['x-autoreply', 'x-autorespond'] as const) {
    const value = firstValue(headers, name);
    if (value !== null && !['no', 'false', '0', ''].includes(token(value))) {
      return yes(`${name === 'x-autoreply' ? 'X-Autoreply' : 'X-Autorespond'}: ${value}`);
    }
  }
  for (const name of ['precedence', 'x-precedence'] as const) {
    const value = firstValue(headers, name);
    if (value !== null && token(value) === 'auto_reply') {
      return yes(`${name === 'precedence' ? 'Precedence' : 'X-Precedence'}: ${value}`);
    }
  }
  const suppress = firstValue(headers, 'x-auto-response-suppress');
  if (suppress !== null && hasSuppressAutoReply(suppress)) {
    return yes(`X-Auto-Response-Suppress: ${suppress}`);
  }
  if (fromLocalPart(headers) === 'mailer-daemon') {
    return yes('From: MAILER-DAEMON');
  }
  const subject = firstValue(headers, 'subject');
  if (subject !== null && AUTO_REPLY_SUBJECT.test(subject)) {
    const hint = weakAutoReplyHint(headers);
    if (hint !== null) {
      return yes(`Subject: ${subject} + ${hint}`);
    }
  }
  return { autoReply: false, reason: null };
}

/**
 * Whether a message is list or bulk mail: a `List-Id` (RFC 2919), `Precedence` or `X-Precedence`
 * of `bulk`, `list` or `junk` (the de-facto values RFC 3834 §2 tells responders to respect), or a
 * `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058 one-click unsubscription, which is only
 * offered for bulk mail). A bare `List-Unsubscribe` is not enough: transactional senders add it too.
 */
export function detectBulk(headers: HeaderMap): { bulk: boolean; reason: string | null } {
  const listId = firstValue(headers, 'list-id');
  if (listId !== null) {
    return { bulk: true, reason: `List-Id: ${listId}` };
  }
  for (const name of ['precedence', 'x-precedence'] as const) {
    const value = firstValue(headers, name);
    if (value !== null && ['bulk', 'list', 'junk'].includes(token(value))) {
      return { bulk: true, reason: `${name === 'precedence' ? 'Precedence' : 'X-Precedence'}: ${value}` };
    }
  }
  if (firstValue(headers, 'list-unsubscribe') !== null && firstValue(headers, 'list-unsubscribe-post') !== null) {
    return { bulk: true, reason: 'List-Unsubscribe + List-Unsubscribe-Post' };
  }
  return { bulk: false, reason: null };
}

/**
 * Splits report fields (RFC 3464 §2.1, RFC 8098 §3.1 use header syntax) into groups separated by
 * blank lines; folded lines are joined with a single space.
 */
function fieldGroups(text: string): Array<Array<{ name: string; value: string }>> {
  const groups: Array<Array<{ name: string; value: string }>> = [];
  let group: Array<{ name: string; value: string }> = [];
  for (const line of text.replace(/\r\n?/gu, '\n').split('\n')) {
    if (line.trim() === '') {
      if (group.length > 0) {
        groups.push(group);
        group = [];
      }
      continue;
    }
    const last = group[group.length - 1];
    if (/^[ \t]/u.test(line)) {
      if (last) {
        last.value = `${last.value} ${line.trim()}`.trim();
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    group.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  if (group.length > 0) {
    groups.push(group);
  }
  return groups;
}

/** `rfc822; user@example.com` -> `user@example.com`; `dns; mx.example.com. (comment)` -> `mx.example.com`. */
function typedValue(value: string): string {
  const semicolon = value.indexOf(';');
  const bare = semicolon >= 0 && /^[a-z0-9-]+$/iu.test(value.slice(0, semicolon).trim()) ? value.slice(semicolon + 1) : value;
  return bare.replace(/\([^)]*\)/gu, ' ').replace(/\s+/gu, ' ').trim();
}

function hostValue(value: string | undefined): string | null {
  if (value === undefined) {
    return null;
  }
  const host = typedValue(value).replace(/\.$/u, '');
  return host === '' ? null : host;
}

const ACTIONS = new Set<DeliveryStatusRecipient['action']>(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);

/** Fields that appear once per recipient: seeing one again starts the next recipient. */
const RECIPIENT_FIELDS = new Set(['final-recipient', 'original-recipient', 'action', 'status']);

/**
 * Per-recipient field sets. RFC 3464 separates recipients with blank lines; some MTAs do not, and
 * field order varies (Postfix starts with Final-Recipient, Exim with Action).
 */
function recipientRecords(groups: Array<Array<{ name: string; value: string }>>): Array<Map<string, string>> {
  const records: Array<Map<string, string>> = [];
  for (const group of groups) {
    let record = new Map<string, string>();
    for (const field of group) {
      if (record.has(field.name) && RECIPIENT_FIELDS.has(field.name)) {
        records.push(record);
        record = new Map();
      }
      if (!record.has(field.name)) {
        record.set(field.name, field.value);
      }
    }
    records.push(record);
  }
  return records.filter((record) => record.has('final-recipient') || record.has('original-recipient'));
}

/** The Message-ID in a returned header block (`text/rfc822-headers` or the returned message). */
function messageIdInHeaders(headers: string | null | undefined): string | null {
  if (!headers) {
    return null;
  }
  const block = headers.replace(/\r\n?/gu, '\n').split(/\n\n/u)[0] ?? '';
  const unfolded = block.replace(/\n[ \t]+/gu, ' ');
  const line = /^message-id[ \t]*:(.*)$/imu.exec(unfolded);
  return firstMessageId(line?.[1]);
}

/**
 * Reads an RFC 3464 `message/delivery-status` body (https://www.rfc-editor.org/rfc/rfc3464#section-2):
 * the per-message fields, then one group per recipient with `Final-Recipient` (or
 * `Original-Recipient`), `Action`, `Status`, `Diagnostic-Code` (often folded over several lines),
 * `Remote-MTA`. Lenient with what MTAs actually send: recipients not separated by blank lines,
 * address types other than `rfc822`, comments after host names, status codes with text.
 *
 * `returnedHeaders` is the report's `text/rfc822-headers` part or the returned message, whose
 * Message-ID identifies the message that bounced; Gmail's `X-Original-Message-ID` per-message
 * field is used when there is none.
 */
export function parseDeliveryStatus(text: string, returnedHeaders?: string | null): DeliveryReport {
  const groups = fieldGroups(text);
  const perMessage = groups[0]?.some((field) => field.name === 'final-recipient' || field.name === 'original-recipient')
    ? []
    : (groups[0] ?? []);
  const perMessageField = (name: string): string | undefined => perMessage.find((field) => field.name === name)?.value;

  const recipients: DeliveryStatusRecipient[] = [];
  for (const record of recipientRecords(groups)) {
    const address = typedValue(record.get('final-recipient') ?? record.get('original-recipient') ?? '');
    if (address === '') {
      continue;
    }
    const action = (record.get('action') ?? '').trim().toLowerCase().split(/[\s(;]/u)[0] as DeliveryStatusRecipient['action'];
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/u.exec(record.get('status') ?? '')?.[1] ?? null;
    const diagnostic = record.get('diagnostic-code');
    recipients.push({
      recipient: normalizeAddress(address),
      action: ACTIONS.has(action) ? action : 'unknown',
      status,
      diagnostic: diagnostic === undefined || typedValue(diagnostic) === '' ? null : typedValue(diagnostic),
      remoteMta: hostValue(record.get('remote-mta')),
    });
  }

  return {
    kind: 'dsn',
    reportingMta: hostValue(perMessageField('reporting-mta')),
    originalMessageId:
      messageIdInHeaders(returnedHeaders) ??
      firstMessageId(perMessageField('x-original-message-id') ?? perMessageField('original-message-id')),
    recipients,
  };
}

/**
 * Reads an RFC 8098 `message/disposition-notification` body
 * (https://www.rfc-editor.org/rfc/rfc8098#section-3.2): `Final-Recipient`, `Original-Message-ID`
 * and `Disposition` (`action-mode/sending-mode; type`, where type `displayed` is a read receipt
 * and `deleted` is not). `returnedHeaders` supplies the Message-ID when the report omits it.
 */
export function parseDisposition(text: string, returnedHeaders?: string | null): ReadReport {
  const fields = new Map<string, string>();
  for (const group of fieldGroups(text)) {
    for (const field of group) {
      if (!fields.has(field.name)) {
        fields.set(field.name, field.value);
      }
    }
  }
  const finalRecipient = typedValue(fields.get('final-recipient') ?? fields.get('original-recipient') ?? '');
  const disposition = (fields.get('disposition') ?? '').replace(/\s+/gu, ' ').trim();
  const dispositionType = (disposition.split(';')[1] ?? '').trim().split(/[\s/]/u)[0]?.toLowerCase() ?? '';
  return {
    kind: 'mdn',
    originalMessageId: firstMessageId(fields.get('original-message-id')) ?? messageIdInHeaders(returnedHeaders),
    finalRecipient: finalRecipient === '' ? null : normalizeAddress(finalRecipient),
    disposition,
    displayed: dispositionType === 'displayed',
  };
}
