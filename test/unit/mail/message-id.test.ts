import { describe, expect, it } from 'vitest';
import { extractMessageIds, firstMessageId } from '../../../shared/mail/message-id.js';

describe('extractMessageIds', () => {
  it.each([
    ['<a@example.org>', ['a@example.org']],
    ['  <a@example.org>  (comment)', ['a@example.org']],
    ['<a@example.org> <b@example.org>\r\n <c@example.org>', ['a@example.org', 'b@example.org', 'c@example.org']],
    ['<a@example.org><b@example.org>', ['a@example.org', 'b@example.org']],
    ['<a@example.org> <a@example.org>', ['a@example.org']],
    ['Your message of "Mon, 13 Jan 2025" <a@example.org>', ['a@example.org']],
    ['a@example.org', ['a@example.org']],
    ['a@example.org b@example.org', ['a@example.org', 'b@example.org']],
    ['<no-at-sign>', []],
    ['<@example.org>', []],
    ['<a@>', []],
    ['<with space@example.org>', ['withspace@example.org']],
    ['<>', []],
    ['garbage text', []],
    ['', []],
  ])('%j -> %o', (value, expected) => {
    // Prepare
    const input = value;

    // Act
    const ids = extractMessageIds(input);

    // Assess
    expect(ids).toEqual(expected);
  });
});

describe('firstMessageId', () => {
  it('returns the first id or null', () => {
    // Prepare
    const values = ['<a@example.org> <b@example.org>', 'nothing', undefined, null];

    // Act
    const ids = values.map((value) => firstMessageId(value));

    // Assess
    expect(ids).toEqual(['a@example.org', null, null, null]);
  });
});

describe('References handling in parseMail', async () => {
  const { parseMail } = await import('../../../shared/mail/parse.js');
  const { memorySink } = await import('./helpers.js');

  it('keeps the first and the last 99 of a very long References header', async () => {
    // Prepare
    const ids = Array.from({ length: 150 }, (_, i) => `<ref-${i}@example.org>`);
    const raw = Buffer.from(`Subject: long thread\r\nMessage-ID: <m@example.org>\r\nReferences: ${ids.join('\r\n ')}\r\nIn-Reply-To: <ref-149@example.org> (Claire's message of Monday)\r\n\r\nx`);

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.references).toHaveLength(100);
    expect(parsed.references[0]).toBe('ref-0@example.org');
    expect(parsed.references[1]).toBe('ref-51@example.org');
    expect(parsed.references[99]).toBe('ref-149@example.org');
    expect(parsed.inReplyTo).toEqual(['ref-149@example.org']);
  });
});
