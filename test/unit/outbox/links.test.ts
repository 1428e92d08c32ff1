/**
 * The outbox's "linked to" column on real DynamoDB semantics (dynalite): compose snapshots the
 * conversation's case and business records (and the case of attached case documents) onto the
 * message, and the views show that snapshot from the message items alone. Routes are called
 * through the compose function's handler.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createComposeHandler } from '../../../functions/compose/handler.js';
import type { RoutedHandler } from '../../../shared/api/router.js';
import { CaseRepository, caseKeys, type CaseRecord } from '../../../shared/cases/case-repository.js';
import { ConversationLinks } from '../../../shared/cases/conversation-links.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { composeMessage, outboxLinks, type ComposeDeps } from '../../../shared/outbox/compose.js';
import { OutboxStore, type OutboxRecord } from '../../../shared/outbox/outbox-store.js';
import { partitionsFor, readMerged, type ViewPartition } from '../../../shared/outbox/views.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

let db: TestTable;
let alex: UserWithRoles;
let blobs: MemoryBlobStore;
let clock: FixedClock;
let compose: ComposeDeps;
let api: RoutedHandler;
let n = 0;

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  alex = (await directory.getUser('alex@acme.test'))!;
});

afterAll(async () => {
  await db?.stop();
});

function composeDepsFor(): ComposeDeps {
  blobs = new MemoryBlobStore();
  clock = new FixedClock();
  return {
    table: db.table, outbox: new OutboxStore(db.table), mail: new MailStore(db.table, blobs), blobs, events: new MemoryEvents(), clock,
    queue: { enqueue: async () => {} }, scheduler: { schedule: async () => {}, cancel: async () => {} },
    defaults: { undoSeconds: 30, maxAttempts: 3, connector: 'ses' },
  };
}

beforeEach(() => {
  compose = composeDepsFor();
  api = createComposeHandler({ directory: new Directory(db.table), outbox: compose });
});

async function newMessage(subject: string, extra: Partial<Parameters<typeof composeMessage>[0]> = {}): Promise<OutboxRecord> {
  n += 1;
  clock.advance(1_000);
  const { record } = await composeMessage({
    caller: alex, target: { kind: 'new', mailboxId: 'support' }, to: [{ address: `client${n}@example.test`, name: '' }],
    subject, text: 'Bonjour', importance: 'normal', requestReadReceipt: false, ...extra,
  }, compose);
  return record;
}

async function reply(conversationId: string): Promise<OutboxRecord> {
  clock.advance(1_000);
  const { record } = await composeMessage({
    caller: alex, target: { kind: 'reply', conversationId }, text: 'Merci', importance: 'normal', requestReadReceipt: false,
  }, compose);
  return record;
}

async function newCase(title: string): Promise<CaseRecord> {
  return new CaseRepository(db.table).create({ orgId: alex.orgId, title, contactId: null, organisationId: null, createdBy: alex.email }, clock.now());
}

/** Links the conversation as the cases routes do (conditional on its version). */
async function link(conversationId: string, changes: { caseId?: string; recordLinks?: { type: string; id: string }[] }): Promise<void> {
  const links = new ConversationLinks(db.table);
  const current = (await links.get(conversationId, true))!;
  const outcome = await links.apply(current, changes, [], alex.email, clock.now().toISOString());
  expect(outcome.ok).toBe(true);
}

async function call(method: string, target: string, body?: unknown) {
  const [path, query = ''] = target.split('?') as [string, string?];
  const event = {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined, isBase64Encoded: false,
    requestContext: {
      routeKey: 'ANY /api/{proxy+}', stage: '$default', requestId: 'r1',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: { email: alex.email, sub: alex.email }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const result: APIGatewayProxyStructuredResultV2 = await api(event);
  return { status: result.statusCode, body: result.body ? JSON.parse(String(result.body)) : undefined };
}

/** Every item of alex's own view, read through the routes. */
async function mineView(): Promise<{ messageKey: string; links: unknown[] }[]> {
  const answer = await call('GET', '/api/outbox?scope=mine&limit=100');
  expect(answer.status).toBe(200);
  return answer.body.items;
}

describe('links snapshot at compose time', () => {
  it('a reply in a conversation linked to a case and to records carries the case reference and each record', async () => {
    // Prepare
    const opening = await newMessage('Livraison en retard');
    const c = await newCase('Retard de livraison');
    await link(opening.conversationId, { caseId: c.caseId, recordLinks: [{ type: 'ticket', id: 'T-1001' }, { type: 'booking', id: 'B-7' }] });

    // Act
    const answered = await reply(opening.conversationId);

    // Assess
    expect(opening.links).toEqual([]);
    expect(answered.links).toEqual([
      { kind: 'case', id: c.caseId, reference: c.reference },
      { kind: 'record', type: 'ticket', id: 'T-1001' },
      { kind: 'record', type: 'booking', id: 'B-7' },
    ]);
    expect(c.reference).toMatch(/^C-\d{4}-\d{4,}$/);
    const stored = await new OutboxStore(db.table).get(answered.messageKey);
    expect(stored?.links).toEqual(answered.links);
  });

  it('a new message carrying a case\'s documents is tied to that case, once', async () => {
    // Prepare
    const c = await newCase('Sinistre');
    const at = clock.now().toISOString();
    await blobs.put('attachments/case-doc.eml/0', Buffer.from('%PDF-1.4 constat'), 'application/pdf');
    await new CaseRepository(db.table).addDocuments(['d1', 'd2'].map((documentId) => ({
      caseId: c.caseId, documentId, filename: `${documentId}.pdf`, contentType: 'application/pdf', size: 16,
      storageKey: 'attachments/case-doc.eml/0', messageKey: null, kind: 'attachment' as const, addedAt: at, addedBy: alex.email,
    })));

    // Act
    const record = await newMessage('Votre constat', { caseDocuments: [{ caseId: c.caseId, documentId: 'd1' }, { caseId: c.caseId, documentId: 'd2' }] });

    // Assess
    expect(record.attachmentCount).toBe(2);
    expect(record.links).toEqual([{ kind: 'case', id: c.caseId, reference: c.reference }]);
  });

  it('keeps the snapshot: a link made after the message was queued does not change it, and the view shows what was composed', async () => {
    // Prepare
    const opening = await newMessage('Devis cuisine');
    const before = await reply(opening.conversationId);

    // Act
    const c = await newCase('Cuisine Dupont');
    await link(opening.conversationId, { caseId: c.caseId, recordLinks: [{ type: 'offer', id: 'O-55' }] });
    const after = await reply(opening.conversationId);

    // Assess
    const items = await mineView();
    expect(items.find((i) => i.messageKey === before.messageKey)?.links).toEqual([]);
    expect(items.find((i) => i.messageKey === after.messageKey)?.links).toEqual([
      { kind: 'case', id: c.caseId, reference: c.reference }, { kind: 'record', type: 'offer', id: 'O-55' },
    ]);
  });

  it('a case that is gone is left out; duplicated record links appear once', async () => {
    const cases = { get: async (id: string) => (id === 'known' ? { caseId: 'known', reference: 'C-2026-0042' } as CaseRecord : null) };
    expect(await outboxLinks({ caseId: 'gone', recordLinks: [{ type: 'ticket', id: 'T-1' }, { type: 'ticket', id: 'T-1' }] }, [{ caseId: 'known' }], cases)).toEqual([
      { kind: 'case', id: 'known', reference: 'C-2026-0042' }, { kind: 'record', type: 'ticket', id: 'T-1' },
    ]);
  });
});

describe('links in the outbox views', () => {
  it('the view shows the links from the message items alone: no case is read', async () => {
    // Prepare
    const opening = await newMessage('Chantier Martin');
    const c = await newCase('Chantier Martin');
    await link(opening.conversationId, { caseId: c.caseId, recordLinks: [{ type: 'project', id: 'P-12' }] });
    const answered = await reply(opening.conversationId);
    // The case disappears: a view that read it could no longer name it.
    await db.table.delete(caseKeys.case(c.caseId));

    // Act
    const partitions = partitionsFor(alex, 'team', 'support') as ViewPartition[];
    const page = await readMerged(compose.outbox, partitions, { limit: 100, before: null, statuses: null });
    const routed = await mineView();

    // Assess
    const expected = [{ kind: 'case', id: c.caseId, reference: c.reference }, { kind: 'record', type: 'project', id: 'P-12' }];
    expect(page.items.find((r) => r.messageKey === answered.messageKey)?.links).toEqual(expected);
    expect(routed.find((i) => i.messageKey === answered.messageKey)?.links).toEqual(expected);
    const single = await call('GET', `/api/outbox/${answered.messageKey}`);
    expect(single.body.message.links).toEqual(expected);
  });

  it('the links column can be chosen and is kept with the view', async () => {
    const saved = await call('PUT', '/api/me/outbox-view', { scope: 'mine', statuses: [], columns: ['status', 'links'], mailboxId: null });
    expect(saved.status).toBe(200);
    expect(saved.body.view.columns).toEqual(['to', 'subject', 'status', 'links']);
    expect((await call('GET', '/api/me/outbox-view')).body.view.columns).toContain('links');
    const refused = await call('PUT', '/api/me/outbox-view', { scope: 'mine', statuses: [], columns: ['status', 'caseTitle'], mailboxId: null });
    expect(refused.status).toBe(400);
  });
});
