/**
 * Search end to end on the embedded local stack: mail in over SMTP, indexed from the bus by the
 * indexer, found over HTTP by a word of its body; an agent finds only what is assigned to them,
 * and a dispatcher lists the department's conversations with combined filters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let alex: ApiClient;
let julien: ApiClient;

interface Summary { conversationId: string; subject: string; assignee: string | null; labels: string[] }
interface SearchPage { items: Summary[]; nextCursor: string | null; terms: string[] }

/** A word no other test uses, so results are exactly this file's mail. */
const word = `zephyrine${Date.now().toString(36)}`;

async function search(client: ApiClient, q: string): Promise<SearchPage> {
  const response = await client.get<SearchPage>(`/api/mailboxes/support/search?q=${encodeURIComponent(q)}`);
  expect(response.status).toBe(200);
  return response.body;
}

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
  julien = api(stack, await stack.signIn('julien@acme.test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('search', () => {
  let first: Summary;
  let second: Summary;

  it('finds mail sent over SMTP by a word of its body, accents and case aside', async () => {
    // Prepare
    await sendMail(stack, { from: 'Léa Martin <lea@client.test>', to: 'support@acme.test', subject: 'Colis abîmé', text: `Bonjour, le colis ${word} est arrivé abîmé.` });
    await sendMail(stack, { from: 'Bob <bob@client.test>', to: 'factures@acme.test', subject: 'Relance', text: `La facture ${word} reste impayée.` });
    await stack.drain();
    // Act
    const found = await waitFor(async () => {
      const page = await search(alex, word.toUpperCase());
      return page.items.length === 2 ? page : false;
    });
    // Assess: newest first, and narrowing with a second word.
    [first, second] = [found.items[1]!, found.items[0]!];
    expect(second.subject).toBe('Relance');
    expect(first.subject).toBe('Colis abîmé');
    expect((await search(alex, `${word} ABIME`)).items.map((c) => c.conversationId)).toEqual([first.conversationId]);
    expect((await search(alex, `${word} lea@client.test`)).items.map((c) => c.conversationId)).toEqual([first.conversationId]);
  });

  it('shows an agent only the conversations assigned to them', async () => {
    expect((await search(julien, word)).items).toEqual([]);
    const assigned = await alex.post(`/api/conversations/${first.conversationId}/assign`, { assignee: 'julien@acme.test' });
    expect(assigned.status).toBe(200);
    expect((await search(julien, word)).items.map((c) => c.conversationId)).toEqual([first.conversationId]);
    expect((await search(alex, word)).items).toHaveLength(2);
    const everywhere = await julien.get<SearchPage>(`/api/search?q=${word}`);
    expect(everywhere.status).toBe(200);
    expect(everywhere.body.items.map((c) => c.conversationId)).toEqual([first.conversationId]);
  });

  it('answers 400 naming the field for an empty or stop-word-only query, and 404 outside the caller\'s mailboxes', async () => {
    const empty = await alex.get<{ errors: { field: string }[] }>('/api/mailboxes/support/search?q=');
    expect(empty.status).toBe(400);
    expect(empty.body.errors.map((e) => e.field)).toEqual(['query.q']);
    const stopWords = await alex.get<{ errors: { field: string }[] }>('/api/mailboxes/support/search?q=le%20la%20the');
    expect(stopWords.status).toBe(400);
    expect(stopWords.body.errors.map((e) => e.field)).toEqual(['query.q']);
    expect((await julien.get(`/api/mailboxes/ventes/search?q=${word}`)).status).toBe(404);
  });

  it('lists the department with combined filters, newest first', async () => {
    const labelled = await alex.get<{ items: Summary[] }>('/api/conversations?department=service-client&label=facturation&assignee=unassigned');
    expect(labelled.status).toBe(200);
    expect(labelled.body.items.map((c) => c.conversationId)).toEqual([second.conversationId]);
    const mine = await julien.get<{ items: Summary[] }>('/api/conversations?department=Service%20client');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((c) => c.conversationId)).toEqual([first.conversationId]);
    const future = await alex.get<{ items: Summary[] }>(`/api/mailboxes/support/conversations?from=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}`);
    expect(future.status).toBe(200);
    expect(future.body.items).toEqual([]);
  });

  it('finds a moved conversation in its new mailbox, and no longer in the old one', async () => {
    // Prepare: Sarah dispatches Ventes, where Alex is a member too.
    const sarah = api(stack, await stack.signIn('sarah@acme.test'));
    const moved = await alex.post(`/api/conversations/${second.conversationId}/move`, { mailboxId: 'ventes' });
    expect(moved.status).toBe(200);
    // Act
    await stack.drain();
    // Assess
    const inVentes = await waitFor(async () => {
      const response = await sarah.get<SearchPage>(`/api/mailboxes/ventes/search?q=${word}`);
      return response.body.items.length === 1 ? response.body : false;
    });
    expect(inVentes.items.map((c) => c.conversationId)).toEqual([second.conversationId]);
    expect((await search(alex, word)).items.map((c) => c.conversationId)).not.toContain(second.conversationId);
  });
});
