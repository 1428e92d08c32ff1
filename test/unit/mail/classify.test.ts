import { describe, expect, it } from 'vitest';
import {
  detectAutoReply,
  detectBulk,
  parseDeliveryStatus,
  parseDisposition,
  reportTypeOf,
} from '../../../shared/mail/classify.js';
import type { HeaderMap } from '../../../shared/mail/classify.js';

function headers(entries: Record<string, string>): HeaderMap {
  const map = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of Object.entries(entries)) {
    map[name] = [value];
  }
  return map;
}

describe('detectAutoReply', () => {
  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    [{ 'auto-submitted': 'auto-generated' }, 'Auto-Submitted: auto-generated'],
    [{ 'auto-submitted': 'Auto-Replied (vacation)' }, 'Auto-Submitted: Auto-Replied (vacation)'],
    [{ 'auto-submitted': 'auto-notified; owner-email="a@example.org"' }, 'Auto-Submitted: auto-notified; owner-email="a@example.org"'],
    [{ 'x-autoreply': 'yes' }, 'X-Autoreply: yes'],
    [{ 'x-autorespond': 'Vacation message' }, 'X-Autorespond: Vacation message'],
    [{ precedence: 'auto_reply' }, 'Precedence: auto_reply'],
    [{ 'x-precedence': 'auto_reply' }, 'X-Precedence: auto_reply'],
    [{ 'x-auto-response-suppress': 'All' }, 'X-Auto-Response-Suppress: All'],
    [{ 'x-auto-response-suppress': 'DR, OOF, AutoReply' }, 'X-Auto-Response-Suppress: DR, OOF, AutoReply'],
    [{ 'content-type': 'multipart/report; report-type="delivery-status"; boundary=x' }, 'Content-Type: multipart/report; report-type=delivery-status'],
    [{ 'content-type': 'multipart/report; report-type=disposition-notification; boundary=x' }, 'Content-Type: multipart/report; report-type=disposition-notification'],
    [{ from: 'Mail Delivery System <MAILER-DAEMON@mx.example.org>' }, 'From: MAILER-DAEMON'],
  ])('detects %o', (entries, reason) => {
    // Prepare
    const map = headers(entries);

    // Act
    const result = detectAutoReply(map);

    // Assess
    expect(result).toEqual({ autoReply: true, reason });
  });

  it.each([
    [{}],
    [{ 'auto-submitted': 'no' }],
    [{ 'auto-submitted': 'No (manually sent)' }],
    [{ 'x-autoreply': 'no' }],
    [{ 'x-auto-response-suppress': 'DR, RN, NRN' }],
    [{ precedence: 'bulk' }],
    [{ subject: 'Out of Office: back on Monday' }],
    [{ subject: 'Absence de Paul lundi', from: 'Claire <claire@example.org>' }],
    [{ subject: 'Réponse automatique à votre question ?' }],
    [{ 'content-type': 'multipart/report; report-type=feedback-report; boundary=x' }],
    [{ from: 'Postmaster <postmaster@example.org>' }],
  ])('does not detect %o', (entries) => {
    // Prepare
    const map = headers(entries);

    // Act
    const result = detectAutoReply(map);

    // Assess
    expect(result).toEqual({ autoReply: false, reason: null });
  });

  it.each([
    [{ subject: 'Out of Office: back on Monday', 'x-ms-exchange-inbox-rules-loop': 'someone@example.org' }, 'X-MS-Exchange-Inbox-Rules-Loop'],
    [{ subject: 'Réponse automatique : Devis', 'return-path': '<>' }, 'Return-Path: <>'],
    [{ subject: 'Absence du 13 au 17 janvier', 'x-auto-response-suppress': 'DR' }, 'X-Auto-Response-Suppress: DR'],
    [{ subject: 'Automatic reply: Invoice', 'x-mailer': 'vacation 1.2.7' }, 'X-Mailer: vacation 1.2.7'],
  ])('detects an auto-reply subject confirmed by a weak hint %o', (entries, hint) => {
    // Prepare
    const map = headers(entries);

    // Act
    const result = detectAutoReply(map);

    // Assess
    expect(result).toEqual({ autoReply: true, reason: `Subject: ${entries.subject} + ${hint}` });
  });

  it('prefers Auto-Submitted when several signs are present', () => {
    // Prepare
    const map = headers({ 'x-auto-response-suppress': 'All', 'auto-submitted': 'auto-replied' });

    // Act
    const result = detectAutoReply(map);

    // Assess
    expect(result.reason).toBe('Auto-Submitted: auto-replied');
  });
});

describe('detectBulk', () => {
  it.each([
    [{ 'list-id': 'Users <users.lists.example.org>' }, 'List-Id: Users <users.lists.example.org>'],
    [{ precedence: 'bulk' }, 'Precedence: bulk'],
    [{ precedence: 'List' }, 'Precedence: List'],
    [{ precedence: 'junk' }, 'Precedence: junk'],
    [{ 'x-precedence': 'bulk' }, 'X-Precedence: bulk'],
    [
      { 'list-unsubscribe': '<https://example.org/u?x=1>', 'list-unsubscribe-post': 'List-Unsubscribe=One-Click' },
      'List-Unsubscribe + List-Unsubscribe-Post',
    ],
  ])('detects %o', (entries, reason) => {
    // Prepare
    const map = headers(entries);

    // Act
    const result = detectBulk(map);

    // Assess
    expect(result).toEqual({ bulk: true, reason });
  });

  it.each([[{}], [{ 'list-unsubscribe': '<mailto:u@example.org>' }], [{ precedence: 'auto_reply' }], [{ precedence: 'first-class' }]])(
    'does not detect %o',
    (entries) => {
      // Prepare
      const map = headers(entries);

      // Act
      const result = detectBulk(map);

      // Assess
      expect(result).toEqual({ bulk: false, reason: null });
    },
  );
});

describe('reportTypeOf', () => {
  it.each([
    ['multipart/report; report-type=delivery-status; boundary="x"', 'delivery-status'],
    ['Multipart/Report; boundary="x"; Report-Type="Delivery-Status"', 'delivery-status'],
    ['multipart/report; report-type=global-delivery-status', 'delivery-status'],
    ['multipart/report; report-type=disposition-notification', 'disposition-notification'],
    ['multipart/report; report-type=feedback-report', null],
    ['multipart/mixed; report-type=delivery-status', null],
    [null, null],
  ])('reads %s', (contentType, expected) => {
    // Prepare
    const value = contentType;

    // Act
    const result = reportTypeOf(value);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('parseDeliveryStatus', () => {
  it('reads recipients that are not separated by blank lines, in any field order', () => {
    // Prepare
    const text = [
      'Reporting-MTA: dns; relay.example.org',
      '',
      'Final-Recipient: rfc822; <A@Example.ORG>',
      'Action: failed',
      'Status: 5.1.1 (bad destination mailbox address)',
      'Action: relayed',
      'Final-Recipient: rfc822; b@example.org',
      'Status: 2.0.0',
    ].join('\r\n');

    // Act
    const report = parseDeliveryStatus(text);

    // Assess
    expect(report.reportingMta).toBe('relay.example.org');
    expect(report.recipients).toEqual([
      { recipient: 'a@example.org', action: 'failed', status: '5.1.1', diagnostic: null, remoteMta: null },
      { recipient: 'b@example.org', action: 'relayed', status: '2.0.0', diagnostic: null, remoteMta: null },
    ]);
  });

  it('falls back to Original-Recipient, and maps unknown actions to "unknown"', () => {
    // Prepare
    const text = 'Reporting-MTA: dns; mx.example.org\n\nOriginal-Recipient: rfc822;orig@example.org\nAction: bounced\nStatus: 5.0.0\n';

    // Act
    const report = parseDeliveryStatus(text);

    // Assess
    expect(report.recipients).toEqual([
      { recipient: 'orig@example.org', action: 'unknown', status: '5.0.0', diagnostic: null, remoteMta: null },
    ]);
  });

  it('unfolds a diagnostic folded with tabs and spaces', () => {
    // Prepare
    const text = [
      'Reporting-MTA: dns; mx.example.org',
      '',
      'Final-Recipient: rfc822; c@example.net',
      'Action: delayed',
      'Status: 4.2.2',
      'Diagnostic-Code: smtp; 452-4.2.2 The recipient\'s inbox is out of storage',
      '\tspace. Please direct the recipient to',
      '    https://support.example.net/quota',
    ].join('\n');

    // Act
    const report = parseDeliveryStatus(text);

    // Assess
    expect(report.recipients[0]?.diagnostic).toBe(
      "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.example.net/quota",
    );
    expect(report.recipients[0]?.action).toBe('delayed');
  });

  it('takes the original Message-ID from the returned headers, then from X-Original-Message-ID', () => {
    // Prepare
    const text = 'Reporting-MTA: dns; a.example\nX-Original-Message-ID: <fallback@example.org>\n\nFinal-Recipient: rfc822; d@example.org\nAction: failed\n';
    const returned = 'From: x@example.org\r\nMessage-ID:\r\n <returned@example.org>\r\nSubject: hi\r\n\r\nbody with Message-ID: <not-this@example.org>';

    // Act
    const withHeaders = parseDeliveryStatus(text, returned);
    const withoutHeaders = parseDeliveryStatus(text);

    // Assess
    expect(withHeaders.originalMessageId).toBe('returned@example.org');
    expect(withoutHeaders.originalMessageId).toBe('fallback@example.org');
  });

  it('returns an empty report for text that is not a delivery status', () => {
    // Prepare
    const text = 'Hello, this is not a report.';

    // Act
    const report = parseDeliveryStatus(text);

    // Assess
    expect(report).toEqual({ kind: 'dsn', reportingMta: null, originalMessageId: null, recipients: [] });
  });
});

describe('parseDisposition', () => {
  it('reads a "deleted" disposition as not displayed', () => {
    // Prepare
    const text = 'Reporting-UA: mua.example.org\r\nFinal-Recipient: rfc822; E@Example.org\r\nOriginal-Message-ID: <orig@example.org>\r\nDisposition: manual-action/MDN-sent-manually; deleted\r\n';

    // Act
    const report = parseDisposition(text);

    // Assess
    expect(report).toEqual({
      kind: 'mdn',
      originalMessageId: 'orig@example.org',
      finalRecipient: 'e@example.org',
      disposition: 'manual-action/MDN-sent-manually; deleted',
      displayed: false,
    });
  });

  it('takes the Message-ID from the returned headers when Original-Message-ID is missing', () => {
    // Prepare
    const text = 'Final-Recipient: rfc822;f@example.org\nDisposition: automatic-action/MDN-sent-automatically; displayed/error\n';
    const returned = 'Message-ID: <from-headers@example.org>\n';

    // Act
    const report = parseDisposition(text, returned);

    // Assess
    expect(report.originalMessageId).toBe('from-headers@example.org');
    expect(report.displayed).toBe(true);
  });
});
