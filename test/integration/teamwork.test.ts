/**
 * Daily teamwork end to end on the embedded local stack: an internal note mentioning a colleague
 * reaches the event bus as `Mention Created`; an archived conversation leaves the default list,
 * is in the archived one, and comes back when the customer writes again; a snoozed one comes back
 * when its timer (a one-time schedule of the local Scheduler stand-in) fires; a follow-up reminder
 * comes due as `Follow-up Due`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let alex: ApiClient;
let julien: ApiClient;

interface Summary { conversationId: string; subject: string; archived: boolean; messageCount: number; status: string }
interface BusEvent { source: string; 'detail-type': string; detail: { metadata: { eventId: string }; data: Record<string, unknown> } }

async function list(client: ApiClient, query = ''): Promise<Summary[]> {
  const page = await client.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?limit=100${query}`);
  expect(page.status).toBe(200);
  return page.body.items;
}

async function busEvents(conversationId: string): Promise<BusEvent[]> {
  const response = await fetch(`${stack.httpUrl}/local/events`);
  const events = (await response.json()) as BusEvent[];
  return events.filter((e) => e.source === 'mailroom' && e.detail.data.conversationId === conversationId);
}

async function receive(subject: string, text: string): Promise<{ id: string; messageId: string }> {
  const sent = await sendMail(stack, { from: 'Inès Garnier <ines@client.test>', to: 'support@acme.test', subject, text });
  await stack.drain();
  const found = await waitFor(async () => (await list(alex)).find((c) => c.subject === subject), 15_000);
  return { id: found.conversationId, messageId: sent.messageId };
}

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('teamwork over HTTP', () => {
  it('publishes Mention Created for a colleague mentioned in an internal note', async () => {
    // Prepare
    const { id } = await receive(`Colis abîmé ${Date.now()}`, 'Le colis est arrivé abîmé.');
    await alex.post(`/api/conversations/${id}/assign`, { assignee: 'julien@acme.test' });

    // Act
    const added = await alex.post<{ note: { noteId: string; mentions: string[] } }>(`/api/conversations/${id}/notes`, {
      body: '@julien peux-tu demander des photos ? Pas de geste avant.', idempotencyKey: 'note-1',
    });

    // Assess
    expect(added.status).toBe(201);
    expect(added.body.note.mentions).toEqual(['julien@acme.test']);
    const notes = await julien.get<{ items: { body: string; author: string }[] }>(`/api/conversations/${id}/notes`);
    expect(notes.body.items).toMatchObject([{ author: 'alex@acme.test', body: '@julien peux-tu demander des photos ? Pas de geste avant.' }]);
    const mention = await waitFor(async () => (await busEvents(id)).find((e) => e['detail-type'] === 'Mention Created'));
    expect(mention.detail.metadata.eventId).toBe(`note:${id}:${added.body.note.noteId}:mention:julien@acme.test`);
    expect(mention.detail.data).toMatchObject({ mentioned: 'julien@acme.test', author: 'alex@acme.test', mailboxId: 'support' });
  });

  it('archives a conversation out of the default list until the customer writes again', async () => {
    // Prepare
    const subject = `Facture introuvable ${Date.now()}`;
    const { id, messageId } = await receive(subject, 'Je ne trouve pas ma facture.');

    // Act
    const archived = await alex.post<{ conversation: Summary }>(`/api/conversations/${id}/archive`, {});

    // Assess
    expect(archived.status).toBe(200);
    expect(archived.body.conversation.archived).toBe(true);
    expect((await list(alex)).map((c) => c.conversationId)).not.toContain(id);
    expect((await list(alex, '&status=unassigned')).map((c) => c.conversationId)).not.toContain(id);
    expect((await list(alex, '&archived=true')).find((c) => c.conversationId === id)).toMatchObject({ archived: true });

    // Act: the customer replies.
    await sendMail(stack, {
      from: 'Inès Garnier <ines@client.test>', to: 'support@acme.test', subject: `RE: ${subject}`,
      text: 'Toujours rien ?', inReplyTo: messageId, references: messageId,
    });
    await stack.drain();

    // Assess: back in the default list, out of the archived one.
    const back = await waitFor(async () => (await list(alex)).find((c) => c.conversationId === id && c.messageCount === 2), 15_000);
    expect(back).toMatchObject({ archived: false, status: 'unassigned' });
    expect((await list(alex, '&archived=true')).map((c) => c.conversationId)).not.toContain(id);
    expect((await busEvents(id)).map((e) => e['detail-type'])).toContain('Conversation Archived');
  });

  it('snoozes a conversation for 2 s: gone from the default list, back when the timer fires', async () => {
    // Prepare
    const { id } = await receive(`Rappel devis ${Date.now()}`, 'Pouvez-vous me rappeler ?');

    // Act
    const until = new Date(Date.now() + 2000).toISOString();
    const snoozed = await alex.post<{ conversation: Summary }>(`/api/conversations/${id}/snooze`, { until });

    // Assess: out of the default list, in the snoozed one, until the timer fires.
    expect(snoozed.status, JSON.stringify(snoozed.body)).toBe(200);
    expect((await list(alex)).map((c) => c.conversationId)).not.toContain(id);
    expect((await list(alex, '&snoozed=true')).map((c) => c.conversationId)).toContain(id);
    await waitFor(async () => (await list(alex)).some((c) => c.conversationId === id), 15_000, 200);
    expect((await list(alex, '&snoozed=true')).map((c) => c.conversationId)).not.toContain(id);
    const history = await alex.get<{ items: { kind: string; actor: string | null }[] }>(`/api/conversations/${id}/history`);
    expect(history.body.items.map((e) => e.kind)).toEqual(['received', 'snoozed', 'timer_fired', 'unsnoozed']);
    expect(history.body.items[2]).toMatchObject({ actor: 'system' });
    const kinds = (await busEvents(id)).map((e) => e['detail-type']);
    expect(kinds).toEqual(['Conversation Snoozed', 'Conversation Unsnoozed']);
  });

  it('publishes Follow-up Due when the customer did not write before the reminder', async () => {
    // Prepare
    const { id } = await receive(`Relance paiement ${Date.now()}`, 'Je paierai la semaine prochaine.');
    await alex.post(`/api/conversations/${id}/assign`, { assignee: 'julien@acme.test' });

    // Act
    const set = await julien.post(`/api/conversations/${id}/follow-up`, { at: new Date(Date.now() + 2000).toISOString() });

    // Assess
    expect(set.status).toBe(200);
    const due = await waitFor(async () => (await busEvents(id)).find((e) => e['detail-type'] === 'Follow-up Due'), 15_000, 200);
    expect(due.detail.data).toMatchObject({ setBy: 'julien@acme.test', actor: 'system', assignee: 'julien@acme.test' });
  });
});
