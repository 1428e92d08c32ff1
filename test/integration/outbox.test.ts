/**
 * The outbox end to end on the embedded local stack: compose through the HTTP API, the undo
 * window (SQS delay), the sender consuming the outbox queue, SES v2 (aws-ses-v2-local), retries
 * through the local Scheduler stand-in, and a customer's answer threading back over SMTP.
 *
 * The sender runs with the production wiring, its connector wrapped to count provider calls per
 * Message-ID (never twice) and to fail once, transiently, for subjects marked `[flaky]`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocumentClient } from '../../shared/adapters/aws.js';
import { Table } from '../../shared/adapters/dynamodb-table.js';
import { TransientSendError, type MailConnector } from '../../shared/outbox/connector.js';
import { senderDepsFromEnv } from '../../shared/outbox/sender-deps.js';
import { saveOutboxSettings } from '../../shared/outbox/settings.js';
import { createSenderHandler } from '../../functions/sender/handler.js';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
/** Dispatcher of Support (may send), agent of Ventes. */
let alex: ApiClient;
/** Agent of Support: may only reply in conversations assigned to them. */
let julien: ApiClient;
/** Dispatcher of Ventes. */
let sarah: ApiClient;

/** Successful provider calls per Message-ID, and every call (failed ones included). */
const accepted = new Map<string, number>();
const calls: string[] = [];
const failedOnce = new Set<string>();

function countingConnector(inner: MailConnector): MailConnector {
  return {
    kind: inner.kind,
    async send(raw, envelope) {
      const text = raw.toString('utf8');
      const messageId = /^Message-ID: (.+)$/im.exec(text)?.[1]?.trim() ?? '?';
      calls.push(messageId);
      if (/^Subject: .*\[flaky\]/im.test(text) && !failedOnce.has(messageId)) {
        failedOnce.add(messageId);
        throw new TransientSendError('TooManyRequestsException: Maximum sending rate exceeded.', 'TooManyRequestsException');
      }
      const result = await inner.send(raw, envelope);
      accepted.set(messageId, (accepted.get(messageId) ?? 0) + 1);
      return result;
    },
  };
}

interface OutboxView {
  messageKey: string; messageId: string; conversationId: string; status: string; attempts: number;
  lastError: string | null; firstFailureAt: string | null; providerMessageId: string | null; rawUrl: string; cancellable: boolean;
}

interface SesEmail {
  messageId: string; from: string; replyTo: string[]; subject: string;
  destination: { to: string[]; cc: string[]; bcc: string[] }; body: { text?: string; html?: string };
}

async function sesStore(): Promise<SesEmail[]> {
  const response = await fetch(`${stack.sesUrl}/store`);
  return ((await response.json()) as { emails: SesEmail[] }).emails;
}

async function waitForStatus(client: ApiClient, messageKey: string, status: string, timeoutMs = 15_000): Promise<OutboxView> {
  return waitFor(async () => {
    const response = await client.get<{ message: OutboxView }>(`/api/outbox/${messageKey}`);
    return response.body.message?.status === status ? response.body.message : undefined;
  }, timeoutMs, 100);
}

async function rawOf(client: ApiClient, view: OutboxView): Promise<string> {
  const link = await client.get<{ url: string }>(view.rawUrl);
  expect(link.status).toBe(200);
  return (await fetch(link.body.url)).text();
}

beforeAll(async () => {
  stack = await startTestStack({
    outbox: { retryBaseMs: 1_000, retryMaxMs: 2_000, maxAttempts: 3 },
    handlers: { sender: createSenderHandler(() => { const deps = senderDepsFromEnv(); return { ...deps, connector: countingConnector(deps.connector) }; }) },
  });
  alex = api(stack, await stack.signIn('alex@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
  sarah = api(stack, await stack.signIn('sarah@acme.test'));
}, 60_000);

afterAll(async () => {
  // Never twice, across every test of this file.
  for (const [messageId, count] of accepted) expect(count, messageId).toBe(1);
  await stack?.stop();
});

describe('outbox on the local stack', () => {
  it('composes a new message, waits out the undo window, sends it through SES with its headers', async () => {
    // Act
    const response = await alex.post<{ message: OutboxView; created: boolean }>('/api/mailboxes/support/outbox', {
      to: [{ address: 'Client@Example.test', name: 'Cliente Exemple' }], cc: ['compta@example.test'], bcc: ['archive@example.test'],
      subject: 'Votre devis n° 42', html: '<p>Bonjour <b>Madame</b>,</p><p>voici le devis.</p><script>alert(1)</script>',
      importance: 'high', requestReadReceipt: true, undoSeconds: 1,
    });

    // Assess: queued at once, in a new conversation assigned to the author
    expect(response.status).toBe(201);
    const queued = response.body.message;
    expect(queued).toMatchObject({ status: 'queued', cancellable: true, attempts: 0 });
    expect(queued.messageId).toMatch(new RegExp(`^mr-${queued.conversationId}\\.[A-Za-z0-9]+@acme\\.test$`));
    const conversation = await alex.get<any>(`/api/conversations/${queued.conversationId}`);
    expect(conversation.body.conversation).toMatchObject({ assignee: 'alex@acme.test', messageCount: 1, subject: 'Votre devis n° 42' });
    expect(conversation.body.messages[0]).toMatchObject({ direction: 'outbound', messageKey: queued.messageKey });
    expect(conversation.body.messages[0].html).not.toContain('<script');

    const sent = await waitForStatus(alex, queued.messageKey, 'sent');
    expect(sent).toMatchObject({ attempts: 1, lastError: null, cancellable: false });
    expect(sent.providerMessageId).toEqual(expect.any(String));

    // What SES received (its store drops Message-ID and In-Reply-To of raw mail: see LOCAL-STACK-NOTES)
    const email = (await sesStore()).find((e) => e.subject === 'Votre devis n° 42');
    expect(email).toBeDefined();
    expect(email!.messageId).toBe(sent.providerMessageId);
    expect(email!.from).toContain('support@acme.test');
    expect(email!.destination.to.join(' ')).toContain('client@example.test');
    expect(email!.destination.cc.join(' ')).toContain('compta@example.test');
    expect(email!.destination.bcc).toEqual([]);
    expect(email!.replyTo.join(' ')).toContain(`support+mr-${queued.conversationId}@acme.test`);
    expect(email!.body.text).toContain('Bonjour Madame');
    expect(email!.body.html).not.toContain('<script');

    // The raw .eml stored under outbound/ is exactly what was sent
    const raw = await rawOf(alex, sent);
    expect(raw).toContain(`Message-ID: <${queued.messageId}>`);
    expect(raw).toMatch(/^Importance: high$/m);
    expect(raw).toMatch(/^X-Priority: 1/m);
    expect(raw).toMatch(/^Disposition-Notification-To: support@acme\.test$/m);
    expect(raw).not.toMatch(/^Bcc:/m);
  });

  it('cancelled within the undo window, a message is never sent', async () => {
    // Prepare
    const response = await alex.post<{ message: OutboxView }>('/api/mailboxes/support/outbox', {
      to: ['oops@example.test'], subject: 'Envoyé par erreur', text: 'Ne pas envoyer.', undoSeconds: 3,
    });
    const queued = response.body.message;

    // Act
    const cancel = await alex.post<{ message: OutboxView }>(`/api/outbox/${queued.messageKey}/cancel`);
    await new Promise((resolve) => setTimeout(resolve, 4_500));

    // Assess
    expect(cancel.status).toBe(200);
    expect(cancel.body.message.status).toBe('cancelled');
    expect((await alex.get<{ message: OutboxView }>(`/api/outbox/${queued.messageKey}`)).body.message.status).toBe('cancelled');
    expect((await sesStore()).some((e) => e.subject === 'Envoyé par erreur')).toBe(false);
    expect(calls).not.toContain(`<${queued.messageId}>`);
    expect((await alex.post(`/api/outbox/${queued.messageKey}/cancel`)).status).toBe(409);
    expect(stack.events().some((e) => e['detail-type'] === 'Message Cancelled' && (e.detail as any).data.messageKey === queued.messageKey)).toBe(true);
  });

  it('a reply from Mailroom, answered by the customer over SMTP, threads back by In-Reply-To', async () => {
    // Prepare: a customer writes in
    await sendMail(stack, { from: 'Marc Petit <marc@client.test>', to: 'support@acme.test', subject: 'Commande 981 en retard', text: 'Où en est ma commande ?' });
    await stack.drain();
    const conversationId = await waitFor(async () => {
      const page = await alex.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/support/conversations?limit=100');
      return page.body.items.find((c) => c.subject === 'Commande 981 en retard')?.conversationId;
    });

    // Act: Alex replies; then Marc answers with a new subject (only In-Reply-To can thread it)
    const reply = await alex.post<{ message: OutboxView }>(`/api/conversations/${conversationId}/replies`, { text: 'Elle part demain.', undoSeconds: 0 });
    expect(reply.status).toBe(201);
    const sent = await waitForStatus(alex, reply.body.message.messageKey, 'sent');
    const raw = await rawOf(alex, sent);
    const customerMessageId = /^In-Reply-To: (<[^>]+>)$/m.exec(raw)?.[1];
    expect(customerMessageId).toBeDefined();
    expect(raw).toMatch(/^Subject: Re: Commande 981 en retard$/m);
    expect(raw).toMatch(/^To: Marc Petit <marc@client\.test>$/m);
    expect(raw).toContain(`References: ${customerMessageId}`);
    expect((await sesStore()).find((e) => e.subject === 'Re: Commande 981 en retard')?.destination.to.join(' ')).toContain('marc@client.test');

    await sendMail(stack, {
      from: 'Marc Petit <marc@client.test>', to: 'support@acme.test', subject: 'Merci !', text: 'Parfait, merci.',
      inReplyTo: `<${sent.messageId}>`, references: [customerMessageId!, `<${sent.messageId}>`],
    });
    await stack.drain();

    // Assess
    const detail = await waitFor(async () => {
      const response = await alex.get<any>(`/api/conversations/${conversationId}`);
      return response.body.messages?.length === 3 ? response.body : undefined;
    });
    expect(detail.messages.map((m: any) => m.direction)).toEqual(['inbound', 'outbound', 'inbound']);
    expect(detail.messages[2].threading.kind).toBe('in-reply-to');
    expect(detail.messages[2].subject).toBe('Merci !');
  });

  it('retries a transient provider failure through a one-time schedule, then sends once', async () => {
    // Act
    const response = await alex.post<{ message: OutboxView }>('/api/mailboxes/support/outbox', {
      to: ['patient@example.test'], subject: 'Relance [flaky]', text: 'Bonjour', undoSeconds: 0,
    });
    const queued = response.body.message;

    // Assess: one failed attempt, retry pending, then sent on attempt 2
    const pending = await waitForStatus(alex, queued.messageKey, 'retry_pending');
    expect(pending.lastError).toContain('TooManyRequestsException');
    expect(pending.cancellable).toBe(true);
    const sent = await waitForStatus(alex, queued.messageKey, 'sent');
    expect(sent.attempts).toBe(2);
    expect(sent.firstFailureAt).not.toBeNull();
    expect(calls.filter((c) => c === `<${queued.messageId}>`)).toHaveLength(2);
    expect((await sesStore()).filter((e) => e.subject === 'Relance [flaky]')).toHaveLength(1);
  });

  it('holds mail of a mailbox whose connector is disabled until retried, and enforces who may send', async () => {
    // Prepare
    const table = new Table(getDocumentClient(), stack.resources.tableName);
    await saveOutboxSettings(table, 'ventes', { connectorEnabled: false, undoSeconds: null });

    // Act
    const response = await sarah.post<{ message: OutboxView }>('/api/mailboxes/ventes/outbox', { to: ['prospect@example.test'], subject: 'Offre', text: 'Bonjour', undoSeconds: 0 });

    // Assess
    const held = await waitForStatus(sarah, response.body.message.messageKey, 'connector_disabled');
    expect(held.lastError).toContain('disabled');
    expect(held.attempts).toBe(0);
    expect((await sesStore()).some((e) => e.subject === 'Offre')).toBe(false);
    // An agent cannot start a conversation; a non-member cannot even see the mailbox.
    expect((await julien.post('/api/mailboxes/support/outbox', { to: ['x@example.test'], text: 'hi' })).status).toBe(403);
    expect((await julien.post('/api/mailboxes/ventes/outbox', { to: ['x@example.test'], text: 'hi' })).status).toBe(404);
    // A bad address is a 400 naming its field.
    const bad = await alex.post<any>('/api/mailboxes/support/outbox', { to: ['ok@example.test', 'not an address'], text: 'hi' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['body.to[1]']);

    // Once the connector is enabled again, a manual retry sends it.
    await saveOutboxSettings(table, 'ventes', { connectorEnabled: true, undoSeconds: null });
    const retried = await sarah.post<{ message: OutboxView }>(`/api/outbox/${held.messageKey}/retry`);
    expect(retried.status).toBe(200);
    expect((await waitForStatus(sarah, held.messageKey, 'sent')).attempts).toBe(1);
    expect((await sesStore()).filter((e) => e.subject === 'Offre')).toHaveLength(1);
  });
});
