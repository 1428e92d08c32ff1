/**
 * The API handler against real DynamoDB semantics (dynalite) with a seeded organisation:
 * authentication, mailbox membership, validation problems, paging and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';
import { createGatewayHandler } from '../../helpers/api-gateway.js';
import { Directory } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { MailStore, conversationItem } from '../../../shared/inbound/mail-store.js';
import type { ConversationRecord } from '../../../shared/model/types.js';

let db: TestTable;
let api: ReturnType<typeof createGatewayHandler>;

function event(method: string, path: string, options: { email?: string; query?: Record<string, string>; body?: string; contentType?: string } = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const query = new URLSearchParams(options.query ?? {}).toString();
  return {
    version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: path, rawQueryString: query,
    headers: options.contentType ? { 'content-type': options.contentType } : {},
    queryStringParameters: options.query, pathParameters: { proxy: path.replace(/^\/api\//, '') },
    body: options.body, isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost', requestId: 'r1',
      routeKey: 'ANY /api/{proxy+}', stage: '$default', time: '', timeEpoch: 0,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: options.email ? { email: options.email, sub: options.email } : {}, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function json(result: APIGatewayProxyStructuredResultV2): any {
  return JSON.parse(String(result.body));
}

function conversation(i: number, mailboxId: string, status: ConversationRecord['status']): ConversationRecord {
  const at = new Date(Date.UTC(2026, 10, 1, 8, 0, i)).toISOString();
  return {
    conversationId: `c${String(i).padStart(20, '0')}`, mailboxId, orgId: 'demo', subject: `Sujet ${i}`, subjectKey: `sujet ${i}`,
    snippet: '…', from: { address: `client${i}@example.org`, name: '' }, participants: [`client${i}@example.org`],
    status, assignee: null, isNew: true, labels: [], flags: [], messageCount: 1, hasAttachments: false,
    createdAt: at, lastActivityAt: at, lastMessageKey: `k${i}`, messageRefs: [`${at}#k${i}`], version: 1,
  };
}

beforeAll(async () => {
  db = await startTestTable();
  await new Directory(db.table).save(modelFromSeed(demoSeed));
  await db.table.batchPut([
    ...Array.from({ length: 7 }, (_, i) => conversationItem(conversation(i, 'support', i % 2 === 0 ? 'unassigned' : 'closed'))),
    conversationItem(conversation(100, 'ventes', 'unassigned')),
  ]);
  api = createGatewayHandler({
    table: db.table, directory: new Directory(db.table), store: new MailStore(db.table, new MemoryBlobStore()),
    links: { link: async (key) => `https://download.test/${key}` }, events: new MemoryEvents(),
  });
});

afterAll(async () => {
  await db.stop();
});

describe('API access', () => {
  it('answers 401 problem+json without claims', async () => {
    const result = await api(event('GET', '/api/me'));
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(json(result)).toMatchObject({ status: 401, title: 'Not signed in' });
  });

  it('answers 403 for a signed-in stranger', async () => {
    const result = await api(event('GET', '/api/me', { email: 'stranger@else.test' }));
    expect(result.statusCode).toBe(403);
  });

  it("lists the caller's mailboxes with roles, primary first", async () => {
    const result = await api(event('GET', '/api/me', { email: 'Alex@acme.test' }));
    expect(result.statusCode).toBe(200);
    const body = json(result);
    expect(body.mailboxes.map((m: any) => `${m.mailboxId}:${m.role}:${m.primary}`)).toEqual(['alex:admin:true', 'support:dispatcher:false', 'ventes:agent:false']);
  });

  it("gives every member the names of their mailboxes' labels, agents included", async () => {
    const listed = await api(event('GET', '/api/mailboxes', { email: 'julien@acme.test' }));
    const me = await api(event('GET', '/api/me', { email: 'julien@acme.test' }));

    expect(listed.statusCode).toBe(200);
    const support = json(listed).items.find((m: any) => m.mailboxId === 'support');
    expect(support).toMatchObject({ role: 'agent', labels: ['facturation', 'urgent'] });
    expect(json(me).mailboxes.find((m: any) => m.mailboxId === 'support').labels).toEqual(['facturation', 'urgent']);
    const alex = json(await api(event('GET', '/api/mailboxes', { email: 'alex@acme.test' }))).items;
    expect(alex.find((m: any) => m.mailboxId === 'alex').labels).toEqual([]);
  });

  it('hides mailboxes the caller is not a member of (404, not 403)', async () => {
    const result = await api(event('GET', '/api/mailboxes/ventes/conversations', { email: 'julien@acme.test' }));
    expect(result.statusCode).toBe(404);
  });
});

describe('conversation lists', () => {
  it('pages newest activity first with an opaque cursor', async () => {
    const first = json(await api(event('GET', '/api/mailboxes/support/conversations', { email: 'alex@acme.test', query: { limit: '3' } })));
    expect(first.items.map((c: any) => c.subject)).toEqual(['Sujet 6', 'Sujet 5', 'Sujet 4']);
    const second = json(await api(event('GET', '/api/mailboxes/support/conversations', { email: 'alex@acme.test', query: { limit: '3', cursor: first.nextCursor } })));
    expect(second.items.map((c: any) => c.subject)).toEqual(['Sujet 3', 'Sujet 2', 'Sujet 1']);
  });

  it('filters by status through its own index', async () => {
    const body = json(await api(event('GET', '/api/mailboxes/support/conversations', { email: 'alex@acme.test', query: { status: 'closed' } })));
    expect(body.items.map((c: any) => c.subject)).toEqual(['Sujet 5', 'Sujet 3', 'Sujet 1']);
    expect(body.nextCursor).toBeNull();
  });

  it('names each invalid query field in a 400 problem', async () => {
    const result = await api(event('GET', '/api/mailboxes/support/conversations', { email: 'julien@acme.test', query: { limit: '0', status: 'lost', cursor: '!!' } }));
    expect(result.statusCode).toBe(400);
    const fields = json(result).errors.map((e: any) => e.field).sort();
    expect(fields).toEqual(['query.cursor', 'query.limit', 'query.status']);
  });

  it('answers 404 problem for unknown routes and conversations', async () => {
    expect((await api(event('GET', '/api/nothing-here', { email: 'julien@acme.test' }))).statusCode).toBe(404);
    expect((await api(event('GET', '/api/conversations/cDoesNotExist', { email: 'julien@acme.test' }))).statusCode).toBe(404);
  });

  it('keeps admin listings for organisation admins', async () => {
    expect((await api(event('GET', '/api/admin/quarantine', { email: 'julien@acme.test' }))).statusCode).toBe(403);
    const result = await api(event('GET', '/api/admin/quarantine', { email: 'camille@acme.test' }));
    expect(result.statusCode).toBe(200);
    expect(json(result)).toEqual({ items: [], nextCursor: null });
  });
});

describe('OpenAPI document', () => {
  it('is public and generated from the route schemas', async () => {
    const result = await api(event('GET', '/api/openapi.json'));
    expect(result.statusCode).toBe(200);
    const doc = json(result);
    expect(doc.openapi).toBe('3.1.0');
    const list = doc.paths['/api/mailboxes/{mailboxId}/conversations'].get;
    expect(list.parameters.map((p: any) => p.name)).toEqual([
      'mailboxId', 'status', 'assignee', 'archived', 'snoozed', 'trashed', 'label', 'qualification', 'hasAttachment', 'from', 'to', 'limit', 'cursor',
    ]);
    expect(list.parameters.find((p: any) => p.name === 'status').schema.enum).toContain('in_progress');
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
  });
});
