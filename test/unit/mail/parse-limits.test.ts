import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../shared/mail/parse.js';
import type { AttachmentSink } from '../../../shared/mail/types.js';
import { fixture, memorySink, sha256 } from './helpers.js';

function multipartWithParts(count: number): Buffer {
  const lines = [
    'From: Robot <robot@example.org>',
    'To: support@acme.example',
    'Subject: Many parts',
    'Message-ID: <many-parts@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="part-boundary"',
    '',
    '--part-boundary',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Voir les pièces jointes.',
  ];
  for (let i = 1; i < count; i++) {
    lines.push('--part-boundary', 'Content-Type: application/octet-stream', `Content-Disposition: attachment; filename="part-${i}.bin"`, '', `part ${i}`);
  }
  lines.push('--part-boundary--', '');
  return Buffer.from(lines.join('\r\n'));
}

describe('parseMail part limit', () => {
  it('stops extracting after maxParts parts of a 3,000-part message', async () => {
    // Prepare
    const raw = multipartWithParts(3000);
    const { sink, calls } = memorySink();
    const started = performance.now();

    // Act
    const parsed = await parseMail(raw, { sink });
    const elapsed = performance.now() - started;

    // Assess
    expect(parsed.flags).toEqual(['too-many-parts']);
    // 1,000 parts: the multipart container, the text part and 998 attachments
    expect(parsed.attachments).toHaveLength(998);
    expect(calls).toHaveLength(998);
    expect(parsed.attachments[997]?.filename).toBe('part-998.bin');
    expect(calls[997]?.content.toString()).toBe('part 998');
    expect(parsed.text).toBe('Voir les pièces jointes.');
    expect(parsed.subject).toBe('Many parts');
    expect(parsed.size).toBe(raw.length);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('honours a smaller maxParts', async () => {
    // Prepare
    const raw = multipartWithParts(20);

    // Act
    const parsed = await parseMail(raw, { ...memorySink(), limits: { maxParts: 5 } });

    // Assess
    expect(parsed.flags).toEqual(['too-many-parts']);
    expect(parsed.attachments.map((attachment) => attachment.filename)).toEqual(['part-1.bin', 'part-2.bin', 'part-3.bin']);
  });

  it('does not flag a message that has exactly maxParts parts', async () => {
    // Prepare
    const raw = multipartWithParts(4);

    // Act
    const parsed = await parseMail(raw, { ...memorySink(), limits: { maxParts: 5 } });

    // Assess
    expect(parsed.flags).toEqual([]);
    expect(parsed.attachments).toHaveLength(3);
  });
});

describe('parseMail on a 40 MB message from a stream', () => {
  it('hands the 28 MiB attachment to the sink whole, with the right size and sha256, within 1 GB of memory', async () => {
    // Prepare
    const payload = randomBytes(28 * 1024 * 1024);
    const expectedSha256 = sha256(payload);
    const head = Buffer.from(
      [
        'From: Chantier <photos@example.com>',
        'To: support@acme.example',
        'Subject: Archive du chantier',
        'Message-ID: <big-archive@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="big-boundary"',
        '',
        '--big-boundary',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Archive en pièce jointe.',
        '--big-boundary',
        'Content-Type: application/zip; name="chantier.zip"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="chantier.zip"',
        '',
        '',
      ].join('\r\n'),
    );
    const body = Buffer.from(`${payload.toString('base64').replace(/.{76}/gu, '$&\r\n')}\r\n--big-boundary--\r\n`);
    const totalSize = head.length + body.length;
    function* chunks(): Generator<Buffer> {
      yield head;
      for (let offset = 0; offset < body.length; offset += 64 * 1024) {
        yield body.subarray(offset, offset + 64 * 1024);
      }
    }
    const received: Array<{ size: number; sha256: string; filename: string }> = [];
    const sink: AttachmentSink = async (meta, content) => {
      received.push({ size: content.length, sha256: sha256(content), filename: meta.filename });
      return { storageKey: `s3/${meta.index}` };
    };
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);

    // Act
    const parsed = await parseMail(Readable.from(chunks()), { sink });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    // Assess
    expect(totalSize).toBeGreaterThan(38_000_000);
    expect(received).toEqual([{ size: payload.length, sha256: expectedSha256, filename: 'chantier.zip' }]);
    expect(parsed.attachments).toEqual([
      {
        index: 0,
        filename: 'chantier.zip',
        contentType: 'application/zip',
        contentId: null,
        disposition: 'attachment',
        size: payload.length,
        sha256: expectedSha256,
        storageKey: 's3/0',
      },
    ]);
    expect(parsed.size).toBe(totalSize);
    expect(parsed.text).toBe('Archive en pièce jointe.');
    expect(parsed.flags).toEqual([]);
    expect(peak - baseline).toBeLessThan(1024 * 1024 * 1024);
  });
});

describe('parseMail failures that must reach the caller', () => {
  it('rejects with the sink error itself (Buffer input)', async () => {
    // Prepare
    const failure = new Error('S3 PutObject failed: SlowDown');
    const sink: AttachmentSink = async () => {
      throw failure;
    };

    // Act
    const result = parseMail(fixture('french/iso-8859-15.eml'), { sink });

    // Assess
    await expect(result).rejects.toBe(failure);
  });

  it('rejects with the sink error and destroys a stream source', async () => {
    // Prepare
    const raw = fixture('inline/inline-image.eml');
    const source = Readable.from(Array.from({ length: Math.ceil(raw.length / 50) }, (_, i) => raw.subarray(i * 50, i * 50 + 50)));
    const failure = new Error('S3 unavailable');
    let calls = 0;
    const sink: AttachmentSink = async () => {
      calls++;
      throw failure;
    };

    // Act
    const result = parseMail(source, { sink });

    // Assess
    await expect(result).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(source.destroyed).toBe(true);
  });

  it('rejects when the stream source fails', async () => {
    // Prepare
    const raw = fixture('plain/simple.eml');
    const source = new Readable({
      read() {
        this.push(raw.subarray(0, 400));
        this.destroy(new Error('socket hang up'));
      },
    });

    // Act
    const result = parseMail(source, memorySink());

    // Assess
    await expect(result).rejects.toThrow('socket hang up');
  });
});

describe('parseMail speed', () => {
  it('parses plain/simple.eml in under 20 ms on average over 200 runs', async () => {
    // Prepare
    const raw = fixture('plain/simple.eml');
    const { sink } = memorySink();
    await parseMail(raw, { sink });
    const runs = 200;
    const started = performance.now();

    // Act
    for (let i = 0; i < runs; i++) {
      await parseMail(raw, { sink });
    }
    const average = (performance.now() - started) / runs;

    // Assess
    expect(average).toBeLessThan(20);
  });
});
