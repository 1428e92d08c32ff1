import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { MailParser } from 'mailparser';
import type { MailParserOptions } from 'mailparser';
import { decodeWindows1252 } from './charset.js';

/**
 * What mailparser 3.14 hands to its internal `processChunk` (from @zone-eu/mailsplit): MIME nodes,
 * and lines belonging to a node. Only the fields read here are declared.
 */
interface SplitterNode {
  readonly type: 'node';
  readonly multipart: string | false;
  readonly _boundary: Buffer | false;
}
interface SplitterLine {
  readonly type: 'data' | 'body';
  readonly node: SplitterNode;
  readonly value: Buffer;
}
type SplitterChunk = SplitterNode | SplitterLine;
type ChunkDone = (error?: Error | null) => void;

/**
 * mailparser members used beyond its typed API. mailparser is pinned to an exact version in
 * package.json; the parse tests (part limit, truncation, charsets, encoded words) fail if these
 * ever change.
 */
interface MailParserInternals {
  processChunk(chunk: SplitterChunk, done: ChunkDone): void;
  libmime?: { decodeWords(value: string): string };
  /** Creates the charset decoder of a text part; libmime's streams say whether they know the charset. */
  decoder?: { decodeStream(charset: string): Transform & { supported?: boolean } };
}

const baseProcessChunk = (MailParser.prototype as unknown as Partial<MailParserInternals>).processChunk;

/** Whether `chunk` holds `closing` (`--boundary--`) at the start of a line, followed by the end of that line. */
function hasClosingDelimiter(chunk: Buffer, closing: Buffer): boolean {
  for (let at = chunk.indexOf(closing); at >= 0; at = chunk.indexOf(closing, at + 1)) {
    const atLineStart = at === 0 || chunk[at - 1] === 0x0a || chunk[at - 1] === 0x0d;
    const next = chunk[at + closing.length];
    const atLineEnd = next === undefined || next === 0x0d || next === 0x0a || next === 0x20 || next === 0x09;
    if (atLineStart && atLineEnd) {
      return true;
    }
  }
  return false;
}

/**
 * Watches the MIME structure as mailparser builds it: counts parts and ignores everything after
 * the limit, and remembers which multiparts saw their closing delimiter (RFC 2046 §5.1.1).
 */
class PartMeter {
  parts = 0;
  limitReached = false;
  /** Closing delimiters (`--boundary--`) not seen yet, by boundary. */
  private readonly open = new Map<string, Buffer>();

  constructor(private readonly maxParts: number) {}

  /** False when the chunk must not reach the parser. */
  accept(chunk: SplitterChunk): boolean {
    if (this.limitReached) {
      return false;
    }
    if (chunk.type === 'node') {
      this.parts++;
      if (this.parts > this.maxParts) {
        this.limitReached = true;
        return false;
      }
      if (chunk.multipart && chunk._boundary) {
        const boundary = chunk._boundary.toString('latin1');
        this.open.set(boundary, Buffer.from(`--${boundary}--`, 'latin1'));
      }
      return true;
    }
    // mailsplit batches delimiter lines with preamble and epilogue lines, and attributes them to
    // whichever node is current, so every open boundary is looked for in every such chunk
    if (chunk.type === 'data' && this.open.size > 0) {
      for (const [boundary, closing] of this.open) {
        if (hasClosingDelimiter(chunk.value, closing)) {
          this.open.delete(boundary);
        }
      }
    }
    return true;
  }

  /** Some multipart never saw its closing delimiter. */
  get unclosedMultipart(): boolean {
    return this.open.size > 0;
  }
}

/**
 * Decodes a text part whose declared charset the decoder does not know: as UTF-8 when the bytes
 * are valid UTF-8, else as Windows-1252, the charset undeclared legacy (French) text most often
 * is. The whole part is needed to tell, so it is buffered (mailparser keeps text parts whole anyway).
 */
class FallbackCharsetDecoder extends Transform {
  private readonly chunks: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const bytes = Buffer.concat(this.chunks);
    done(null, isUtf8(bytes) ? bytes : Buffer.from(decodeWindows1252(bytes), 'utf8'));
  }
}

/**
 * mailparser's streaming `MailParser` with a part meter in front of its chunk processing, so that a
 * message with thousands of parts stops being extracted at the limit instead of failing, and a
 * truncated multipart can be told from a complete one; and with a fallback for text parts in an
 * unknown charset (which mailparser would read as UTF-8, replacing every other byte).
 */
export class MeteredMailParser extends MailParser {
  readonly meter: PartMeter;
  /** Some text part declared a charset the decoder does not know. */
  charsetFallback = false;

  constructor(options: MailParserOptions, maxParts: number) {
    super(options);
    if (typeof baseProcessChunk !== 'function') {
      throw new Error('mailparser no longer has processChunk(); check the version pinned in package.json');
    }
    this.meter = new PartMeter(maxParts);
    const internals = this as unknown as MailParserInternals;
    const decoder = internals.decoder;
    if (!decoder) {
      throw new Error('mailparser no longer has its charset decoder; check the version pinned in package.json');
    }
    internals.decoder = {
      decodeStream: (charset) => {
        const stream = decoder.decodeStream(charset);
        if (stream.supported !== false) {
          return stream;
        }
        this.charsetFallback = true;
        return new FallbackCharsetDecoder();
      },
    };
  }

  processChunk(chunk: SplitterChunk, done: ChunkDone): void {
    if (!this.meter.accept(chunk)) {
      setImmediate(done);
      return;
    }
    baseProcessChunk?.call(this, chunk, done);
  }

  /** RFC 2047 decoding with mailparser's own decoder (libmime over iconv-lite). */
  decodeWords(value: string): string {
    const libmime = (this as unknown as MailParserInternals).libmime;
    if (!libmime) {
      throw new Error('mailparser no longer exposes its libmime decoder; check the version pinned in package.json');
    }
    return libmime.decodeWords(value);
  }
}
