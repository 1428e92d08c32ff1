/**
 * The conversations of a business record carry their subject, so the conversation view can list
 * them without opening each one (an open is recorded in the history and clears "new").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deliverAndConsume, mail, startCasesHarness, type CasesHarness } from './harness.js';

let h: CasesHarness;

beforeAll(async () => {
  h = await startCasesHarness();
});

afterAll(async () => {
  await h.stop();
});

async function newConversation(subject: string, n: number): Promise<string> {
  const data = await deliverAndConsume(h, mail({ From: 'Léa Petit <lea@client.test>', To: 'support@acme.test', Subject: subject, 'Message-ID': `<record-${n}@client.test>` }), ['support@acme.test']);
  return data.placements[0]!.conversationId;
}

describe('conversations of a business record', () => {
  it('lists each linked conversation with its subject, and none once unlinked', async () => {
    // Prepare
    const first = await newConversation('Panne imprimante', 1);
    const second = await newConversation('Relance panne imprimante', 2);
    for (const conversationId of [first, second]) {
      expect((await call(h, 'POST', `/api/conversations/${conversationId}/records`, { email: 'alex@acme.test', body: { type: 'ticket', id: 'T-1001' } })).status).toBe(200);
    }

    // Act
    const listed = await call(h, 'GET', '/api/records/ticket/T-1001/conversations', { email: 'alex@acme.test' });
    await call(h, 'DELETE', `/api/conversations/${first}/records/ticket/T-1001`, { email: 'alex@acme.test' });
    const after = await call(h, 'GET', '/api/records/ticket/T-1001/conversations', { email: 'alex@acme.test' });

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    expect(listed.body.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ conversationId: first, mailboxId: 'support', subject: 'Panne imprimante' }),
      expect.objectContaining({ conversationId: second, mailboxId: 'support', subject: 'Relance panne imprimante' }),
    ]));
    expect(after.body.items).toEqual([expect.objectContaining({ conversationId: second, subject: 'Relance panne imprimante' })]);
  });
});
