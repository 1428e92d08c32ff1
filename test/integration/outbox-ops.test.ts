/**
 * Outbox operations end to end on the embedded local stack: a customer's mail over SMTP gets one
 * auto-acknowledgement (a second one from the same sender within the window gets none, an
 * auto-reply never gets one), a mention in a note sends a notification email, both through the
 * outbox and SES (aws-ses-v2-local) and marked system-generated; scheduled messages are cancelled
 * in bulk with a result per message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let camille: ApiClient;
let sarah: ApiClient;

interface SesEmail { messageId: string; from: string; subject: string; destination: { to: string[] }; body: { text?: string } }

async function sesTo(address: string): Promise<SesEmail[]> {
  const response = await fetch(`${stack.sesUrl}/store`);
  const { emails } = (await response.json()) as { emails: SesEmail[] };
  return emails.filter((e) => e.destination.to.some((to) => to.toLowerCase().includes(address)));
}

interface Item { messageKey: string; status: string; subject: string; systemGenerated: boolean; systemKind: string | null; to: { address: string }[]; rawUrl: string }

async function systemMailTo(address: string): Promise<Item[]> {
  const page = await sarah.get<{ items: Item[] }>('/api/outbox?scope=system&mailboxId=ventes&limit=100');
  expect(page.status).toBe(200);
  return page.body.items.filter((i) => i.to.some((t) => t.address === address));
}

beforeAll(async () => {
  stack = await startTestStack({ outbox: { undoSeconds: 0 } });
  camille = api(stack, await stack.signIn('camille@acme.test'));
  sarah = api(stack, await stack.signIn('sarah@acme.test'));
  const saved = await camille.put('/api/mailboxes/ventes/outbox/settings', {
    autoAck: { enabled: true, subject: 'Re: {{subject}}', text: 'Merci, votre message est bien arrivé.', windowHours: 24 },
  });
  expect(saved.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('system-generated mail on the local stack', () => {
  it('acknowledges a customer once per window, never an auto-reply', async () => {
    // Act
    await sendMail(stack, { from: 'Client A <client-a@example.test>', to: 'ventes@acme.test', subject: 'Demande de devis', text: 'Bonjour, un devis svp.' });
    // Assess
    const [ack] = await waitFor(async () => { const found = await sesTo('client-a@example.test'); return found.length > 0 ? found : undefined; }, 20_000, 100);
    expect(ack!.subject).toBe('Re: Demande de devis');
    expect(ack!.body.text).toContain('bien arrivé');
    const [item] = await waitFor(async () => { const found = await systemMailTo('client-a@example.test'); return found[0]?.status === 'sent' ? found : undefined; }, 10_000, 100);
    expect(item).toMatchObject({ systemGenerated: true, systemKind: 'auto-ack' });
    const link = await sarah.get<{ url: string }>(item!.rawUrl);
    expect(link.status).toBe(200);
    expect(await (await fetch(link.body.url)).text()).toMatch(/^Auto-Submitted: auto-replied\r?$/m);

    // A second mail from the same sender within the window, and an auto-reply: no acknowledgement.
    await sendMail(stack, { from: 'client-a@example.test', to: 'ventes@acme.test', subject: 'Autre question', text: 'Et aussi…' });
    await sendMail(stack, { from: 'vacances@example.test', to: 'ventes@acme.test', subject: 'Absence du bureau', text: 'Je suis absent.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await stack.drain();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stack.drain();
    expect(await sesTo('client-a@example.test')).toHaveLength(1);
    expect(await sesTo('vacances@example.test')).toHaveLength(0);
    expect(await systemMailTo('client-a@example.test')).toHaveLength(1);
  });

  it('emails a member mentioned in a note', async () => {
    // Arrange: a conversation of Ventes
    await sendMail(stack, { from: 'client-b@example.test', to: 'ventes@acme.test', subject: 'Commande 7781', text: 'Où en est ma commande ?' });
    const conversationId = await waitFor(async () => {
      const list = await sarah.get<{ items: { conversationId: string; subject: string }[] }>('/api/mailboxes/ventes/conversations');
      return list.body.items?.find((c) => c.subject === 'Commande 7781')?.conversationId;
    }, 15_000, 100);
    // Act
    const note = await sarah.post(`/api/conversations/${conversationId}/notes`, { body: 'Peux-tu vérifier ?', mentions: ['alex@acme.test'] });
    expect(note.status).toBe(201);
    // Assess
    const [mail] = await waitFor(async () => {
      const found = (await sesTo('alex@acme.test')).filter((e) => e.subject.includes('Commande 7781'));
      return found.length > 0 ? found : undefined;
    }, 20_000, 100);
    expect(mail!.subject).toBe('[Mailroom] Mention: Commande 7781');
    expect(mail!.body.text).toContain('sarah@acme.test mentioned you');
  });
});

describe('bulk operations on the local stack', () => {
  it('cancels scheduled messages in bulk, with a result per message', async () => {
    // Arrange
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const keys: string[] = [];
    for (const subject of ['Relance 1', 'Relance 2']) {
      const response = await sarah.post<{ message: { messageKey: string; status: string } }>('/api/mailboxes/ventes/outbox', { to: ['prospect@example.test'], subject, text: 'Bonjour', sendAt });
      expect(response.status).toBe(201);
      keys.push(response.body.message.messageKey);
    }
    // Act
    const result = await sarah.post<{ results: { messageKey: string; status: number; message: { status: string } | null }[]; succeeded: number }>('/api/outbox/bulk', { action: 'cancel', messageKeys: [...keys, 'unknownKey'] });
    const again = await sarah.post<{ results: { status: number; message: { status: string } | null }[] }>('/api/outbox/bulk', { action: 'cancel', messageKeys: keys });
    // Assess
    expect(result.status).toBe(200);
    expect(result.body.succeeded).toBe(2);
    expect(result.body.results.map((r) => [r.status, r.message?.status ?? null])).toEqual([[200, 'cancelled'], [200, 'cancelled'], [404, null]]);
    expect(again.body.results.map((r) => [r.status, r.message?.status])).toEqual([[409, 'cancelled'], [409, 'cancelled']]);
    const mine = await sarah.get<{ items: { messageKey: string; status: string }[] }>('/api/outbox?scope=mine&status=cancelled');
    expect(mine.body.items.map((i) => i.messageKey)).toEqual(expect.arrayContaining(keys));
  });
});
