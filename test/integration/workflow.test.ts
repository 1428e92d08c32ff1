/**
 * The conversation workflow end to end on the embedded local stack: mail in over SMTP, a
 * dispatcher assigns it over HTTP, the assignee works it while another agent of the same mailbox
 * cannot see it, the history tells the story and each change reaches the event bus.
 *
 * The demo organisation has one agent in Support; this file seeds a second one (Nina) so "the
 * other agent" is a real member of the same mailbox.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed } from '../../shared/org/seed.js';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let seedDir: string;
let alex: ApiClient;
let camille: ApiClient;
let julien: ApiClient;
let nina: ApiClient;
let tokens: Record<string, string>;

interface Summary { conversationId: string; subject: string; status: string; assignee: string | null; isNew: boolean; unread: boolean; version: number; messageCount: number }
interface BusEvent { source: string; 'detail-type': string; detail: { metadata: { eventId: string }; data: Record<string, unknown> } }

const JULIEN = 'julien@acme.test';

async function list(client: ApiClient, query = ''): Promise<Summary[]> {
  const page = await client.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?limit=100${query}`);
  expect(page.status).toBe(200);
  return page.body.items;
}

async function busEvents(conversationId: string): Promise<BusEvent[]> {
  const response = await fetch(`${stack.httpUrl}/local/events`);
  const events = (await response.json()) as BusEvent[];
  // Workflow events only: the notification mail an assignment triggers has events of its own.
  return events.filter((e) => e.source === 'mailroom' && e['detail-type'].startsWith('Conversation ') && e.detail.data.conversationId === conversationId);
}

beforeAll(async () => {
  seedDir = await mkdtemp(join(tmpdir(), 'mailroom-workflow-'));
  const seed = structuredClone(demoSeed);
  seed.users.push({ email: 'nina@acme.test', name: 'Nina Roux', orgAdmin: false, locale: 'fr', primaryMailbox: 'support' });
  seed.mailboxes.find((m) => m.id === 'support')!.members.push({ email: 'nina@acme.test', role: 'agent' });
  const seedFile = join(seedDir, 'seed.json');
  await writeFile(seedFile, JSON.stringify(seed));
  stack = await startTestStack({ seedFile });
  tokens = Object.fromEntries(await Promise.all(['alex', 'camille', 'julien', 'nina'].map(async (name) => [name, await stack.signIn(`${name}@acme.test`)] as const)));
  alex = api(stack, tokens.alex);
  camille = api(stack, tokens.camille);
  julien = api(stack, tokens.julien);
  nina = api(stack, tokens.nina);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  if (seedDir) await rm(seedDir, { recursive: true, force: true });
});

describe('conversation workflow over HTTP', () => {
  it('takes a mail from the unassigned queue to an agent and through its statuses, with history and events', async () => {
    // Prepare: a customer writes to Support.
    const subject = `Remboursement commande ${Date.now()}`;
    const first = await sendMail(stack, { from: 'Inès Garnier <ines@client.test>', to: 'support@acme.test', subject, text: 'Bonjour, je souhaite être remboursée.' });
    await stack.drain();
    const queued = await waitFor(async () => (await list(alex, '&assignee=unassigned')).find((c) => c.subject === subject), 15_000);
    expect(queued).toMatchObject({ status: 'unassigned', assignee: null, isNew: true, unread: true, version: 1 });
    expect((await list(julien)).some((c) => c.subject === subject)).toBe(false);
    const id = queued.conversationId;

    // Act: the dispatcher assigns it to Julien from the version he saw (If-Match).
    const assigned = await fetch(`${stack.httpUrl}/api/conversations/${id}/assign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alex}`, 'content-type': 'application/json', 'if-match': `"${queued.version}"` },
      body: JSON.stringify({ assignee: JULIEN, message: 'Cliente fidèle, merci de traiter aujourd’hui' }),
    });

    // Assess: Julien sees it, Nina (agent of the same mailbox) does not.
    expect(assigned.status).toBe(200);
    expect(assigned.headers.get('etag')).toBe('"2"');
    expect(((await assigned.json()) as { conversation: Summary }).conversation).toMatchObject({ assignee: JULIEN, status: 'assigned', isNew: false });
    expect((await list(julien)).map((c) => c.conversationId)).toContain(id);
    expect((await list(nina)).map((c) => c.conversationId)).not.toContain(id);
    expect((await nina.get(`/api/conversations/${id}`)).status).toBe(404);
    expect((await nina.post(`/api/conversations/${id}/status`, { status: 'closed' })).status).toBe(404);
    expect((await list(alex, `&assignee=${encodeURIComponent(JULIEN)}`)).map((c) => c.conversationId)).toContain(id);

    // Act: Julien opens it, works it and closes it.
    const opened = await julien.get<{ conversation: Summary }>(`/api/conversations/${id}`);
    expect(opened.status).toBe(200);
    const started = await julien.post<{ conversation: Summary }>(`/api/conversations/${id}/status`, { status: 'in_progress', expectedVersion: 2 });
    expect(started.body.conversation).toMatchObject({ status: 'in_progress', version: 3 });
    const closed = await julien.post<{ conversation: Summary }>(`/api/conversations/${id}/status`, { status: 'closed', expectedVersion: 3 });
    expect(closed.body.conversation).toMatchObject({ status: 'closed', assignee: JULIEN, version: 4 });

    // Assess: a stale version is refused with the current state.
    const stale = await camille.post<{ status: number; current: Summary }>(`/api/conversations/${id}/assign`, { assignee: 'alex@acme.test', expectedVersion: 2 });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect(stale.body.current).toMatchObject({ status: 'closed', assignee: JULIEN, version: 4 });

    // Assess: the history, oldest first.
    const history = await julien.get<{ items: { kind: string; actor: string | null; message?: string; from?: string; to?: string }[] }>(`/api/conversations/${id}/history`);
    expect(history.body.items.map((e) => e.kind)).toEqual(['received', 'assigned', 'status_changed', 'viewed', 'status_changed', 'status_changed']);
    expect(history.body.items[1]).toMatchObject({ actor: 'alex@acme.test', message: 'Cliente fidèle, merci de traiter aujourd’hui' });
    expect(history.body.items.slice(4).map((e) => `${e.from}->${e.to}`)).toEqual(['assigned->in_progress', 'in_progress->closed']);

    // Assess: the events reached the bus, one per fact, with ids naming the change.
    const events = await waitFor(async () => {
      const found = await busEvents(id);
      return found.length >= 4 ? found : undefined;
    });
    expect(events.map((e) => `${e['detail-type']}:${e.detail.metadata.eventId.split(':').slice(2).join(':')}`)).toEqual([
      'Conversation Assigned:v2:assigned', 'Conversation Status Changed:v2:status_changed',
      'Conversation Status Changed:v3:status_changed', 'Conversation Status Changed:v4:status_changed',
    ]);
    expect(events[0]!.detail.data).toMatchObject({ assignee: JULIEN, actor: 'alex@acme.test', message: 'Cliente fidèle, merci de traiter aujourd’hui' });

    // Act: the customer answers; the closed conversation reopens for its assignee, unread.
    await julien.post(`/api/conversations/${id}/read`);
    await sendMail(stack, {
      from: 'Inès Garnier <ines@client.test>', to: 'support@acme.test', subject: `RE: ${subject}`,
      text: 'Merci, c’est bien reçu.', inReplyTo: first.messageId, references: first.messageId,
    });
    await stack.drain();

    // Assess
    const reopened = await waitFor(async () => (await list(julien)).find((c) => c.conversationId === id && c.messageCount === 2), 15_000);
    expect(reopened).toMatchObject({ status: 'assigned', assignee: JULIEN, unread: true, version: 5 });
    const after = await julien.get<{ items: { kind: string }[] }>(`/api/conversations/${id}/history`);
    expect(after.body.items.filter((e) => e.kind === 'received')).toHaveLength(2);
  });

  it('lets an agent label their conversation and hand it back to the queue, which hides it from them again', async () => {
    // Prepare
    const subject = `Adresse de livraison ${Date.now()}`;
    await sendMail(stack, { from: 'paul@client.test', to: 'support@acme.test', subject, text: 'Pouvez-vous changer mon adresse ?' });
    await stack.drain();
    const queued = await waitFor(async () => (await list(alex)).find((c) => c.subject === subject), 15_000);
    const id = queued.conversationId;
    await alex.post(`/api/conversations/${id}/assign`, { assignee: 'nina@acme.test' });

    // Act
    const labelled = await nina.post<{ conversation: { labels: string[] } }>(`/api/conversations/${id}/labels`, { add: ['livraison'] });
    const reassign = await nina.post(`/api/conversations/${id}/assign`, { assignee: JULIEN });
    const released = await nina.post<{ conversation: Summary }>(`/api/conversations/${id}/assign`, { assignee: null, message: 'Je pars en congés' });

    // Assess
    expect(labelled.body.conversation.labels).toEqual(['livraison']);
    expect(reassign.status).toBe(403);
    expect(released.body.conversation).toMatchObject({ status: 'unassigned', assignee: null });
    expect((await list(nina)).map((c) => c.conversationId)).not.toContain(id);
    expect((await nina.get(`/api/conversations/${id}/history`)).status).toBe(404);
    expect((await list(alex, '&assignee=unassigned')).map((c) => c.conversationId)).toContain(id);
    const kinds = (await busEvents(id)).map((e) => e['detail-type']);
    expect(kinds).toEqual(['Conversation Assigned', 'Conversation Status Changed', 'Conversation Labelled', 'Conversation Unassigned', 'Conversation Status Changed']);
  });
});
