import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../shared/mail/parse.js';
import { FIXTURES_DIR, fixture, memorySink, parseFixture } from './helpers.js';

describe('parseMail on malformed input', () => {
  it('flags an empty file', async () => {
    // Prepare
    const path = 'malformed/empty.eml';

    // Act
    const { parsed, raw } = await parseFixture(path);

    // Assess
    expect(raw.length).toBe(0);
    expect(parsed.flags).toEqual(['empty', 'no-message-id']);
    expect(parsed.size).toBe(0);
    expect(parsed.text).toBe('');
    expect(parsed.html).toBeNull();
    expect(parsed.messageId).toBeNull();
  });

  it('treats whitespace only as empty', async () => {
    // Prepare
    const raw = Buffer.from(' \r\n\t\r\n  ');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.flags).toEqual(['empty', 'no-message-id']);
    expect(parsed.size).toBe(raw.length);
  });

  it('keeps text without a header block as the body, flagged not-mime', async () => {
    // Prepare
    const path = 'malformed/not-mime.eml';

    // Act
    const { parsed, raw } = await parseFixture(path);

    // Assess
    expect(parsed.flags).toEqual(['not-mime', 'no-message-id']);
    expect(parsed.text).toBe(
      'Hello there: this was pasted from a chat window, not an email.\n' +
        'Merci de rappeler M. Dupont au 01 23 45 67 89 avant midi.\n-- \nAcme',
    );
    expect(parsed.subject).toBe('');
    expect(parsed.from).toBeNull();
    expect(Object.keys(parsed.headers)).toEqual([]);
    expect(parsed.size).toBe(raw.length);
  });

  it('treats a message starting with a blank line as having no header block', async () => {
    // Prepare
    const raw = Buffer.from('\r\nSubject: too late\r\n\r\nbody');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.flags).toEqual(['not-mime', 'no-message-id']);
    expect(parsed.subject).toBe('');
    expect(parsed.text).toBe('Subject: too late\n\nbody');
  });

  it('flags a multipart cut before its closing boundary and keeps what arrived', async () => {
    // Prepare
    const path = 'malformed/truncated-multipart.eml';

    // Act
    const { parsed, calls } = await parseFixture(path);

    // Assess
    expect(parsed.flags).toEqual(['truncated']);
    expect(parsed.text).toBe('Voici les photos du chantier de ce matin.');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({ filename: 'chantier-1.jpg', contentType: 'image/jpeg' });
    expect(calls[0]?.content.subarray(0, 4)).toEqual(Buffer.from([0, 1, 2, 3]));
  });

  it('does not flag complete nested multiparts as truncated', async () => {
    // Prepare
    const paths = ['inline/inline-image.eml', 'dsn/gmail-bounce.eml', 'mdn/outlook-read-receipt.eml', 'french/iso-8859-15.eml'];

    // Act
    const results = await Promise.all(paths.map((path) => parseFixture(path)));

    // Assess
    for (const { parsed } of results) {
      expect(parsed.flags).not.toContain('truncated');
    }
  });

  it('decodes an unknown charset as Windows-1252 when the bytes are not UTF-8, flagged', async () => {
    // Prepare
    const path = 'malformed/broken-charset.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.flags).toEqual(['charset-fallback']);
    expect(parsed.text).toBe('Rapport généré automatiquement.\nTotal : 1 250 €.');
    expect(parsed.subject).toBe('Rapport mensuel');
  });

  it('decodes an unknown charset as UTF-8 when the bytes are UTF-8, still flagged', async () => {
    // Prepare
    const raw = Buffer.from('Subject: x\r\nMessage-ID: <u@example.org>\r\nContent-Type: text/plain; charset=x-mac-klingon\r\n\r\nPréférence : “oui”', 'utf8');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.text).toBe('Préférence : “oui”');
    expect(parsed.flags).toEqual(['charset-fallback']);
  });

  it('never decodes from UTF-7, which could smuggle markup past filters', async () => {
    // Prepare
    const raw = Buffer.from(
      'Subject: u\r\nMessage-ID: <u7@example.org>\r\nContent-Type: text/html; charset=utf-7\r\n\r\n+ADw-script+AD4-alert(1)+ADw-/script+AD4-',
    );

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.html).toBe('+ADw-script+AD4-alert(1)+ADw-/script+AD4-');
    expect(parsed.flags).toContain('charset-fallback');
  });

  it('flags a missing Message-ID and leaves messageId null', async () => {
    // Prepare
    const path = 'malformed/no-message-id.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.messageId).toBeNull();
    expect(parsed.flags).toEqual(['no-message-id']);
    expect(parsed.subject).toBe('Cron <root@server> /usr/local/bin/backup.sh');
    expect(parsed.from).toEqual({ address: 'root@server.example.com', name: 'Cron Daemon' });
  });

  it('treats an unusable Message-ID and Date as absent', async () => {
    // Prepare
    const raw = Buffer.from('Subject: d\r\nDate: someday soon\r\nMessage-ID: not an id\r\n\r\nx');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.messageId).toBeNull();
    expect(parsed.date).toBeNull();
    expect(parsed.flags).toEqual(['no-message-id']);
  });

  it('keeps the headers it can read when the parser fails (header block over 1 MiB)', async () => {
    // Prepare
    const raw = Buffer.from(
      `Subject: still readable\r\nMessage-ID: <big-header@example.org>\r\nFrom: Big <big@example.org>\r\nX-Junk: ${'a'.repeat(1_200_000)}\r\n\r\nbody\r\n`,
    );

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.flags).toEqual(['parse-error']);
    expect(parsed.subject).toBe('still readable');
    expect(parsed.messageId).toBe('big-header@example.org');
    expect(parsed.from).toEqual({ address: 'big@example.org', name: 'Big' });
    expect(parsed.size).toBe(raw.length);
  });

  it('cuts bodies over maxBodyChars and flags oversize', async () => {
    // Prepare
    const raw = Buffer.from(`Subject: long\r\nMessage-ID: <long@example.org>\r\n\r\n${'mot '.repeat(1000)}`);

    // Act
    const parsed = await parseMail(raw, { ...memorySink(), limits: { maxBodyChars: 50 } });

    // Assess
    expect(parsed.text).toBe('mot '.repeat(13).slice(0, 50).trim());
    expect(parsed.flags).toEqual(['oversize']);
  });

  it('cuts oversized HTML before sanitising it', async () => {
    // Prepare
    const paragraph = '<p>Bonjour</p>';
    const raw = Buffer.from(
      `Subject: long\r\nMessage-ID: <longhtml@example.org>\r\nContent-Type: text/html\r\n\r\n${paragraph.repeat(100)}`,
    );

    // Act
    const parsed = await parseMail(raw, { ...memorySink(), limits: { maxBodyChars: paragraph.length * 3 } });

    // Assess
    expect(parsed.html).toBe(paragraph.repeat(3));
    expect(parsed.text).toBe('Bonjour\n\nBonjour\n\nBonjour');
    expect(parsed.flags).toEqual(['oversize']);
  });

  it('never throws on any prefix of any fixture', async () => {
    // Prepare
    const files = readdirSync(FIXTURES_DIR, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.eml'));
    const inputs = files.flatMap((name) => {
      const raw = fixture(name);
      return [0.1, 0.35, 0.5, 0.77, 0.93].map((share) => raw.subarray(0, Math.floor(raw.length * share)));
    });

    // Act
    const results = await Promise.all(inputs.map((input) => parseMail(input, memorySink())));

    // Assess
    expect(files.length).toBeGreaterThanOrEqual(28);
    results.forEach((parsed, i) => {
      expect(parsed.size).toBe(inputs[i]?.length);
      expect(typeof parsed.text).toBe('string');
      expect(Array.isArray(parsed.flags)).toBe(true);
    });
  });

  it('never throws on random bytes', async () => {
    // Prepare
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const inputs = Array.from({ length: 30 }, (_, i) => {
      const bytes = Buffer.alloc(200 + i * 97);
      for (let j = 0; j < bytes.length; j++) {
        bytes[j] = next() % 256;
      }
      return i % 2 === 0 ? Buffer.concat([Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n'), bytes]) : bytes;
    });

    // Act
    const results = await Promise.all(inputs.map((input) => parseMail(input, memorySink())));

    // Assess
    results.forEach((parsed, i) => {
      expect(parsed.size).toBe(inputs[i]?.length);
    });
  });
});
