/**
 * Snooze and follow-up times in the conversation summary: exact where the base item is read (the
 * change's answer, the conversation view), null on list rows whose indexes do not project them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;
const alex = 'alex@acme.test';
const until = '2026-11-24T08:00:00.000Z';
const at = '2026-11-30T08:00:00.000Z';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

describe('snoozedUntil and followUpAt', () => {
  it('answers the times on changes and on the conversation, null once undone', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h);
    const path = `/api/conversations/${conversationId}`;

    // Act
    const snoozed = await call(h, 'POST', `${path}/snooze`, { email: alex, body: { until: '2026-11-24T09:00:00+01:00' } });
    const reminded = await call(h, 'POST', `${path}/follow-up`, { email: alex, body: { at } });
    const opened = await call(h, 'GET', path, { email: alex });

    // Assess
    expect(snoozed.status, JSON.stringify(snoozed.body)).toBe(200);
    expect(snoozed.body.conversation).toMatchObject({ snoozedUntil: until, followUpAt: null });
    expect(reminded.body.conversation).toMatchObject({ snoozedUntil: until, followUpAt: at });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(opened.body.conversation).toMatchObject({ snoozedUntil: until, followUpAt: at });

    const woken = await call(h, 'POST', `${path}/snooze`, { email: alex, body: { until: null } });
    const cancelled = await call(h, 'POST', `${path}/follow-up`, { email: alex, body: { at: null } });
    expect(woken.body.conversation).toMatchObject({ snoozedUntil: null, followUpAt: at });
    expect(cancelled.body.conversation).toMatchObject({ snoozedUntil: null, followUpAt: null });
  });

  it('lists a snoozed conversation on the snoozed shelf with null times (the index does not hold them)', async () => {
    const { conversationId } = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: alex, body: { until } });

    const shelf = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { snoozed: 'true', limit: '100' } });
    const main = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { limit: '100' } });

    expect(shelf.status).toBe(200);
    const row = (shelf.body.items as { conversationId: string }[]).find((c) => c.conversationId === conversationId);
    expect(row).toMatchObject({ conversationId, archived: false, snoozedUntil: null, followUpAt: null });
    expect((main.body.items as { conversationId: string }[]).map((c) => c.conversationId)).not.toContain(conversationId);
  });
});
