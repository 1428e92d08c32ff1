import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMail } from '../../../shared/mail/parse.js';
import type { AttachmentSink, ParsedMail, ParseLimits } from '../../../shared/mail/types.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));

export function fixture(path: string): Buffer {
  return readFileSync(`${FIXTURES_DIR}${path}`);
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface SinkCall {
  meta: Parameters<AttachmentSink>[0];
  content: Buffer;
}

/** An in-memory attachment sink that records what it was given. */
export function memorySink(): { sink: AttachmentSink; calls: SinkCall[] } {
  const calls: SinkCall[] = [];
  const sink: AttachmentSink = async (meta, content) => {
    calls.push({ meta, content });
    return { storageKey: `mem/${meta.index}` };
  };
  return { sink, calls };
}

export async function parseFixture(
  path: string,
  limits?: Partial<ParseLimits>,
): Promise<{ parsed: ParsedMail; calls: SinkCall[]; raw: Buffer }> {
  const raw = fixture(path);
  const { sink, calls } = memorySink();
  const parsed = await parseMail(raw, { sink, limits });
  return { parsed, calls, raw };
}
