/**
 * Dashboard statistics: the consumer that records first-response and resolution samples (same
 * event twice counts once, out-of-order events keep the earliest time), and the stats route's
 * counts and medians, read without a Scan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from 'aws-lambda';
import { handleStatsEvent } from '../../../functions/stats/handler.js';
import { indexKeys, keys } from '../../../shared/model/keys.js';
import { median, readMailboxStats } from '../../../shared/stats/stats.js';
import { ALEX, JULIEN, SARAH, request, startAdminHarness, storeConversation, type AdminHarness } from '../org/api-harness.js';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminHarness();
});

afterAll(async () => {
  await h.stop();
});

function sent(conversationId: string, mailboxId: string, sentAt: string): EventBridgeEvent<string, unknown> {
  return {
    version: '0', id: `e-${conversationId}-${sentAt}`, 'detail-type': 'Message Sent', source: 'mailroom', account: '0', time: sentAt, region: 'us-east-1', resources: [],
    detail: {
      metadata: { eventId: `outbox:${conversationId}:${sentAt}`, version: '1', occurredAt: sentAt, source: 'mailroom' },
      data: { conversationId, mailboxId, sentAt, messageKey: 'k', messageId: 'x@y', orgId: 'demo', subject: 's', to: [], status: 'sent', attempt: 1, providerMessageId: 'p', connector: 'ses' },
    },
  };
}

function statusChanged(conversationId: string, mailboxId: string, to: string, at: string): EventBridgeEvent<string, unknown> {
  return {
    version: '0', id: `s-${conversationId}-${at}`, 'detail-type': 'Conversation Status Changed', source: 'mailroom', account: '0', time: at, region: 'us-east-1', resources: [],
    detail: {
      metadata: { eventId: `conversation:${conversationId}:${at}`, version: '1', occurredAt: at, source: 'mailroom' },
      data: { conversationId, mailboxId, to, from: 'assigned', orgId: 'demo', subject: 's', version: 2, actor: ALEX, status: to, assignee: null },
    },
  };
}

async function samples(mailboxId: string, metric: 'FR' | 'RES') {
  const page = await h.db.table.query({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.statsSample(mailboxId, metric, '').PK } });
  return page.items;
}

/** A conversation opened by a customer message at `at` (its first message is inbound). */
async function customerConversation(mailboxId: string, at: string) {
  const conversation = await storeConversation(h, { mailboxId, at });
  await h.db.table.put({ ...keys.message(conversation.lastMessageKey), type: 'message', direction: 'inbound' });
  return conversation;
}

describe('stats consumer', () => {
  it('counts a redelivered reply once and keeps the first reply when events arrive out of order', async () => {
    // Prepare
    const c = await customerConversation('ventes', '2026-11-18T09:00:00.000Z');
    // Act
    const second = await handleStatsEvent(sent(c.conversationId, 'ventes', '2026-11-18T11:00:00.000Z'), h.db.table);
    const first = await handleStatsEvent(sent(c.conversationId, 'ventes', '2026-11-18T10:00:00.000Z'), h.db.table);
    const again = await handleStatsEvent(sent(c.conversationId, 'ventes', '2026-11-18T10:00:00.000Z'), h.db.table);
    const later = await handleStatsEvent(sent(c.conversationId, 'ventes', '2026-11-18T12:00:00.000Z'), h.db.table);
    // Assess
    expect([second, first, again, later]).toEqual(['recorded', 'recorded', 'unchanged', 'unchanged']);
    const items = await samples('ventes', 'FR');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ SK: `2026-11-18#${c.conversationId}`, durationMs: 60 * 60 * 1000, at: '2026-11-18T10:00:00.000Z' });
  });

  it('records a resolution on the first close only, and ignores other status changes', async () => {
    const c = await customerConversation('ventes', '2026-11-17T08:00:00.000Z');
    expect(await handleStatsEvent(statusChanged(c.conversationId, 'ventes', 'in_progress', '2026-11-17T09:00:00.000Z'), h.db.table)).toBe('ignored');
    expect(await handleStatsEvent(statusChanged(c.conversationId, 'ventes', 'closed', '2026-11-17T12:00:00.000Z'), h.db.table)).toBe('recorded');
    expect(await handleStatsEvent(statusChanged(c.conversationId, 'ventes', 'closed', '2026-11-17T12:00:00.000Z'), h.db.table)).toBe('unchanged');
    expect(await handleStatsEvent(statusChanged(c.conversationId, 'ventes', 'closed', '2026-11-19T12:00:00.000Z'), h.db.table)).toBe('unchanged');
    const items = await samples('ventes', 'RES');
    expect(items.map((i) => i.durationMs)).toEqual([4 * 60 * 60 * 1000]);
  });

  it('gives no first response to a conversation a member opened by writing', async () => {
    const c = await storeConversation(h, { mailboxId: 'alex', at: '2026-11-18T09:00:00.000Z' });
    await h.db.table.put({ ...keys.message(c.lastMessageKey), type: 'message', direction: 'outbound' });
    expect(await handleStatsEvent(sent(c.conversationId, 'alex', '2026-11-18T09:00:10.000Z'), h.db.table)).toBe('ignored');
    expect(await handleStatsEvent(sent('cunknown', 'alex', '2026-11-18T09:00:10.000Z'), h.db.table)).toBe('ignored');
    expect(await samples('alex', 'FR')).toHaveLength(0);
  });

  it('drops an event that is not one of its own without failing', async () => {
    const outcome = await handleStatsEvent({ ...sent('c', 'ventes', '2026-11-18T09:00:00.000Z'), 'detail-type': 'Message Received' }, h.db.table);
    expect(outcome).toBe('ignored');
  });
});

describe('stats route', () => {
  it('counts by status, overdue, and the medians over 30 days, for any member', async () => {
    // Prepare: Support gets its own conversations (the clock is 2026-11-20T09:00Z).
    await storeConversation(h, { mailboxId: 'support' });
    await storeConversation(h, { mailboxId: 'support' });
    await storeConversation(h, { mailboxId: 'support', assignee: JULIEN, status: 'assigned' });
    await storeConversation(h, { mailboxId: 'support', assignee: JULIEN, status: 'in_progress' });
    await storeConversation(h, { mailboxId: 'support', assignee: ALEX, status: 'todo' });
    await storeConversation(h, { mailboxId: 'support', assignee: ALEX, status: 'closed' });
    await storeConversation(h, { mailboxId: 'support', assignee: ALEX, status: 'closed', at: '2026-09-01T08:00:00.000Z' });
    const late = await storeConversation(h, { mailboxId: 'support' });
    await h.db.table.put({ ...keys.overdue(late.conversationId), GSI3PK: indexKeys.overdue('support'), GSI3SK: `2026-11-19T10:00:00.000Z#${late.conversationId}` });
    for (const [hours, day] of [[1, '2026-11-10'], [3, '2026-11-11'], [2, '2026-11-12']] as const) {
      const c = await customerConversation('support', `${day}T08:00:00.000Z`);
      await handleStatsEvent(sent(c.conversationId, 'support', new Date(Date.parse(`${day}T08:00:00.000Z`) + hours * 3600_000).toISOString()), h.db.table);
    }
    const old = await customerConversation('support', '2026-09-02T08:00:00.000Z');
    await handleStatsEvent(sent(old.conversationId, 'support', '2026-09-05T08:00:00.000Z'), h.db.table);
    // Act
    const result = await request(h, 'GET', '/api/mailboxes/support/stats', { email: JULIEN });
    // Assess
    expect(result.status).toBe(200);
    expect(result.body.counts).toEqual({ unassigned: 2 + 1 + 4, assigned: 1, in_progress: 1, todo: 1, closed: 1, overdue: 1 });
    expect(result.body.firstResponse).toEqual({ medianMs: 2 * 3600_000, samples: 3 });
    expect(result.body.resolution).toEqual({ medianMs: null, samples: 0 });
    expect(result.body.window).toEqual({ days: 30, since: '2026-10-21T09:00:00.000Z' });
    expect(result.body.counters).toContain('unassigned');
  });

  it("returns the caller's chosen counters and 404 to a non-member", async () => {
    await request(h, 'PUT', '/api/me/preferences', { email: ALEX, body: { statsCounters: ['todo', 'resolutionMedian'] } });
    expect((await request(h, 'GET', '/api/mailboxes/ventes/stats', { email: ALEX })).body.counters).toEqual(['todo', 'resolutionMedian']);
    expect((await request(h, 'GET', '/api/mailboxes/support/stats', { email: SARAH })).status).toBe(404);
    expect((await request(h, 'GET', '/api/mailboxes/alex/stats', { email: 'camille@acme.test' })).status).toBe(404);
  });

  it('reads with Queries only, a fixed number of them', async () => {
    h.db.meter.reset();
    await readMailboxStats(h.db.table, 'support', h.clock.now());
    expect(h.db.meter.requests).toBe(9);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(3);
  });
});
