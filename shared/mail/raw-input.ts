import type { Readable } from 'node:stream';

/** Input is handed to the parser in slices of this size, so limits are checked often. */
export const SLICE_BYTES = 64 * 1024;

/** Bytes read from the start of a message (or of an embedded one) to find its header block. */
export const HEAD_BYTES = 256 * 1024;

/** A first line that starts a header field (RFC 5322 §2.2 field name, optional obsolete space before the colon). */
const HEADER_FIELD_START = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/u;

/** Pulls the input as Buffers, counts its size, keeps its first bytes, and can put chunks back. */
export class InputReader {
  size = 0;
  private readonly countSize: boolean;
  private readonly iterator: AsyncIterator<unknown>;
  private readonly pushedBack: Buffer[] = [];
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private finished = false;

  constructor(source: Buffer | Readable) {
    if (Buffer.isBuffer(source)) {
      this.size = source.length;
      this.iterator = InputReader.slices(source);
      this.countSize = false;
    } else {
      this.iterator = source[Symbol.asyncIterator]();
      this.countSize = true;
    }
  }

  private static async *slices(buffer: Buffer): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < buffer.length; offset += SLICE_BYTES) {
      yield buffer.subarray(offset, offset + SLICE_BYTES);
    }
  }

  async next(): Promise<Buffer | null> {
    const back = this.pushedBack.shift();
    if (back) {
      return back;
    }
    if (this.finished) {
      return null;
    }
    const result = await this.iterator.next();
    if (result.done) {
      this.finished = true;
      return null;
    }
    const value: unknown = result.value;
    const chunk =
      typeof value === 'string'
        ? Buffer.from(value)
        : Buffer.isBuffer(value)
          ? value
          : Buffer.from(value as Uint8Array);
    if (this.countSize) {
      this.size += chunk.length;
    }
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    return chunk;
  }

  pushBack(chunks: Buffer[]): void {
    this.pushedBack.unshift(...chunks);
  }

  head(): Buffer {
    return Buffer.concat(this.headChunks, this.headLength);
  }

  /** Reads the rest only to count it. */
  async drain(): Promise<void> {
    if (!this.countSize) {
      this.pushedBack.length = 0;
      this.finished = true;
      return;
    }
    while ((await this.next()) !== null) {
      this.pushedBack.length = 0;
    }
  }

  /** Stops reading; a stream source is destroyed (as `stream.pipeline` would) when not fully read. */
  async close(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.iterator.return?.();
    }
  }
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c || byte === 0x0b;
}

/**
 * Decides from the first line whether the input is a MIME message at all. Leading whitespace means
 * there is no header block (the first line of a message is a header field, RFC 5322 §2.1).
 */
export async function sniff(input: InputReader): Promise<'empty' | 'not-mime' | 'mime'> {
  let chunk = await input.next();
  while (chunk !== null && chunk.length === 0) {
    chunk = await input.next();
  }
  if (chunk === null) {
    return 'empty';
  }
  if (isWhitespace(chunk[0] as number)) {
    while (chunk !== null) {
      const start = chunk.findIndex((byte) => !isWhitespace(byte));
      if (start >= 0) {
        input.pushBack([chunk.subarray(start)]);
        return 'not-mime';
      }
      chunk = await input.next();
    }
    return 'empty';
  }
  const seen: Buffer[] = [chunk];
  let length = chunk.length;
  while (!chunk.includes(0x0a) && length < 1000) {
    const more = await input.next();
    if (more === null) {
      break;
    }
    seen.push(more);
    length += more.length;
    chunk = more;
  }
  input.pushBack(seen);
  const firstLine = Buffer.concat(seen, length).subarray(0, 1000).toString('latin1').split('\n')[0] ?? '';
  return HEADER_FIELD_START.test(firstLine) ? 'mime' : 'not-mime';
}
