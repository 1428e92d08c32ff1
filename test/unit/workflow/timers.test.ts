/**
 * Snooze and follow-up timers on dynalite: the API change publishes the arming event, the timers
 * function turns it into a one-time schedule (an in-memory scheduler here) and fires it later.
 * Covers a timer delivered twice (no second change, same event ids), a stale timer after the customer replied, and a snooze replaced by
 * a later one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../shared/ports/index.js';
import { ConversationRepository } from '../../../shared/workflow/conversation-repository.js';
import { ConversationWorkflow } from '../../../shared/workflow/conversation-workflow.js';
import { Directory } from '../../../shared/org/directory.js';
import { parseTimerRecord, processTimerRecord, type TimerMessage, type TimerScheduler } from '../../../shared/workflow/timers.js';
import { call, startHarness, storeConversation, type Harness } from './harness.js';

let h: Harness;
let workflow: ConversationWorkflow;
const julien = 'julien@acme.test';
const alex = 'alex@acme.test';

/** Schedules by name, like Scheduler: a second create with the same name is ignored. */
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
  workflow = new ConversationWorkflow({ repository: new ConversationRepository(h.db.table), directory: new Directory(h.db.table), events: h.events, clock: h.clock });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.events.published.length = 0;
  scheduler = new MemoryScheduler();
});

const published = () => h.events.published as DomainEvent<any>[];

/** What the bus rule hands the timers queue: the published events that arm a timer, as EventBridge shapes them. */
async function armFromPublished(): Promise<TimerMessage[]> {
  const armed: TimerMessage[] = [];
  for (const event of published()) {
    const record = parseTimerRecord(JSON.stringify({ 'detail-type': event.detailType, source: 'mailroom', detail: event.detail }));
    if (record?.kind === 'arm') {
      await processTimerRecord(record, { scheduler, workflow });
      armed.push(record.message);
    }
  }
  return armed;
}

async function fire(message: TimerMessage): Promise<string> {
  const record = parseTimerRecord(JSON.stringify(message));
  expect(record?.kind).toBe('fire');
  return processTimerRecord(record!, { scheduler, workflow });
}

async function listIds(query: Record<string, string> = {}): Promise<string[]> {
  const reply = await call(h, 'GET', '/api/mailboxes/support/conversations', { email: alex, query: { limit: '100', ...query } });
  return (reply.body.items as { conversationId: string }[]).map((c) => c.conversationId);
}

function customerReply(conversationId: string, at: string) {
  return h.store.appendToConversation({
    conversationId, messageRef: `${at}#r-${conversationId}-${at}`, at, snippet: 'Re', from: null, participants: [], labels: [], flags: [], hasAttachments: false,
  });
}

describe('snooze', () => {
  it('leaves the default lists until the timer fires, once, then comes back with history and events', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { assignee: julien });
    const until = new Date(h.clock.now().getTime() + 3600_000).toISOString();

    // Act
    const snoozed = await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: julien, body: { until } });
    const armed = await armFromPublished();

    // Assess
    expect(snoozed.status, JSON.stringify(snoozed.body)).toBe(200);
    expect(armed).toEqual([{ timer: 'snooze', conversationId, token: 2, setBy: julien }]);
    expect([...scheduler.schedules.values()]).toEqual([{ at: new Date(until), message: armed[0] }]);
    expect(await listIds()).not.toContain(conversationId);
    expect(await listIds({ snoozed: 'true' })).toContain(conversationId);
    expect(await listIds({ assignee: julien, snoozed: 'true' })).toContain(conversationId);

    // Act: the timer fires, then is delivered again.
    h.events.published.length = 0;
    h.clock.advance(3600_000);
    const first = await fire(armed[0]!);
    const second = await fire(armed[0]!);

    // Assess: the second delivery changes nothing; it republishes the same event (same id) in
    // case the first stopped before publishing.
    expect([first, second]).toEqual(['fired', 'replayed']);
    expect(await listIds()).toContain(conversationId);
    expect(await listIds({ snoozed: 'true' })).not.toContain(conversationId);
    expect(published().map((e) => [e.detailType, e.detail.data.actor])).toEqual([['Conversation Unsnoozed', 'system'], ['Conversation Unsnoozed', 'system']]);
    expect(new Set(published().map((e) => e.detail.metadata.eventId)).size).toBe(1);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: julien });
    expect(history.body.items.map((e: any) => e.kind)).toEqual(['received', 'snoozed', 'timer_fired', 'unsnoozed']);
    expect(history.body.items[2]).toMatchObject({ actor: 'system', timer: 'snooze', dueAt: until, setBy: julien });
  });

  it('ends early when the customer replies; the timer then changes nothing', async () => {
    const { conversationId } = await storeConversation(h);
    await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: alex, body: { until: new Date(h.clock.now().getTime() + 60_000).toISOString() } });
    const [timer] = await armFromPublished();

    expect(await customerReply(conversationId, '2026-11-21T10:00:00.000Z')).toBe('appended');
    expect(await listIds()).toContain(conversationId);
    const item = await h.db.table.get({ PK: `CONV#${conversationId}`, SK: 'CONV' }, true);
    expect(item).not.toHaveProperty('snoozedUntil');
    expect(item).toMatchObject({ GSI1PK: 'MBX#support', GSI2PK: 'MBX#support#ST#unassigned' });

    h.events.published.length = 0;
    expect(await fire(timer!)).toBe('stale');
    expect(published()).toEqual([]);
  });

  it('ignores the timer of a snooze replaced by a later one, and refuses a time in the past', async () => {
    const { conversationId } = await storeConversation(h);
    const at = (ms: number) => new Date(h.clock.now().getTime() + ms).toISOString();
    await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: alex, body: { until: at(60_000) } });
    await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: alex, body: { until: at(120_000) } });
    const [earlier, later] = await armFromPublished();

    expect(await fire(earlier!)).toBe('stale');
    expect(await listIds()).not.toContain(conversationId);
    expect(await fire(later!)).toBe('fired');
    expect(await listIds()).toContain(conversationId);

    const past = await call(h, 'POST', `/api/conversations/${conversationId}/snooze`, { email: alex, body: { until: at(-1000) } });
    expect(past.status).toBe(422);
    expect(past.body.errors).toEqual([{ field: 'body.until', message: 'The time must be in the future.' }]);
  });
});

describe('follow-up reminder', () => {
  it('publishes Follow-up Due when no customer message arrived since it was set', async () => {
    // Prepare
    const { conversationId } = await storeConversation(h, { assignee: julien });
    const remindAt = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    const set = await call(h, 'POST', `/api/conversations/${conversationId}/follow-up`, { email: julien, body: { at: remindAt } });
    const [timer] = await armFromPublished();
    expect(set.status).toBe(200);
    // Still in the lists: a reminder does not hide the conversation.
    expect(await listIds()).toContain(conversationId);

    // Act
    h.events.published.length = 0;
    const outcomes = [await fire(timer!), await fire(timer!)];

    // Assess
    expect(outcomes).toEqual(['fired', 'replayed']);
    expect(published().map((e) => e.detailType)).toEqual(['Follow-up Due', 'Follow-up Due']);
    expect(new Set(published().map((e) => e.detail.metadata.eventId)).size).toBe(1);
    expect(published()[0]!.detail.data).toMatchObject({ conversationId, at: remindAt, setBy: julien, actor: 'system' });
    expect(published()[0]!.detail.metadata.eventId).toBe(`conversation:${conversationId}:v3:timer_fired`);
  });

  it('does nothing when the customer replied after it was set (stale timer)', async () => {
    const { conversationId } = await storeConversation(h, { assignee: julien });
    await call(h, 'POST', `/api/conversations/${conversationId}/follow-up`, { email: julien, body: { at: new Date(h.clock.now().getTime() + 60_000).toISOString() } });
    const [timer] = await armFromPublished();

    await customerReply(conversationId, '2026-11-21T11:00:00.000Z');
    h.events.published.length = 0;

    expect(await fire(timer!)).toBe('stale');
    expect(published()).toEqual([]);
    const history = await call(h, 'GET', `/api/conversations/${conversationId}/history`, { email: julien });
    expect(history.body.items.map((e: any) => e.kind)).not.toContain('timer_fired');
  });

  it('is cancelled by a member with at: null', async () => {
    const { conversationId } = await storeConversation(h, { assignee: julien });
    await call(h, 'POST', `/api/conversations/${conversationId}/follow-up`, { email: julien, body: { at: new Date(h.clock.now().getTime() + 60_000).toISOString() } });
    const [timer] = await armFromPublished();

    const cancelled = await call(h, 'POST', `/api/conversations/${conversationId}/follow-up`, { email: julien, body: { at: null } });

    expect(cancelled.body.changed).toBe(true);
    expect(published().map((e) => e.detailType)).toContain('Follow-up Cancelled');
    expect(await fire(timer!)).toBe('stale');
  });
});

describe('timer records', () => {
  it('drops bodies that are neither an arming event nor a timer', () => {
    expect(parseTimerRecord('not json')).toBeNull();
    expect(parseTimerRecord(JSON.stringify({ 'detail-type': 'Conversation Labelled', detail: { data: {} } }))).toBeNull();
    expect(parseTimerRecord(JSON.stringify({ timer: 'snooze', conversationId: 'c1', token: 0, setBy: null }))).toBeNull();
  });
});
