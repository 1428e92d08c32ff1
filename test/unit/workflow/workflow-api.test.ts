/**
 * The conversation workflow through the API handler on dynalite: optimistic concurrency (If-Match,
 * races, re-decisions), index keys kept with the state, read state per member, history, events,
 * retries that repair side effects, and the DynamoDB requests each call costs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENTS } from '../../../shared/events/contracts.js';
import { indexKeys } from '../../../shared/model/keys.js';
import type { DomainEvent, EventPublisher } from '../../../shared/ports/index.js';
import { Directory } from '../../../shared/org/directory.js';
import { ConversationRepository } from '../../../shared/workflow/conversation-repository.js';
import { ConversationWorkflow } from '../../../shared/workflow/conversation-workflow.js';
import type { LastChange, WorkflowConversation } from '../../../shared/workflow/conversation-repository.js';
import type { WorkflowState } from '../../../shared/workflow/rules.js';
import { MemoryEvents } from '../../helpers/fakes.js';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.events.published.length = 0;
});

const alex = 'alex@acme.test';
const camille = 'camille@acme.test';
const julien = 'julien@acme.test';

function assign(id: string, email: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  return call(h, 'POST', `/api/conversations/${id}/assign`, { email, body, ...(headers ? { headers } : {}) });
}

function setStatus(id: string, email: string, status: string, headers?: Record<string, string>) {
  return call(h, 'POST', `/api/conversations/${id}/status`, { email, body: { status }, ...(headers ? { headers } : {}) });
}

async function indexed(index: 'GSI2' | 'GSI4', partition: string): Promise<string[]> {
  const out = await h.db.table.query({ IndexName: index, KeyConditionExpression: `${index}PK = :pk`, ExpressionAttributeValues: { ':pk': partition } });
  return out.items.map((i) => String(i.conversationId));
}

async function history(id: string, email = alex, query: Record<string, string> = {}) {
  const reply = await call(h, 'GET', `/api/conversations/${id}/history`, { email, query });
  expect(reply.status).toBe(200);
  return reply.body as { items: any[]; nextCursor: string | null };
}

describe('optimistic concurrency', () => {
  it('lets exactly one of two dispatchers assigning from the same version win; the other gets 409 with the current state', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h);

    // Act
    const [a, b] = await Promise.all([
      assign(conversationId, alex, { assignee: julien }, { 'if-match': '"1"' }),
      assign(conversationId, camille, { assignee: alex, expectedVersion: 1 }),
    ]);

    // Assess
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(lost.headers['content-type']).toBe('application/problem+json');
    expect(lost.body).toMatchObject({ status: 409, title: 'Conflict', current: { version: 2, assignee: won.body.conversation.assignee, status: 'assigned' } });
    expect(won.headers.etag).toBe('"2"');
    expect((await history(conversationId)).items.filter((e) => e.kind === 'assigned')).toHaveLength(1);
    expect(h.events.published.filter((e) => e.detailType === 'Conversation Assigned')).toHaveLength(1);
  });

  it('answers 409 at once for a version that is not the current one, and writes nothing', async () => {
    const { conversationId } = await storeConversation(h);
    await setStatus(conversationId, alex, 'closed');
    h.db.meter.reset();
    const reply = await setStatus(conversationId, alex, 'unassigned', { 'if-match': 'W/"1"' });
    expect(reply.status).toBe(409);
    expect(reply.body.current).toMatchObject({ status: 'closed', version: 2 });
    expect(h.db.meter.requests).toBe(2); // the caller and the conversation; no write
  });

  it('decides again on the current state when no version was sent: still valid is applied', async () => {
    // Prepare: two dispatchers reassign without versions; both are valid on any state.
    const { conversationId } = await storeConversation(h);

    // Act
    const replies = await Promise.all([assign(conversationId, alex, { assignee: julien }), assign(conversationId, camille, { assignee: alex })]);

    // Assess
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const stored = await h.db.table.get({ PK: `CONV#${conversationId}`, SK: 'CONV' }, true);
    expect(stored?.version).toBe(3);
    expect((await history(conversationId)).items.filter((e) => e.kind === 'assigned').map((e) => e.version)).toEqual([2, 3]);
  });

  it('refuses a change the current state no longer allows after a lost race (the agent was unassigned meanwhile)', async () => {
    // Prepare: a repository that lets a dispatcher unassign just before the agent's write.
    const { conversationId } = await storeConversation(h, { assignee: julien });
    const repository = new RacingRepository(h, async (current) => {
      await new ConversationRepository(h.db.table).apply(current, { ...current, assignee: null, status: 'unassigned' }, { key: 'other', actor: alex, at: '2026-11-20T09:00:00.000Z', version: current.version + 1, facts: [] });
    });
    const workflow = new ConversationWorkflow({ repository, directory: new Directory(h.db.table), events: new MemoryEvents(), clock: h.clock });
    const caller = (await new Directory(h.db.table).getUser(julien))!;

    // Act
    const outcome = await workflow.change({ caller, conversationId, action: { kind: 'status', status: 'in_progress' } });

    // Assess
    expect(outcome).toMatchObject({ kind: 'refused', refusal: { code: 'not-visible' } });
  });

  it('applies a change that is still valid after a lost race (a label was added meanwhile)', async () => {
    const { conversationId } = await storeConversation(h, { assignee: julien });
    const repository = new RacingRepository(h, async (current) => {
      await new ConversationRepository(h.db.table).apply(current, { ...current, labels: ['vip'] }, { key: 'other', actor: alex, at: '2026-11-20T09:00:00.000Z', version: current.version + 1, facts: [{ kind: 'labelled', labels: ['vip'] }] });
    });
    const workflow = new ConversationWorkflow({ repository, directory: new Directory(h.db.table), events: new MemoryEvents(), clock: h.clock });
    const caller = (await new Directory(h.db.table).getUser(julien))!;

    const outcome = await workflow.change({ caller, conversationId, action: { kind: 'status', status: 'in_progress' } });

    expect(outcome).toMatchObject({ kind: 'changed', conversation: { status: 'in_progress', labels: ['vip'], version: 3 } });
  });

  it('honours expectedAssignee without tying the change to unrelated updates', async () => {
    const { conversationId } = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${conversationId}/labels`, { email: alex, body: { add: ['vip'] } });
    const ok = await assign(conversationId, alex, { assignee: julien, expectedAssignee: null });
    expect(ok.status).toBe(200);
    const stale = await assign(conversationId, camille, { assignee: alex, expectedAssignee: null });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ assignee: julien });
  });

  it('rejects an If-Match that is not a version, or that disagrees with expectedVersion', async () => {
    const { conversationId } = await storeConversation(h);
    expect((await setStatus(conversationId, alex, 'closed', { 'if-match': 'abc' })).body.errors).toEqual([{ field: 'header.if-match', message: 'not a version' }]);
    const both = await call(h, 'POST', `/api/conversations/${conversationId}/status`, { email: alex, body: { status: 'closed', expectedVersion: 2 }, headers: { 'if-match': '"1"' } });
    expect(both.status).toBe(400);
  });

  it('answers 422 with the current state for a transition the state does not allow', async () => {
    const { conversationId } = await storeConversation(h);
    const reply = await setStatus(conversationId, alex, 'in_progress');
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ title: 'Invalid transition', current: { status: 'unassigned' }, errors: [{ field: 'body.status' }] });
  });
});

describe('index keys follow the state', () => {
  it('moves the conversation between status partitions and in and out of the assignee index', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h);
    const mine = indexKeys.mailboxAssignee('support', julien);

    // Act and assess
    await assign(conversationId, alex, { assignee: julien });
    expect(await indexed('GSI4', mine)).toContain(conversationId);
    expect(await indexed('GSI2', indexKeys.mailboxStatus('support', 'assigned'))).toContain(conversationId);
    expect(await indexed('GSI2', indexKeys.mailboxStatus('support', 'unassigned'))).not.toContain(conversationId);

    await setStatus(conversationId, julien, 'closed');
    expect(await indexed('GSI4', mine)).toContain(conversationId); // closing keeps the assignee
    expect(await indexed('GSI2', indexKeys.mailboxStatus('support', 'closed'))).toContain(conversationId);

    await assign(conversationId, alex, { assignee: null });
    expect(await indexed('GSI4', mine)).not.toContain(conversationId);
    const stored = await h.db.table.get({ PK: `CONV#${conversationId}`, SK: 'CONV' }, true);
    expect(stored).toMatchObject({ status: 'closed', assignee: null });
    expect(stored).not.toHaveProperty('GSI4PK');
  });

  it("re-sorts an agent's list when a message arrives on their conversation", async () => {
    // Prepare: two conversations assigned to Julien; the older one gets a reply.
    const older = await storeConversation(h, { assignee: julien, at: '2026-11-02T08:00:00.000Z' });
    const newer = await storeConversation(h, { assignee: julien, at: '2026-11-03T08:00:00.000Z' });

    // Act
    await h.store.appendToConversation({
      conversationId: older.conversationId, messageRef: '2026-11-04T08:00:00.000Z#reply1', at: '2026-11-04T08:00:00.000Z', snippet: 'Relance',
      from: null, participants: [], labels: [], flags: [], hasAttachments: false,
    });

    // Assess
    const list = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: julien, query: { limit: '100' } });
    const ids = (list.body.items as { conversationId: string }[]).map((c) => c.conversationId);
    expect(ids.indexOf(older.conversationId)).toBeLessThan(ids.indexOf(newer.conversationId));
  });
});

describe('trash and new mail', () => {
  it('keeps a trashed, closed conversation in the trash when the customer writes again, reopened there', async () => {
    // Prepare: closed, then trashed.
    const { conversationId } = await storeConversation(h, { subject: 'corbeille' });
    expect((await call(h, 'POST', `/api/conversations/${conversationId}/status`, { email: alex, body: { status: 'closed' } })).status).toBe(200);
    expect((await call(h, 'POST', `/api/conversations/${conversationId}/trash`, { email: alex, body: {} })).status).toBe(200);

    // Act
    await h.store.appendToConversation({
      conversationId, messageRef: '2026-11-21T10:00:00.000Z#again', at: '2026-11-21T10:00:00.000Z', snippet: 'Toujours là',
      from: null, participants: [], labels: [], flags: [], hasAttachments: false,
    });

    // Assess: in no default or status list, in the trash with its reopened status.
    const ids = async (query: Record<string, string>) => ((await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { limit: '100', ...query } })).body.items as { conversationId: string; status: string }[]);
    expect((await ids({})).map((c) => c.conversationId)).not.toContain(conversationId);
    expect((await ids({ status: 'unassigned' })).map((c) => c.conversationId)).not.toContain(conversationId);
    const trash = await ids({ trashed: 'true', status: 'unassigned' });
    expect(trash.find((c) => c.conversationId === conversationId)).toMatchObject({ status: 'unassigned' });
  });
});

describe('new and read state', () => {
  it('clears "new" on the first open, tracks unread per member, and a new message makes it unread again', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { subject: 'lecture' });
    const row = async (email: string) => {
      const list = await call(h, 'GET', '/api/mailboxes/support/conversations', { email, query: { limit: '100' } });
      return (list.body.items as any[]).find((c) => c.conversationId === conversationId);
    };
    expect(await row(alex)).toMatchObject({ isNew: true, unread: true });

    // Act and assess: open (not a read), then read
    const opened = await call(h, 'GET', `/api/conversations/${conversationId}`, { email: camille });
    expect(opened.body.conversation).toMatchObject({ isNew: false, unread: true, version: 1 });
    const read = await call(h, 'POST', `/api/conversations/${conversationId}/read`, { email: alex });
    expect(read.body.conversation).toMatchObject({ unread: false, version: 1 });
    expect(await row(alex)).toMatchObject({ isNew: false, unread: false });
    expect(await row(camille)).toMatchObject({ unread: true });

    await call(h, 'POST', `/api/conversations/${conversationId}/unread`, { email: alex });
    expect(await row(alex)).toMatchObject({ unread: true });
    await call(h, 'POST', `/api/conversations/${conversationId}/read`, { email: alex });

    await h.store.appendToConversation({
      conversationId, messageRef: '2026-11-20T10:00:00.000Z#again', at: '2026-11-20T10:00:00.000Z', snippet: 'Encore moi',
      from: null, participants: [], labels: [], flags: [], hasAttachments: false,
    });
    expect(await row(alex)).toMatchObject({ unread: true, version: 2 });
  });

  it('clears "new" on assignment, and reading does not bump the version', async () => {
    const { conversationId } = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${conversationId}/read`, { email: alex });
    const assigned = await assign(conversationId, alex, { assignee: julien }, { 'if-match': '1' });
    expect(assigned.status).toBe(200);
    expect(assigned.body.conversation).toMatchObject({ isNew: false, version: 2 });
  });
});

describe('history', () => {
  it('records received, viewed (once per 10 minutes per member), assignments with their note, status and label changes, oldest first', async () => {
    // Prepare
    const conversation = await storeConversation(h, { at: '2026-11-20T08:00:00.000Z' });
    const id = conversation.conversationId;

    // Act (a second between steps, as people take)
    const tick = (seconds = 1) => h.clock.advance(seconds * 1000);
    await call(h, 'GET', `/api/conversations/${id}`, { email: alex });
    tick(60);
    await call(h, 'GET', `/api/conversations/${id}`, { email: alex }); // within the window: not recorded
    tick();
    await assign(id, alex, { assignee: julien, message: 'Client fidèle, réponds avant midi' });
    tick(60);
    await call(h, 'GET', `/api/conversations/${id}`, { email: julien });
    tick();
    await setStatus(id, julien, 'in_progress');
    tick();
    await call(h, 'POST', `/api/conversations/${id}/labels`, { email: julien, body: { add: ['vip', 'relance'], remove: [] } });
    tick(11 * 60);
    await call(h, 'GET', `/api/conversations/${id}`, { email: alex }); // window passed: recorded again
    tick();
    await call(h, 'POST', `/api/conversations/${id}/labels`, { email: alex, body: { remove: ['relance'] } });

    // Assess
    const entries = (await history(id)).items;
    expect(entries.map((e) => `${e.kind}:${e.actor ?? '-'}`)).toEqual([
      'received:-', `viewed:${alex}`, `assigned:${alex}`, `status_changed:${alex}`, `viewed:${julien}`,
      `status_changed:${julien}`, `labelled:${julien}`, `viewed:${alex}`, `unlabelled:${alex}`,
    ]);
    expect(entries[0]).toEqual({ id: `received#${conversation.lastMessageKey}`, at: '2026-11-20T08:00:00.000Z', kind: 'received', actor: null, version: null, messageKey: conversation.lastMessageKey });
    expect(entries[2]).toMatchObject({ assignee: julien, previousAssignee: null, message: 'Client fidèle, réponds avant midi', version: 2 });
    expect(entries[3]).toMatchObject({ from: 'unassigned', to: 'assigned', version: 2 });
    expect(entries[6]).toMatchObject({ labels: ['relance', 'vip'] });
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  it('pages with a cursor, without gaps or repeats, and is visible to whoever sees the conversation', async () => {
    // Prepare: received entries interleaved with changes.
    const conversation = await storeConversation(h, { at: '2026-11-20T08:00:00.000Z' });
    const id = conversation.conversationId;
    for (const status of ['closed', 'unassigned', 'closed'] as const) {
      await setStatus(id, alex, status);
      h.clock.advance(1000);
    }
    for (let i = 0; i < 3; i += 1) {
      const at = new Date(h.clock.now().getTime() + i).toISOString();
      await h.db.table.update({ Key: { PK: `CONV#${id}`, SK: 'CONV' }, UpdateExpression: 'ADD messageRefs :r', ExpressionAttributeValues: { ':r': new Set([`${at}#extra${i}`]) } });
    }
    const all = (await history(id, alex, { limit: '100' })).items.map((e) => e.id);

    // Act
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: any[]; nextCursor: string | null } = await history(id, alex, { limit: '2', ...(cursor ? { cursor } : {}) });
      paged.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    expect(all).toHaveLength(7);
    expect(paged).toEqual(all);
    expect((await call(h, 'GET', `/api/conversations/${id}/history`, { email: julien })).status).toBe(404);
    const other = await storeConversation(h);
    const foreign = await call(h, 'GET', `/api/conversations/${other.conversationId}/history`, { email: alex, query: { cursor: cursorOf(id) } });
    expect(foreign.status).toBe(400);
  });
});

function cursorOf(conversationId: string): string {
  return Buffer.from(JSON.stringify({ s: 'H#2026', p: conversationId })).toString('base64url');
}

describe('events', () => {
  it('publishes one event per fact after the write, with deterministic ids and valid contracts', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { labels: ['facturation'] });

    // Act
    await assign(conversationId, alex, { assignee: julien, message: 'À toi' });
    await setStatus(conversationId, julien, 'closed');
    await call(h, 'POST', `/api/conversations/${conversationId}/labels`, { email: julien, body: { add: ['vip'], remove: ['facturation'] } });
    await assign(conversationId, alex, { assignee: null });

    // Assess
    const published = h.events.published as DomainEvent<any>[];
    expect(published.map((e) => `${e.detailType}|${e.detail.metadata.eventId}`)).toEqual([
      `Conversation Assigned|conversation:${conversationId}:v2:assigned`,
      `Conversation Status Changed|conversation:${conversationId}:v2:status_changed`,
      `Conversation Status Changed|conversation:${conversationId}:v3:status_changed`,
      `Conversation Labelled|conversation:${conversationId}:v4:labelled`,
      `Conversation Unlabelled|conversation:${conversationId}:v4:unlabelled`,
      `Conversation Unassigned|conversation:${conversationId}:v5:unassigned`,
    ]);
    expect(published[0]!.detail.data).toEqual({
      conversationId, mailboxId: 'support', orgId: 'demo', subject: expect.any(String), version: 2, actor: alex,
      status: 'assigned', assignee: julien, previousAssignee: null, message: 'À toi',
    });
    expect(published[3]!.detail.data).toMatchObject({ labels: ['vip'], allLabels: ['vip'] });
    expect(published[5]!.detail.data).toMatchObject({ status: 'closed', assignee: null, previousAssignee: julien });
    for (const event of published) {
      const contract = Object.values(EVENTS).find((c) => c.detailType === event.detailType)!;
      expect(contract.data.safeParse(event.detail.data).success).toBe(true);
      expect(event.detail.metadata).toMatchObject({ version: '1', source: 'mailroom', occurredAt: expect.any(String) });
    }
  });

  it('publishes nothing for a refused, conflicting, unchanged or read-only call', async () => {
    const { conversationId } = await storeConversation(h, { assignee: julien });
    await assign(conversationId, alex, { assignee: julien }); // unchanged
    await setStatus(conversationId, alex, 'unassigned'); // 422
    await setStatus(conversationId, alex, 'closed', { 'if-match': '"7"' }); // 409
    await call(h, 'POST', `/api/conversations/${conversationId}/read`, { email: julien });
    await call(h, 'GET', `/api/conversations/${conversationId}`, { email: julien });
    expect(h.events.published).toEqual([]);
  });

  it('has a sample under events/samples for every workflow event, matching its contract', () => {
    for (const name of ['conversationAssigned', 'conversationUnassigned', 'conversationStatusChanged', 'conversationLabelled', 'conversationUnlabelled'] as const) {
      const file = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const sample = JSON.parse(readFileSync(new URL(`../../../events/samples/${file}.json`, import.meta.url), 'utf8'));
      expect(sample['detail-type']).toBe(EVENTS[name].detailType);
      expect(sample.detail.metadata.version).toBe(EVENTS[name].version);
      expect(EVENTS[name].data.safeParse(sample.detail.data).success, file).toBe(true);
    }
  });
});

describe('retries', () => {
  it('repairs the side effects of a request whose write succeeded: same answer, one history entry, same event ids', async () => {
    // Prepare: events fail once, after the write.
    const flaky = new FlakyEvents();
    const local = await startHarness({ events: flaky });
    try {
      const { conversationId } = await storeConversation(local);
      const request = { email: alex, body: { assignee: julien, message: 'Urgent' }, headers: { 'if-match': '"1"' } };

      // Act
      const first = await call(local, 'POST', `/api/conversations/${conversationId}/assign`, request);
      const retry = await call(local, 'POST', `/api/conversations/${conversationId}/assign`, request);
      const again = await call(local, 'POST', `/api/conversations/${conversationId}/assign`, request);

      // Assess
      expect(first.status).toBe(500);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ changed: true, conversation: { assignee: julien, version: 2 } });
      expect(again.status).toBe(200);
      const entries = (await call(local, 'GET', `/api/conversations/${conversationId}/history`, { email: alex })).body.items;
      expect(entries.filter((e: any) => e.kind === 'assigned')).toHaveLength(1);
      const ids = flaky.published.map((e) => e.detail.metadata.eventId);
      expect(new Set(ids)).toEqual(new Set([`conversation:${conversationId}:v2:assigned`, `conversation:${conversationId}:v2:status_changed`]));
      // A different request on the stale version is still a conflict.
      expect((await call(local, 'POST', `/api/conversations/${conversationId}/assign`, { ...request, body: { assignee: alex } })).status).toBe(409);
    } finally {
      await local.stop();
    }
  });
});

describe('OpenAPI document', () => {
  it('documents the workflow routes with their bodies and problem statuses', async () => {
    const doc = (await call(h, 'GET', '/api/openapi.json')).body;
    const assign = doc.paths['/api/conversations/{conversationId}/assign'].post;
    expect(Object.keys(assign.requestBody.content['application/json'].schema.properties)).toEqual(['assignee', 'message', 'expectedVersion', 'expectedAssignee']);
    expect(Object.keys(assign.responses)).toEqual(expect.arrayContaining(['200', '403', '404', '409', '422']));
    for (const path of ['/status', '/labels', '/read', '/unread']) expect(doc.paths[`/api/conversations/{conversationId}${path}`].post).toBeDefined();
    expect(doc.paths['/api/conversations/{conversationId}/history'].get.responses['200']).toBeDefined();
    expect(doc.paths['/api/mailboxes/{mailboxId}/conversations'].get.parameters.find((p: any) => p.name === 'assignee')).toBeDefined();
  });
});

describe('DynamoDB requests per call', () => {
  it('costs: list 2, assign 6 (3 round trips), status 4, read 3, history 3, open 5 then 3 within the window', async () => {
    const { conversationId: id } = await storeConversation(h);
    const count = async (fn: () => Promise<unknown>) => {
      h.db.meter.reset();
      await fn();
      return h.db.meter.requests;
    };
    const costs = {
      list: await count(() => call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex })),
      assign: await count(() => assign(id, alex, { assignee: julien }, { 'if-match': '"1"' })),
      status: await count(() => setStatus(id, julien, 'in_progress')),
      read: await count(() => call(h, 'POST', `/api/conversations/${id}/read`, { email: julien })),
      history: await count(() => call(h, 'GET', `/api/conversations/${id}/history`, { email: julien })),
      firstOpen: await count(() => call(h, 'GET', `/api/conversations/${id}`, { email: julien })),
      reopen: await count(() => call(h, 'GET', `/api/conversations/${id}`, { email: julien })),
    };
    // assign: caller + conversation + assignee (parallel), UpdateItem, history PutItem (parallel with PutEvents and
    // the mailbox GetItem for its "assignment marks read" setting).
    // open: caller + conversation, messages BatchGetItem in parallel with the view UpdateItem, then its history PutItem.
    expect(costs).toEqual({ list: 2, assign: 6, status: 4, read: 3, history: 3, firstOpen: 5, reopen: 3 });
  });
});

/** A repository whose first write loses a race against `competitor`. */
class RacingRepository extends ConversationRepository {
  private raced = false;
  constructor(h: Harness, private readonly competitor: (current: WorkflowConversation) => Promise<void>) {
    super(h.db.table);
  }
  override async apply(current: WorkflowConversation, next: WorkflowState, change: LastChange) {
    if (!this.raced) {
      this.raced = true;
      await this.competitor(current);
    }
    return super.apply(current, next, change);
  }
}

class FlakyEvents implements EventPublisher {
  readonly published: DomainEvent<any>[] = [];
  private failures = 1;
  async publish(events: DomainEvent[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('PutEvents throttled');
    }
    this.published.push(...(events as DomainEvent<any>[]));
  }
}
