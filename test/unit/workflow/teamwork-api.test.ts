/**
 * Internal notes and archive through the API handler on dynalite: mentions and their events,
 * idempotent notes, archived conversations leaving and re-entering the lists (by a member, or by
 * new inbound mail), with the index keys checked on the stored item.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../shared/ports/index.js';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;
const alex = 'alex@acme.test';
const julien = 'julien@acme.test';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.events.published.length = 0;
});

const published = () => h.events.published as DomainEvent<any>[];

async function stored(conversationId: string) {
  return h.db.table.get({ PK: `CONV#${conversationId}`, SK: 'CONV' }, true);
}

async function listIds(email: string, query: Record<string, string> = {}, mailboxId = 'support'): Promise<string[]> {
  const reply = await call(h, 'GET', `/api/mailboxes/${mailboxId}/conversations`, { email, query: { limit: '100', ...query } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body.items as { conversationId: string }[]).map((c) => c.conversationId);
}

describe('internal notes', () => {
  it('stores a note, parses @mentions of members and publishes one Mention Created per member', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h);

    // Act
    const reply = await call(h, 'POST', `/api/conversations/${conversationId}/notes`, {
      email: alex, body: { body: 'Colis perdu ? @julien peux-tu voir, et @camille@acme.test pour le geste. Pas @home, ni @alex.' },
    });

    // Assess
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.note).toMatchObject({ author: alex, mentions: [julien, 'camille@acme.test'], createdAt: h.clock.now().toISOString() });
    const noteId = reply.body.note.noteId as string;
    expect(published().map((e) => [e.detailType, e.detail.metadata.eventId])).toEqual([
      ['Note Added', `note:${conversationId}:${noteId}`],
      ['Mention Created', `note:${conversationId}:${noteId}:mention:${julien}`],
      ['Mention Created', `note:${conversationId}:${noteId}:mention:camille@acme.test`],
    ]);
    expect(published()[1]!.detail.data).toMatchObject({ mentioned: julien, author: alex, mailboxId: 'support' });
    expect(JSON.stringify(published())).not.toContain('Colis perdu');
    // A note is not a change of the conversation: no new version.
    expect((await stored(conversationId))?.version).toBe(1);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: alex });
    expect(history.body.items.map((e: any) => e.kind)).toEqual(['received', 'note_added']);
    expect(history.body.items[1]).toMatchObject({ actor: alex, noteId, mentions: [julien, 'camille@acme.test'], version: null });
  });

  it('refuses an explicit mention of a non-member with a 400 naming the field', async () => {
    const { conversationId } = await storeConversation(h);

    const reply = await call(h, 'POST', `/api/conversations/${conversationId}/notes`, {
      email: alex, body: { body: 'Pour info', mentions: [julien, 'sarah@acme.test'] },
    });

    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'body.mentions[1]', message: 'not a member of this mailbox' }]);
    expect(published()).toEqual([]);
    const notes = await call(h, 'GET', `/api/conversations/${conversationId}/notes`, { email: alex });
    expect(notes.body.items).toEqual([]);
  });

  it('answers a retry with the same idempotency key with the first note, and republishes the same event ids', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h);
    const body = { body: 'Relancer @julien demain', idempotencyKey: 'k-1' };

    // Act
    const first = await call(h, 'POST', `/api/conversations/${conversationId}/notes`, { email: alex, body });
    h.clock.advance(5000);
    const retry = await call(h, 'POST', `/api/conversations/${conversationId}/notes`, { email: alex, body });

    // Assess
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ note: first.body.note, created: false });
    const notes = await call(h, 'GET', `/api/conversations/${conversationId}/notes`, { email: alex });
    expect(notes.body.items).toHaveLength(1);
    const ids = published().map((e) => e.detail.metadata.eventId);
    expect(new Set(ids).size).toBe(2);
    expect(ids).toHaveLength(4);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: alex });
    expect(history.body.items.filter((e: any) => e.kind === 'note_added')).toHaveLength(1);
  });

  it('pages notes oldest first, to whoever sees the conversation only', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { assignee: julien });
    for (const text of ['un', 'deux', 'trois']) {
      h.clock.advance(1000);
      expect((await call(h, 'POST', `/api/conversations/${conversationId}/notes`, { email: alex, body: { body: text } })).status).toBe(201);
    }

    // Act
    const first = await call(h, 'GET', `/api/conversations/${conversationId}/notes`, { email: julien, query: { limit: '2' } });
    const second = await call(h, 'GET', `/api/conversations/${conversationId}/notes`, { email: julien, query: { limit: '2', cursor: first.body.nextCursor } });

    // Assess
    expect(first.body.items.map((n: any) => n.body)).toEqual(['un', 'deux']);
    expect(second.body.items.map((n: any) => n.body)).toEqual(['trois']);
    expect(second.body.nextCursor).toBeNull();
    expect((await call(h, 'GET', `/api/conversations/${conversationId}/notes`, { email: 'sarah@acme.test' })).status).toBe(404);
    const other = await storeConversation(h);
    expect((await call(h, 'GET', `/api/conversations/${other.conversationId}/notes`, { email: julien })).status).toBe(404);
    expect((await call(h, 'POST', `/api/conversations/${other.conversationId}/notes`, { email: julien, body: { body: 'x' } })).status).toBe(404);
  });
});

describe('archive', () => {
  it('moves every list key to the archived partitions and back, in one conditional write each way', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { assignee: julien, status: 'in_progress', subject: 'archive-1' });

    // Act
    h.db.meter.reset();
    const archived = await call(h, 'POST', `/api/conversations/${conversationId}/archive`, { email: alex, headers: { 'if-match': '"1"' } });

    // Assess
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    expect(archived.body.conversation).toMatchObject({ archived: true, status: 'in_progress', assignee: julien, version: 2 });
    const item = await stored(conversationId);
    expect(item).toMatchObject({
      archived: true, GSI1PK: 'MBX#support#ARCHIVED', GSI2PK: 'MBX#support#ST#in_progress#ARCHIVED', GSI4PK: `MBX#support#AS#${julien}#ARCHIVED`,
    });
    expect(await listIds(alex)).not.toContain(conversationId);
    expect(await listIds(alex, { status: 'in_progress' })).not.toContain(conversationId);
    expect(await listIds(julien)).not.toContain(conversationId);
    expect(await listIds(alex, { archived: 'true' })).toContain(conversationId);
    expect(await listIds(alex, { archived: 'true', status: 'in_progress' })).toContain(conversationId);
    expect(await listIds(julien, { archived: 'true' })).toContain(conversationId);
    const row = (await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { archived: 'true', limit: '100' } }))
      .body.items.find((c: any) => c.conversationId === conversationId);
    expect(row.archived).toBe(true);
    expect(published().map((e) => e.detailType)).toEqual(['Conversation Archived']);

    // Act: archived again is no change; unarchive brings it back.
    expect((await call(h, 'POST', `/api/conversations/${conversationId}/archive`, { email: alex })).body.changed).toBe(false);
    const back = await call(h, 'POST', `/api/conversations/${conversationId}/unarchive`, { email: julien });

    // Assess
    expect(back.body.conversation).toMatchObject({ archived: false, version: 3 });
    const after = await stored(conversationId);
    expect(after).not.toHaveProperty('archived');
    expect(after).toMatchObject({ GSI1PK: 'MBX#support', GSI2PK: 'MBX#support#ST#in_progress', GSI4PK: `MBX#support#AS#${julien}` });
    expect(await listIds(alex)).toContain(conversationId);
    expect(await listIds(alex, { archived: 'true' })).not.toContain(conversationId);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: alex });
    expect(history.body.items.map((e: any) => e.kind)).toEqual(['received', 'archived', 'unarchived']);
  });

  it('keeps the archived partition when an archived conversation changes status or assignee', async () => {
    const { conversationId } = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${conversationId}/archive`, { email: alex });

    await call(h, 'POST', `/api/conversations/${conversationId}/assign`, { email: alex, body: { assignee: julien } });
    await call(h, 'POST', `/api/conversations/${conversationId}/status`, { email: alex, body: { status: 'closed' } });

    expect(await stored(conversationId)).toMatchObject({
      archived: true, GSI1PK: 'MBX#support#ARCHIVED', GSI2PK: 'MBX#support#ST#closed#ARCHIVED', GSI4PK: `MBX#support#AS#${julien}#ARCHIVED`,
    });
    expect(await listIds(alex, { status: 'closed' })).not.toContain(conversationId);
    expect(await listIds(alex, { status: 'closed', archived: 'true' })).toContain(conversationId);
  });

  it('unarchives when the customer writes again, and reopens an archived closed one', async () => {
    // Prepare
    const open = await storeConversation(h, { assignee: julien, subject: 'archive-open' });
    const closed = await storeConversation(h, { assignee: julien, status: 'closed', subject: 'archive-closed' });
    for (const c of [open, closed]) await call(h, 'POST', `/api/conversations/${c.conversationId}/archive`, { email: alex });

    // Act
    const results = await Promise.all([open, closed].map((c, n) => h.store.appendToConversation({
      conversationId: c.conversationId, messageRef: `2026-11-21T08:00:0${n}.000Z#reply-arch-${n}`, at: `2026-11-21T08:00:0${n}.000Z`,
      snippet: 'Toujours rien', from: null, participants: [], labels: [], flags: [], hasAttachments: false,
    })));

    // Assess
    expect(results).toEqual(['appended', 'appended']);
    expect(await stored(open.conversationId)).toMatchObject({
      status: 'assigned', GSI1PK: 'MBX#support', GSI2PK: 'MBX#support#ST#assigned', GSI4PK: `MBX#support#AS#${julien}`,
      GSI1SK: `2026-11-21T08:00:00.000Z#${open.conversationId}`, messageCount: 2, version: 3,
    });
    expect(await stored(open.conversationId)).not.toHaveProperty('archived');
    expect(await stored(closed.conversationId)).toMatchObject({ status: 'assigned', GSI2PK: 'MBX#support#ST#assigned', GSI1PK: 'MBX#support' });
    expect(await stored(closed.conversationId)).not.toHaveProperty('archived');
    const ids = await listIds(julien);
    expect(ids).toContain(open.conversationId);
    expect(ids).toContain(closed.conversationId);

    // A redelivery of the same message changes nothing.
    const again = await h.store.appendToConversation({
      conversationId: open.conversationId, messageRef: '2026-11-21T08:00:00.000Z#reply-arch-0', at: '2026-11-21T08:00:00.000Z',
      snippet: 'Toujours rien', from: null, participants: [], labels: [], flags: [], hasAttachments: false,
    });
    expect(again).toBe('already');
  });
});
