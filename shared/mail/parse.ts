import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { AttachmentStream, MailParserOptions, MessageText } from 'mailparser';
import { decodeWindows1252 } from './charset.js';
import { detectAutoReply, detectBulk, parseDeliveryStatus, parseDisposition, reportTypeOf } from './classify.js';
import { interpretHeaders, readHeaderBlock } from './headers.js';
import type { Envelope, HeaderLine, WordDecoder } from './headers.js';
import { htmlToText } from './html-text.js';
import { MeteredMailParser } from './metered-parser.js';
import { HEAD_BYTES, InputReader, SLICE_BYTES, sniff } from './raw-input.js';
import { sanitizeMailHtml } from './sanitize.js';
import type {
  AttachmentSink,
  ForwardedMessage,
  MailClassification,
  MailFlag,
  ParsedMail,
  ParseLimits,
  StoredAttachment,
} from './types.js';

/**
 * 1,000 MIME parts (the container parts and the root count) is far above real mail and what
 * mailsplit itself allows by default; 2,000,000 characters keeps a body within what a Lambda can
 * sanitise in well under a second.
 */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = { maxParts: 1000, maxBodyChars: 2_000_000 };

/**
 * mailparser options, used for every message.
 *
 * - `skipHtmlToText`: `text` is derived from the sanitised HTML by `htmlToText` instead. mailparser
 *   only converts a root or stand-alone HTML part (not HTML inside `multipart/related` or
 *   `multipart/mixed` without a text alternative, which Apple Mail and Outlook send), and
 *   html-to-text is slow on large HTML.
 * - `skipTextToHtml`, `skipTextLinks`: `html` is the sender's HTML or nothing; no `textAsHtml`.
 * - `skipImageLinks`: the streaming parser's form of simpleParser's `keepCidLinks: true`. Inline
 *   images stay `cid:` references to stored attachments instead of becoming `data:` URLs (which
 *   multiplied the HTML by the size of the images).
 * - `keepDeliveryStatus`: `message/delivery-status` comes out as an attachment, read by
 *   `parseDeliveryStatus`, instead of being appended to `text`.
 * - `ignoreEmbedded`: a `message/rfc822` part stays one attachment (stored as `.eml` and summarised
 *   in `forwarded`) instead of having its parts merged into this message.
 * - `checksumAlgo: false`: SHA-256 is computed while the content is collected; no second hash.
 */
const PARSER_OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  checksumAlgo: false,
} as const satisfies MailParserOptions;

/**
 * mailsplit's own part limit stays above ours: parts still in flight when ours is reached are
 * ignored by the meter, and the splitter must not fail on them first.
 */
const SPLITTER_PART_SLACK = 100_000;

/** Report parts larger than this are stored but not read. */
const MAX_REPORT_BYTES = 1024 * 1024;

/** `type/subtype` as RFC 2045 §5.1 tokens; anything else is stored as `application/octet-stream`. */
const MIME_TYPE = /^[a-z0-9!#$&^_.+-]{1,127}\/[a-z0-9!#$&^_.+-]{1,127}$/iu;

const FILENAME_EXTENSIONS: Readonly<Record<string, string>> = {
  'message/rfc822': 'eml',
  'message/global': 'eml',
  'message/delivery-status': 'txt',
  'message/disposition-notification': 'txt',
  'text/rfc822-headers': 'txt',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
};

/** The sink failed: an infrastructure error, rethrown as it came so the caller can retry. */
class SinkFailure {
  constructor(readonly cause: unknown) {}
}

/** The parser or a part's content stream failed: bad mail, reported with the flag `parse-error`. */
class ParseFailure extends Error {}

function cut(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) {
    return { text, cut: false };
  }
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end--;
  }
  return { text: text.slice(0, end), cut: true };
}

function emptyClassification(): MailClassification {
  return { autoReply: false, autoReplyReason: null, bulk: false, deliveryReport: null, readReport: null };
}

function baseResult(size: number, flags: MailFlag[]): ParsedMail {
  return {
    messageId: null,
    inReplyTo: [],
    references: [],
    subject: '',
    date: null,
    from: null,
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    headers: Object.create(null) as Record<string, string[]>,
    text: '',
    html: null,
    attachments: [],
    forwarded: [],
    classification: emptyClassification(),
    flags,
    size,
  };
}

/** Input without a header block: kept as its text, so nothing the sender wrote is lost. */
async function parseNotMime(input: InputReader, limits: ParseLimits): Promise<ParsedMail> {
  const flags: MailFlag[] = ['not-mime', 'no-message-id'];
  const keepBytes = limits.maxBodyChars * 3;
  const kept: Buffer[] = [];
  let keptLength = 0;
  let more = false;
  for (let chunk = await input.next(); chunk !== null; chunk = await input.next()) {
    if (keptLength < keepBytes) {
      const part = chunk.subarray(0, keepBytes - keptLength);
      kept.push(part);
      keptLength += part.length;
      more = more || part.length < chunk.length;
    } else {
      more = true;
    }
  }
  const bytes = Buffer.concat(kept, keptLength);
  let decoded = bytes.toString('utf8');
  if (!more && !isUtf8(bytes)) {
    decoded = decodeWindows1252(bytes);
    flags.push('charset-fallback');
  }
  const text = cut(decoded.replace(/\r\n?/gu, '\n').replace(/\0/gu, ''), limits.maxBodyChars);
  if (text.cut || more) {
    flags.push('oversize');
  }
  return { ...baseResult(input.size, flags), text: text.text.trim() };
}

interface ReportParts {
  deliveryStatus: string | null;
  disposition: string | null;
  returnedHeaders: string | null;
}

interface ParseState {
  headerLines: HeaderLine[] | null;
  text: MessageText | null;
  attachments: StoredAttachment[];
  forwarded: ForwardedMessage[];
  reports: ReportParts;
  parseError: Error | null;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Reads a part's content into one Buffer with its SHA-256, or fails if the parser dies meanwhile. */
function collect(stream: Readable, parser: MeteredMailParser): Promise<{ content: Buffer; sha256: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const hash = createHash('sha256');
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      hash.update(chunk);
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      parser.off('error', onError);
      parser.off('close', onClose);
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ content: Buffer.concat(chunks, length), sha256: hash.digest('hex') });
    };
    const onError = (error: unknown): void => {
      cleanup();
      stream.resume();
      reject(new ParseFailure('attachment content failed', { cause: error }));
    };
    const onClose = (): void => onError(new Error('parser closed before the attachment ended'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    parser.once('error', onError);
    parser.once('close', onClose);
  });
}

function safeFilename(filename: string | undefined, contentType: string, index: number): string {
  const cleaned = (filename ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/gu, '')
    .replace(/[/\\]/gu, '_')
    .trim()
    .slice(0, 255);
  if (cleaned !== '' && cleaned !== '.' && cleaned !== '..') {
    return cleaned;
  }
  const extension = FILENAME_EXTENSIONS[contentType] ?? 'bin';
  return `attachment-${index + 1}.${extension}`;
}

function summarizeForwarded(content: Buffer, attachmentIndex: number, decodeWords: WordDecoder): ForwardedMessage {
  const envelope = interpretHeaders(readHeaderBlock(content, HEAD_BYTES), decodeWords);
  return {
    attachmentIndex,
    messageId: envelope.messageId,
    subject: envelope.subject,
    from: envelope.from,
    date: envelope.date,
  };
}

function headerBlockText(content: Buffer): string {
  const head = content.subarray(0, HEAD_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/u);
  return end < 0 ? head : head.slice(0, end);
}

async function storeAttachment(
  parser: MeteredMailParser,
  item: AttachmentStream,
  sink: AttachmentSink,
  state: ParseState,
): Promise<void> {
  const index = state.attachments.length;
  const { content, sha256 } = await collect(item.content, parser);
  const contentType = MIME_TYPE.test(item.contentType) ? item.contentType.toLowerCase() : 'application/octet-stream';
  const contentId = item.cid ? item.cid.replace(/[<>\s]/gu, '').slice(0, 250) || null : null;
  const meta = {
    index,
    filename: safeFilename(item.filename, contentType, index),
    contentType,
    contentId,
    disposition: item.contentDisposition === 'inline' || (item.related === true && contentId !== null) ? 'inline' : 'attachment',
  } as const;
  let stored: { storageKey: string };
  try {
    stored = await sink(meta, content);
  } catch (error) {
    throw new SinkFailure(error);
  }
  state.attachments.push({ ...meta, size: content.length, storageKey: stored.storageKey, sha256 });

  const small = content.length <= MAX_REPORT_BYTES;
  if (contentType === 'message/rfc822' || contentType === 'message/global') {
    state.forwarded.push(summarizeForwarded(content, index, (value) => parser.decodeWords(value)));
    state.reports.returnedHeaders ??= headerBlockText(content);
  } else if (contentType === 'text/rfc822-headers' || contentType === 'message/global-headers') {
    state.reports.returnedHeaders = headerBlockText(content);
  } else if (small && (contentType === 'message/delivery-status' || contentType === 'message/global-delivery-status')) {
    state.reports.deliveryStatus ??= content.toString('utf8');
  } else if (
    small &&
    (contentType === 'message/disposition-notification' || contentType === 'message/global-disposition-notification')
  ) {
    state.reports.disposition ??= content.toString('utf8');
  }
  item.release?.();
}

/** Reads everything the parser emits. Resolves when it ends or fails; rejects only on a sink failure. */
async function consume(parser: MeteredMailParser, sink: AttachmentSink, state: ParseState): Promise<void> {
  try {
    for await (const item of parser as AsyncIterable<AttachmentStream | MessageText>) {
      if (item.type === 'text') {
        state.text = item;
      } else {
        await storeAttachment(parser, item, sink, state);
      }
    }
  } catch (error) {
    if (error instanceof SinkFailure) {
      throw error;
    }
    state.parseError ??= asError(error);
  }
}

function waitForDrain(parser: MeteredMailParser, settled: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      parser.off('drain', done);
      parser.off('close', done);
      parser.off('error', done);
      resolve();
    };
    parser.once('drain', done);
    parser.once('close', done);
    parser.once('error', done);
    void settled.then(done, done);
  });
}

function isPartLimitError(error: Error): boolean {
  return (error as Error & { code?: string }).code === 'EMAXLEN' && /child nodes/iu.test(error.message);
}

async function parseMime(input: InputReader, sink: AttachmentSink, limits: ParseLimits): Promise<ParsedMail> {
  const parser = new MeteredMailParser({ ...PARSER_OPTIONS, maxChildNodes: limits.maxParts + SPLITTER_PART_SLACK }, limits.maxParts);
  const state: ParseState = {
    headerLines: null,
    text: null,
    attachments: [],
    forwarded: [],
    reports: { deliveryStatus: null, disposition: null, returnedHeaders: null },
    parseError: null,
  };
  parser.on('headerLines', (lines: readonly HeaderLine[]) => {
    state.headerLines = lines.map((line) => ({ key: line.key, line: line.line }));
  });
  parser.on('error', (error: unknown) => {
    state.parseError ??= asError(error);
  });

  let sinkFailure: SinkFailure | null = null;
  let consumerDone = false;
  const consumer = consume(parser, sink, state).then(
    () => {
      consumerDone = true;
    },
    (error: unknown) => {
      consumerDone = true;
      sinkFailure = error instanceof SinkFailure ? error : new SinkFailure(error);
    },
  );

  const canWrite = (): boolean =>
    !consumerDone && state.parseError === null && !parser.meter.limitReached && !parser.destroyed && !parser.writableEnded;

  try {
    let chunk = await input.next();
    feeding: while (chunk !== null) {
      for (let offset = 0; offset < chunk.length; offset += SLICE_BYTES) {
        if (!canWrite()) {
          break feeding;
        }
        if (!parser.write(chunk.subarray(offset, offset + SLICE_BYTES))) {
          await waitForDrain(parser, consumer);
        }
      }
      chunk = await input.next();
    }
    if (!parser.destroyed && !parser.writableEnded && state.parseError === null && !consumerDone) {
      parser.end();
    }
    await consumer;
    if (sinkFailure !== null) {
      throw (sinkFailure as SinkFailure).cause;
    }
    await input.drain();
  } finally {
    if (!parser.destroyed) {
      parser.destroy();
    }
  }
  return buildResult(parser, state, input, limits);
}

function buildResult(parser: MeteredMailParser, state: ParseState, input: InputReader, limits: ParseLimits): ParsedMail {
  const flags = new Set<MailFlag>();
  const limitReached = parser.meter.limitReached || (state.parseError !== null && isPartLimitError(state.parseError));
  if (limitReached) {
    flags.add('too-many-parts');
  } else if (state.parseError !== null) {
    flags.add('parse-error');
  } else if (parser.meter.unclosedMultipart) {
    flags.add('truncated');
  }

  const decodeWords: WordDecoder = (value) => parser.decodeWords(value);
  const envelope: Envelope = interpretHeaders(state.headerLines ?? readHeaderBlock(input.head(), HEAD_BYTES), decodeWords);
  if (envelope.findings.injection) {
    flags.add('header-injection');
  }
  if (envelope.findings.suspiciousName) {
    flags.add('suspicious-header-name');
  }
  if (envelope.findings.charsetFallback || parser.charsetFallback) {
    flags.add('charset-fallback');
  }
  if (envelope.messageId === null) {
    flags.add('no-message-id');
  }

  let html: string | null = null;
  const rawHtml = typeof state.text?.html === 'string' ? state.text.html : '';
  if (rawHtml.trim() !== '') {
    const limited = cut(rawHtml, limits.maxBodyChars);
    if (limited.cut) {
      flags.add('oversize');
    }
    const sanitized = sanitizeMailHtml(limited.text);
    html = sanitized.html.trim() === '' ? null : sanitized.html;
    if (sanitized.hostile) {
      flags.add('hostile-html');
    }
    if (sanitized.remoteImages) {
      flags.add('remote-images');
    }
  }

  const plain = (state.text?.text ?? '').replace(/\r\n?/gu, '\n').replace(/\0/gu, '');
  const limitedText = cut(plain.trim() === '' && html !== null ? htmlToText(html) : plain, limits.maxBodyChars);
  if (limitedText.cut) {
    flags.add('oversize');
  }
  if (limitedText.text.includes('\ufffd') || rawHtml.includes('\ufffd')) {
    flags.add('charset-fallback');
  }

  const classification = classify(envelope.headers, state.reports);
  if (classification.autoReply) {
    flags.add('auto-reply');
  }
  if (classification.bulk) {
    flags.add('bulk');
  }
  if (classification.deliveryReport !== null) {
    flags.add('delivery-report');
  }
  if (classification.readReport !== null) {
    flags.add('read-receipt');
  }

  return {
    messageId: envelope.messageId,
    inReplyTo: envelope.inReplyTo,
    references: envelope.references,
    subject: envelope.subject,
    date: envelope.date,
    from: envelope.from,
    replyTo: envelope.replyTo,
    to: envelope.to,
    cc: envelope.cc,
    bcc: envelope.bcc,
    headers: envelope.headers,
    text: limitedText.text.trim(),
    html,
    attachments: state.attachments,
    forwarded: state.forwarded,
    classification,
    flags: [...flags],
    size: input.size,
  };
}

function classify(headers: Record<string, string[]>, reports: ReportParts): MailClassification {
  const autoReply = detectAutoReply(headers);
  const bulk = detectBulk(headers);
  const reportType = reportTypeOf(headers['content-type']?.[0] ?? null);
  return {
    autoReply: autoReply.autoReply,
    autoReplyReason: autoReply.reason,
    bulk: bulk.bulk,
    deliveryReport:
      reportType === 'delivery-status' ? parseDeliveryStatus(reports.deliveryStatus ?? '', reports.returnedHeaders) : null,
    readReport:
      reportType === 'disposition-notification' ? parseDisposition(reports.disposition ?? '', reports.returnedHeaders) : null,
  };
}

function resolveLimits(limits: Partial<ParseLimits> | undefined): ParseLimits {
  const positive = (value: number | undefined, fallback: number): number =>
    value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
  return {
    maxParts: positive(limits?.maxParts, DEFAULT_PARSE_LIMITS.maxParts),
    maxBodyChars: positive(limits?.maxBodyChars, DEFAULT_PARSE_LIMITS.maxBodyChars),
  };
}

/**
 * Parses a raw message (RFC 5322 with MIME, RFC 2045-2049) into what Mailroom stores.
 *
 * The message is streamed through mailparser's `MailParser`: each attachment is collected into one
 * Buffer, handed to `opts.sink`, and released before the next part is read, so a 40 MB message (the
 * most SES stores to S3) never sits whole in memory. Text bodies are kept up to
 * `limits.maxBodyChars`.
 *
 * Bad mail never makes it throw: empty input, input without headers, truncated multiparts, parser
 * failures, too many parts, oversized bodies, unknown charsets, header injection and
 * prototype-probing header names all come back as `flags` on a best-effort result, so that the
 * message can still be stored and shown. It rejects only for infrastructure failures, which are
 * worth a retry: the sink's error, rethrown as is, and a read error of a stream source. A stream
 * source is destroyed when parsing stops before its end.
 */
export async function parseMail(
  source: Buffer | Readable,
  opts: { sink: AttachmentSink; limits?: Partial<ParseLimits> },
): Promise<ParsedMail> {
  const limits = resolveLimits(opts.limits);
  const input = new InputReader(source);
  try {
    const start = await sniff(input);
    if (start === 'empty') {
      await input.drain();
      return baseResult(input.size, ['empty', 'no-message-id']);
    }
    if (start === 'not-mime') {
      return await parseNotMime(input, limits);
    }
    return await parseMime(input, opts.sink, limits);
  } finally {
    await input.close();
  }
}
