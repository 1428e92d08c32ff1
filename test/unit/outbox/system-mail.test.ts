/**
 * System-generated mail on real DynamoDB semantics (dynalite): the auto-acknowledgement's rules
 * (never to auto-replies, bounces, list mail or no-reply senders; one per sender and mailbox per
 * window; idempotent on redelivery; threaded into the conversation without moving it) and
 * notification emails for mentions and assignments, with the user's opt-out. Events go through
 * the notify function's handler, as EventBridge would hand them over.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleNotify } from '../../../functions/notify/handler.js';
import { buildEvent, EVENT_SOURCE, type EventData, type EventName } from '../../../shared/events/contracts.js';
import { conversationItem, MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { OutboxStore } from '../../../shared/outbox/outbox-store.js';
import { saveEmailNotifications } from '../../../shared/outbox/preferences.js';
import type { OutboxQueue } from '../../../shared/outbox/queue.js';
import { saveOutboxSettings } from '../../../shared/outbox/settings.js';
import { isNoReplyAddress, type SystemMailDeps } from '../../../shared/outbox/system-mail.js';
import type { SendTrigger } from '../../../shared/outbox/trigger.js';
import { partitionsFor, readMerged } from '../../../shared/outbox/views.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

class RecordingQueue implements OutboxQueue {
  readonly enqueued: SendTrigger[] = [];
  async enqueue(trigger: SendTrigger): Promise<void> {
    this.enqueued.push(trigger);
  }
}

let db: TestTable;
let directory: Directory;
let blobs: MemoryBlobStore;
let events: MemoryEvents;
let clock: FixedClock;
let queue: RecordingQueue;
let deps: SystemMailDeps;
let sequence = 0;

beforeAll(async () => {
  db = await startTestTable();
  directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  await saveOutboxSettings(db.table, 'support', { autoAck: { enabled: true, subject: 'Re: {{subject}}', text: 'Bien reçu ({{mailbox}}).', windowHours: 24 } });
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock(new Date('2026-11-20T09:00:00.000Z'));
  queue = new RecordingQueue();
  deps = {
    table: db.table, outbox: new OutboxStore(db.table), directory, blobs, queue, events, clock,
    defaults: { maxAttempts: 3, connector: 'ses' }, appUrl: 'https://mail.acme.test',
  };
});

/** An event as EventBridge delivers it to a Lambda target. */
function onBus<N extends EventName>(name: N, eventId: string, data: EventData<N>) {
  const event = buildEvent(name, eventId, data, clock.now());
  return { version: '0', id: `bus-${eventId}`, source: EVENT_SOURCE, 'detail-type': event.detailType, account: '0', time: clock.now().toISOString(), region: 'us-east-1', resources: [], detail: event.detail };
}

async function customerMail(from: string, options: { flags?: string[]; newConversation?: boolean; mailboxId?: string } = {}) {
  sequence += 1;
  const conversationId = `cack${String(sequence).padStart(17, '0')}`;
  const mailboxId = options.mailboxId ?? 'support';
  const at = clock.now().toISOString();
  await db.table.put(conversationItem({
    conversationId, mailboxId, orgId: 'acme', subject: `Question ${sequence}`, subjectKey: `question ${sequence}`, snippet: 'Bonjour',
    from: { address: from, name: 'Client' }, participants: [from], status: 'unassigned', assignee: null, isNew: true, labels: [], flags: [],
    messageCount: 1, hasAttachments: false, createdAt: at, lastActivityAt: at, lastMessageKey: `in${sequence}`, messageRefs: [`${at}#in${sequence}`], version: 1,
  }));
  return onBus('messageReceived', `message-received:in${sequence}:${mailboxId}`, {
    messageKey: `in${sequence}`, messageId: `in${sequence}@client.test`, orgId: 'acme', receivedAt: at, subject: `Question ${sequence}`,
    from: { address: from, name: 'Client' }, to: [{ address: 'support@acme.test', name: '' }], cc: [],
    placements: [{ mailboxId, conversationId, newConversation: options.newConversation ?? true, threading: 'new' }],
    flags: options.flags ?? [], attachmentCount: 0, deliveryReport: null, readReport: null,
  });
}

function rawOf(messageKey: string): string {
  const object = blobs.objects.get(`outbound/${messageKey}.eml`);
  return object ? Buffer.from(object.body).toString('utf8') : '';
}

describe('auto-acknowledgement', () => {
  it('answers a new customer conversation once, marked auto-submitted, threaded, without moving the conversation', async () => {
    // Arrange
    const event = await customerMail('marie@client.test');
    // Act
    const outcomes = await handleNotify(event, deps);
    // Assess
    expect(outcomes).toEqual([{ kind: 'queued', messageKey: expect.any(String), systemKind: 'auto-ack', created: true }]);
    const { messageKey } = outcomes[0] as { messageKey: string };
    const record = await deps.outbox.get(messageKey);
    expect(record).toMatchObject({ status: 'queued', systemGenerated: true, systemKind: 'auto-ack', composedBy: 'system', subject: 'Re: Question 1', to: [{ address: 'marie@client.test' }] });
    expect(queue.enqueued).toEqual([{ messageKey, attempt: 0 }]);
    const raw = rawOf(messageKey);
    expect(raw).toMatch(/^Auto-Submitted: auto-replied\r?$/m);
    expect(raw).toMatch(/^In-Reply-To: <in1@client\.test>\r?$/m);
    expect(raw).toMatch(/Bien re(=C3=A7|ç)u \(Support\)/);
    const conversation = await new MailStore(db.table, blobs).getConversation(record!.conversationId);
    expect(conversation).toMatchObject({ messageCount: 2, snippet: 'Bonjour', lastMessageKey: 'in1' });
    expect(conversation!.messageRefs.some((r) => r.endsWith(messageKey))).toBe(true);
    expect(events.published.map((e) => e.detailType)).toEqual(['System Mail Queued']);
  });

  it('is idempotent on redelivery: the same event queues nothing new', async () => {
    const event = await customerMail('paul@client.test');
    const first = await handleNotify(event, deps);
    const again = await handleNotify(event, deps);
    expect(again).toEqual([{ ...first[0], created: false } as never]);
    const conversationId = event.detail.data.placements[0]!.conversationId;
    const conversation = await new MailStore(db.table, blobs).getConversation(conversationId);
    expect(conversation!.messageCount).toBe(2);
    expect(events.published).toHaveLength(1);
  });

  it('sends at most one per sender address and mailbox in the window', async () => {
    expect((await handleNotify(await customerMail('lea@client.test'), deps))[0]!.kind).toBe('queued');
    clock.advance(23 * 3_600_000);
    const second = await handleNotify(await customerMail('LEA@client.test'), deps);
    expect(second[0]).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('less than 24 h') });
    // Another mailbox keeps its own count; the window passes.
    await saveOutboxSettings(db.table, 'ventes', { autoAck: { enabled: true, subject: 'Merci', text: 'Reçu.', windowHours: 24 } });
    expect((await handleNotify(await customerMail('lea@client.test', { mailboxId: 'ventes' }), deps))[0]!.kind).toBe('queued');
    clock.advance(2 * 3_600_000);
    expect((await handleNotify(await customerMail('lea@client.test'), deps))[0]!.kind).toBe('queued');
    await saveOutboxSettings(db.table, 'ventes', { autoAck: { enabled: false, subject: 'Merci', text: 'Reçu.', windowHours: 24 } });
  });

  it('never answers auto-replies, bounces, list mail, spam, no-reply senders, replies, or mailboxes that did not ask for it', async () => {
    const refusals = [
      await handleNotify(await customerMail('ooo@client.test', { flags: ['auto-reply'] }), deps),
      await handleNotify(await customerMail('mailer-daemon@client.test', { flags: ['delivery-report'] }), deps),
      await handleNotify(await customerMail('news@client.test', { flags: ['bulk'] }), deps),
      await handleNotify(await customerMail('spam@client.test', { flags: ['spam'] }), deps),
      await handleNotify(await customerMail('no-reply@client.test'), deps),
      await handleNotify(await customerMail('support@acme.test'), deps),
      await handleNotify(await customerMail('again@client.test', { newConversation: false }), deps),
      await handleNotify(await customerMail('sarah.client@client.test', { mailboxId: 'ventes' }), deps),
    ];
    expect(refusals.map((r) => r[0]!.kind)).toEqual(Array(8).fill('skipped'));
    expect(queue.enqueued).toEqual([]);
    expect(isNoReplyAddress('noreply@x.test')).toBe(true);
    expect(isNoReplyAddress('do-not-reply@x.test')).toBe(true);
    expect(isNoReplyAddress('bounces+123@x.test')).toBe(true);
    expect(isNoReplyAddress('norah@x.test')).toBe(false);
  });

  it('shows in the system view of the mailbox\'s dispatchers only', async () => {
    const [outcome] = await handleNotify(await customerMail('view@client.test'), deps);
    const alex = (await directory.getUser('alex@acme.test'))!;
    const sarah = (await directory.getUser('sarah@acme.test'))!;
    const forAlex = partitionsFor(alex, 'system', null);
    if (!Array.isArray(forAlex)) throw new Error('alex dispatches support');
    const page = await readMerged(deps.outbox, forAlex, { limit: 100, before: null, statuses: null });
    expect(page.items.map((r) => r.messageKey)).toContain((outcome as { messageKey: string }).messageKey);
    const forSarah = partitionsFor(sarah, 'system', null);
    if (!Array.isArray(forSarah)) throw new Error('sarah dispatches ventes');
    const hers = await readMerged(deps.outbox, forSarah, { limit: 100, before: null, statuses: null });
    expect(hers.items.every((r) => r.mailboxId === 'ventes')).toBe(true);
  });
});

describe('notification emails', () => {
  const mention = (mentioned: string, author = 'alex@acme.test', noteId = 'n1') => onBus('mentionCreated', `mention-created:${noteId}:${mentioned}`, {
    conversationId: 'cnotify00000000000001', mailboxId: 'support', orgId: 'acme', subject: 'Facture en retard', noteId, author, createdAt: clock.now().toISOString(), mentioned,
  });

  it('emails the member mentioned, from the mailbox, auto-generated, with a link, once', async () => {
    const [outcome] = await handleNotify(mention('julien@acme.test'), deps);
    expect(outcome).toMatchObject({ kind: 'queued', systemKind: 'mention', created: true });
    const { messageKey } = outcome as { messageKey: string };
    const record = await deps.outbox.get(messageKey);
    expect(record).toMatchObject({ systemGenerated: true, composedBy: 'system', to: [{ address: 'julien@acme.test' }], envelope: { from: 'support@acme.test', to: ['julien@acme.test'] } });
    const raw = rawOf(messageKey);
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r?$/m);
    expect(raw).toContain('https://mail.acme.test/#/conversations/cnotify00000000000001');
    expect(raw).not.toContain('mr-cnotify');
    expect((await handleNotify(mention('julien@acme.test'), deps))[0]).toMatchObject({ kind: 'queued', created: false });
  });

  it('skips self-mentions, non-members and people who turned mentions off', async () => {
    expect((await handleNotify(mention('alex@acme.test'), deps))[0]!.kind).toBe('skipped');
    expect((await handleNotify(mention('sarah@acme.test', 'alex@acme.test', 'n2'), deps))[0]!.kind).toBe('skipped');
    await saveEmailNotifications(db.table, 'camille@acme.test', { mentions: false, assignments: true }, clock.now());
    expect((await handleNotify(mention('camille@acme.test', 'alex@acme.test', 'n3'), deps))[0]).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('turned mention emails off') });
  });

  it('emails an assignee assigned by someone else, never one who took it', async () => {
    const assigned = (actor: string, version: number) => onBus('conversationAssigned', `conversation-assigned:cnotify00000000000002:${version}`, {
      conversationId: 'cnotify00000000000002', mailboxId: 'support', orgId: 'acme', subject: 'Livraison', version, actor, status: 'assigned',
      assignee: 'julien@acme.test', previousAssignee: null, message: 'Peux-tu regarder ?',
    });
    const [byOther] = await handleNotify(assigned('alex@acme.test', 2), deps);
    expect(byOther).toMatchObject({ kind: 'queued', systemKind: 'assignment' });
    expect(rawOf((byOther as { messageKey: string }).messageKey)).toContain('Peux-tu regarder ?');
    expect((await handleNotify(assigned('julien@acme.test', 3), deps))[0]!.kind).toBe('skipped');
  });

  it('drops an event that does not match its contract', async () => {
    expect(await handleNotify({ source: 'mailroom', 'detail-type': 'Mention Created', detail: { metadata: { eventId: 'x' }, data: { mentioned: 1 } } }, deps)).toEqual([]);
  });
});
