/**
 * Outbox operations on real DynamoDB semantics (dynalite): views by scope and who may use them,
 * cursor paging over merged partitions, the saved view, bulk retry/cancel with a result per item
 * (and a bulk cancel racing the sender's claim), the failed-sends list and its acknowledgement,
 * the mailbox's outbox settings (validation, and the sender applying them), and retry/cancel from
 * a conversation. Routes are called through the compose function's handler.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createComposeHandler } from '../../../functions/compose/handler.js';
import type { RoutedHandler } from '../../../shared/api/router.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { bulkOutboxAction } from '../../../shared/outbox/bulk.js';
import { composeMessage, type ComposeDeps, type ComposeRequest } from '../../../shared/outbox/compose.js';
import { PermanentSendError, TransientSendError, type MailConnector } from '../../../shared/outbox/connector.js';
import { applyDeliveryUpdate } from '../../../shared/outbox/delivery-tracker.js';
import { acknowledgeFailure, listFailed } from '../../../shared/outbox/failed.js';
import { OutboxStore, type OutboxRecord } from '../../../shared/outbox/outbox-store.js';
import type { OutboxQueue } from '../../../shared/outbox/queue.js';
import type { RetryScheduler } from '../../../shared/outbox/retry-scheduler.js';
import { processSendTrigger, type SenderDeps } from '../../../shared/outbox/send.js';
import { saveOutboxSettings } from '../../../shared/outbox/settings.js';
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

const noSchedules: RetryScheduler = { schedule: async () => undefined, cancel: async () => undefined };

class ScriptedConnector implements MailConnector {
  readonly kind = 'ses';
  calls = 0;
  fate: 'ok' | 'transient' | 'permanent' = 'ok';
  async send() {
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.fate === 'transient') throw new TransientSendError('Throttling: slow down', 'Throttling');
    if (this.fate === 'permanent') throw new PermanentSendError('MessageRejected: not verified', 'MessageRejected');
    return { providerMessageId: `ses-${this.calls}` };
  }
}

let db: TestTable;
let directory: Directory;
const users: Record<string, UserWithRoles> = {};
let events: MemoryEvents;
let clock: FixedClock;
let queue: RecordingQueue;
let connector: ScriptedConnector;
let compose: ComposeDeps;
let sender: SenderDeps;
let api: RoutedHandler;

beforeAll(async () => {
  db = await startTestTable();
  directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  for (const name of ['alex', 'julien', 'sarah', 'camille']) users[name] = (await directory.getUser(`${name}@acme.test`))!;
});

afterAll(async () => {
  await db?.stop();
});

beforeEach(() => {
  const blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock();
  queue = new RecordingQueue();
  connector = new ScriptedConnector();
  const outbox = new OutboxStore(db.table);
  compose = {
    table: db.table, outbox, mail: new MailStore(db.table, blobs), blobs, queue, scheduler: noSchedules, events, clock,
    defaults: { undoSeconds: 10, maxAttempts: 3, connector: 'ses' },
  };
  sender = {
    table: db.table, outbox, blobs, connector, scheduler: noSchedules, events, clock,
    policy: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, minDelayMs: 1_000 }, random: () => 0.5, leaseMs: 60_000,
  };
  api = createComposeHandler({ directory, outbox: compose });
});

async function queueOne(who: 'alex' | 'sarah' | 'camille', mailboxId: string, subject: string, overrides: Partial<ComposeRequest> = {}): Promise<OutboxRecord> {
  clock.advance(1_000);
  const result = await composeMessage({
    caller: users[who]!, target: { kind: 'new', mailboxId }, to: [{ address: 'client@example.test', name: '' }],
    subject, text: 'Bonjour', importance: 'normal', requestReadReceipt: false, ...overrides,
  }, compose);
  return result.record;
}

function request(method: string, target: string, email: string, body?: unknown): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [path, query = ''] = target.split('?') as [string, string?];
  return {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined, isBase64Encoded: false,
    requestContext: {
      routeKey: 'ANY /api/{proxy+}', stage: '$default', requestId: 'r1',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: { email, sub: email }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function call(method: string, path: string, who: string, body?: unknown) {
  const result: APIGatewayProxyStructuredResultV2 = await api(request(method, path, `${who}@acme.test`, body));
  return { status: result.statusCode, body: result.body ? JSON.parse(String(result.body)) : undefined };
}

describe('outbox views', () => {
  it('shows each scope to the people it is for, and pages merged partitions without gaps or repeats', async () => {
    // Arrange
    const a1 = await queueOne('alex', 'support', 'views a1');
    const a2 = await queueOne('alex', 'alex', 'views a2');
    const s1 = await queueOne('sarah', 'ventes', 'views s1');
    const c1 = await queueOne('camille', 'support', 'views c1');
    // Act
    const mine = await call('GET', '/api/outbox?scope=mine&limit=100', 'alex');
    const team = await call('GET', '/api/outbox?scope=team&limit=100', 'alex');
    const all = await call('GET', '/api/outbox?scope=all&limit=100', 'camille');
    // Assess
    const keysOf = (body: { items: { messageKey: string }[] }) => body.items.map((i) => i.messageKey);
    expect(mine.status).toBe(200);
    expect(keysOf(mine.body)).toEqual(expect.arrayContaining([a1.messageKey, a2.messageKey]));
    expect(keysOf(mine.body)).not.toContain(c1.messageKey);
    expect(keysOf(team.body)).toEqual(expect.arrayContaining([a1.messageKey, a2.messageKey, c1.messageKey]));
    expect(keysOf(team.body)).not.toContain(s1.messageKey);
    expect(keysOf(all.body)).toEqual(expect.arrayContaining([a1.messageKey, a2.messageKey, s1.messageKey, c1.messageKey]));
    expect((await call('GET', '/api/outbox?scope=all', 'alex')).status).toBe(403);
    expect((await call('GET', '/api/outbox?scope=team', 'julien')).status).toBe(403);
    expect((await call('GET', '/api/outbox?scope=mine&mailboxId=ventes', 'julien')).status).toBe(404);
    expect((await call('GET', '/api/outbox?status=lost', 'alex')).body.errors[0].field).toBe('query.status');

    // Paging one by one through the team view (three partitions) gives the same list, newest first.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/api/outbox?scope=team&limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'alex');
      paged.push(...keysOf(page.body));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(keysOf(team.body));
    const created = team.body.items.map((i: { createdAt: string }) => i.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('filters by status and keeps reading to fill the page', async () => {
    const cancelled = await queueOne('sarah', 'ventes', 'filter cancelled');
    for (let i = 0; i < 4; i += 1) await queueOne('sarah', 'ventes', `filter queued ${i}`);
    await bulkOutboxAction(users.sarah!, 'cancel', [cancelled.messageKey], compose);
    const partitions = partitionsFor(users.sarah!, 'mine', null);
    if (!Array.isArray(partitions)) throw new Error('sarah may see her own');
    const page = await readMerged(compose.outbox, partitions, { limit: 1, before: null, statuses: ['cancelled'] });
    expect(page.items.map((r) => r.messageKey)).toEqual([cancelled.messageKey]);
  });

  it('keeps the chosen view and columns per user, to and subject always shown, and refuses a scope the user cannot use', async () => {
    expect((await call('GET', '/api/me/outbox-view', 'julien')).body).toMatchObject({ view: { scope: 'mine' }, saved: false });
    expect((await call('GET', '/api/me/outbox-view', 'camille')).body.view.scope).toBe('all');
    const bad = await call('PUT', '/api/me/outbox-view', 'alex', { scope: 'all', columns: ['status'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.scope');
    const badColumn = await call('PUT', '/api/me/outbox-view', 'alex', { scope: 'team', columns: ['status', 'password'] });
    expect(badColumn.body.errors[0].field).toBe('body.columns[1]');
    const saved = await call('PUT', '/api/me/outbox-view', 'alex', { scope: 'system', statuses: ['failed'], columns: ['status', 'lastError'] });
    expect(saved.status).toBe(200);
    const again = await call('GET', '/api/me/outbox-view', 'alex');
    expect(again.body).toEqual({ view: { scope: 'system', statuses: ['failed'], columns: ['to', 'subject', 'status', 'lastError'], mailboxId: null }, saved: true });
    // Without a scope, the list uses the saved one.
    expect((await call('GET', '/api/outbox', 'alex')).body.scope).toBe('system');
  });
});

describe('bulk retry and cancel', () => {
  it('answers per item: done, 409 with the status found, 404 for what the caller cannot see', async () => {
    // Arrange
    const queued = await queueOne('alex', 'support', 'bulk queued');
    const cancelled = await queueOne('alex', 'support', 'bulk cancelled');
    await bulkOutboxAction(users.alex!, 'cancel', [cancelled.messageKey], compose);
    const ventes = await queueOne('sarah', 'ventes', 'bulk ventes');
    // Act
    const result = await call('POST', '/api/outbox/bulk', 'julien', { action: 'cancel', messageKeys: [queued.messageKey, cancelled.messageKey, ventes.messageKey, 'nope'] });
    const byAlex = await call('POST', '/api/outbox/bulk', 'alex', { action: 'cancel', messageKeys: [queued.messageKey, cancelled.messageKey, 'nope'] });
    // Assess
    expect(result.body.results.map((r: { status: number }) => r.status)).toEqual([403, 403, 404, 404]);
    expect(byAlex.body).toMatchObject({ succeeded: 1, failed: 2 });
    expect(byAlex.body.results[0]).toMatchObject({ status: 200, message: { status: 'cancelled' } });
    expect(byAlex.body.results[1]).toMatchObject({ status: 409, message: { status: 'cancelled' } });
    expect(byAlex.body.results[2]).toMatchObject({ status: 404, message: null });
    const tooMany = await call('POST', '/api/outbox/bulk', 'alex', { action: 'retry', messageKeys: Array.from({ length: 101 }, (_, i) => `k${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('body.messageKeys');
  });

  it('a bulk cancel racing the sender: exactly one wins, and the provider is called at most once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const record = await queueOne('alex', 'support', `race ${round}`);
      connector.calls = 0;
      const [sent, [cancel]] = await Promise.all([
        processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender),
        bulkOutboxAction(users.alex!, 'cancel', [record.messageKey], compose),
      ]);
      const final = await compose.outbox.get(record.messageKey);
      if (cancel!.status === 200) {
        expect(sent.kind).toBe('lost');
        expect(connector.calls).toBe(0);
        expect(final!.status).toBe('cancelled');
      } else {
        expect(cancel!.status).toBe(409);
        expect(connector.calls).toBe(1);
        expect(final!.status).toBe('sent');
      }
    }
  });
});

describe('failed sends', () => {
  it('lists a failure for its author and the mailbox\'s dispatchers until acknowledged; a retry takes it off too', async () => {
    // Arrange
    const record = await queueOne('alex', 'support', 'will fail');
    connector.fate = 'permanent';
    // Act
    expect((await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender)).kind).toBe('failed');
    // Assess
    const failedKeys = async (who: string) => (await listFailed(users[who]!, compose, { limit: 50, before: null, mailboxId: null })).items.map((r) => r.messageKey);
    expect(await failedKeys('alex')).toContain(record.messageKey);
    expect(await failedKeys('camille')).toContain(record.messageKey);
    expect(await failedKeys('julien')).not.toContain(record.messageKey);
    expect(await failedKeys('sarah')).not.toContain(record.messageKey);
    const conversation = await compose.mail.getConversation(record.conversationId);
    expect(conversation?.flags).toContain('delivery-failed');
    const listed = await call('GET', '/api/outbox/failed?mailboxId=support', 'camille');
    expect(listed.body.items.find((i: { messageKey: string }) => i.messageKey === record.messageKey)).toMatchObject({ status: 'failed', retryable: true });

    expect((await acknowledgeFailure(users.julien!, record.messageKey, compose)).kind).toBe('not-found');
    const ack = await call('POST', `/api/outbox/${record.messageKey}/acknowledge`, 'camille');
    expect(ack.status).toBe(200);
    expect(await failedKeys('alex')).not.toContain(record.messageKey);
    expect((await call('POST', `/api/outbox/${record.messageKey}/acknowledge`, 'alex')).status).toBe(409);
    expect(events.published.map((e) => e.detailType)).toContain('Outbox Failure Acknowledged');

    // A retry takes it off the list; failing again puts it back.
    const retry = await call('POST', `/api/outbox/${record.messageKey}/retry`, 'alex');
    expect(retry.status).toBe(200);
    expect(events.published.map((e) => e.detailType)).toContain('Message Retry Requested');
    expect(await failedKeys('alex')).not.toContain(record.messageKey);
    await processSendTrigger({ messageKey: record.messageKey, attempt: 1 }, sender);
    expect(await failedKeys('alex')).toContain(record.messageKey);
    await bulkOutboxAction(users.alex!, 'retry', [record.messageKey], compose);
    expect(await failedKeys('alex')).not.toContain(record.messageKey);
  });

  it('lists a sent message that bounced, with its failed recipients, once per new failure', async () => {
    const record = await queueOne('alex', 'support', 'will bounce', { to: [{ address: 'gone@example.test', name: '' }, { address: 'ok@example.test', name: '' }] });
    await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender);
    const update = { source: 'ses' as const, observationId: 'fb-1', at: clock.now().toISOString(), recipients: [{ address: 'gone@example.test', status: 'bounced' as const, diagnostic: '550 5.1.1 no such user', permanent: true }] };
    await applyDeliveryUpdate(record.messageKey, update, { table: db.table, events, clock });
    const page = await listFailed(users.alex!, compose, { limit: 50, before: null, mailboxId: 'support' });
    const found = page.items.find((r) => r.messageKey === record.messageKey);
    expect(found).toMatchObject({ status: 'sent', failedRecipients: ['gone@example.test'] });
    await acknowledgeFailure(users.alex!, record.messageKey, compose);
    // The same event again changes nothing: it stays acknowledged.
    await applyDeliveryUpdate(record.messageKey, update, { table: db.table, events, clock });
    const after = await listFailed(users.alex!, compose, { limit: 50, before: null, mailboxId: 'support' });
    expect(after.items.map((r) => r.messageKey)).not.toContain(record.messageKey);
  });
});

describe('outbox settings', () => {
  it('validates limits with a 400 naming the field, and only admins change them', async () => {
    const inverted = await call('PUT', '/api/mailboxes/alex/outbox/settings', 'alex', { retry: { baseDelaySeconds: 60, maxDelaySeconds: 30 } });
    expect(inverted.status).toBe(400);
    expect(inverted.body.errors[0].field).toBe('body.retry.maxDelaySeconds');
    const tooMany = await call('PUT', '/api/mailboxes/alex/outbox/settings', 'alex', { retry: { maxAttempts: 50 } });
    expect(tooMany.body.errors[0].field).toBe('body.retry.maxAttempts');
    const empty = await call('PUT', '/api/mailboxes/alex/outbox/settings', 'alex', { autoAck: { enabled: true, subject: '' } });
    expect(empty.body.errors[0].field).toBe('body.autoAck.subject');
    expect((await call('PUT', '/api/mailboxes/support/outbox/settings', 'alex', {})).status).toBe(403);
    expect((await call('GET', '/api/mailboxes/support/outbox/settings', 'julien')).status).toBe(403);
    expect((await call('GET', '/api/mailboxes/ventes/outbox/settings', 'julien')).status).toBe(404);
    const dispatcherView = await call('GET', '/api/mailboxes/support/outbox/settings', 'alex');
    expect(dispatcherView.body).toMatchObject({ canEdit: false, settings: { connectorEnabled: true, retry: { maxAttempts: null, jitter: 'full' }, autoAck: { enabled: false, windowHours: 24 } } });
  });

  it('the sender applies the mailbox\'s retry policy', async () => {
    const saved = await call('PUT', '/api/mailboxes/alex/outbox/settings', 'alex', { retry: { maxAttempts: 1 } });
    expect(saved.status).toBe(200);
    expect(events.published.map((e) => e.detailType)).toContain('Outbox Settings Changed');
    const record = await queueOne('alex', 'alex', 'one attempt only');
    connector.fate = 'transient';
    expect(await processSendTrigger({ messageKey: record.messageKey, attempt: 0 }, sender)).toEqual({ kind: 'failed', reason: 'exhausted' });

    await saveOutboxSettings(db.table, 'alex', { retry: { maxAttempts: 4, baseDelaySeconds: 2, maxDelaySeconds: 2, jitter: 'none' } });
    const second = await queueOne('alex', 'alex', 'fixed delay');
    const outcome = await processSendTrigger({ messageKey: second.messageKey, attempt: 0 }, sender);
    expect(outcome).toEqual({ kind: 'retry_pending', nextAttemptAt: new Date(clock.now().getTime() + 2_000).toISOString() });
    await saveOutboxSettings(db.table, 'alex', { retry: { maxAttempts: null, baseDelaySeconds: null, maxDelaySeconds: null, jitter: 'full' } });
  });
});

describe('retry and cancel from a conversation', () => {
  it('works on the conversation\'s own messages, with the conversation\'s access rules', async () => {
    const record = await queueOne('alex', 'support', 'from the timeline');
    const other = await queueOne('alex', 'support', 'another conversation');
    expect((await call('POST', `/api/conversations/${other.conversationId}/messages/${record.messageKey}/cancel`, 'alex')).status).toBe(404);
    // Julien is an agent of support, and this conversation is not assigned to him.
    expect((await call('POST', `/api/conversations/${record.conversationId}/messages/${record.messageKey}/cancel`, 'julien')).status).toBe(404);
    const cancelled = await call('POST', `/api/conversations/${record.conversationId}/messages/${record.messageKey}/cancel`, 'alex');
    expect(cancelled).toMatchObject({ status: 200, body: { message: { status: 'cancelled' } } });
    const again = await call('POST', `/api/conversations/${record.conversationId}/messages/${record.messageKey}/retry`, 'alex');
    expect(again.status).toBe(409);
    expect(again.body.current.status).toBe('cancelled');
  });
});
