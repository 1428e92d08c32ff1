/**
 * Delivery tracking end to end on the embedded local stack: a message composed through the API and
 * sent through SES (aws-ses-v2-local), then an SES bounce event injected on the local bus as SES
 * event publishing would deliver it (infra/local/ses-events.ts), and a DSN from another MTA
 * received over SMTP; the conversation detail shows each recipient's state. A message that asked
 * for a delivery receipt tells its author in the app once every recipient is delivered.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let alex: ApiClient;

interface OutboxView { messageKey: string; messageId: string; conversationId: string; status: string; providerMessageId: string | null }
interface Recipient { address: string; status: string; diagnostic: string | null; at: string | null }
interface DetailMessage { messageKey: string; direction: string; sendStatus: string | null; lastError: string | null; recipients: Recipient[]; readReceipt: unknown }

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Composes a message to two recipients and waits until SES accepted it. */
async function sendOne(subject: string, extra: Record<string, unknown> = {}): Promise<OutboxView> {
  const response = await alex.post<{ message: OutboxView }>('/api/mailboxes/support/outbox', {
    to: [{ address: 'client@example.test', name: 'Client' }], cc: ['compta@example.test'], subject, text: 'Bonjour', undoSeconds: 0, ...extra,
  });
  expect(response.status).toBe(201);
  return waitFor(async () => {
    const view = await alex.get<{ message: OutboxView }>(`/api/outbox/${response.body.message.messageKey}`);
    return view.body.message?.status === 'sent' ? view.body.message : undefined;
  }, 15_000, 100);
}

async function detailOf(view: OutboxView): Promise<{ flags: string[]; message: DetailMessage }> {
  const detail = await alex.get<{ conversation: { flags: string[] }; messages: DetailMessage[] }>(`/api/conversations/${view.conversationId}`);
  expect(detail.status).toBe(200);
  return { flags: detail.body.conversation.flags, message: detail.body.messages.find((m) => m.messageKey === view.messageKey)! };
}

describe('delivery tracking on the local stack', () => {
  it('shows recipients pending once sent, then bounced from an SES bounce event, with the diagnostic', async () => {
    // Prepare
    const sent = await sendOne('Devis livraison');
    const before = await detailOf(sent);
    expect(before.message).toMatchObject({ direction: 'outbound', sendStatus: 'sent', lastError: null, readReceipt: null });
    expect(before.message.recipients).toEqual([
      { address: 'client@example.test', status: 'pending', diagnostic: null, at: null },
      { address: 'compta@example.test', status: 'pending', diagnostic: null, at: null },
    ]);

    // Act
    const mail = { timestamp: new Date().toISOString(), messageId: sent.providerMessageId!, destination: ['client@example.test', 'compta@example.test'] };
    await stack.injectSesEvent({
      eventType: 'Bounce', mail,
      bounce: {
        bounceType: 'Permanent', bounceSubType: 'General', timestamp: new Date().toISOString(), feedbackId: `fb-${sent.messageKey}`,
        bouncedRecipients: [{ emailAddress: 'client@example.test', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
    });
    await stack.injectSesEvent({ eventType: 'Delivery', mail, delivery: { timestamp: new Date().toISOString(), recipients: ['compta@example.test'], smtpResponse: '250 2.0.0 OK' } });
    await stack.drain();

    // Assess
    const after = await detailOf(sent);
    expect(after.message.recipients).toEqual([
      { address: 'client@example.test', status: 'bounced', diagnostic: 'smtp; 550 5.1.1 user unknown', at: expect.any(String) },
      { address: 'compta@example.test', status: 'delivered', diagnostic: '250 2.0.0 OK', at: expect.any(String) },
    ]);
    expect(after.flags).toContain('delivery-failed');
    const published = stack.events().filter((e) => (e.detail as { data?: { messageKey?: string } }).data?.messageKey === sent.messageKey).map((e) => e['detail-type']);
    expect(published).toEqual(expect.arrayContaining(['Message Bounced', 'Message Delivered']));

    // The permanent bounce put the address on the suppression list: compose warns, and still queues.
    const again = await alex.post<{ message: OutboxView; warnings: { field: string; message: string }[] }>('/api/mailboxes/support/outbox', {
      to: ['client@example.test'], subject: 'Nouvel essai', text: 'Bonjour', undoSeconds: 0,
    });
    expect(again.status).toBe(201);
    expect(again.body.warnings).toEqual([{ field: 'body.to[0]', message: expect.stringContaining('bounced permanently') }]);
  });

  it('a DSN from another MTA, received over SMTP, bounces the recipient it names', async () => {
    // Prepare: the Postfix fixture, about our message and recipient
    const sent = await sendOne('Commande 77');
    const raw = readFileSync(new URL('../fixtures/mail/dsn/postfix-bounce.eml', import.meta.url), 'utf8')
      .replaceAll('support@acme.example', 'support@acme.test')
      .replaceAll('JDoe@example.net', 'compta@example.test').replaceAll('jdoe@example.net', 'compta@example.test')
      .replace('<0102019460a1b2c3-postfix-0001-000000@eu-west-1.amazonses.com>', `<${sent.messageId}>`)
      .replace('<20250113091503.4YXk2L1qT7z9vQk@mail.example.org>', `<dsn-${sent.messageKey}@mail.example.org>`);

    // Act
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: '', to: ['support@acme.test'] }, raw });
    } finally {
      transport.close();
    }
    await stack.drain();

    // Assess
    const after = await waitFor(async () => {
      const d = await detailOf(sent);
      return d.message.recipients.find((r) => r.address === 'compta@example.test')?.status === 'bounced' ? d : undefined;
    }, 10_000, 100);
    expect(after.message.recipients.find((r) => r.address === 'compta@example.test')!.diagnostic).toContain('550 5.1.1');
    expect(after.message.recipients.find((r) => r.address === 'client@example.test')!.status).toBe('pending');
  });

  it('tells the author once, in the app, when every recipient of a message asking for a delivery receipt is delivered', async () => {
    // Prepare
    const sent = await sendOne('Accusé de livraison', { requestDeliveryReceipt: true });
    const mail = { timestamp: new Date().toISOString(), messageId: sent.providerMessageId!, destination: ['client@example.test', 'compta@example.test'] };
    const delivered = (address: string, at: string) => ({ eventType: 'Delivery' as const, mail, delivery: { timestamp: at, recipients: [address], smtpResponse: '250 2.0.0 OK' } });
    const receipts = async () => (await alex.get<{ items: { kind: string; conversationId: string; message: string | null; subject: string }[] }>('/api/me/notifications'))
      .body.items.filter((n) => n.conversationId === sent.conversationId);

    // Act
    await stack.injectSesEvent(delivered('client@example.test', new Date().toISOString()));
    await stack.drain();
    const halfway = await receipts();
    const last = delivered('compta@example.test', new Date().toISOString());
    await stack.injectSesEvent(last);
    await stack.injectSesEvent(last);
    await stack.drain();

    // Assess
    expect(halfway).toEqual([]);
    expect(await receipts()).toEqual([expect.objectContaining({ kind: 'delivered', subject: 'Accusé de livraison', message: 'client@example.test, compta@example.test' })]);
    const published = stack.events().filter((e) => e['detail-type'] === 'Outbox Delivery Receipt' && (e.detail as { data?: { messageKey?: string } }).data?.messageKey === sent.messageKey);
    expect(published.length).toBeGreaterThanOrEqual(1);
    expect(new Set(published.map((e) => (e.detail as { metadata: { eventId: string } }).metadata.eventId)).size).toBe(1);
    expect((published[0]!.detail as { data: unknown }).data).toMatchObject({ composedBy: 'alex@acme.test', delivered: ['client@example.test', 'compta@example.test'], notDelivered: [] });
  });
});
