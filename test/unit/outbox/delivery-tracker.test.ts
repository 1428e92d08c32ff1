/**
 * Delivery tracking on real DynamoDB semantics (dynalite): a message composed and sent through the
 * outbox, then SES events (through the delivery function's handler) and reports received as mail
 * (through receiveMessage with the reports port) update its recipients.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleDeliveryEvent } from '../../../functions/delivery/handler.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { receiveMessage, type InboundDeps } from '../../../shared/inbound/receive-message.js';
import { keys } from '../../../shared/model/keys.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { composeMessage, type ComposeDeps, type ComposeRequest } from '../../../shared/outbox/compose.js';
import { NotificationStore } from '../../../shared/workflow/notifications.js';
import type { MailConnector } from '../../../shared/outbox/connector.js';
import { DeliveryReportTracker, DeliveryTargetPendingError, type DeliveryDeps } from '../../../shared/outbox/delivery-tracker.js';
import { OutboxStore, type OutboxRecord } from '../../../shared/outbox/outbox-store.js';
import { processSendTrigger, type SenderDeps } from '../../../shared/outbox/send.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

let db: TestTable;
let alex: UserWithRoles;
let blobs: MemoryBlobStore;
let events: MemoryEvents;
let clock: FixedClock;
let delivery: DeliveryDeps;
let n = 0;

const bounceFixture = JSON.parse(readFileSync(new URL('../../fixtures/aws/ses-event-bounce.json', import.meta.url), 'utf8'));

/** The bounce fixture, about `providerMessageId`, for `address`, observed at `at`. */
function sesEvent(eventType: 'Bounce' | 'Delivery' | 'DeliveryDelay', providerMessageId: string, address: string, at: string) {
  const mail = { ...bounceFixture.detail.mail, messageId: providerMessageId, destination: [address], timestamp: clock.now().toISOString() };
  const detail = eventType === 'Bounce'
    ? { eventType, mail, bounce: { ...bounceFixture.detail.bounce, feedbackId: `fb-${at}`, timestamp: at, bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] } }
    : eventType === 'Delivery'
      ? { eventType, mail, delivery: { timestamp: at, recipients: [address], smtpResponse: '250 OK' } }
      : { eventType, mail, deliveryDelay: { timestamp: at, delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: address, status: '4.2.2' }] } };
  return { ...bounceFixture, detail };
}

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  alex = (await directory.getUser('alex@acme.test'))!;
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock();
  delivery = { table: db.table, events, clock };
});

function composeDeps(): ComposeDeps {
  return {
    table: db.table, outbox: new OutboxStore(db.table), mail: new MailStore(db.table, blobs), blobs, events, clock,
    queue: { enqueue: async () => {} }, scheduler: { schedule: async () => {}, cancel: async () => {} },
    defaults: { undoSeconds: 0, maxAttempts: 3, connector: 'ses' },
  };
}

/** Composes and sends one message to two recipients; returns it as sent. */
async function sentMessage(extra: Partial<ComposeRequest> = {}): Promise<{ record: OutboxRecord; providerMessageId: string }> {
  n += 1;
  const compose = composeDeps();
  const outbox = compose.outbox;
  const { record } = await composeMessage({
    caller: alex, target: { kind: 'new', mailboxId: 'support' },
    to: [{ address: `client${n}@example.test`, name: '' }], cc: [{ address: `other${n}@example.test`, name: '' }],
    subject: `Devis ${n}`, text: 'Bonjour', importance: 'normal', requestReadReceipt: true, ...extra,
  }, compose);
  const providerMessageId = `ses-${n}-${Date.now()}`;
  const connector: MailConnector = { kind: 'ses', send: async () => ({ providerMessageId }) };
  const sender: SenderDeps = {
    table: db.table, outbox, blobs, connector, events, clock, scheduler: compose.scheduler,
    policy: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, minDelayMs: 1000 }, random: () => 0.5, leaseMs: 60_000,
  };
  expect(await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender)).toEqual({ kind: 'sent', providerMessageId });
  events.published.length = 0;
  return { record, providerMessageId };
}

async function messageItem(messageKey: string) {
  return (await db.table.get(keys.message(messageKey), true))!;
}

describe('SES delivery events', () => {
  it('the sender leaves a pointer from the provider id to the message', async () => {
    const { record, providerMessageId } = await sentMessage();
    expect(await db.table.get(keys.providerMessage('ses', providerMessageId))).toMatchObject({ messageKey: record.messageKey });
  });

  it('a bounce marks the recipient bounced with its diagnostic, flags the conversation and publishes Message Bounced; twice is once', async () => {
    // Prepare
    const { record, providerMessageId } = await sentMessage();
    const event = sesEvent('Bounce', providerMessageId, `client${n}@example.test`, '2026-11-20T09:01:00.000Z');
    // Act
    const first = await handleDeliveryEvent(event, delivery);
    db.meter.reset();
    const second = await handleDeliveryEvent(event, delivery);
    // Assess
    expect(first).toMatchObject({ kind: 'applied', changed: [`client${n}@example.test`], published: ['Message Bounced'] });
    expect(second).toMatchObject({ kind: 'applied', changed: [] });
    const item = await messageItem(record.messageKey);
    expect(item.delivery).toEqual({ [`client${n}@example.test`]: { status: 'bounced', diagnostic: 'smtp; 550 5.1.1 user unknown', at: '2026-11-20T09:01:00.000Z' } });
    expect(item.deliveryVersion).toBe(1);
    const conversation = await new MailStore(db.table, blobs).getConversation(record.conversationId);
    expect(conversation?.flags).toContain('delivery-failed');
    expect(events.published.map((e) => e.detailType)).toEqual(['Message Bounced', 'Message Bounced']);
    expect(events.published[0]!.detail.metadata.eventId).toBe(events.published[1]!.detail.metadata.eventId);
    expect(events.published[0]!.detail.data).toMatchObject({ source: 'ses', messageKey: record.messageKey, recipients: [{ address: `client${n}@example.test`, status: 'bounced' }] });
  });

  it('a permanent bounce puts the address on the suppression list; compose then warns and still queues', async () => {
    // Prepare
    const { providerMessageId } = await sentMessage();
    const bounced = `client${n}@example.test`;
    await handleDeliveryEvent(sesEvent('Bounce', providerMessageId, bounced, '2026-11-20T09:01:00.000Z'), delivery);
    expect(await db.table.get(keys.suppression('demo', bounced))).toMatchObject({ reason: 'bounced', diagnostic: 'smtp; 550 5.1.1 user unknown' });
    // Act
    const result = await composeMessage({
      caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: 'fine@example.test', name: '' }, { address: bounced.toUpperCase(), name: '' }],
      subject: 'Again', text: 'Bonjour', importance: 'normal', requestReadReceipt: false,
    }, composeDeps());
    // Assess
    expect(result.created).toBe(true);
    expect(result.record.status).toBe('queued');
    expect(result.warnings).toEqual([{ field: 'body.to[1]', message: expect.stringContaining('bounced permanently') }]);
  });

  it('a delay or a transient bounce suppresses nothing', async () => {
    const { providerMessageId } = await sentMessage();
    await handleDeliveryEvent(sesEvent('DeliveryDelay', providerMessageId, `other${n}@example.test`, '2026-11-20T09:01:00.000Z'), delivery);
    expect(await db.table.get(keys.suppression('demo', `other${n}@example.test`))).toBeUndefined();
  });

  it('an older or non-final event never overwrites a final state', async () => {
    const { record, providerMessageId } = await sentMessage();
    const address = `other${n}@example.test`;
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, address, '2026-11-20T09:02:00.000Z'), delivery);
    const delayed = await handleDeliveryEvent(sesEvent('DeliveryDelay', providerMessageId, address, '2026-11-20T09:03:00.000Z'), delivery);
    const older = await handleDeliveryEvent(sesEvent('Bounce', providerMessageId, address, '2026-11-20T09:01:00.000Z'), delivery);
    expect(delayed).toMatchObject({ changed: [], published: [] });
    expect(older).toMatchObject({ changed: [], published: [] });
    expect((await messageItem(record.messageKey)).delivery).toEqual({ [address]: { status: 'delivered', diagnostic: '250 OK', at: '2026-11-20T09:02:00.000Z' } });
    expect(events.published.map((e) => e.detailType)).toEqual(['Message Delivered']);
  });

  it('concurrent events for one message all land', async () => {
    const { record, providerMessageId } = await sentMessage();
    await Promise.all([
      handleDeliveryEvent(sesEvent('Delivery', providerMessageId, `client${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery),
      handleDeliveryEvent(sesEvent('Bounce', providerMessageId, `other${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery),
    ]);
    const item = await messageItem(record.messageKey);
    expect(Object.keys(item.delivery as object).sort()).toEqual([`client${n}@example.test`, `other${n}@example.test`]);
    expect(item.deliveryVersion).toBe(2);
  });

  it('an event that overtook the sender is retried; an old one for an unknown message is dropped', async () => {
    const recent = sesEvent('Delivery', 'ses-unknown', 'x@example.test', '2026-11-20T09:00:01.000Z');
    await expect(handleDeliveryEvent(recent, delivery)).rejects.toBeInstanceOf(DeliveryTargetPendingError);
    clock.advance(3600_000);
    await expect(handleDeliveryEvent(recent, delivery)).resolves.toMatchObject({ kind: 'ignored' });
  });

  it('drops what is not an SES event it tracks', async () => {
    await expect(handleDeliveryEvent({ source: 'aws.ses', id: 'x', 'detail-type': 'Email Opened', detail: { eventType: 'Open' } }, delivery)).resolves.toMatchObject({ kind: 'ignored' });
  });
});

describe('reports received as mail', () => {
  async function receive(raw: string, deps: InboundDeps) {
    n += 1;
    const rawKey = `inbound/report-${n}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    return receiveMessage({ rawKey, envelopeRecipients: ['support@acme.test'], receivedAt: clock.now().toISOString() }, deps);
  }
  const inbound = (): InboundDeps => ({
    store: new MailStore(db.table, blobs), blobs, events, clock, subjectWindowHours: 72, reports: new DeliveryReportTracker(delivery),
  });

  it('a DSN naming the outbound Message-ID bounces the recipient with its diagnostic', async () => {
    // Prepare
    const { record } = await sentMessage();
    const dsn = readFileSync(new URL('../../fixtures/mail/dsn/postfix-bounce.eml', import.meta.url), 'utf8')
      .replaceAll('support@acme.example', 'support@acme.test')
      .replaceAll('JDoe@example.net', `client${n}@example.test`).replaceAll('jdoe@example.net', `client${n}@example.test`)
      .replace('<0102019460a1b2c3-postfix-0001-000000@eu-west-1.amazonses.com>', `<${record.messageId}>`)
      .replace('<20250113091503.4YXk2L1qT7z9vQk@mail.example.org>', `<dsn-${n}@mail.example.org>`);
    const address = `client${n}@example.test`;
    // Act
    const outcome = await receive(dsn, inbound());
    // Assess
    expect(outcome.kind).toBe('stored');
    const item = await messageItem(record.messageKey);
    expect((item.delivery as Record<string, { status: string; diagnostic: string }>)[address]).toMatchObject({ status: 'bounced' });
    expect((item.delivery as Record<string, { diagnostic: string }>)[address]!.diagnostic).toContain('550 5.1.1');
    expect(events.published.map((e) => e.detailType)).toContain('Message Bounced');
    expect(events.published.find((e) => e.detailType === 'Message Bounced')!.detail.data).toMatchObject({ source: 'dsn' });
  });

  it('an MDN marks the outbound message read, once', async () => {
    const { record } = await sentMessage();
    const mdn = [
      'From: client@example.test', 'To: support@acme.test', `Message-ID: <mdn-${n}@example.test>`, 'Subject: Read: Devis',
      'Date: Fri, 20 Nov 2026 09:10:00 +0000', 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'Your message was displayed.', '',
      '--b', 'Content-Type: message/disposition-notification', '',
      'Final-Recipient: rfc822; client@example.test', `Original-Message-ID: <${record.messageId}>`,
      'Disposition: manual-action/MDN-sent-manually; displayed', '', '--b--', '',
    ].join('\r\n');
    await receive(mdn, inbound());
    const item = await messageItem(record.messageKey);
    expect(item.readReceipt).toEqual({ at: clock.now().toISOString(), disposition: expect.stringContaining('displayed') });
    expect(item.readAt).toBe(clock.now().toISOString());
  });

  it('ordinary mail costs no more with the port than without', async () => {
    db.meter.reset();
    await receive('From: a@example.org\r\nTo: support@acme.test\r\nSubject: Hello\r\nMessage-ID: <plain-1@example.org>\r\n\r\nHi\r\n', inbound());
    expect(db.meter.requests).toBe(2);
  });
});

describe('delivery receipts for the author', () => {
  /** Alex's in-app notifications about one conversation. */
  async function receiptsOf(record: OutboxRecord) {
    const { items } = await new NotificationStore(db.table).list('alex@acme.test', 100);
    return items.filter((i) => i.conversationId === record.conversationId);
  }

  const receiptEvents = () => events.published.filter((e) => e.detailType === 'Outbox Delivery Receipt');

  it('tells the author once every recipient is delivered, once per message, even when events come twice', async () => {
    // Prepare
    const { record, providerMessageId } = await sentMessage({ requestDeliveryReceipt: true });
    const client = `client${n}@example.test`;
    const other = `other${n}@example.test`;
    const second = sesEvent('Delivery', providerMessageId, other, '2026-11-20T09:02:30.000Z');

    // Act
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, client, '2026-11-20T09:02:00.000Z'), delivery);
    const halfway = await receiptsOf(record);
    const completed = await handleDeliveryEvent(second, delivery);
    await handleDeliveryEvent(second, delivery);
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, client, '2026-11-20T09:02:00.000Z'), delivery);

    // Assess
    expect(halfway).toEqual([]);
    expect(completed).toMatchObject({ published: ['Message Delivered', 'Outbox Delivery Receipt'] });
    const receipts = await receiptsOf(record);
    expect(receipts).toEqual([{
      notificationId: expect.any(String), kind: 'delivered', conversationId: record.conversationId, mailboxId: 'support', subject: record.subject,
      by: '', message: `${client}, ${other}`, noteId: null, at: '2026-11-20T09:02:30.000Z', readAt: null,
    }]);
    expect((await messageItem(record.messageKey)).deliveryReceiptNotice).toEqual({ delivered: [client, other], notDelivered: [], completedAt: '2026-11-20T09:02:30.000Z' });
    // Published again under the same id: consumers deduplicate on eventId.
    expect(new Set(receiptEvents().map((e) => e.detail.metadata.eventId))).toEqual(new Set([`outbox-delivery-receipt:${record.messageKey}`]));
    expect(receiptEvents()[0]!.detail.data).toMatchObject({ composedBy: 'alex@acme.test', delivered: [client, other], notDelivered: [], completedAt: '2026-11-20T09:02:30.000Z' });
  });

  it('a complaint after the receipt changes neither the notification nor the notice', async () => {
    const { record, providerMessageId } = await sentMessage({ requestDeliveryReceipt: true, cc: [] });
    const client = `client${n}@example.test`;
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, client, '2026-11-20T09:02:00.000Z'), delivery);
    await applyComplaint(record.messageKey, client, '2026-11-20T10:00:00.000Z');
    const receipts = await receiptsOf(record);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ message: client, at: '2026-11-20T09:02:00.000Z' });
    expect((await messageItem(record.messageKey)).deliveryReceiptNotice).toMatchObject({ delivered: [client], completedAt: '2026-11-20T09:02:00.000Z' });
  });

  it('two deliveries completing the message at once write one notification', async () => {
    const { record, providerMessageId } = await sentMessage({ requestDeliveryReceipt: true });
    await Promise.all([
      handleDeliveryEvent(sesEvent('Delivery', providerMessageId, `client${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery),
      handleDeliveryEvent(sesEvent('Delivery', providerMessageId, `other${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery),
    ]);
    expect(await receiptsOf(record)).toHaveLength(1);
  });

  it('names only the recipients reached when another bounced; nobody reached, no receipt', async () => {
    // Prepare
    const mixed = await sentMessage({ requestDeliveryReceipt: true });
    const reached = `client${n}@example.test`;
    const bounced = `other${n}@example.test`;
    await handleDeliveryEvent(sesEvent('Bounce', mixed.providerMessageId, bounced, '2026-11-20T09:01:00.000Z'), delivery);
    await handleDeliveryEvent(sesEvent('Delivery', mixed.providerMessageId, reached, '2026-11-20T09:02:00.000Z'), delivery);
    const mixedEvents = receiptEvents();
    const lost = await sentMessage({ requestDeliveryReceipt: true, cc: [] });
    await handleDeliveryEvent(sesEvent('Bounce', lost.providerMessageId, `client${n}@example.test`, '2026-11-20T09:01:00.000Z'), delivery);

    // Assess
    expect((await receiptsOf(mixed.record)).map((r) => r.message)).toEqual([reached]);
    expect(mixedEvents.map((e) => e.detail.data)).toEqual([expect.objectContaining({ messageKey: mixed.record.messageKey, delivered: [reached], notDelivered: [bounced] })]);
    expect(await receiptsOf(lost.record)).toEqual([]);
    expect(receiptEvents()).toEqual([]);
  });

  it('waits for Bcc recipients too, names them to the author and never publishes them', async () => {
    const hidden = 'hidden-copy@example.test';
    const { record, providerMessageId } = await sentMessage({ requestDeliveryReceipt: true, cc: [], bcc: [{ address: hidden, name: '' }] });
    const client = `client${n}@example.test`;
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, client, '2026-11-20T09:02:00.000Z'), delivery);
    expect(await receiptsOf(record)).toEqual([]);
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, hidden, '2026-11-20T09:03:00.000Z'), delivery);
    expect((await receiptsOf(record)).map((r) => r.message)).toEqual([`${client}, ${hidden}`]);
    expect(receiptEvents()[0]!.detail.data).toMatchObject({ delivered: [client], notDelivered: [] });
  });

  it('without a request, delivery writes no notification and publishes no receipt', async () => {
    const { record, providerMessageId } = await sentMessage();
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, `client${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery);
    await handleDeliveryEvent(sesEvent('Delivery', providerMessageId, `other${n}@example.test`, '2026-11-20T09:02:00.000Z'), delivery);
    expect(await receiptsOf(record)).toEqual([]);
    expect(receiptEvents()).toEqual([]);
    expect((await messageItem(record.messageKey)).deliveryReceiptNotice).toBeUndefined();
  });
});

/** A complaint (feedback loop) about an already delivered recipient, as a DSN-like update. */
async function applyComplaint(messageKey: string, address: string, at: string) {
  const { applyDeliveryUpdate } = await import('../../../shared/outbox/delivery-tracker.js');
  return applyDeliveryUpdate(messageKey, { source: 'ses', observationId: `complaint-${at}`, at, recipients: [{ address, status: 'complained', diagnostic: 'abuse' }] }, delivery);
}
