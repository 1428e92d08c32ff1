import { parseAddressHeader } from 'mailparser';
import type { EmailAddress } from 'mailparser';
import { normalizeAddress } from './addresses.js';
import { decode8bitHeader, encodedWordCharsets, isKnownCharset } from './charset.js';
import { extractMessageIds, firstMessageId } from './message-id.js';
import type { MailAddress } from './types.js';

/** A raw header field as mailparser reports it: lower-case name, and the line with its folding. */
export interface HeaderLine {
  key: string;
  line: string;
}

/** Decodes RFC 2047 encoded words (mailparser's libmime decoder, see `metered-parser.ts`). */
export type WordDecoder = (value: string) => string;

/**
 * The headers kept in `ParsedMail.headers`: what threading, classification and display need,
 * plus what helps explain a decision later (the first `Received` hops, `Return-Path`).
 */
export const SELECTED_HEADERS: ReadonlySet<string> = new Set([
  'from', 'to', 'cc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'auto-submitted', 'x-autoreply', 'x-autorespond', 'precedence', 'x-precedence', 'list-id', 'list-unsubscribe',
  'list-unsubscribe-post', 'x-auto-response-suppress', 'x-ms-exchange-inbox-rules-loop', 'return-path',
  'content-type', 'disposition-notification-to', 'x-mailer', 'user-agent', 'importance', 'x-priority', 'received',
  'thread-index', 'thread-topic', 'x-failed-recipients',
]);

const MAX_RECEIVED = 3;

/** Structured headers where RFC 2047 encoded words are not allowed and are left as they are. */
const NOT_WORD_ENCODED = new Set([
  'date', 'message-id', 'in-reply-to', 'references', 'received', 'content-type', 'return-path', 'list-unsubscribe',
  'list-unsubscribe-post', 'thread-index',
]);

/**
 * Names that would shadow or replace a prototype member if some code used them as object keys.
 * The header record has a null prototype, but such a name is a probe for that kind of bug.
 */
const SUSPICIOUS_NAMES: ReadonlySet<string> = new Set([
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype).map((name) => name.toLowerCase()),
]);

/** References beyond this many keep the first (the thread root) and the most recent ones. */
const MAX_REFERENCES = 100;

/**
 * Reads the header block at the start of a message held in memory (a forwarded `message/rfc822`
 * part, a DSN's returned headers, or the first bytes of a message the parser gave up on).
 * Lines are binary strings, like mailparser's `headerLines`.
 */
export function readHeaderBlock(bytes: Buffer, maxBytes = 256 * 1024): HeaderLine[] {
  const head = bytes.subarray(0, maxBytes).toString('latin1');
  if (/^\r?\n/u.test(head)) {
    return [];
  }
  const end = head.search(/\r?\n\r?\n/u);
  const block = end < 0 ? head : head.slice(0, end);
  const lines: HeaderLine[] = [];
  for (const physical of block.split(/\r?\n/u)) {
    const last = lines[lines.length - 1];
    if (/^[ \t]/u.test(physical)) {
      if (last) {
        last.line += `\r\n${physical}`;
      }
      continue;
    }
    const colon = physical.indexOf(':');
    const key = colon > 0 ? physical.slice(0, colon).trim().toLowerCase() : '';
    if (/^[\x21-\x39\x3b-\x7e]+$/u.test(key)) {
      lines.push({ key, line: physical });
    }
  }
  return lines;
}

/** Header text with folding removed, before any decoding. */
function unfoldedValue(line: HeaderLine): string {
  const colon = line.line.indexOf(':');
  return line.line.slice(colon + 1).replace(/\r?\n(?=[ \t])/gu, '').trim();
}

/** Replaces control characters; reports CR, LF and NUL, the ones that can forge header lines. */
function neutralize(value: string): { text: string; injection: boolean } {
  // eslint-disable-next-line no-control-regex
  const injection = /[\r\n\0]/u.test(value);
  // eslint-disable-next-line no-control-regex
  return { text: value.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/gu, ' '), injection };
}

/** What header interpretation noticed, turned into flags by `parseMail`. */
export interface HeaderFindings {
  injection: boolean;
  suspiciousName: boolean;
  charsetFallback: boolean;
}

/** The parts of a header block Mailroom uses, decoded. */
export interface Envelope {
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  subject: string;
  date: string | null;
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  headers: Record<string, string[]>;
  findings: HeaderFindings;
}

function parseDate(value: string | undefined): string | null {
  if (value === undefined || value === '') {
    return null;
  }
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function capReferences(ids: string[]): string[] {
  if (ids.length <= MAX_REFERENCES) {
    return ids;
  }
  return [ids[0] as string, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}

/**
 * Interprets raw header lines: decodes RFC 2047 words (https://www.rfc-editor.org/rfc/rfc2047) and
 * undeclared 8-bit text, parses addresses with mailparser's parser (display names decoded, an
 * encoded word never taken as an address), extracts message ids, and notes header injection
 * (CR/LF/NUL in a value once decoded), prototype-probing names and charset fallbacks.
 */
export function interpretHeaders(lines: readonly HeaderLine[], decodeWords: WordDecoder): Envelope {
  const findings: HeaderFindings = { injection: false, suspiciousName: false, charsetFallback: false };
  const headers = Object.create(null) as Record<string, string[]>;
  const raw = new Map<string, string[]>();

  for (const line of lines) {
    const key = line.key.trim().toLowerCase();
    if (SUSPICIOUS_NAMES.has(key)) {
      findings.suspiciousName = true;
      continue;
    }
    const unfolded = unfoldedValue(line);
    if (/[\r\n\0]/u.test(unfolded)) {
      findings.injection = true;
    }
    const { text, fallback } = decode8bitHeader(unfolded);
    if (fallback) {
      findings.charsetFallback = true;
    }
    if (encodedWordCharsets(text).some((charset) => !isKnownCharset(charset))) {
      findings.charsetFallback = true;
    }
    const values = raw.get(key);
    if (values) {
      values.push(text);
    } else {
      raw.set(key, [text]);
    }
    if (!SELECTED_HEADERS.has(key)) {
      continue;
    }
    const kept = headers[key] ?? (headers[key] = []);
    if (key === 'received' && kept.length >= MAX_RECEIVED) {
      continue;
    }
    let decoded = text;
    if (!NOT_WORD_ENCODED.has(key)) {
      try {
        decoded = decodeWords(text);
      } catch {
        decoded = text;
      }
    }
    const clean = neutralize(decoded);
    if (clean.injection) {
      findings.injection = true;
    }
    kept.push(clean.text.trim());
  }

  const addresses = (key: string): MailAddress[] => {
    const values = raw.get(key);
    if (!values) {
      return [];
    }
    const out: MailAddress[] = [];
    const seen = new Set<string>();
    const visit = (entries: EmailAddress[]): void => {
      for (const entry of entries) {
        if (entry.group) {
          visit(entry.group);
          continue;
        }
        const address = normalizeAddress(entry.address ?? '');
        if (!address.includes('@') || seen.has(address)) {
          continue;
        }
        const name = neutralize(entry.name ?? '');
        if (name.injection) {
          findings.injection = true;
        }
        seen.add(address);
        out.push({ address, name: name.text.replace(/\s+/gu, ' ').trim() });
      }
    };
    try {
      visit(parseAddressHeader(values, { decodePunycode: false }).value);
    } catch {
      return out;
    }
    return out;
  };

  const first = (key: string): string | undefined => raw.get(key)?.[0];
  let subject = first('subject') ?? '';
  try {
    subject = decodeWords(subject);
  } catch {
    // kept as sent
  }
  const cleanSubject = neutralize(subject);
  if (cleanSubject.injection) {
    findings.injection = true;
  }

  return {
    messageId: firstMessageId(first('message-id')),
    inReplyTo: extractMessageIds((raw.get('in-reply-to') ?? []).join(' ')),
    references: capReferences(extractMessageIds((raw.get('references') ?? []).join(' '))),
    subject: cleanSubject.text.replace(/\s+/gu, ' ').trim(),
    date: parseDate(first('date')),
    from: addresses('from')[0] ?? null,
    replyTo: addresses('reply-to'),
    to: addresses('to'),
    cc: addresses('cc'),
    bcc: addresses('bcc'),
    headers,
    findings,
  };
}
