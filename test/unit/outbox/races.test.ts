/**
 * The outbox's "never twice" guarantees on real DynamoDB semantics (dynalite): a cancel racing a
 * send claim, the same trigger delivered several times at once, a retry racing a cancel, and an
 * attempt interrupted mid-send. Every test counts provider calls.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { cancelMessage } from '../../../shared/outbox/cancel.js';
import { composeMessage, ComposeRefusedError, type ComposeDeps, type ComposeRequest } from '../../../shared/outbox/compose.js';
import { PermanentSendError, TransientSendError, type Envelope, type MailConnector } from '../../../shared/outbox/connector.js';
import { OutboxStore } from '../../../shared/outbox/outbox-store.js';
import type { OutboxQueue } from '../../../shared/outbox/queue.js';
import type { RetryScheduler } from '../../../shared/outbox/retry-scheduler.js';
import { retryMessage } from '../../../shared/outbox/retry.js';
import { processSendTrigger, type SenderDeps } from '../../../shared/outbox/send.js';
import { saveOutboxSettings } from '../../../shared/outbox/settings.js';
import type { SendTrigger } from '../../../shared/outbox/trigger.js';
import { handleSend } from '../../../functions/sender/handler.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

class RecordingQueue implements OutboxQueue {
  readonly enqueued: { trigger: SendTrigger; delaySeconds: number }[] = [];
  async enqueue(trigger: SendTrigger, delaySeconds: number): Promise<void> {
    this.enqueued.push({ trigger, delaySeconds });
  }
}

class RecordingScheduler implements RetryScheduler {
  readonly schedules = new Map<string, { at: Date; trigger: SendTrigger }>();
  readonly cancelled: string[] = [];
  async schedule(name: string, at: Date, trigger: SendTrigger): Promise<void> {
    if (!this.schedules.has(name)) this.schedules.set(name, { at, trigger });
  }
  async cancel(name: string): Promise<void> {
    this.cancelled.push(name);
    this.schedules.delete(name);
  }
}

/** Counts provider calls; `script` decides each call's fate; a small delay widens race windows. */
class ScriptedConnector implements MailConnector {
  readonly kind = 'ses';
  readonly calls: { raw: Buffer; envelope: Envelope }[] = [];
  script: (call: number) => 'ok' | 'transient' | 'permanent' = () => 'ok';
  async send(raw: Buffer, envelope: Envelope) {
    this.calls.push({ raw, envelope });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fate = this.script(this.calls.length);
    if (fate === 'transient') throw new TransientSendError('TooManyRequestsException: slow down', 'TooManyRequestsException');
    if (fate === 'permanent') throw new PermanentSendError('MessageRejected: Email address is not verified.', 'MessageRejected');
    return { providerMessageId: `ses-${this.calls.length}` };
  }
}

let db: TestTable;
let alex: UserWithRoles;
let julien: UserWithRoles;
let blobs: MemoryBlobStore;
let events: MemoryEvents;
let clock: FixedClock;
let queue: RecordingQueue;
let scheduler: RecordingScheduler;
let connector: ScriptedConnector;
let compose: ComposeDeps;
let sender: SenderDeps;

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  alex = (await directory.getUser('alex@acme.test'))!;
  julien = (await directory.getUser('julien@acme.test'))!;
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock();
  queue = new RecordingQueue();
  scheduler = new RecordingScheduler();
  connector = new ScriptedConnector();
  const outbox = new OutboxStore(db.table);
  compose = {
    table: db.table, outbox, mail: new MailStore(db.table, blobs), blobs, queue, scheduler, events, clock,
    defaults: { undoSeconds: 10, maxAttempts: 3, connector: 'ses' },
  };
  sender = {
    table: db.table, outbox, blobs, connector, scheduler, events, clock,
    policy: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, minDelayMs: 1_000 }, random: () => 0.5, leaseMs: 60_000,
  };
});

async function queueOne(overrides: Partial<ComposeRequest> = {}) {
  const result = await composeMessage({
    caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: 'client@example.test', name: '' }],
    subject: 'Bonjour', text: 'Bonjour', importance: 'normal', requestReadReceipt: false, ...overrides,
  }, compose);
  return result.record;
}

function sqsRecord(trigger: SendTrigger, messageId: string): SQSRecord {
  return {
    messageId, receiptHandle: messageId, body: JSON.stringify(trigger), md5OfBody: '', eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox', awsRegion: 'us-east-1', messageAttributes: {},
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  };
}

describe('compose', () => {
  it('stores the message once, opens a conversation and queues attempt 0 after the undo window', async () => {
    // Act
    const record = await queueOne({ undoSeconds: 7 });
    // Assess
    expect(record).toMatchObject({ status: 'queued', attempt: 0, mailboxId: 'support', composedBy: 'alex@acme.test' });
    expect(queue.enqueued).toEqual([{ trigger: { messageKey: record.messageKey, attempt: 0 }, delaySeconds: 7 }]);
    expect(blobs.objects.get(record.rawKey)?.contentType).toBe('message/rfc822');
    const conversation = await compose.mail.getConversation(record.conversationId);
    expect(conversation).toMatchObject({ assignee: 'alex@acme.test', status: 'assigned', messageCount: 1 });
    expect(events.published.map((e) => e.detailType)).toEqual(['Message Queued']);
  });

  it('answers a retried request with the same message (idempotency key)', async () => {
    const first = await queueOne({ idempotencyKey: 'request-123456' });
    const again = await composeMessage({
      caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: 'client@example.test', name: '' }],
      subject: 'Bonjour', text: 'Bonjour', importance: 'normal', requestReadReceipt: false, idempotencyKey: 'request-123456',
    }, compose);
    expect(again.created).toBe(false);
    expect(again.record.messageKey).toBe(first.messageKey);
  });

  it('schedules a send beyond SQS\'s 15-minute delay with a one-time schedule', async () => {
    const sendAt = new Date(clock.now().getTime() + 3_600_000);
    const record = await queueOne({ sendAt });
    expect(queue.enqueued).toEqual([]);
    expect(scheduler.schedules.get(record.scheduleName!)).toEqual({ at: sendAt, trigger: { messageKey: record.messageKey, attempt: 0 } });
    // Cancelling removes the schedule.
    expect((await cancelMessage(alex, record.messageKey, { ...compose })).kind).toBe('cancelled');
    expect(scheduler.cancelled).toEqual([record.scheduleName]);
  });

  it('lets an agent reply only in a conversation assigned to them', async () => {
    const record = await queueOne();
    const reply = (caller: UserWithRoles) => composeMessage({
      caller, target: { kind: 'reply', conversationId: record.conversationId }, text: 'Suite', importance: 'normal', requestReadReceipt: false,
    }, compose);
    await expect(reply(julien)).rejects.toMatchObject({ code: 'not-found' });
    await expect(composeMessage({
      caller: julien, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: 'a@b.test', name: '' }], text: 'x', importance: 'normal', requestReadReceipt: false,
    }, compose)).rejects.toBeInstanceOf(ComposeRefusedError);
    const answer = await reply(alex);
    expect(answer.record.to).toEqual([{ address: 'client@example.test', name: '' }]);
    expect(answer.record.subject).toBe('Re: Bonjour');
  });
});

describe('never twice', () => {
  it('a cancel racing a send claim: exactly one wins, and the provider is called only if the send won', async () => {
    for (let round = 0; round < 15; round += 1) {
      // Prepare
      const record = await queueOne();
      const before = connector.calls.length;
      // Act
      const [cancel, send] = await Promise.all([
        cancelMessage(alex, record.messageKey, compose),
        processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender),
      ]);
      // Assess
      const final = (await compose.outbox.get(record.messageKey))!;
      const calls = connector.calls.length - before;
      expect([cancel.kind === 'cancelled', send.kind === 'sent'].filter(Boolean)).toHaveLength(1);
      expect(final.status).toBe(cancel.kind === 'cancelled' ? 'cancelled' : 'sent');
      expect(calls).toBe(final.status === 'sent' ? 1 : 0);
    }
  });

  it('the same trigger delivered five times at once calls the provider once', async () => {
    // Prepare
    const record = await queueOne();
    const trigger = { messageKey: record.messageKey, attempt: 0 };
    // Act
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => processSendTrigger(trigger, sender)));
    // Assess
    expect(connector.calls).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'sent')).toHaveLength(1);
    expect((await compose.outbox.get(record.messageKey))!.status).toBe('sent');
  });

  it('SQS redelivery of the same message, in one batch and in two concurrent invocations, sends once', async () => {
    // Prepare
    const record = await queueOne();
    const trigger = { messageKey: record.messageKey, attempt: 0 };
    const event = (ids: string[]): SQSEvent => ({ Records: ids.map((id) => sqsRecord(trigger, id)) });
    // Act
    const [first, second] = await Promise.all([handleSend(event(['m1', 'm1-again']), sender), handleSend(event(['m1-redelivered']), sender)]);
    const later = await handleSend(event(['m1-late']), sender);
    // Assess: one provider call; a record still "in progress" elsewhere is handed back to SQS, then acknowledged
    expect(connector.calls).toHaveLength(1);
    expect([...first.batchItemFailures, ...second.batchItemFailures].every((f) => f.itemIdentifier !== 'm1')).toBe(true);
    expect(later.batchItemFailures).toEqual([]);
    expect(events.published.filter((e) => e.detailType === 'Message Sent').every((e) => e.detail.metadata.eventId === `message-sent:${record.messageKey}`)).toBe(true);
  });

  it('a retry racing a cancel: exactly one wins; a stale trigger for an earlier attempt does nothing', async () => {
    for (let round = 0; round < 10; round += 1) {
      // Prepare: the first attempt fails transiently
      connector.script = (n) => (n === 1 ? 'transient' : 'ok');
      connector.calls.length = 0;
      const record = await queueOne();
      const first = await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender);
      expect(first.kind).toBe('retry_pending');
      const retry = scheduler.schedules.get(`mr-${record.messageKey}-a1`)!;
      expect(retry.trigger).toEqual({ messageKey: record.messageKey, attempt: 1 });
      expect(retry.at.getTime() - clock.now().getTime()).toBe(1_000);
      // Act: the schedule fires (twice: at-least-once) while the author cancels, and the original trigger is redelivered
      const [cancel, a, b, stale] = await Promise.all([
        cancelMessage(alex, record.messageKey, compose),
        processSendTrigger(retry.trigger, sender),
        processSendTrigger(retry.trigger, sender),
        processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender),
      ]);
      // Assess
      const final = (await compose.outbox.get(record.messageKey))!;
      const sends = [a, b].filter((o) => o.kind === 'sent').length;
      expect(sends + (cancel.kind === 'cancelled' ? 1 : 0)).toBe(1);
      expect(connector.calls).toHaveLength(final.status === 'sent' ? 2 : 1);
      expect(stale.kind).not.toBe('sent');
      expect(final.attempt).toBe(final.status === 'sent' ? 2 : 1);
    }
  });

  it('an attempt interrupted mid-send is failed once its lease expires, never sent again', async () => {
    // Prepare: a claim whose invocation died before recording the outcome
    const record = await queueOne();
    await compose.outbox.transition(record.messageKey, {
      to: 'sending', attempt: 0, set: { sendAttempt: 1, lastAttemptAt: clock.now().toISOString() },
    });
    const trigger = { messageKey: record.messageKey, attempt: 0 };
    // Act / Assess
    expect(await processSendTrigger(trigger, sender)).toEqual({ kind: 'in_progress' });
    clock.advance(61_000);
    expect(await processSendTrigger(trigger, sender)).toEqual({ kind: 'failed', reason: 'interrupted' });
    expect(connector.calls).toHaveLength(0);
    const final = (await compose.outbox.get(record.messageKey))!;
    expect(final.lastError).toContain('may have accepted it');
    expect(events.published.at(-1)?.detailType).toBe('Message Send Failed');
  });
});

describe('failures', () => {
  it('a permanent error fails at once with the last error', async () => {
    connector.script = () => 'permanent';
    const record = await queueOne();
    expect(await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender)).toEqual({ kind: 'failed', reason: 'permanent' });
    const final = (await compose.outbox.get(record.messageKey))!;
    expect(final).toMatchObject({ status: 'failed', attempt: 1, lastError: 'MessageRejected: Email address is not verified.' });
    expect(final.firstFailureAt).toBe(clock.now().toISOString());
    expect(scheduler.schedules.size).toBe(0);
  });

  it('transient errors are retried until the attempts are spent, then fail', async () => {
    connector.script = () => 'transient';
    const record = await queueOne();
    const outcomes = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      outcomes.push((await processSendTrigger({ messageKey: record.messageKey, attempt }, sender)).kind);
      clock.advance(10_000);
    }
    expect(outcomes).toEqual(['retry_pending', 'retry_pending', 'failed']);
    expect(connector.calls).toHaveLength(3);
    expect((await compose.outbox.get(record.messageKey))!).toMatchObject({ status: 'failed', attempt: 3 });
    expect(events.published.at(-1)?.detail.data).toMatchObject({ reason: 'exhausted', attempt: 3 });
  });

  it('a manual retry after a failure gives one more attempt; two retries at once queue it once', async () => {
    // Prepare: exhausted after one permanent failure
    connector.script = (n) => (n === 1 ? 'permanent' : 'ok');
    const record = await queueOne();
    await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender);
    queue.enqueued.length = 0;
    // Act
    const [a, b] = await Promise.all([retryMessage(alex, record.messageKey, compose), retryMessage(alex, record.messageKey, compose)]);
    // Assess
    expect([a.kind, b.kind].sort()).toEqual(['conflict', 'queued']);
    expect(queue.enqueued).toEqual([{ trigger: { messageKey: record.messageKey, attempt: 1 }, delaySeconds: 0 }]);
    expect(await processSendTrigger(queue.enqueued[0]!.trigger, sender)).toEqual({ kind: 'sent', providerMessageId: 'ses-2' });
    expect((await retryMessage(alex, record.messageKey, compose)).kind).toBe('conflict');
    expect((await retryMessage(julien, record.messageKey, compose)).kind).toBe('forbidden');
  });

  it('a disabled connector holds the message without calling the provider', async () => {
    await saveOutboxSettings(db.table, 'ventes', { connectorEnabled: false, undoSeconds: 30 });
    const sarah = (await new Directory(db.table).getUser('sarah@acme.test'))!;
    const result = await composeMessage({
      caller: sarah, target: { kind: 'new', mailboxId: 'ventes' }, to: [{ address: 'p@example.test', name: '' }],
      text: 'Offre', importance: 'normal', requestReadReceipt: false,
    }, compose);
    expect(queue.enqueued.at(-1)?.delaySeconds).toBe(30);
    expect(await processSendTrigger({ messageKey: result.record.messageKey, attempt: 0 }, sender)).toEqual({ kind: 'connector_disabled' });
    expect(connector.calls).toHaveLength(0);
    await saveOutboxSettings(db.table, 'ventes', { connectorEnabled: true, undoSeconds: null });
  });
});
