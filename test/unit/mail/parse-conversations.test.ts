import { describe, expect, it } from 'vitest';
import { makeSnippet } from '../../../shared/mail/snippet.js';
import { isReplyOrForwardSubject, normalizeSubject } from '../../../shared/mail/subject.js';
import { parseFixture, sha256 } from './helpers.js';

/** The 1x1 PNG embedded in inline/inline-image.eml and dsn/gmail-bounce.eml. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('parseMail on replies', () => {
  it('reads Gmail threading headers and keeps the quoted text in `text`', async () => {
    // Prepare
    const path = 'replies/gmail-reply.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.messageId).toBe('CAF9876zyxw+Q2v=mAbC_dEf1gH@mail.example.com');
    expect(parsed.inReplyTo).toEqual(['0102019460a1b2c3-5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e-000000@eu-west-1.amazonses.com']);
    expect(parsed.references).toEqual([
      'CAF1234abcd.5678@mail.example.com',
      '0102019460a1b2c3-5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e-000000@eu-west-1.amazonses.com',
    ]);
    expect(parsed.subject).toBe('Re: Question about my invoice');
    expect(normalizeSubject(parsed.subject)).toBe('question about my invoice');
    expect(isReplyOrForwardSubject(parsed.subject)).toBe(true);
    expect(parsed.text).toContain('> Thanks for reaching out. Could you confirm the dates of both charges?');
    expect(parsed.html).toContain('class="gmail_quote"');
    expect(parsed.html).toContain(
      '<a href="mailto:support@acme.example" rel="noopener noreferrer nofollow" target="_blank">support@acme.example</a>',
    );
    expect(parsed.flags).toEqual([]);
  });

  it('gives a snippet of the new text only for the Gmail reply', async () => {
    // Prepare
    const { parsed } = await parseFixture('replies/gmail-reply.eml');

    // Act
    const snippet = makeSnippet(parsed.text);

    // Assess
    expect(snippet).toBe(
      'Yes, I can confirm both charges appear on my statement (13/01 and 14/01). The card ends with 4242. Alice',
    );
  });

  it('reads an Outlook reply without In-Reply-To: French "RE :" subject and Thread-Index', async () => {
    // Prepare
    const path = 'replies/outlook-reply.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('RE : Devis pour la rénovation');
    expect(normalizeSubject(parsed.subject)).toBe('devis pour la rénovation');
    expect(isReplyOrForwardSubject(parsed.subject)).toBe(true);
    expect(parsed.inReplyTo).toEqual([]);
    expect(parsed.references).toEqual([]);
    expect(parsed.headers['thread-index']).toEqual(['AQHbZZ2y0tTLm+I7n0KtHF3nYhXqprMUy9Aw']);
    expect(parsed.headers['thread-topic']).toEqual(['Devis pour la rénovation']);
    expect(parsed.date).toBe('2025-01-13T10:31:12.000Z');
    expect(parsed.text).toContain('De : Acme Support <support@acme.example>\nEnvoyé : lundi 13 janvier 2025 10:05');
  });

  it('keeps the Outlook stylesheet rules the message needs and drops fonts and pages', async () => {
    // Prepare
    const path = 'replies/outlook-reply.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.html).toContain('<p class="MsoNormal"><span style="font-size: 11.0pt">Bonjour,</span></p>');
    expect(parsed.html).toMatch(/<style>\np\.MsoNormal, li\.MsoNormal, div\.MsoNormal \{ margin: 0cm; font-size: 12\.0pt;/u);
    expect(parsed.html).not.toContain('@font-face');
    expect(parsed.html).not.toContain('@page');
    expect(parsed.html).not.toContain('<o:p>');
    expect(parsed.html).not.toContain('<meta');
    expect(parsed.flags).toEqual([]);
  });

  it('gives a snippet without the Outlook "De : … Envoyé : …" original', async () => {
    // Prepare
    const { parsed } = await parseFixture('replies/outlook-reply.eml');

    // Act
    const snippet = makeSnippet(parsed.text);

    // Assess
    expect(snippet).toBe("Bonjour, C'est d'accord pour jeudi matin, je serai sur place à 9 h. Cordialement, Marc Petit");
  });
});

describe('parseMail on inline images', () => {
  it('stores the cid image as an inline attachment and keeps the cid: link', async () => {
    // Prepare
    const path = 'inline/inline-image.eml';
    const contentId = 'F3C1A2B4-5D6E-4F70-8192-A3B4C5D6E7F8@example.com';

    // Act
    const { parsed, calls } = await parseFixture(path);

    // Assess
    expect(parsed.attachments).toEqual([
      {
        index: 0,
        filename: 'capture.png',
        contentType: 'image/png',
        size: PNG_1X1.length,
        contentId,
        disposition: 'inline',
        storageKey: 'mem/0',
        sha256: sha256(PNG_1X1),
      },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.content.equals(PNG_1X1)).toBe(true);
    expect(parsed.html).toContain(`src="cid:${contentId}"`);
    expect(parsed.html).not.toContain('data:');
    expect(parsed.subject).toBe('Capture d’écran de l’erreur');
    expect(parsed.text).toBe('Bonjour,\n\nVoici la capture de l’erreur :\n\n[logo]\n\nJulie');
    expect(parsed.flags).toEqual([]);
  });
});

describe('parseMail on a forwarded message/rfc822 part', () => {
  it('stores the forwarded message as an .eml attachment and summarises its headers', async () => {
    // Prepare
    const path = 'forwarded/rfc822-attachment.eml';

    // Act
    const { parsed, calls } = await parseFixture(path);

    // Assess
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({
      index: 0,
      filename: 'Facture impayée n° 4521.eml',
      contentType: 'message/rfc822',
      disposition: 'attachment',
    });
    const stored = calls[0]?.content.toString('utf8') ?? '';
    expect(stored.startsWith('Return-Path: <compta@fournisseur.example>\r\n')).toBe(true);
    expect(stored).toContain('la facture n° 4521 reste impayée.');
    expect(parsed.attachments[0]?.sha256).toBe(sha256(calls[0]?.content ?? Buffer.alloc(0)));
    expect(parsed.attachments[0]?.size).toBe(calls[0]?.content.length);
    expect(parsed.forwarded).toEqual([
      {
        attachmentIndex: 0,
        messageId: '20250110140000.4521@fournisseur.example',
        subject: 'Facture impayée n° 4521',
        from: { address: 'compta@fournisseur.example', name: 'Service comptabilité' },
        date: '2025-01-10T14:00:00.000Z',
      },
    ]);
    expect(parsed.text).toBe('Bonjour, je vous transfère la relance du fournisseur, voir le message ci-joint.\n\nPaul');
    expect(parsed.subject).toBe('Fwd: Facture impayée n° 4521');
  });
});
