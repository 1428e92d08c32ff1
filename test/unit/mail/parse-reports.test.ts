import { describe, expect, it } from 'vitest';
import type { DeliveryReport, MailFlag } from '../../../shared/mail/types.js';
import { parseFixture } from './helpers.js';

interface DsnCase {
  path: string;
  report: DeliveryReport;
  autoReplyReason: string;
  returnedParts: string[];
}

const DSN_CASES: DsnCase[] = [
  {
    path: 'dsn/postfix-bounce.eml',
    autoReplyReason: 'Auto-Submitted: auto-replied',
    returnedParts: ['message/delivery-status', 'message/rfc822'],
    report: {
      kind: 'dsn',
      reportingMta: 'mail.example.org',
      originalMessageId: '0102019460a1b2c3-postfix-0001-000000@eu-west-1.amazonses.com',
      recipients: [
        {
          recipient: 'jdoe@example.net',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <jdoe@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
          remoteMta: 'mx.example.net',
        },
      ],
    },
  },
  {
    path: 'dsn/postfix-delay.eml',
    autoReplyReason: 'Auto-Submitted: auto-replied',
    returnedParts: ['message/delivery-status', 'text/rfc822-headers'],
    report: {
      kind: 'dsn',
      reportingMta: 'mail.example.org',
      originalMessageId: '0102019460a1b2c3-delay-0002-000000@eu-west-1.amazonses.com',
      recipients: [
        {
          recipient: 'orders@slow.example.com',
          action: 'delayed',
          status: '4.4.1',
          diagnostic: 'connect to mx.slow.example.com[203.0.113.99]:25: Connection timed out',
          remoteMta: null,
        },
      ],
    },
  },
  {
    path: 'dsn/exim-bounce.eml',
    autoReplyReason: 'Auto-Submitted: auto-replied',
    returnedParts: ['message/delivery-status', 'message/rfc822'],
    report: {
      kind: 'dsn',
      reportingMta: 'mx1.example.com',
      originalMessageId: '0102019460a1b2c3-exim-0003-000000@eu-west-1.amazonses.com',
      recipients: [
        {
          recipient: 'nobody@example.org',
          action: 'failed',
          status: '5.0.0',
          diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown',
          remoteMta: 'mx.example.org',
        },
        {
          recipient: 'olduser@example.org',
          action: 'failed',
          status: '5.0.0',
          diagnostic: '552 5.2.2 <olduser@example.org>: Mailbox full',
          remoteMta: 'mx.example.org',
        },
      ],
    },
  },
  {
    path: 'dsn/gmail-bounce.eml',
    autoReplyReason: 'Auto-Submitted: auto-replied',
    returnedParts: ['image/png', 'message/delivery-status', 'text/rfc822-headers'],
    report: {
      kind: 'dsn',
      reportingMta: 'googlemail.com',
      originalMessageId: 'CAHx9kQ1=fixture+gmail@mail.gmail.com',
      recipients: [
        {
          recipient: 'nobody@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
          remoteMta: 'mx.example.com',
        },
      ],
    },
  },
  {
    path: 'dsn/exchange-ndr.eml',
    autoReplyReason: 'Auto-Submitted: auto-replied',
    returnedParts: ['message/delivery-status', 'text/rfc822-headers'],
    report: {
      kind: 'dsn',
      reportingMta: 'AM0PR01MB1234.eurprd01.prod.exchangelabs.com',
      originalMessageId: '0102019460a1b2c3-exch-0004-000000@eu-west-1.amazonses.com',
      recipients: [
        {
          recipient: 'nobody@contoso.example',
          action: 'failed',
          status: '5.1.10',
          diagnostic:
            '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient nobody@contoso.example not found by SMTP address lookup',
          remoteMta: null,
        },
      ],
    },
  },
  {
    path: 'dsn/ses-bounce.eml',
    autoReplyReason: 'Content-Type: multipart/report; report-type=delivery-status',
    returnedParts: ['message/delivery-status', 'message/rfc822'],
    report: {
      kind: 'dsn',
      reportingMta: 'a4-5.smtp-out.eu-west-1.amazonses.com',
      originalMessageId: '0102019460a1b2c3-ses-0005-000000@eu-west-1.amazonses.com',
      recipients: [
        {
          recipient: 'client.ancien@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 user unknown',
          remoteMta: 'mx1.example.com',
        },
      ],
    },
  },
];

describe('parseMail on delivery status notifications (RFC 3464)', () => {
  it.each(DSN_CASES)('reads $path', async ({ path, report, autoReplyReason, returnedParts }) => {
    // Prepare
    const expectedFlags: MailFlag[] = ['auto-reply', 'delivery-report'];

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.classification.deliveryReport).toEqual(report);
    expect(parsed.classification.readReport).toBeNull();
    expect(parsed.classification.autoReply).toBe(true);
    expect(parsed.classification.autoReplyReason).toBe(autoReplyReason);
    expect(parsed.classification.bulk).toBe(false);
    expect([...parsed.flags].sort()).toEqual([...expectedFlags].sort());
    expect(parsed.attachments.map((attachment) => attachment.contentType)).toEqual(returnedParts);
  });

  it('keeps the human-readable part of a bounce as the text, not the report fields', async () => {
    // Prepare
    const path = 'dsn/postfix-bounce.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.text.startsWith('This is the mail system at host mail.example.org.')).toBe(true);
    expect(parsed.text).not.toContain('Reporting-MTA');
    expect(parsed.from).toEqual({ address: 'mailer-daemon@mail.example.org', name: 'Mail Delivery System' });
  });

  it('summarises the returned message of a bounce like any forwarded message', async () => {
    // Prepare
    const path = 'dsn/ses-bounce.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.forwarded).toEqual([
      {
        attachmentIndex: 1,
        messageId: '0102019460a1b2c3-ses-0005-000000@eu-west-1.amazonses.com',
        subject: 'Votre ticket #4821',
        from: { address: 'support@acme.example', name: 'Acme Support' },
        date: '2025-01-13T09:49:58.000Z',
      },
    ]);
  });

  it('treats the Gmail icon referenced by cid as inline', async () => {
    // Prepare
    const path = 'dsn/gmail-bounce.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.attachments[0]).toMatchObject({ filename: 'icon.png', contentId: 'icon.png', disposition: 'inline' });
    expect(parsed.html).toContain('src="cid:icon.png"');
  });
});

describe('parseMail on read receipts (RFC 8098)', () => {
  it('reads a Thunderbird return receipt', async () => {
    // Prepare
    const path = 'mdn/thunderbird-read-receipt.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.classification.readReport).toEqual({
      kind: 'mdn',
      originalMessageId: '0102019460a1b2c3-mdn-0006-000000@eu-west-1.amazonses.com',
      finalRecipient: 'paul.durand@example.net',
      disposition: 'manual-action/MDN-sent-manually; displayed',
      displayed: true,
    });
    expect(parsed.classification.deliveryReport).toBeNull();
    expect(parsed.subject).toBe('Accusé de réception (affiché) - Votre dossier n°4821');
    expect([...parsed.flags].sort()).toEqual(['auto-reply', 'read-receipt']);
  });

  it('reads an Outlook read receipt with a folded Original-Message-ID', async () => {
    // Prepare
    const path = 'mdn/outlook-read-receipt.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.classification.readReport).toEqual({
      kind: 'mdn',
      originalMessageId: '0102019460a1b2c3-exch-0004-000000@eu-west-1.amazonses.com',
      finalRecipient: 'sophie.bernard@contoso.example',
      disposition: 'auto-action/MDN-sent-automatically; displayed',
      displayed: true,
    });
    expect(parsed.subject).toBe('Lu : Planning du mois de février');
    expect(parsed.text).toContain('a été lu le lundi 13 janvier 2025 15:03:22');
    expect([...parsed.flags].sort()).toEqual(['auto-reply', 'read-receipt']);
  });
});

describe('parseMail on auto-replies and bulk mail', () => {
  it('recognises an RFC 3834 vacation reply', async () => {
    // Prepare
    const path = 'autoreply/rfc3834.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.classification).toMatchObject({
      autoReply: true,
      autoReplyReason: 'Auto-Submitted: auto-replied (vacation)',
      bulk: false,
      deliveryReport: null,
      readReport: null,
    });
    expect(parsed.flags).toEqual(['auto-reply']);
    expect(parsed.inReplyTo).toEqual(['0102019460a1b2c3-vac-0007-000000@eu-west-1.amazonses.com']);
  });

  it('recognises an Exchange out-of-office by X-Auto-Response-Suppress', async () => {
    // Prepare
    const path = 'autoreply/outlook-oof.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.subject).toBe('Réponse automatique : Devis pour la rénovation');
    expect(parsed.classification.autoReply).toBe(true);
    expect(parsed.classification.autoReplyReason).toBe('X-Auto-Response-Suppress: All');
    expect(parsed.flags).toEqual(['auto-reply']);
    expect(parsed.text).toContain("Je suis en congés jusqu'au lundi 20 janvier.");
  });

  it('recognises a newsletter as bulk and blocks its remote images', async () => {
    // Prepare
    const path = 'bulk/newsletter.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.classification.bulk).toBe(true);
    expect(parsed.classification.autoReply).toBe(false);
    expect([...parsed.flags].sort()).toEqual(['bulk', 'remote-images']);
    expect(parsed.headers['list-id']).toEqual(['"La lettre des partenaires" <lettre.partners.example.com>']);
    expect(parsed.headers['list-unsubscribe-post']).toEqual(['List-Unsubscribe=One-Click']);
    expect(parsed.replyTo).toEqual([{ address: 'contact@partners.example.com', name: '' }]);
    expect(parsed.html).toContain('data-mr-remote-src="https://cdn.partners.example.com/logo.png"');
    expect(parsed.html).toContain('data-mr-remote-src="https://click.partners.example.com/o/open.gif?u=abc123"');
    expect(parsed.html).toContain('data-mr-remote-background="https://cdn.partners.example.com/table-bg.jpg"');
    expect(parsed.html).toContain('@media only screen and (max-width: 600px) { .content { width: 100% !important }');
    expect(parsed.html).not.toMatch(/\ssrc="https?:/u);
    expect(parsed.html).not.toContain('url(');
    expect(parsed.html).not.toContain('@import');
    expect(parsed.html).not.toContain('@font-face');
    expect(parsed.html).not.toContain('<title>');
  });
});
