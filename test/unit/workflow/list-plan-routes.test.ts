/**
 * The list and search routes' inputs through the API handler on dynalite: every invalid filter is
 * a 400 naming its field, valid combinations answer, and the department list keeps each mailbox's
 * visibility.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

const ALEX = 'alex@acme.test';
const JULIEN = 'julien@acme.test';

describe('GET /api/mailboxes/{id}/conversations filters', () => {
  it.each([
    [{ label: '' }, 'query.label'],
    [{ label: 'a'.repeat(65) }, 'query.label'],
    [{ qualification: '\u0007' }, 'query.qualification'],
    [{ hasAttachment: 'yes' }, 'query.hasAttachment'],
    [{ from: 'yesterday' }, 'query.from'],
    [{ to: '2026-13-01' }, 'query.to'],
    [{ from: '2026-11-20', to: '2026-11-19' }, 'query.to'],
  ])('answers 400 for %j naming %s', async (query, field) => {
    const reply = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: ALEX, query });
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect([...new Set(reply.body.errors.map((e: { field: string }) => e.field))]).toEqual([field]);
  });

  it('combines label, attachment and a date range', async () => {
    // Prepare
    const inside = await storeConversation(h, { labels: ['urgent'], at: '2026-11-10T10:00:00.000Z' });
    await storeConversation(h, { labels: ['urgent'], at: '2026-10-10T10:00:00.000Z' });
    await storeConversation(h, { at: '2026-11-11T10:00:00.000Z' });
    // Act
    const reply = await call(h, 'GET', '/api/mailboxes/support/conversations', {
      email: ALEX, query: { label: 'urgent', hasAttachment: 'false', from: '2026-11-01', to: '2026-11-30' },
    });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((c: { conversationId: string }) => c.conversationId)).toEqual([inside.conversationId]);
  });
});

describe('GET /api/conversations?department=', () => {
  it('answers 400 without a department and 404 for a department the caller has no mailbox in', async () => {
    const missing = await call(h, 'GET', '/api/conversations', { email: ALEX });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.department']);
    const other = await call(h, 'GET', '/api/conversations', { email: JULIEN, query: { department: 'commercial' } });
    expect(other.status).toBe(404);
    const badCursor = await call(h, 'GET', '/api/conversations', { email: ALEX, query: { department: 'commercial', cursor: 'nope' } });
    expect(badCursor.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.cursor']);
  });

  it('keeps each mailbox\'s visibility: an agent gets their own, a dispatcher everything', async () => {
    // Prepare
    const his = await storeConversation(h, { assignee: JULIEN, at: '2026-11-15T10:00:00.000Z' });
    // Act
    const agent = await call(h, 'GET', '/api/conversations', { email: JULIEN, query: { department: 'Service client' } });
    const dispatcher = await call(h, 'GET', '/api/conversations', { email: ALEX, query: { department: 'service-client', limit: '100' } });
    // Assess
    expect(agent.status).toBe(200);
    expect(agent.body.items.map((c: { conversationId: string }) => c.conversationId)).toEqual([his.conversationId]);
    expect(dispatcher.body.items.length).toBeGreaterThan(1);
    expect(dispatcher.body.items[0].conversationId).toBe(his.conversationId);
  });
});

describe('GET /api/mailboxes/{id}/search', () => {
  it.each([
    [{}, 'query.q'],
    [{ q: '   ' }, 'query.q'],
    [{ q: 'x'.repeat(201) }, 'query.q'],
    [{ q: 'the and le' }, 'query.q'],
    [{ q: 'colis', limit: '0' }, 'query.limit'],
    [{ q: 'colis', cursor: 'garbage' }, 'query.cursor'],
  ])('answers 400 for %j naming %s', async (query, field) => {
    const reply = await call(h, 'GET', '/api/mailboxes/support/search', { email: ALEX, query: query as Record<string, string> });
    expect(reply.status).toBe(400);
    expect([...new Set(reply.body.errors.map((e: { field: string }) => e.field))]).toEqual([field]);
  });

  it('searches every mailbox of the caller, and validates its query the same way', async () => {
    const bad = await call(h, 'GET', '/api/search', { email: ALEX, query: { q: 'le la' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.q']);
    const otherCursor = await call(h, 'GET', '/api/search', { email: ALEX, query: { q: 'colis', cursor: Buffer.from(JSON.stringify({ s: 'x', p: 'Q#coli' })).toString('base64url') } });
    expect(otherCursor.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.cursor']);
    const ok = await call(h, 'GET', '/api/search', { email: ALEX, query: { q: 'colis' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ items: [], nextCursor: null, terms: ['coli'] });
    expect((await call(h, 'GET', '/api/search', { email: JULIEN, query: { q: 'colis', department: 'commercial' } })).status).toBe(404);
  });

  it('answers 404 to a non-member and an empty page for a word nobody wrote', async () => {
    expect((await call(h, 'GET', '/api/mailboxes/ventes/search', { email: JULIEN, query: { q: 'colis' } })).status).toBe(404);
    const reply = await call(h, 'GET', '/api/mailboxes/support/search', { email: ALEX, query: { q: 'colis' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ items: [], nextCursor: null, terms: ['coli'] });
  });
});
