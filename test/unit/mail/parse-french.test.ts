import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../shared/mail/parse.js';
import { memorySink, fixture, parseFixture, sha256 } from './helpers.js';

/** C1 control characters: what Windows-1252 punctuation turns into when decoded as ISO-8859-1. */
const C1_CONTROLS = /[\u0080-\u009f]/u;

describe('parseMail on a plain message', () => {
  it('reads every envelope field of plain/simple.eml', async () => {
    // Prepare
    const path = 'plain/simple.eml';

    // Act
    const { parsed, raw, calls } = await parseFixture(path);

    // Assess
    expect(parsed.messageId).toBe('CAF1234abcd.5678@mail.example.com');
    expect(parsed.subject).toBe('Question about my invoice');
    expect(parsed.date).toBe('2025-01-13T09:02:11.000Z');
    expect(parsed.from).toEqual({ address: 'alice.martin@example.com', name: 'Alice Martin' });
    expect(parsed.to).toEqual([{ address: 'support@acme.example', name: 'Support' }]);
    expect(parsed.cc).toEqual([]);
    expect(parsed.replyTo).toEqual([]);
    expect(parsed.inReplyTo).toEqual([]);
    expect(parsed.references).toEqual([]);
    expect(parsed.text).toBe(
      'Hello,\n\nI was charged twice for invoice INV-2025-0042. Could you check?\n\nThanks,\nAlice',
    );
    expect(parsed.html).toBeNull();
    expect(parsed.attachments).toEqual([]);
    expect(calls).toHaveLength(0);
    expect(parsed.flags).toEqual([]);
    expect(parsed.size).toBe(raw.length);
  });

  it('keeps only the selected headers, lower-cased, in a null-prototype record', async () => {
    // Prepare
    const path = 'plain/simple.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(Object.getPrototypeOf(parsed.headers)).toBeNull();
    expect(Object.keys(parsed.headers).sort()).toEqual(
      ['content-type', 'date', 'from', 'message-id', 'received', 'return-path', 'subject', 'to'].sort(),
    );
    expect(parsed.headers['return-path']).toEqual(['<Alice.Martin@example.com>']);
    expect(parsed.headers['message-id']).toEqual(['<CAF1234abcd.5678@mail.example.com>']);
    expect(parsed.headers.received).toHaveLength(1);
    expect(parsed.headers.received?.[0]).toMatch(/^from mail\.example\.com .* by inbound-smtp\.eu-west-1\.amazonaws\.com/u);
    expect(parsed.headers['dkim-signature']).toBeUndefined();
  });

  it('keeps the first three Received headers only', async () => {
    // Prepare
    const hops = [1, 2, 3, 4, 5].map((n) => `Received: from hop${n}.example.net by hop${n + 1}.example.net; Mon, 13 Jan 2025 09:0${n}:00 +0000`);
    const raw = Buffer.from([...hops, 'Subject: hops', 'Message-ID: <hops@example.net>', '', 'x'].join('\r\n'));

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.headers.received).toEqual(hops.slice(0, 3).map((line) => line.slice('Received: '.length)));
  });
});

describe('parseMail on French mail', () => {
  it('decodes an ISO-8859-1 body and Q-encoded subject and sender', async () => {
    // Prepare
    const path = 'french/iso-8859-1.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('Réunion déplacée à jeudi');
    expect(parsed.from).toEqual({ address: 'francois.leger@example.org', name: 'François Léger' });
    expect(parsed.text).toBe(
      "Bonjour,\n\nLa réunion de l'équipe est déplacée à jeudi 16 janvier, 14 h.\n" +
        'Ça vous convient-il ? Prévoyez le café et les crêpes.\n\nÀ bientôt,\nFrançois',
    );
    expect(parsed.flags).toEqual([]);
  });

  it('decodes Windows-1252 punctuation (0x80 0x85 0x93 0x94 0x96) in the subject, text and HTML', async () => {
    // Prepare
    const path = 'french/windows-1252.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('Réunion – 15 €');
    expect(parsed.from?.name).toBe('Hélène Garnier');
    expect(parsed.text).toContain('Objet : Réunion – 15 € par personne.');
    expect(parsed.text).toContain('Merci de “confirmer” votre présence avant vendredi…');
    expect(parsed.html).toContain('Objet : Réunion – 15 € par personne.');
    expect(parsed.html).toContain('Merci de “confirmer” votre présence avant vendredi…');
    expect(parsed.text).not.toMatch(C1_CONTROLS);
    expect(parsed.html).not.toMatch(C1_CONTROLS);
    expect(parsed.messageId).toBe('000301db6718$a1b2c3d0$e5f6a7b8$@example.net');
    expect(parsed.headers['x-mailer']).toEqual(['Microsoft Outlook 16.0']);
    expect(parsed.flags).toEqual([]);
  });

  it('decodes ISO-8859-15 (€ and œ) and RFC 2231 attachment names', async () => {
    // Prepare
    const path = 'french/iso-8859-15.eml';
    const pdf = Buffer.from('%PDF-1.4\n% resume\n%%EOF\n');
    const odt = Buffer.from('PK\u0003\u0004 not really an odt', 'latin1');

    // Act
    const { parsed, calls } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('Devis œuvre complète : 1 250 €');
    expect(parsed.text).toContain("Le devis s'élève à 1 250 € TTC (œuvre complète).");
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['résumé.pdf', 'Compte rendu réunion du 15 janvier.odt']);
    expect(parsed.attachments[0]).toMatchObject({
      index: 0,
      contentType: 'application/pdf',
      disposition: 'attachment',
      contentId: null,
      size: pdf.length,
      sha256: sha256(pdf),
      storageKey: 'mem/0',
    });
    expect(parsed.attachments[1]).toMatchObject({ index: 1, size: odt.length, sha256: sha256(odt), storageKey: 'mem/1' });
    expect(calls.map((call) => call.content)).toEqual([pdf, odt]);
    expect(calls[1]?.meta).toEqual({
      index: 1,
      filename: 'Compte rendu réunion du 15 janvier.odt',
      contentType: 'application/vnd.oasis.opendocument.text',
      contentId: null,
      disposition: 'attachment',
    });
  });

  it('joins a B-encoded subject split over two lines inside a character, and decodes display names', async () => {
    // Prepare
    const path = 'french/encoded-words-split.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('Compte rendu de la réunion du 15 janvier – décisions');
    expect(parsed.from).toEqual({ address: 'anais.dupre@example.net', name: 'Anaïs Dupré' });
    expect(parsed.to).toEqual([
      { address: 'helene.garnier@acme.example', name: 'Hélène Garnier' },
      { address: 'support@acme.example', name: '' },
    ]);
    expect(parsed.cc).toEqual([{ address: 'jerome.benoit@example.org', name: 'Jérôme Benoît' }]);
    expect(parsed.headers.subject).toEqual(['Compte rendu de la réunion du 15 janvier – décisions']);
    expect(parsed.text).toBe('Bonjour à tous,\n\nVoici le compte rendu. Les décisions sont en pièce jointe.\n\nAnaïs');
    expect(parsed.flags).toEqual([]);
  });

  it('reads undeclared 8-bit Latin-1 header text as Windows-1252 and says so', async () => {
    // Prepare
    const raw = Buffer.from('Subject: Caf\xe9 cr\xe8me \x96 2 \x80\r\nMessage-ID: <latin@example.org>\r\n\r\nx', 'latin1');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.subject).toBe('Café crème – 2 €');
    expect(parsed.flags).toContain('charset-fallback');
  });

  it('reads undeclared 8-bit UTF-8 header text (RFC 6532) without a fallback', async () => {
    // Prepare
    const raw = Buffer.from('Subject: Réunion – 15 €\r\nMessage-ID: <utf8@example.org>\r\n\r\nx', 'utf8');

    // Act
    const parsed = await parseMail(raw, memorySink());

    // Assess
    expect(parsed.subject).toBe('Réunion – 15 €');
    expect(parsed.flags).toEqual([]);
  });

  it('reads the same message identically from a Buffer and from a stream of small chunks', async () => {
    // Prepare
    const { Readable } = await import('node:stream');
    const raw = fixture('french/iso-8859-15.eml');
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < raw.length; offset += 7) {
      chunks.push(raw.subarray(offset, offset + 7));
    }

    // Act
    const fromBuffer = await parseMail(raw, memorySink());
    const fromStream = await parseMail(Readable.from(chunks), memorySink());

    // Assess
    expect(fromStream).toEqual(fromBuffer);
    expect(fromStream.size).toBe(raw.length);
  });
});
