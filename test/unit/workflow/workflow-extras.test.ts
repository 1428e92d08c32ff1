/**
 * The workflow features beyond the daily ones, through the API handler and the timers function's
 * reactions on dynalite: move, trash / restore / permanent deletion with its purge, qualifications,
 * response deadlines and overdue, automatic reassignment, "assignment marks read", presence, the
 * reply collision guard, and in-app notifications.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../shared/ports/index.js';
import { Directory } from '../../../shared/org/directory.js';
import { ConversationRepository } from '../../../shared/workflow/conversation-repository.js';
import { ConversationWorkflow } from '../../../shared/workflow/conversation-workflow.js';
import { checkReplyCollision, messagesSince } from '../../../shared/workflow/collision.js';
import { purgeConversation } from '../../../shared/workflow/deletion.js';
import { NotificationStore } from '../../../shared/workflow/notifications.js';
import { WorkflowReactions } from '../../../shared/workflow/reactions.js';
import { parseTimerRecord, processTimerRecord, type ReactionEvent, type TimerMessage, type TimerScheduler } from '../../../shared/workflow/timers.js';
import { MemoryBlobStore } from '../../helpers/fakes.js';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;
let workflow: ConversationWorkflow;
let repository: ConversationRepository;
let reactions: WorkflowReactions;
let blobs: MemoryBlobStore;
const alex = 'alex@acme.test';
const julien = 'julien@acme.test';
const camille = 'camille@acme.test';
const sarah = 'sarah@acme.test';

class MemoryScheduler implements TimerScheduler {
  readonly schedules = new Map<string, { at: Date; message: TimerMessage }>();
  async schedule(name: string, at: Date, message: TimerMessage): Promise<void> {
    if (!this.schedules.has(name)) this.schedules.set(name, { at, message });
  }
  async cancel(name: string): Promise<void> {
    this.schedules.delete(name);
  }
}
let scheduler: MemoryScheduler;

beforeAll(async () => {
  h = await startHarness();
  repository = new ConversationRepository(h.db.table);
  workflow = new ConversationWorkflow({ repository, directory: new Directory(h.db.table), events: h.events, clock: h.clock });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(async () => {
  h.events.published.length = 0;
  scheduler = new MemoryScheduler();
  blobs = new MemoryBlobStore();
  reactions = new WorkflowReactions({
    table: h.db.table, repository, workflow, scheduler, events: h.events, notifications: new NotificationStore(h.db.table), blobs, clock: h.clock,
  });
  await setSettings('support', {});
});

const published = () => h.events.published as DomainEvent<any>[];
const item = (conversationId: string) => h.db.table.get({ PK: `CONV#${conversationId}`, SK: 'CONV' }, true);

async function setSettings(mailboxId: string, settings: Record<string, unknown>): Promise<void> {
  await h.db.table.update({ Key: { PK: `MBX#${mailboxId}`, SK: 'MBX' }, UpdateExpression: 'SET settings = :s', ExpressionAttributeValues: { ':s': settings } });
}

async function listIds(email: string, mailboxId: string, query: Record<string, string> = {}): Promise<string[]> {
  const reply = await call(h, 'GET', `/api/mailboxes/${mailboxId}/conversations`, { email, query: { limit: '100', ...query } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body.items as { conversationId: string }[]).map((c) => c.conversationId);
}

async function history(conversationId: string, email = camille): Promise<any[]> {
  const reply = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email });
  expect(reply.status).toBe(200);
  return reply.body.items;
}

/** A stored message placed in the given conversations, with its raw mail and an attachment in the blob store. */
async function storeMessage(messageKey: string, placements: { mailboxId: string; conversationId: string }[], direction: 'inbound' | 'outbound' = 'inbound') {
  await h.db.table.put({
    PK: `MSG#${messageKey}`, SK: 'MSG', type: 'message', messageKey, messageId: `${messageKey}@client.test`, direction,
    rawKey: `inbound/${messageKey}`, receivedAt: h.clock.now().toISOString(), subject: 'Objet', from: { address: 'client@client.test', name: '' },
    attachments: [{ index: 0, storageKey: `attachments/${messageKey}/0` }], placements: placements.map((p) => ({ ...p, threading: { kind: 'new' } })),
  });
  await blobs.put(`inbound/${messageKey}`, 'raw', 'message/rfc822');
  await blobs.put(`attachments/${messageKey}/0`, 'pdf', 'application/pdf');
}

function event(detailType: ReactionEvent['detailType'], data: Record<string, unknown>, eventId = `e-${Math.random()}`): ReactionEvent {
  return { detailType, eventId, occurredAt: h.clock.now().toISOString(), data };
}

/** What the bus rule hands the timers queue, as EventBridge shapes it. */
async function deliver(events: DomainEvent[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const e of events) {
    const record = parseTimerRecord(JSON.stringify({ 'detail-type': e.detailType, source: 'mailroom', detail: e.detail }));
    if (record) outcomes.push(await processTimerRecord(record, { scheduler, workflow, reactions }));
  }
  return outcomes;
}

describe('move to another mailbox', () => {
  it('moves every list key in one write, clears an assignee who is not a member of the target, and relocates placements', async () => {
    // Prepare
    const c = await storeConversation(h, { assignee: julien });
    await storeMessage(c.lastMessageKey, [{ mailboxId: 'support', conversationId: c.conversationId }]);

    // Act
    const moved = await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: alex, body: { mailboxId: 'ventes', expectedVersion: 1 } });

    // Assess
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.conversation).toMatchObject({ mailboxId: 'ventes', assignee: null, status: 'unassigned', version: 2 });
    expect(await listIds(alex, 'support')).not.toContain(c.conversationId);
    expect(await listIds(sarah, 'ventes')).toContain(c.conversationId);
    expect(await item(c.conversationId)).toMatchObject({ mailboxId: 'ventes', GSI1PK: 'MBX#ventes', GSI2PK: 'MBX#ventes#ST#unassigned' });
    expect(await item(c.conversationId)).not.toHaveProperty('GSI4PK');
    const message = await h.db.table.get({ PK: `MSG#${c.lastMessageKey}`, SK: 'MSG' }, true);
    expect(message?.placements).toMatchObject([{ mailboxId: 'ventes', conversationId: c.conversationId }]);
    expect(published().map((e) => e.detailType)).toEqual(['Conversation Moved', 'Conversation Unassigned', 'Conversation Status Changed']);
    expect(published()[0]!.detail.data).toMatchObject({ fromMailboxId: 'support', mailboxId: 'ventes', previousAssignee: julien, actor: alex });
    expect((await history(c.conversationId, sarah)).map((e) => e.kind)).toEqual(['received', 'moved', 'unassigned', 'status_changed']);
    // Julien no longer sees it.
    expect((await call(h, 'GET', `/api/conversations/${c.conversationId}`, { email: julien })).status).toBe(404);
  });

  it('keeps an assignee who is a member of the target, under the target assignee partition', async () => {
    const c = await storeConversation(h, { mailboxId: 'ventes', assignee: alex });
    const moved = await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: sarah, body: { mailboxId: 'support' } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(422);
    // Sarah is not a member of Support; Camille (admin of both) is.
    const ok = await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: camille, body: { mailboxId: 'support' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.conversation).toMatchObject({ mailboxId: 'support', assignee: alex, status: 'assigned' });
    expect(await item(c.conversationId)).toMatchObject({ GSI4PK: `MBX#support#AS#${alex}` });
    expect(await listIds(alex, 'support', { assignee: 'me' })).toContain(c.conversationId);
  });

  it('refuses agents (403), non-members of the target (422) and a stale version (409 with the current state)', async () => {
    const c = await storeConversation(h, { assignee: julien });
    expect((await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: julien, body: { mailboxId: 'ventes' } })).status).toBe(403);
    const personal = await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: camille, body: { mailboxId: 'alex' } });
    expect(personal.status).toBe(422);
    expect(personal.body.errors).toEqual([{ field: 'body.mailboxId', message: expect.any(String) }]);
    await call(h, 'POST', `/api/conversations/${c.conversationId}/labels`, { email: alex, body: { add: ['x'] } });
    const stale = await call(h, 'POST', `/api/conversations/${c.conversationId}/move`, { email: alex, body: { mailboxId: 'ventes', expectedVersion: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ mailboxId: 'support', version: 2 });
  });
});

describe('trash, restore and permanent deletion', () => {
  it('moves the conversation to the #TRASHED partitions and back', async () => {
    const c = await storeConversation(h, { assignee: julien });
    await call(h, 'POST', `/api/conversations/${c.conversationId}/archive`, { email: alex });

    const trashed = await call(h, 'POST', `/api/conversations/${c.conversationId}/trash`, { email: julien });

    expect(trashed.status, JSON.stringify(trashed.body)).toBe(200);
    expect(trashed.body.conversation).toMatchObject({ trashed: true, archived: false });
    expect(await item(c.conversationId)).toMatchObject({
      trashed: true, GSI1PK: 'MBX#support#TRASHED', GSI2PK: 'MBX#support#ST#assigned#TRASHED', GSI4PK: `MBX#support#AS#${julien}#TRASHED`,
    });
    expect(await listIds(alex, 'support')).not.toContain(c.conversationId);
    expect(await listIds(alex, 'support', { archived: 'true' })).not.toContain(c.conversationId);
    expect(await listIds(alex, 'support', { trashed: 'true' })).toContain(c.conversationId);
    expect(await listIds(julien, 'support', { trashed: 'true' })).toContain(c.conversationId);
    const trashList = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { trashed: 'true', limit: '100' } });
    expect(trashList.body.items.find((row: { conversationId: string }) => row.conversationId === c.conversationId)).toMatchObject({ trashed: true, archived: false });

    const restored = await call(h, 'POST', `/api/conversations/${c.conversationId}/restore`, { email: alex });
    expect(restored.body.conversation).toMatchObject({ trashed: false });
    expect(await item(c.conversationId)).toMatchObject({ GSI1PK: 'MBX#support', GSI4PK: `MBX#support#AS#${julien}` });
    expect(await listIds(alex, 'support')).toContain(c.conversationId);
    expect(published().map((e) => e.detailType)).toEqual(['Conversation Archived', 'Conversation Trashed', 'Conversation Restored']);
  });

  it('lets only admins delete, only from the trash; the purge erases messages no other conversation holds', async () => {
    // Prepare: one message only here, one also placed in another mailbox's conversation.
    const c = await storeConversation(h);
    const other = await storeConversation(h, { mailboxId: 'ventes' });
    await storeMessage('mOnly', [{ mailboxId: 'support', conversationId: c.conversationId }]);
    await storeMessage('mShared', [{ mailboxId: 'support', conversationId: c.conversationId }, { mailboxId: 'ventes', conversationId: other.conversationId }]);
    await h.db.table.update({
      Key: { PK: `CONV#${c.conversationId}`, SK: 'CONV' }, UpdateExpression: 'SET messageRefs = :refs',
      ExpressionAttributeValues: { ':refs': new Set(['2026-11-19T08:00:00.000Z#mOnly', '2026-11-19T08:01:00.000Z#mShared']) },
    });
    await call(h, 'POST', `/api/conversations/${c.conversationId}/notes`, { email: alex, body: { body: 'note' } });

    // Act / Assess: refusals.
    expect((await call(h, 'DELETE', `/api/conversations/${c.conversationId}`, { email: camille })).status).toBe(422);
    await call(h, 'POST', `/api/conversations/${c.conversationId}/trash`, { email: alex });
    expect((await call(h, 'DELETE', `/api/conversations/${c.conversationId}`, { email: alex })).status).toBe(403);
    expect((await call(h, 'DELETE', `/api/conversations/${c.conversationId}`, { email: camille, headers: { 'if-match': '"1"' } })).status).toBe(409);
    h.events.published.length = 0;

    // Act: the admin deletes; the timers function receives the event and purges.
    const deleted = await call(h, 'DELETE', `/api/conversations/${c.conversationId}`, { email: camille });
    const again = await call(h, 'DELETE', `/api/conversations/${c.conversationId}`, { email: camille });
    const outcomes = await deliver(published());
    await deliver(published());

    // Assess
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(202);
    expect(again.status).toBe(202);
    expect(deleted.body.deleted).toMatchObject({ conversationId: c.conversationId, deletedBy: camille, messageKeys: ['mOnly', 'mShared'] });
    expect(published().map((e) => e.detail.metadata.eventId)).toEqual(Array(4).fill(`conversation:${c.conversationId}:deleted`).slice(0, published().length));
    expect(outcomes[0]).toMatch(/purged: 1 erased, 1 kept/);
    expect((await call(h, 'GET', `/api/conversations/${c.conversationId}`, { email: camille })).status).toBe(404);
    expect(await listIds(camille, 'support', { trashed: 'true' })).not.toContain(c.conversationId);
    expect(blobs.objects.has('inbound/mOnly')).toBe(false);
    expect(blobs.objects.has('attachments/mOnly/0')).toBe(false);
    expect(blobs.objects.has('inbound/mShared')).toBe(true);
    expect(await h.db.table.get({ PK: 'MSG#mOnly', SK: 'MSG' }, true)).toBeUndefined();
    expect((await h.db.table.get({ PK: 'MSG#mShared', SK: 'MSG' }, true))?.placements).toMatchObject([{ conversationId: other.conversationId }]);
    const left = await h.db.table.query({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `CONV#${c.conversationId}` } });
    expect(left.items.map((i) => i.SK)).toEqual(['DELETED']);
    expect(left.items[0]).toMatchObject({ deletedBy: camille, mailboxId: 'support' });
  });

  it('purges idempotently: a second run finds nothing left', async () => {
    const report = await purgeConversation({ table: h.db.table, blobs }, { conversationId: 'cGone', messageKeys: ['nothing'] });
    expect(report).toEqual({ erased: [], kept: [], blobsDeleted: 0, itemsDeleted: 0 });
  });
});

describe('qualifications', () => {
  it('are managed by org admins, listed for members, and qualify conversations of the organisation', async () => {
    // Act
    const created = await call(h, 'POST', '/api/qualifications', { email: camille, body: { name: 'Réclamation' } });
    const duplicate = await call(h, 'POST', '/api/qualifications', { email: camille, body: { name: 'reclamation' } });
    const byAgent = await call(h, 'POST', '/api/qualifications', { email: julien, body: { name: 'Devis' } });
    const list = await call(h, 'GET', '/api/qualifications', { email: julien });

    // Assess
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(duplicate.status).toBe(409);
    expect(byAgent.status).toBe(403);
    const qualificationId = created.body.qualification.qualificationId as string;
    expect(list.body.items.map((q: any) => q.name)).toContain('Réclamation');

    // Act: qualify a conversation, then refuse an unknown id.
    const c = await storeConversation(h, { assignee: julien });
    h.events.published.length = 0;
    const qualified = await call(h, 'POST', `/api/conversations/${c.conversationId}/qualification`, { email: julien, body: { qualification: qualificationId } });
    const unknown = await call(h, 'POST', `/api/conversations/${c.conversationId}/qualification`, { email: julien, body: { qualification: 'qNope' } });

    // Assess
    expect(qualified.body.conversation).toMatchObject({ qualification: qualificationId, version: 2 });
    expect(await item(c.conversationId)).toMatchObject({ qualification: qualificationId });
    expect(unknown.status).toBe(422);
    expect(published().map((e) => [e.detailType, e.detail.data.qualification])).toEqual([['Conversation Qualified', qualificationId]]);
    expect((await history(c.conversationId)).at(-1)).toMatchObject({ kind: 'qualified', actor: julien, qualification: qualificationId, previousQualification: null });

    // Rename and delete.
    const renamed = await call(h, 'PATCH', `/api/qualifications/${qualificationId}`, { email: camille, body: { name: 'Réclamation client', expectedVersion: 1 } });
    expect(renamed.body.qualification).toMatchObject({ name: 'Réclamation client', version: 2 });
    expect((await call(h, 'PATCH', `/api/qualifications/${qualificationId}`, { email: camille, body: { name: 'X', expectedVersion: 1 } })).status).toBe(409);
    expect((await call(h, 'DELETE', `/api/qualifications/${qualificationId}`, { email: camille })).status).toBe(204);
    expect((await call(h, 'GET', '/api/qualifications', { email: julien })).body.items.map((q: any) => q.qualificationId)).not.toContain(qualificationId);
    const removed = await call(h, 'POST', `/api/conversations/${c.conversationId}/qualification`, { email: julien, body: { qualification: null } });
    expect(removed.body.conversation.qualification).toBeNull();
  });
});

describe('response deadline and overdue', () => {
  it('arms a deadline on a customer message, marks the conversation overdue when it fires, and a reply clears it', async () => {
    // Prepare
    await setSettings('support', { responseDeadlineMinutes: 30 });
    const c = await storeConversation(h, { assignee: julien, at: h.clock.now().toISOString() });
    const received = event('Message Received', {
      messageKey: c.lastMessageKey, receivedAt: c.lastActivityAt, flags: [], placements: [{ mailboxId: 'support', conversationId: c.conversationId }],
    });

    // Act
    const armed = await reactions.handle(received);
    await reactions.handle(received);

    // Assess: one schedule, at the customer message time + 30 minutes.
    expect(armed).toBe('deadline-armed');
    const dueAt = new Date(Date.parse(c.lastActivityAt) + 30 * 60_000).toISOString();
    expect([...scheduler.schedules.values()]).toEqual([{ at: new Date(dueAt), message: { timer: 'deadline', conversationId: c.conversationId, token: Date.parse(dueAt), setBy: null } }]);
    expect(await item(c.conversationId)).toMatchObject({ dueAt });

    // Act: it fires (twice).
    const timer = [...scheduler.schedules.values()][0]!.message;
    h.clock.advance(30 * 60_000);
    expect(await workflow.fireTimer(timer)).toBe('fired');
    expect(await workflow.fireTimer(timer)).toBe('replayed');

    // Assess: overdue, the marker under GSI3 for the statistics, the list shows it.
    expect(await item(c.conversationId)).toMatchObject({ overdue: true });
    const markers = await h.db.table.query({ IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :pk', ExpressionAttributeValues: { ':pk': 'OVERDUE#support' } });
    expect(markers.items.map((i) => i.GSI3SK)).toContain(`${dueAt}#${c.conversationId}`);
    const row = (await call(h, 'GET', '/api/mailboxes/support/conversations', { email: julien, query: { limit: '100' } })).body.items.find((i: any) => i.conversationId === c.conversationId);
    expect(row).toMatchObject({ overdue: true });
    expect(published().filter((e) => e.detailType === 'Conversation Overdue').map((e) => e.detail.data)).toMatchObject([{ actor: 'system', dueAt }, { actor: 'system', dueAt }]);

    // Act: Julien replies (the outbox publishes Message Queued).
    h.events.published.length = 0;
    h.clock.advance(60_000);
    const outcome = await reactions.handle(event('Message Queued', { conversationId: c.conversationId, mailboxId: 'support', messageKey: 'mReply', composedBy: julien, kind: 'reply' }));

    // Assess
    expect(outcome).toMatch(/deadline cleared/);
    expect(await item(c.conversationId)).not.toHaveProperty('overdue');
    expect(await item(c.conversationId)).not.toHaveProperty('dueAt');
    expect(await h.db.table.get({ PK: `CONV#${c.conversationId}`, SK: 'OVERDUE' }, true)).toBeUndefined();
    expect(published().map((e) => e.detailType)).toEqual(['Conversation Overdue Cleared']);
    const kinds = (await history(c.conversationId)).map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(['overdue', 'replied', 'overdue_cleared']);
    // A late redelivery of the deadline timer only repeats the overdue change's side effects (same
    // event id); it neither marks the conversation overdue again nor brings the marker back.
    expect(await workflow.fireTimer({ ...timer })).toBe('replayed');
    expect(await item(c.conversationId)).not.toHaveProperty('overdue');
    expect(await h.db.table.get({ PK: `CONV#${c.conversationId}`, SK: 'OVERDUE' }, true)).toBeUndefined();
  });

  it('closing clears an overdue conversation and its marker; auto-replies and mailboxes without a deadline arm nothing', async () => {
    await setSettings('support', { responseDeadlineMinutes: 1 });
    const c = await storeConversation(h, { assignee: julien });
    expect(await reactions.handle(event('Message Received', { messageKey: c.lastMessageKey, receivedAt: c.lastActivityAt, flags: ['auto-reply'], placements: [{ mailboxId: 'support', conversationId: c.conversationId }] })))
      .toBe('no-response-expected');
    // The deadline is already past: it fires at once.
    await reactions.handle(event('Message Received', { messageKey: c.lastMessageKey, receivedAt: c.lastActivityAt, flags: [], placements: [{ mailboxId: 'support', conversationId: c.conversationId }] }));
    expect(scheduler.schedules.size).toBe(0);
    expect(await item(c.conversationId)).toMatchObject({ overdue: true });

    const closed = await call(h, 'POST', `/api/conversations/${c.conversationId}/status`, { email: julien, body: { status: 'closed' } });

    expect(closed.body.conversation).toMatchObject({ status: 'closed', overdue: false, dueAt: null });
    expect(await h.db.table.get({ PK: `CONV#${c.conversationId}`, SK: 'OVERDUE' }, true)).toBeUndefined();
    await setSettings('support', {});
    const d = await storeConversation(h);
    expect(await reactions.handle(event('Message Received', { messageKey: d.lastMessageKey, receivedAt: d.lastActivityAt, flags: [], placements: [{ mailboxId: 'support', conversationId: d.conversationId }] })))
      .toBe('no-deadline');
  });
});

describe('automatic reassignment after inactivity', () => {
  it('unassigns when the assignee did nothing for the period; later activity makes earlier timers harmless', async () => {
    // Prepare
    await setSettings('support', { autoReassignAfterMinutes: 60 });
    const c = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${c.conversationId}/assign`, { email: alex, body: { assignee: julien } });

    // Act: the assignment arms the timer; Julien works 10 minutes later, which re-arms it.
    await deliver(published());
    const [first] = [...scheduler.schedules.values()];
    h.clock.advance(10 * 60_000);
    h.events.published.length = 0;
    await call(h, 'POST', `/api/conversations/${c.conversationId}/status`, { email: julien, body: { status: 'in_progress' } });
    await deliver(published());

    // Assess
    expect(first!.message).toMatchObject({ timer: 'inactivity', conversationId: c.conversationId, setBy: julien });
    expect(scheduler.schedules.size).toBe(2);
    expect(await workflow.fireTimer(first!.message)).toBe('stale');
    const second = [...scheduler.schedules.values()][1]!;
    expect(second.at.getTime() - first!.at.getTime()).toBe(10 * 60_000);

    // Act: the second one fires.
    h.events.published.length = 0;
    expect(await workflow.fireTimer(second.message)).toBe('fired');

    // Assess
    expect(await item(c.conversationId)).toMatchObject({ status: 'unassigned' });
    expect(await item(c.conversationId)).not.toHaveProperty('assignee', julien);
    expect(published().map((e) => [e.detailType, e.detail.data.actor])).toEqual([['Conversation Unassigned', 'system'], ['Conversation Status Changed', 'system']]);
    expect((await history(c.conversationId)).at(-2)).toMatchObject({ kind: 'unassigned', actor: 'system', previousAssignee: julien, message: 'auto-unassigned after inactivity' });
  });
});

describe('assignment marks read', () => {
  it('marks the conversation read for the assignee when the mailbox says so', async () => {
    await setSettings('support', { assignmentMarksRead: true });
    const c = await storeConversation(h);
    const assigned = await call(h, 'POST', `/api/conversations/${c.conversationId}/assign`, { email: alex, body: { assignee: julien } });
    expect(assigned.body.conversation).toMatchObject({ assignee: julien });
    const asJulien = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: julien, query: { limit: '100' } });
    expect(asJulien.body.items.find((i: any) => i.conversationId === c.conversationId)).toMatchObject({ unread: false });

    await setSettings('support', {});
    const d = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${d.conversationId}/assign`, { email: alex, body: { assignee: julien } });
    const again = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: julien, query: { limit: '100' } });
    expect(again.body.items.find((i: any) => i.conversationId === d.conversationId)).toMatchObject({ unread: true });
  });
});

describe('presence', () => {
  it('shows who else is viewing or replying, until the heartbeat expires; non-members get 404', async () => {
    const c = await storeConversation(h, { assignee: julien });
    const first = await call(h, 'POST', `/api/conversations/${c.conversationId}/presence`, { email: alex, body: { activity: 'viewing' } });
    const second = await call(h, 'POST', `/api/conversations/${c.conversationId}/presence`, { email: julien, body: { activity: 'replying' } });
    expect(first.body.others).toEqual([]);
    expect(second.body.others).toEqual([{ email: alex, activity: 'viewing', at: h.clock.now().toISOString() }]);
    expect((await call(h, 'GET', `/api/conversations/${c.conversationId}/presence`, { email: alex })).body.others).toMatchObject([{ email: julien, activity: 'replying' }]);
    expect((await call(h, 'POST', `/api/conversations/${c.conversationId}/presence`, { email: sarah, body: { activity: 'viewing' } })).status).toBe(404);
    expect((await call(h, 'POST', `/api/conversations/${c.conversationId}/presence`, { email: alex, body: { activity: 'typing' } })).status).toBe(400);

    h.clock.advance(60_000);
    expect((await call(h, 'GET', `/api/conversations/${c.conversationId}/presence`, { email: alex })).body.others).toEqual([]);
  });
});

describe('reply collision guard', () => {
  it('lists the messages that joined since a version, not the workflow changes', async () => {
    // Prepare: version 1, a label (v2), a customer message (v3), an assignment (v4).
    const c = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${c.conversationId}/labels`, { email: alex, body: { add: ['a'] } });
    const at = '2026-11-21T10:00:00.000Z';
    await storeMessage('mNew', [{ mailboxId: 'support', conversationId: c.conversationId }]);
    await h.store.appendToConversation({ conversationId: c.conversationId, messageRef: `${at}#mNew`, at, snippet: 'Re', from: null, participants: [], labels: [], flags: [], hasAttachments: false });
    await call(h, 'POST', `/api/conversations/${c.conversationId}/assign`, { email: alex, body: { assignee: julien } });
    const current = (await repository.get(c.conversationId, true))!;
    expect(current.version).toBe(4);

    // Act / Assess
    expect((await messagesSince(h.db.table, current, 1)).map((m) => [m.kind, m.messageKey])).toEqual([['received', 'mNew']]);
    expect(await messagesSince(h.db.table, current, 2)).toHaveLength(1);
    expect(await messagesSince(h.db.table, current, 3)).toEqual([]);
    expect(await messagesSince(h.db.table, current, 4)).toEqual([]);
    const caller = (await new Directory(h.db.table).getUser(alex))!;
    expect((await checkReplyCollision(h.db.table, caller, c.conversationId, 2)).kind).toBe('collision');
    const outsider = (await new Directory(h.db.table).getUser(sarah))!;
    expect((await checkReplyCollision(h.db.table, outsider, c.conversationId, 2)).kind).toBe('clear');
  });
});

describe('notifications', () => {
  it('stores one notification per mention or assignment event, lists them newest first and marks them read', async () => {
    const c = await storeConversation(h);
    const note = await call(h, 'POST', `/api/conversations/${c.conversationId}/notes`, { email: alex, body: { body: 'Regarde @julien' } });
    expect(note.status).toBe(201);
    h.clock.advance(1000);
    await call(h, 'POST', `/api/conversations/${c.conversationId}/assign`, { email: alex, body: { assignee: julien } });
    await deliver(published());
    await deliver(published());

    const list = await call(h, 'GET', '/api/me/notifications', { email: julien });
    expect(list.status).toBe(200);
    const mine = list.body.items.filter((n: any) => n.conversationId === c.conversationId);
    expect(mine.map((n: any) => n.kind)).toEqual(['assigned', 'mention']);
    expect(mine[1]).toMatchObject({ by: alex, noteId: note.body.note.noteId, readAt: null });

    const read = await call(h, 'POST', `/api/me/notifications/${mine[1].notificationId}/read`, { email: julien });
    expect(read.body.notification.readAt).toBe(h.clock.now().toISOString());
    const unread = await call(h, 'GET', '/api/me/notifications', { email: julien, query: { unread: 'true' } });
    expect(unread.body.items.map((n: any) => n.notificationId)).not.toContain(mine[1].notificationId);
    expect((await call(h, 'POST', `/api/me/notifications/${mine[1].notificationId}/read`, { email: alex })).status).toBe(404);
    expect((await call(h, 'GET', '/api/me/notifications', { email: alex })).body.items.filter((n: any) => n.conversationId === c.conversationId)).toEqual([]);
  });
});

describe('response deadline ordering', () => {
  it('keeps a wait started by a customer message that came after the reply, even when the reply event is processed last', async () => {
    // Prepare: the customer writes at 09:00, Julien replies at 09:05, the customer writes again at 09:10.
    await setSettings('support', { responseDeadlineMinutes: 60 });
    const c = await storeConversation(h, { assignee: julien, at: h.clock.now().toISOString() });
    const replyAt = new Date(h.clock.now().getTime() + 5 * 60_000).toISOString();
    const laterAt = new Date(h.clock.now().getTime() + 10 * 60_000).toISOString();
    await h.store.appendToConversation({ conversationId: c.conversationId, messageRef: `${laterAt}#mLater`, at: laterAt, snippet: 'Re', from: null, participants: [], labels: [], flags: [], hasAttachments: false });

    // Act: the later customer message's event first, then the (earlier) reply's.
    await reactions.handle(event('Message Received', { messageKey: 'mLater', receivedAt: laterAt, flags: [], placements: [{ mailboxId: 'support', conversationId: c.conversationId }] }));
    const outcome = await reactions.handle({ ...event('Message Queued', { conversationId: c.conversationId, mailboxId: 'support', messageKey: 'mReply2', composedBy: julien, kind: 'reply' }), occurredAt: replyAt });

    // Assess
    expect(outcome).toMatch(/deadline moved-on/);
    expect(await item(c.conversationId)).toMatchObject({ dueAt: new Date(Date.parse(laterAt) + 3600_000).toISOString() });
  });
});
