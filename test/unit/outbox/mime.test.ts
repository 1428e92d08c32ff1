import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { conversationIdsFromTokens } from '../../../shared/inbound/reply-token.js';
import { buildMime, outgoingMessageId, replyReferences, replyTokenAddress, MAX_REFERENCES, type MimeInput } from '../../../shared/outbox/mime.js';
import { outgoingHtml } from '../../../shared/outbox/compose.js';

const conversationId = 'cAbCdEfGhIjKlMnOpQrSt';

function input(overrides: Partial<MimeInput> = {}): MimeInput {
  return {
    from: { address: 'support@acme.test', name: 'Support Acme' },
    replyTo: replyTokenAddress('support@acme.test', conversationId),
    to: [{ address: 'elodie@client.test', name: 'Élodie Durand' }],
    cc: [{ address: 'compta@client.test', name: '' }],
    bcc: [{ address: 'archive@acme.test', name: '' }],
    subject: 'Re: Problème de connexion – suite',
    html: '<p>Bonjour Élodie,</p><p>c’est réglé.</p>',
    text: 'Bonjour Élodie,\n\nc’est réglé.',
    messageId: outgoingMessageId(conversationId, 'r4nd0m', 'acme.test'),
    inReplyTo: '<CAF=abc@mail.gmail.com>',
    references: ['<root@client.test>', '<CAF=abc@mail.gmail.com>'],
    importance: 'normal',
    dispositionNotificationTo: null,
    date: new Date('2026-11-20T09:00:00.000Z'),
    attachments: [],
    ...overrides,
  };
}

describe('outgoing MIME', () => {
  it('carries the reply token in Message-ID and Reply-To, and the threading headers', async () => {
    // Act
    const raw = await buildMime(input());
    const parsed = await simpleParser(raw);

    // Assess
    expect(parsed.messageId).toBe(`<mr-${conversationId}.r4nd0m@acme.test>`);
    expect(parsed.inReplyTo).toBe('<CAF=abc@mail.gmail.com>');
    expect(parsed.references).toEqual(['<root@client.test>', '<CAF=abc@mail.gmail.com>']);
    expect(parsed.replyTo?.value[0]?.address).toBe(`support+mr-${conversationId}@acme.test`);
    expect(parsed.subject).toBe('Re: Problème de connexion – suite');
    expect(parsed.text?.trim()).toBe('Bonjour Élodie,\n\nc’est réglé.');
    expect(parsed.html).toContain('c’est réglé');
    // What the inbound side recognises, from either header
    expect(conversationIdsFromTokens([parsed.messageId!])).toEqual([conversationId]);
    expect(conversationIdsFromTokens([parsed.replyTo!.value[0]!.address!])).toEqual([conversationId]);
  });

  it('never writes Bcc, and omits priority headers for normal importance', async () => {
    const raw = (await buildMime(input())).toString('utf8');
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(raw).not.toContain('archive@acme.test');
    expect(raw).not.toMatch(/^(Importance|X-Priority|Disposition-Notification-To):/im);
  });

  it('sets Importance/X-Priority and Disposition-Notification-To when asked', async () => {
    const high = (await buildMime(input({ importance: 'high', dispositionNotificationTo: 'support@acme.test' }))).toString('utf8');
    expect(high).toMatch(/^Importance: high$/m);
    expect(high).toMatch(/^X-Priority: 1 \(Highest\)$/m);
    expect(high).toMatch(/^Disposition-Notification-To: support@acme\.test$/m);
    const low = (await buildMime(input({ importance: 'low' }))).toString('utf8');
    expect(low).toMatch(/^Importance: low$/m);
    expect(low).toMatch(/^X-Priority: 5 \(Lowest\)$/m);
  });

  it('attaches forwarded files and inline images with their Content-ID', async () => {
    const parsed = await simpleParser(await buildMime(input({
      attachments: [
        { filename: 'facture.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4'), disposition: 'attachment' },
        { filename: 'logo.png', contentType: 'image/png', content: Buffer.from([0x89, 0x50]), disposition: 'inline', contentId: 'logo@acme' },
      ],
    })));
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.contentDisposition]).sort()).toEqual([
      ['facture.pdf', 'application/pdf', 'attachment'], ['logo.png', 'image/png', 'inline'],
    ]);
    expect(parsed.attachments.find((a) => a.filename === 'logo.png')?.cid).toBe('logo@acme');
  });

  it('keeps References bounded: the root and the most recent ones', () => {
    const parent = Array.from({ length: 30 }, (_, i) => `m${i}@x.test`);
    const refs = replyReferences(parent, 'parent@x.test');
    expect(refs).toHaveLength(MAX_REFERENCES);
    expect(refs[0]).toBe('<m0@x.test>');
    expect(refs.at(-1)).toBe('<parent@x.test>');
    expect(replyReferences(['<a@x>', 'a@x'], '<a@x>')).toEqual(['<a@x>']);
  });

  it('plus-addresses the sending address, dropping an existing tag', () => {
    expect(replyTokenAddress('support+old@acme.test', conversationId)).toBe(`support+mr-${conversationId}@acme.test`);
  });

  it('sanitises the author\'s HTML but keeps the remote images they chose', () => {
    const html = outgoingHtml('<p onclick="x()">Hi</p><img src="https://cdn.acme.test/logo.png"><script>alert(1)</script>');
    expect(html).not.toMatch(/onclick|<script/);
    expect(html).toContain('src="https://cdn.acme.test/logo.png"');
  });
});
