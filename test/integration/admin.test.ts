/**
 * Administration end to end on the embedded local stack: an organisation admin creates a mailbox
 * with a new address and makes a member its dispatcher; mail sent over SMTP to that address lands
 * there (no longer in the catch-all); the dashboard statistics count it, then measure the first
 * response once a reply is sent and the resolution once it is closed (through the stats rule on
 * the local bus).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let camille: ApiClient;
let julien: ApiClient;

interface Stats {
  counts: Record<string, number>;
  firstResponse: { medianMs: number | null; samples: number };
  resolution: { medianMs: number | null; samples: number };
}

const mailboxId = `rh-${Date.now().toString(36)}`;
const address = `${mailboxId}@acme.test`;

beforeAll(async () => {
  stack = await startTestStack({ outbox: { undoSeconds: 0 } });
  camille = api(stack, await stack.signIn('camille@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function stats(): Promise<Stats> {
  const response = await julien.get<Stats>(`/api/mailboxes/${mailboxId}/stats`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('administration on the local stack', () => {
  it('routes mail to a mailbox an admin just created, and its statistics follow the work', async () => {
    // Prepare: a new mailbox with its own address, Julien as its dispatcher.
    const created = await camille.post<{ mailboxId: string; addresses: string[] }>('/api/admin/mailboxes', {
      mailboxId, name: 'Ressources humaines', kind: 'shared', addresses: [address],
    });
    expect(created.status).toBe(201);
    expect((await camille.post(`/api/admin/mailboxes/${mailboxId}/members`, { email: 'julien@acme.test', role: 'dispatcher' })).status).toBe(201);
    expect((await camille.post('/api/admin/mailboxes', { mailboxId: `${mailboxId}-bis`, name: 'Doublon', kind: 'shared', addresses: [address] })).status).toBe(409);

    // Act: a candidate writes to the new address.
    const subject = `Candidature ${Date.now()}`;
    await sendMail(stack, { from: 'Paul Durand <paul@candidat.test>', to: address, subject, text: 'Bonjour, voici ma candidature.' });
    await stack.drain();

    // Assess: the mail is in the new mailbox, counted as unassigned.
    const conversation = await waitFor(async () => {
      const page = await julien.get<{ items: { conversationId: string; subject: string }[] }>(`/api/mailboxes/${mailboxId}/conversations`);
      return page.body.items.find((c) => c.subject === subject);
    }, 15_000);
    const support = await camille.get<{ items: { subject: string }[] }>('/api/mailboxes/support/conversations?limit=100');
    expect(support.body.items.some((c) => c.subject === subject)).toBe(false);
    expect((await stats()).counts).toMatchObject({ unassigned: 1, closed: 0 });
    const members = await julien.get<{ items: { email: string; role: string }[] }>(`/api/mailboxes/${mailboxId}/members`);
    expect(members.body.items).toEqual(expect.arrayContaining([{ email: 'julien@acme.test', name: 'Julien Bernard', role: 'dispatcher' }]));

    // Act: Julien replies, then closes the conversation.
    const reply = await julien.post(`/api/conversations/${conversation.conversationId}/replies`, { text: 'Merci, nous revenons vers vous.', undoSeconds: 0 });
    expect(reply.status).toBeLessThan(300);
    const answered = await waitFor(async () => {
      await stack.drain();
      const current = await stats();
      return current.firstResponse.samples === 1 ? current : undefined;
    }, 20_000, 200);
    expect(answered.firstResponse.medianMs).toBeGreaterThanOrEqual(0);
    expect((await julien.post(`/api/conversations/${conversation.conversationId}/status`, { status: 'closed' })).status).toBe(200);

    // Assess: closed counted, resolution measured once.
    const closed = await waitFor(async () => {
      await stack.drain();
      const current = await stats();
      return current.resolution.samples === 1 ? current : undefined;
    }, 15_000, 200);
    expect(closed.counts).toMatchObject({ unassigned: 0, closed: 1 });
    expect(closed.resolution.medianMs).toBeGreaterThanOrEqual(closed.firstResponse.medianMs!);
  }, 60_000);

  it('labels mail by the label rules an admin sets on the address', async () => {
    const rules = await camille.patch<{ changes: string[] }>(`/api/admin/mailboxes/${mailboxId}`, { labelRules: [{ address, label: 'candidature' }] });
    expect(rules.status).toBe(200);
    const subject = `Candidature spontanée ${Date.now()}`;
    await sendMail(stack, { from: 'Léa Martin <lea@candidat.test>', to: address, subject, text: 'Bonjour.' });
    await stack.drain();
    const labelled = await waitFor(async () => {
      const page = await julien.get<{ items: { subject: string; labels: string[] }[] }>(`/api/mailboxes/${mailboxId}/conversations`);
      return page.body.items.find((c) => c.subject === subject);
    }, 15_000);
    expect(labelled.labels).toEqual(['candidature']);
  }, 30_000);
});
